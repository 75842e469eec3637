//go:build !linux

package syslogsrc

import "net"

// tuneSocket asks for the receive buffer; the kernel drop counter is read
// from /proc on Linux only.
func tuneSocket(c *net.UDPConn, want int) (got int, inode uint64, err error) {
	return 0, 0, c.SetReadBuffer(want)
}
