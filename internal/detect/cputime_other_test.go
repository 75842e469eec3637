//go:build !linux

package detect_test

import "time"

// threadCPU is not measured here: the benchmarks then report wall time only.
func threadCPU() time.Duration { return 0 }
