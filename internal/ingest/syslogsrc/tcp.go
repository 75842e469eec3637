package syslogsrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"tocsin/internal/ingest"
)

// TCPConfig configures a TCP or, with TLS set, an RFC 5425 listener.
type TCPConfig struct {
	// Name is the source's name in logs and metrics (default "syslog-tcp",
	// or "syslog-tls" with TLS).
	Name string
	// Addr is the address to listen on ("127.0.0.1:5514"; port 0 picks one).
	Addr string
	// Listener is set on every message for tenant rules (default Name).
	Listener string
	// MaxMessageSize caps a message; a longer frame is cut to it and
	// counted in Stats.Errors (default 64 KiB).
	MaxMessageSize int
	// MaxConnections caps the open connections; more are closed at once
	// and counted in Stats.Errors (default 1024).
	MaxConnections int
	// BatchSize caps the messages of one Submit (default 512).
	BatchSize int
	// StopTimeout is how long, once the context ends, messages already
	// read may wait for the sink (default 5 s).
	StopTimeout time.Duration
	// TLS, when set, makes the listener speak TLS.
	TLS *TLSConfig
	// Logger receives connection-level problems (default slog.Default()).
	Logger *slog.Logger
}

// TCP is a syslog listener over TCP or TLS. Each connection is read by
// one goroutine that calls the blocking Submit: a full pipeline stops the
// reading and the sender's TCP window fills.
type TCP struct {
	cfg       TCPConfig
	transport string
	ln        net.Listener
	tlsConf   *tls.Config
	log       *slog.Logger
	stats     counters

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// handshakeTimeout bounds a TLS handshake, so a silent client cannot hold
// a connection slot forever before it is even identified.
const handshakeTimeout = 10 * time.Second

// NewTCP checks cfg, loads the TLS files when cfg.TLS is set, and binds the
// listener, so an address in use is reported before anything runs. Call
// Run, or Close when Run will not be called.
func NewTCP(cfg TCPConfig) (*TCP, error) {
	t := &TCP{cfg: cfg, transport: "tcp", conns: make(map[net.Conn]struct{})}
	if cfg.TLS != nil {
		t.transport = "tls"
		conf, err := cfg.TLS.Load()
		if err != nil {
			return nil, err
		}
		t.tlsConf = conf
	}
	c := &t.cfg
	if c.Name == "" {
		c.Name = "syslog-" + t.transport
	}
	if c.Listener == "" {
		c.Listener = c.Name
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultTCPBatch
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 5 * time.Second
	}
	switch {
	case c.MaxMessageSize < 0 || c.MaxMessageSize > 64<<20:
		return nil, fmt.Errorf("%w: %s: max message size %d is outside 1..64 MiB", ErrConfig, c.Name, c.MaxMessageSize)
	case c.MaxConnections < 0:
		return nil, fmt.Errorf("%w: %s: max connections %d is negative", ErrConfig, c.Name, c.MaxConnections)
	case c.BatchSize < 0:
		return nil, fmt.Errorf("%w: %s: batch size %d is negative", ErrConfig, c.Name, c.BatchSize)
	}
	t.log = c.Logger
	if t.log == nil {
		t.log = slog.Default()
	}
	t.log = t.log.With("source", c.Name)
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if t.tlsConf != nil {
		ln = tls.NewListener(ln, t.tlsConf)
	}
	t.ln = ln
	return t, nil
}

// Name is the source's name.
func (t *TCP) Name() string { return t.cfg.Name }

// Addr is the bound address.
func (t *TCP) Addr() net.Addr { return t.ln.Addr() }

// Stats returns the counters.
func (t *TCP) Stats() ingest.Stats { return t.stats.stats() }

// Close releases the listener of a source whose Run was not called.
func (t *TCP) Close() error { return t.ln.Close() }

// Run accepts connections until ctx ends. Then it stops accepting, wakes
// every connection, lets messages already read reach the sink for up to
// StopTimeout and returns once every connection goroutine has ended.
func (t *TCP) Run(ctx context.Context, sink ingest.Sink) error {
	defer t.ln.Close()
	// Submits outlive ctx by StopTimeout: what was read when the stop came
	// still gets its chance to reach the pipeline.
	drain, cancelDrain := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelDrain()
	stopWake := context.AfterFunc(ctx, t.wakeAll)
	defer stopWake()

	var wg sync.WaitGroup
	var runErr error
	delay := time.Duration(0)
	for {
		c, err := t.ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && !errors.Is(err, net.ErrClosed) {
				// Out of descriptors and the like: wait and retry.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				t.log.Warn("accept failed", "err", err, "retry_in", delay)
				select {
				case <-time.After(delay):
					continue
				case <-ctx.Done():
				}
				break
			}
			runErr = fmt.Errorf("%s: accept: %w", t.cfg.Name, err)
			t.wakeAll()
			break
		}
		delay = 0
		if !t.track(c) {
			continue
		}
		wg.Go(func() {
			defer t.untrack(c)
			t.serve(ctx, drain, c, sink)
		})
	}
	timer := time.AfterFunc(t.cfg.StopTimeout, cancelDrain)
	defer timer.Stop()
	wg.Wait()
	return runErr
}

// track registers c, or closes it when the listener is full or stopping.
func (t *TCP) track(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.closing:
		c.Close()
		return false
	case len(t.conns) >= t.cfg.MaxConnections:
		// Counted before the close, so a client that sees the close
		// also sees the count.
		t.stats.errors.Add(1)
		c.Close()
		t.log.Warn("connection refused: too many connections", "peer", c.RemoteAddr().String(), "max", t.cfg.MaxConnections)
		return false
	}
	t.conns[c] = struct{}{}
	t.stats.connections.Add(1)
	return true
}

func (t *TCP) untrack(c net.Conn) {
	c.Close()
	t.mu.Lock()
	delete(t.conns, c)
	t.mu.Unlock()
	t.stats.connections.Add(-1)
}

// wakeAll closes the listener and makes every blocked Read return, without
// closing the connections under their goroutines' feet.
func (t *TCP) wakeAll() {
	t.ln.Close()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closing = true
	for c := range t.conns {
		_ = c.SetReadDeadline(time.Unix(1, 0))
	}
}

// serve reads one connection until it ends or ctx ends.
func (t *TCP) serve(ctx, drain context.Context, c net.Conn, sink ingest.Sink) {
	peer := peerAddr(c.RemoteAddr())
	var certCN string
	if tc, ok := c.(*tls.Conn); ok {
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				t.stats.errors.Add(1)
				t.log.Warn("TLS handshake failed", "peer", c.RemoteAddr().String(), "err", err)
			}
			return
		}
		certCN = LeafCN(tc.ConnectionState())
	}
	err := t.consume(drain, c, sink, peer, certCN, c.RemoteAddr().String())
	if err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		t.log.Info("connection ended", "peer", c.RemoteAddr().String(), "err", err)
	}
}

// consume frames r until it ends and submits the messages. It returns the
// read error that ended it, nil for a clean end of stream.
func (t *TCP) consume(ctx context.Context, r io.Reader, sink ingest.Sink, peer netip.Addr, certCN, remote string) error {
	st := newStream(t.cfg.MaxMessageSize)
	var spans []span
	for {
		_, err := st.read(r)
		eof := err != nil
		var pr problems
		spans, pr = st.frames(eof, spans[:0])
		if pr.cut > 0 {
			t.stats.errors.Add(uint64(pr.cut))
			t.log.Warn("message longer than the maximum cut", "peer", remote, "count", pr.cut, "max", t.cfg.MaxMessageSize)
		}
		if pr.torn > 0 {
			t.stats.errors.Add(uint64(pr.torn))
			t.log.Warn("connection ended inside an octet-counted frame", "peer", remote)
		}
		if len(spans) > 0 && !t.deliver(ctx, sink, st.buf, spans, peer, certCN) {
			return nil
		}
		if eof {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// deliver copies the messages of one read into one new slab and submits
// them in batches. It returns false when the sink refused them.
func (t *TCP) deliver(ctx context.Context, sink ingest.Sink, buf []byte, spans []span, peer netip.Addr, certCN string) bool {
	base := spans[0].start
	slab := make([]byte, spans[len(spans)-1].end-base)
	copy(slab, buf[base:])
	t.stats.received.Add(uint64(len(spans)))
	for len(spans) > 0 {
		part := spans[:min(len(spans), t.cfg.BatchSize)]
		spans = spans[len(part):]
		msgs := make([]ingest.Message, len(part))
		for i, sp := range part {
			msgs[i] = ingest.Message{
				Data:      slab[sp.start-base : sp.end-base : sp.end-base],
				Format:    FormatLines,
				Transport: t.transport,
				Listener:  t.cfg.Listener,
				Peer:      peer,
				CertCN:    certCN,
			}
		}
		if err := sink.Submit(ctx, &ingest.Batch{Msgs: msgs}); err != nil {
			lost := len(part) + len(spans)
			t.stats.dropped.Add(uint64(lost))
			t.log.Warn("messages dropped: the pipeline did not take them", "count", lost, "err", err)
			return false
		}
	}
	return true
}
