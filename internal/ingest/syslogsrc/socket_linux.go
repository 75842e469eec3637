package syslogsrc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// tuneSocket asks for a receive buffer of want bytes (forced past
// net.core.rmem_max when the process may: root or CAP_NET_ADMIN), reads
// back what the kernel granted, and finds the socket's inode, the key of
// its row in /proc/net/udp.
func tuneSocket(c *net.UDPConn, want int) (got int, inode uint64, err error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	cerr := rc.Control(func(fd uintptr) {
		s := int(fd)
		if e := syscall.SetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, want); e != nil {
			if e := syscall.SetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_RCVBUF, want); e != nil {
				errs = append(errs, fmt.Errorf("SO_RCVBUF %d: %w", want, e))
			}
		}
		var e error
		if got, e = syscall.GetsockoptInt(s, syscall.SOL_SOCKET, syscall.SO_RCVBUF); e != nil {
			errs = append(errs, fmt.Errorf("reading SO_RCVBUF: %w", e))
		}
		link, e := os.Readlink("/proc/self/fd/" + strconv.Itoa(s))
		if e != nil {
			errs = append(errs, fmt.Errorf("socket inode: %w", e))
			return
		}
		// "socket:[12345]"
		num, ok := strings.CutPrefix(link, "socket:[")
		num, ok2 := strings.CutSuffix(num, "]")
		if !ok || !ok2 {
			errs = append(errs, fmt.Errorf("socket inode: unexpected link %q", link))
			return
		}
		if inode, e = strconv.ParseUint(num, 10, 64); e != nil {
			errs = append(errs, fmt.Errorf("socket inode %q: %w", link, e))
		}
	})
	return got, inode, errors.Join(append(errs, cerr)...)
}
