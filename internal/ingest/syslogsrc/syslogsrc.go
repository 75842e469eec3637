// Package syslogsrc receives syslog messages over UDP (RFC 5426), TCP
// (RFC 6587, octet counting or LF framing, told apart per frame) and TLS
// (RFC 5425). It frames messages and never parses them. Neither transport
// acknowledges anything, so messages carry no Dedup key.
//
// Message.Data slices handed over by one read share one backing array: a
// consumer that keeps a few messages for long should copy them.
package syslogsrc

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"

	"tocsin/internal/ingest"
)

// Defaults of the configurations.
const (
	DefaultMaxMessageSize = 64 << 10
	DefaultMaxConnections = 1024
	DefaultTCPBatch       = 512
	DefaultUDPBatch       = 256
)

// ErrConfig reports an unusable configuration.
var ErrConfig = errors.New("syslog source configuration")

// FormatLines is the Message.Format of every syslog message.
const FormatLines = "lines"

// counters are the atomic counters behind ingest.Stats.
type counters struct {
	received, dropped, kernelDrops, errors atomic.Uint64
	connections                            atomic.Int64
}

func (c *counters) stats() ingest.Stats {
	return ingest.Stats{
		Received:    c.received.Load(),
		Dropped:     c.dropped.Load(),
		KernelDrops: c.kernelDrops.Load(),
		Errors:      c.errors.Load(),
		Connections: c.connections.Load(),
	}
}

// peerAddr is the IP of a remote address, IPv4-mapped addresses unmapped.
func peerAddr(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap()
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
