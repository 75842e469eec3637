//go:build !linux

package detect

import "time"

// ThreadCPU is not measured here: the benchmarks then report wall time only.
func ThreadCPU() time.Duration { return 0 }
