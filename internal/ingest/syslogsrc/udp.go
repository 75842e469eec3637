package syslogsrc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"tocsin/internal/ingest"
)

// UDPConfig configures an RFC 5426 listener.
type UDPConfig struct {
	// Name is the source's name in logs and metrics (default "syslog-udp").
	Name string
	// Addr is the address to listen on; port 0 picks one.
	Addr string
	// Listener is set on every message for tenant rules (default Name).
	Listener string
	// ReceiveBuffer is the socket receive buffer asked for (default
	// 8 MiB). As root it is forced past net.core.rmem_max; otherwise the
	// kernel caps it there. ReceiveBuffer() tells what was granted.
	ReceiveBuffer int
	// MaxMessageSize cuts longer datagrams, counted in Stats.Errors
	// (default 64 KiB: nothing is cut).
	MaxMessageSize int
	// BatchSize caps the datagrams of one TrySubmit (default 256).
	BatchSize int
	// FlushInterval is the longest a datagram waits for its batch to fill
	// (default 20 ms).
	FlushInterval time.Duration
	// Logger receives problems (default slog.Default()).
	Logger *slog.Logger
}

// UDP is a syslog listener over UDP: one datagram, one message. It never
// blocks: a batch the pipeline cannot take is dropped and counted, and the
// kernel's own drops on the socket are read back into Stats.KernelDrops.
type UDP struct {
	cfg    UDPConfig
	conn   *net.UDPConn
	rcvbuf int
	inode  uint64
	log    *slog.Logger
	stats  counters
}

// NewUDP checks cfg and binds the socket.
func NewUDP(cfg UDPConfig) (*UDP, error) {
	c := &cfg
	if c.Name == "" {
		c.Name = "syslog-udp"
	}
	if c.Listener == "" {
		c.Listener = c.Name
	}
	if c.ReceiveBuffer == 0 {
		c.ReceiveBuffer = 8 << 20
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultUDPBatch
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = 20 * time.Millisecond
	}
	switch {
	case c.ReceiveBuffer < 0:
		return nil, fmt.Errorf("%w: %s: receive buffer %d is negative", ErrConfig, c.Name, c.ReceiveBuffer)
	case c.MaxMessageSize < 0:
		return nil, fmt.Errorf("%w: %s: max message size %d is negative", ErrConfig, c.Name, c.MaxMessageSize)
	case c.BatchSize < 0:
		return nil, fmt.Errorf("%w: %s: batch size %d is negative", ErrConfig, c.Name, c.BatchSize)
	case c.FlushInterval < 0:
		return nil, fmt.Errorf("%w: %s: flush interval %s is negative", ErrConfig, c.Name, c.FlushInterval)
	}
	u := &UDP{cfg: cfg}
	u.log = c.Logger
	if u.log == nil {
		u.log = slog.Default()
	}
	u.log = u.log.With("source", c.Name)
	addr, err := net.ResolveUDPAddr("udp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	u.conn = conn
	u.rcvbuf, u.inode, err = tuneSocket(conn, c.ReceiveBuffer)
	if err != nil {
		// Not fatal: the socket works, only the buffer size or the drop
		// counter is unknown.
		u.log.Warn("socket tuning incomplete", "err", err)
	}
	return u, nil
}

// Name is the source's name.
func (u *UDP) Name() string { return u.cfg.Name }

// Addr is the bound address.
func (u *UDP) Addr() net.Addr { return u.conn.LocalAddr() }

// ReceiveBuffer is the receive buffer the kernel granted, as it reports it
// (Linux reports twice the usable size), or 0 if unknown.
func (u *UDP) ReceiveBuffer() int { return u.rcvbuf }

// Close releases the socket of a source whose Run was not called.
func (u *UDP) Close() error { return u.conn.Close() }

// Stats returns the counters, KernelDrops read afresh from the kernel
// (the last value read once the socket is closed).
func (u *UDP) Stats() ingest.Stats {
	if u.inode != 0 {
		if d, ok, err := kernelDrops(u.inode); err == nil && ok {
			u.stats.kernelDrops.Store(d)
		}
	}
	return u.stats.stats()
}

// Run reads datagrams until ctx ends, then submits what it holds and
// returns.
func (u *UDP) Run(ctx context.Context, sink ingest.Sink) error {
	defer u.conn.Close()
	stop := context.AfterFunc(ctx, func() { u.conn.Close() })
	defer stop()

	room := min(u.cfg.MaxMessageSize+1, 1<<16)
	slabSize := max(256<<10, 4*room)
	slab := make([]byte, slabSize)
	off := 0
	batch := make([]ingest.Message, 0, u.cfg.BatchSize)
	dropping := false
	flush := func() {
		if len(batch) == 0 {
			return
		}
		err := sink.TrySubmit(&ingest.Batch{Msgs: batch})
		switch {
		case err == nil && dropping:
			dropping = false
			u.log.Info("pipeline takes datagrams again")
		case err != nil && !dropping:
			dropping = true
			u.log.Warn("datagrams dropped: the pipeline is full", "err", err)
		}
		if err != nil {
			u.stats.dropped.Add(uint64(len(batch)))
		}
		batch = make([]ingest.Message, 0, u.cfg.BatchSize)
	}
	var noDeadline time.Time
	for {
		if len(slab)-off < room {
			slab = make([]byte, slabSize)
			off = 0
		}
		n, from, err := u.conn.ReadFromUDPAddrPort(slab[off : off+room])
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
				flush()
				_ = u.conn.SetReadDeadline(noDeadline)
				continue
			}
			flush()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("%s: read: %w", u.cfg.Name, err)
		}
		data := trimDatagram(slab[off : off+n])
		off += n
		if len(data) == 0 {
			continue
		}
		u.stats.received.Add(1)
		if len(data) > u.cfg.MaxMessageSize {
			data = data[:u.cfg.MaxMessageSize]
			u.stats.errors.Add(1)
		}
		batch = append(batch, ingest.Message{
			Data:      data[:len(data):len(data)],
			Format:    FormatLines,
			Transport: "udp",
			Listener:  u.cfg.Listener,
			Peer:      from.Addr().Unmap(),
		})
		switch len(batch) {
		case u.cfg.BatchSize:
			flush()
			_ = u.conn.SetReadDeadline(noDeadline)
		case 1:
			_ = u.conn.SetReadDeadline(time.Now().Add(u.cfg.FlushInterval))
		}
	}
}

// trimDatagram strips the LF, CR and NUL trailers some senders add.
func trimDatagram(p []byte) []byte {
	for len(p) > 0 {
		switch p[len(p)-1] {
		case '\n', '\r', 0:
			p = p[:len(p)-1]
		default:
			return p
		}
	}
	return p
}

// procNetUDP are the kernel's UDP socket tables.
var procNetUDP = [...]string{"/proc/net/udp", "/proc/net/udp6"}

// kernelDrops reads the drops counter of the socket with this inode.
func kernelDrops(inode uint64) (uint64, bool, error) {
	for _, path := range procNetUDP {
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		d, ok, err := udpDrops(f, inode)
		f.Close()
		if err != nil {
			return 0, false, fmt.Errorf("%s: %w", path, err)
		}
		if ok {
			return d, true, nil
		}
	}
	return 0, false, nil
}
