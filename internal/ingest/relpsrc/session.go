package relpsrc

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tocsin/internal/ingest"
)

// Responses the server writes.
const (
	rspOK       = "200 OK"
	rspNotOpen  = "500 session not open: send open first"
	rspUnknown  = "500 unknown command"
	serverClose = "0 serverclose 0\n"
)

// openReply is the data of the answer to open, before the commands.
const openReply = "200 OK\nrelp_version=0\nrelp_software=tocsin\ncommands="

// unit is what the writer answers in command order: the syslog commands
// of one batch, answered when the batch's Done comes, or one other
// command whose answer is known at once.
type unit struct {
	txnrs []int
	rsp   []byte // encoded answer of a non-syslog command
	done  chan struct{}
	err   error
	fired atomic.Bool
	last  bool // close the connection once this is written
}

// finish is the batch's Done: it records the outcome once and never blocks.
func (u *unit) finish(err error) {
	if u.fired.CompareAndSwap(false, true) {
		u.err = err
		close(u.done)
	}
}

// session serves one connection: the calling goroutine reads commands and
// submits batches; a writer goroutine answers them in order.
type session struct {
	srv    *Server
	c      net.Conn
	sink   ingest.Sink
	peer   netip.Addr
	peer16 [16]byte
	remote string
	certCN string
	fr     *frameReader
	slab   []byte

	order      chan *unit
	tokens     chan struct{} // one per unacknowledged syslog command
	writerDone chan struct{}

	opened  bool
	batch   []ingest.Message
	txnrs   []int
	lastLen int
	// messages counts the session's syslog messages: only the first
	// retryZone may be a resent window (Message.Retry).
	messages int
}

// retryZone is how many first messages of a session may repeat what the
// previous session delivered: rsyslog resends at most its window
// (omrelp windowSize, 128 by default, often raised to 1024).
const retryZone = 16384

func newSession(srv *Server, c net.Conn, sink ingest.Sink) *session {
	s := &session{
		srv: srv, c: c, sink: sink, remote: c.RemoteAddr().String(),
		order:      make(chan *unit, 64),
		tokens:     make(chan struct{}, srv.cfg.MaxInFlight),
		writerDone: make(chan struct{}),
		lastLen:    16,
	}
	if ap, err := netip.ParseAddrPort(s.remote); err == nil {
		s.peer = ap.Addr().Unmap()
	}
	s.peer16 = s.peer.As16()
	// One extra byte for the trailing LF of rsyslog's templates, and room
	// for open's offers whatever the message size.
	s.fr = newFrameReader(c, 64<<10, max(srv.cfg.MaxMessageSize+1, 16<<10), s.alloc)
	return s
}

// alloc carves frame data out of a slab shared by many messages; slabs are
// never reused, since the pipeline may keep the messages.
func (s *session) alloc(n int) []byte {
	if n > len(s.slab) {
		s.slab = make([]byte, max(n, 64<<10))
	}
	p := s.slab[:n:n]
	s.slab = s.slab[n:]
	return p
}

// handshakeTimeout bounds a TLS handshake, so a silent client cannot hold
// a connection slot before it is even identified.
const handshakeTimeout = 10 * time.Second

func (s *session) run(ctx, drain context.Context) {
	if tc, ok := s.c.(*tls.Conn); ok {
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				s.srv.stats.errors.Add(1)
				s.srv.log.Warn("TLS handshake failed", "peer", s.remote, "err", err)
			}
			return
		}
		s.certCN = leafCN(tc.ConnectionState())
	}
	// Past StopTimeout, a client that does not read its answers cannot
	// hold the stop.
	stop := context.AfterFunc(drain, func() { _ = s.c.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	var wg sync.WaitGroup
	wg.Go(func() { s.write(ctx, drain) })
	s.read(ctx, drain)
	close(s.order)
	wg.Wait()
}

func (s *session) read(ctx, drain context.Context) {
	for {
		f, err := s.fr.next()
		if err != nil {
			s.flush(drain)
			s.readFailed(ctx, drain, err)
			return
		}
		if f.txnr == 0 {
			continue // a hint: never answered
		}
		switch string(f.cmd) {
		case "syslog":
			if !s.opened {
				s.srv.stats.errors.Add(1)
				s.srv.log.Warn("syslog before open", "peer", s.remote)
				s.answer(drain, f.txnr, rspNotOpen, true)
				return
			}
			if !s.acquire(ctx, drain) {
				return
			}
			s.add(f)
			if len(s.txnrs) >= s.srv.cfg.BatchSize || !s.fr.buffered() {
				if !s.flush(drain) {
					return
				}
			}
		case "open":
			if !s.flush(drain) || !s.answer(drain, f.txnr, openAnswer(f.data), false) {
				return
			}
			s.opened = true
		case "close":
			if s.flush(drain) {
				s.answer(drain, f.txnr, "", true)
			}
			return
		default:
			s.srv.stats.errors.Add(1)
			s.srv.log.Warn("unknown RELP command", "peer", s.remote, "command", string(f.cmd), "txnr", f.txnr)
			if !s.flush(drain) || !s.answer(drain, f.txnr, rspUnknown, false) {
				return
			}
		}
	}
}

// readFailed handles the end of reading: a clean close, a stop, or a
// malformed frame, answered with a 500 when its TXNR is known.
func (s *session) readFailed(ctx, drain context.Context, err error) {
	var fe *FrameError
	switch {
	case errors.Is(err, io.EOF), ctx.Err() != nil:
	case errors.As(err, &fe) && fe.Err == nil:
		s.srv.stats.errors.Add(1)
		s.srv.log.Warn("malformed RELP frame, closing", "peer", s.remote, "err", err)
		if fe.Txnr > 0 {
			s.answer(drain, fe.Txnr, "500 "+fe.Field+": "+fe.Msg, true)
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		s.srv.stats.errors.Add(1)
		s.srv.log.Info("connection ended inside a frame", "peer", s.remote, "err", err)
	default:
		if !errors.Is(err, net.ErrClosed) {
			s.srv.log.Info("connection ended", "peer", s.remote, "err", err)
		}
	}
}

// add appends a syslog command to the batch being built.
func (s *session) add(f frame) {
	s.txnrs = append(s.txnrs, f.txnr)
	data := f.data
	if n := len(data); f.cut == 0 && n > 0 && data[n-1] == '\n' {
		data = data[: n-1 : n-1]
	}
	if f.cut > 0 || len(data) > s.srv.cfg.MaxMessageSize {
		s.srv.stats.errors.Add(1)
		s.srv.log.Warn("message longer than the maximum cut", "peer", s.remote, "txnr", f.txnr, "max", s.srv.cfg.MaxMessageSize)
		data = data[:s.srv.cfg.MaxMessageSize:s.srv.cfg.MaxMessageSize]
	}
	if len(data) == 0 {
		return // acknowledged with the batch, nothing to store
	}
	s.srv.stats.received.Add(1)
	if s.batch == nil {
		s.batch = make([]ingest.Message, 0, s.lastLen)
	}
	s.batch = append(s.batch, ingest.Message{
		Data:      data,
		Format:    "lines",
		Transport: "relp",
		Listener:  s.srv.cfg.Listener,
		Peer:      s.peer,
		CertCN:    s.certCN,
		Dedup:     dedupKey(&s.peer16, data),
		Retry:     s.messages < retryZone,
	})
	s.messages++
}

// acquire takes an in-flight slot for one more syslog command, sending
// the batch being built first when none is free (its acknowledgements are
// what frees them).
func (s *session) acquire(ctx, drain context.Context) bool {
	select {
	case s.tokens <- struct{}{}:
		return true
	default:
	}
	if !s.flush(drain) {
		return false
	}
	select {
	case s.tokens <- struct{}{}:
		return true
	case <-ctx.Done():
	case <-s.writerDone:
	}
	return false
}

// flush queues the batch being built for an answer and submits it.
func (s *session) flush(drain context.Context) bool {
	if len(s.txnrs) == 0 {
		return true
	}
	u := &unit{txnrs: s.txnrs, done: make(chan struct{})}
	msgs := s.batch
	s.lastLen = min(max(16, 2*len(s.txnrs)), s.srv.cfg.BatchSize)
	s.batch, s.txnrs = nil, make([]int, 0, s.lastLen)
	if !s.push(drain, u) {
		return false
	}
	if len(msgs) == 0 {
		u.finish(nil)
		return true
	}
	if err := s.sink.Submit(drain, &ingest.Batch{Msgs: msgs, Done: u.finish}); err != nil {
		s.srv.stats.dropped.Add(uint64(len(msgs)))
		s.srv.log.Warn("messages not submitted; the sender will resend them", "peer", s.remote, "count", len(msgs), "err", err)
		u.finish(err)
		return false
	}
	return true
}

// answer queues the answer to a non-syslog command.
func (s *session) answer(drain context.Context, txnr int, data string, last bool) bool {
	rsp := appendFrame(nil, txnr, "rsp", []byte(data))
	return s.push(drain, &unit{rsp: rsp, last: last})
}

func (s *session) push(drain context.Context, u *unit) bool {
	select {
	case s.order <- u:
		return true
	case <-s.writerDone:
	case <-drain.Done():
	}
	return false
}

// write answers units in order. It ends when the reader closes the order
// queue (answering what is left first), after a last answer, on a write
// error, or when StopTimeout has passed.
func (s *session) write(ctx, drain context.Context) {
	defer close(s.writerDone)
	w := bufio.NewWriterSize(s.c, 16<<10)
	var scratch []byte
	for {
		var u *unit
		var ok bool
		select {
		case u, ok = <-s.order:
		default:
			// Nothing else ready: send what is written before waiting.
			if err := w.Flush(); err != nil {
				s.writeFailed(err)
				return
			}
			u, ok = <-s.order
		}
		if !ok {
			break
		}
		if u.done != nil {
			select {
			case <-u.done:
			default:
				// Answers already written must not wait behind a batch
				// still in flight: the sender's window may depend on them.
				if err := w.Flush(); err != nil {
					s.writeFailed(err)
					return
				}
				select {
				case <-u.done:
				case <-drain.Done():
					// Not acknowledged in time: the sender will resend.
					s.c.Close()
					return
				}
			}
		}
		if u.err != nil {
			// Not stored. A "500" answer would lose the messages:
			// librelp drops a command answered with an error. Left
			// unanswered on a closed session, they are resent.
			s.srv.log.Warn("messages not stored; closing so that the sender resends them", "peer", s.remote, "count", len(u.txnrs), "err", u.err)
			_, _ = w.WriteString(serverClose)
			_ = w.Flush()
			s.c.Close()
			return
		}
		scratch = scratch[:0]
		if u.rsp != nil {
			scratch = append(scratch, u.rsp...)
		}
		for _, txnr := range u.txnrs {
			scratch = appendFrame(scratch, txnr, "rsp", []byte(rspOK))
			<-s.tokens
		}
		if _, err := w.Write(scratch); err != nil {
			s.writeFailed(err)
			return
		}
		if u.last {
			if err := w.Flush(); err != nil {
				s.writeFailed(err)
			}
			return
		}
	}
	if ctx.Err() != nil {
		_, _ = w.WriteString(serverClose)
	}
	if err := w.Flush(); err != nil {
		s.writeFailed(err)
	}
}

// writeFailed closes the connection, which ends the reader too.
func (s *session) writeFailed(err error) {
	if !errors.Is(err, net.ErrClosed) {
		s.srv.log.Info("cannot answer the client", "peer", s.remote, "err", err)
	}
	s.c.Close()
}

// openAnswer answers an open command's offers: RELP version 0 and the
// offered commands this server supports (syslog).
func openAnswer(offers []byte) string {
	var cmds []string
	for line := range strings.SplitSeq(string(offers), "\n") {
		name, value, _ := strings.Cut(line, "=")
		if name != "commands" {
			continue
		}
		for c := range strings.SplitSeq(value, ",") {
			if strings.TrimSpace(c) == "syslog" {
				cmds = append(cmds, "syslog")
			}
		}
	}
	if len(cmds) > 1 {
		cmds = cmds[:1]
	}
	return openReply + strings.Join(cmds, ",")
}

// dedupKey is the FNV-1a 64 hash of the sender's address and the message:
// fixed, so it is the same after a reconnection or a restart. Zero, which
// means "no key", is avoided.
func dedupKey(peer *[16]byte, data []byte) uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	for _, b := range peer {
		h = (h ^ uint64(b)) * prime
	}
	for _, b := range data {
		h = (h ^ uint64(b)) * prime
	}
	if h == 0 {
		h = 1
	}
	return h
}

// leafCN is the subject common name of the verified client certificate,
// or "" when the client sent none.
func leafCN(cs tls.ConnectionState) string {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return ""
	}
	return cs.VerifiedChains[0][0].Subject.CommonName
}
