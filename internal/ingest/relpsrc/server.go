// Package relpsrc is a RELP server (https://github.com/rsyslog/librelp/blob/master/doc/relp.md),
// the reliable syslog transport of rsyslog's omrelp.
//
// A message is acknowledged ("rsp 200 OK") only once the pipeline says it
// is durable (Batch.Done(nil)). Responses are written in command order, as
// RELP requires, while later commands keep being read, up to a bound of
// unacknowledged messages per connection.
//
// When a batch cannot be stored (Batch.Done(err)), its commands are NOT
// answered "rsp 500": librelp (1.11, rsyslog 8.2302) removes a command
// answered with an error from its unacknowledged list and never sends it
// again, so the message would be lost. Instead the server answers what
// came before, sends the "serverclose" hint and closes the connection:
// rsyslog reconnects and resends its whole unacknowledged window.
//
// Redelivery and Dedup: after a reconnection rsyslog resends its
// unacknowledged window under NEW transaction numbers, so a transaction
// number cannot identify a message across connections. Message.Dedup is
// therefore a 64-bit FNV-1a hash of the sender's address (without port)
// and the message bytes: stable across connections and process restarts.
// Two byte-identical messages from one host (same timestamp to the
// template's precision) hash alike, and a pipeline that deduplicates on
// this key within a window keeps one of them.
package relpsrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"tocsin/internal/ingest"
)

// ErrConfig reports an unusable configuration.
var ErrConfig = errors.New("RELP source configuration")

// Config configures a RELP listener.
type Config struct {
	// Name is the source's name in logs and metrics (default "relp").
	Name string
	// Addr is the address to listen on; port 0 picks one.
	Addr string
	// Listener is set on every message for tenant rules (default Name).
	Listener string
	// MaxMessageSize caps a message; the rest of a longer one is
	// discarded, counted in Stats.Errors, and the message acknowledged
	// (a refusal would only be resent forever). Default 64 KiB.
	MaxMessageSize int
	// MaxConnections caps the open connections (default 1024).
	MaxConnections int
	// MaxInFlight caps the messages of one connection read but not yet
	// acknowledged; past it the connection is not read (default 1024,
	// omrelp's usual window).
	MaxInFlight int
	// BatchSize caps the messages of one Submit (default 512).
	BatchSize int
	// StopTimeout is how long, once the context ends, batches in flight
	// may wait for their Done so that their acknowledgements still go
	// out (default 5 s).
	StopTimeout time.Duration
	// TLS, when set, makes the listener speak TLS, as librelp's
	// tls="on" does; syslogsrc.TLSConfig.Load builds it from files. A
	// verified client certificate's common name goes to Message.CertCN.
	TLS *tls.Config
	// Logger receives connection-level problems (default slog.Default()).
	Logger *slog.Logger
}

// Server is a RELP listener.
type Server struct {
	cfg   Config
	ln    net.Listener
	log   *slog.Logger
	stats counters

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

type counters struct {
	received, dropped, errors atomic.Uint64
	connections               atomic.Int64
}

// New checks cfg and binds the listener. Call Run, or Close when Run will
// not be called.
func New(cfg Config) (*Server, error) {
	c := &cfg
	if c.Name == "" {
		c.Name = "relp"
	}
	if c.Listener == "" {
		c.Listener = c.Name
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = 64 << 10
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = 1024
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = 1024
	}
	if c.BatchSize == 0 {
		c.BatchSize = 512
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 5 * time.Second
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"max message size", c.MaxMessageSize}, {"max connections", c.MaxConnections}, {"max in flight", c.MaxInFlight}, {"batch size", c.BatchSize}} {
		if v.n < 0 {
			return nil, fmt.Errorf("%w: %s: %s %d is negative", ErrConfig, c.Name, v.name, v.n)
		}
	}
	s := &Server{cfg: cfg, conns: make(map[net.Conn]struct{})}
	s.log = c.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("source", c.Name)
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if c.TLS != nil {
		ln = tls.NewListener(ln, c.TLS)
	}
	s.ln = ln
	return s, nil
}

// Name is the source's name.
func (s *Server) Name() string { return s.cfg.Name }

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close releases the listener of a server whose Run was not called.
func (s *Server) Close() error { return s.ln.Close() }

// Stats returns the counters.
func (s *Server) Stats() ingest.Stats {
	return ingest.Stats{
		Received:    s.stats.received.Load(),
		Dropped:     s.stats.dropped.Load(),
		Errors:      s.stats.errors.Load(),
		Connections: s.stats.connections.Load(),
	}
}

// Run serves until ctx ends. Then it stops accepting and reading, gives
// batches in flight up to StopTimeout to be acknowledged, tells each
// client "serverclose", and returns once every connection has ended.
func (s *Server) Run(ctx context.Context, sink ingest.Sink) error {
	defer s.ln.Close()
	drain, cancelDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelDrain()
	stopWake := context.AfterFunc(ctx, s.wakeAll)
	defer stopWake()

	var wg sync.WaitGroup
	var runErr error
	delay := time.Duration(0)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if !errors.Is(err, net.ErrClosed) {
				// Out of descriptors and the like: wait and retry.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed", "err", err, "retry_in", delay)
				select {
				case <-time.After(delay):
					continue
				case <-ctx.Done():
				}
				break
			}
			runErr = fmt.Errorf("%s: accept: %w", s.cfg.Name, err)
			s.wakeAll()
			break
		}
		delay = 0
		if !s.track(c) {
			continue
		}
		wg.Go(func() {
			defer s.untrack(c)
			newSession(s, c, sink).run(ctx, drain)
		})
	}
	timer := time.AfterFunc(s.cfg.StopTimeout, cancelDrain)
	defer timer.Stop()
	wg.Wait()
	return runErr
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closing:
		c.Close()
		return false
	case len(s.conns) >= s.cfg.MaxConnections:
		// Counted before the close, so a client that sees the close
		// also sees the count.
		s.stats.errors.Add(1)
		c.Close()
		s.log.Warn("connection refused: too many connections", "peer", c.RemoteAddr().String(), "max", s.cfg.MaxConnections)
		return false
	}
	s.conns[c] = struct{}{}
	s.stats.connections.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.stats.connections.Add(-1)
}

// wakeAll closes the listener and makes every blocked read return.
func (s *Server) wakeAll() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closing = true
	for c := range s.conns {
		_ = c.SetReadDeadline(time.Unix(1, 0))
	}
}
