//go:build linux

package detect

import (
	"syscall"
	"time"
	"unsafe"
)

// ThreadCPU returns the CPU time of the calling thread: on a shared,
// loaded machine it moves far less than wall time when other processes
// take the core. The caller locks its goroutine to the thread.
func ThreadCPU() time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}
