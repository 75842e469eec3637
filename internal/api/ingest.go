package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"net/netip"
	"time"

	"github.com/valyala/fastjson"

	"tocsin/internal/ingest"
)

// BadLine is one rejected record of a batch.
type BadLine struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

const maxBadLines = 100

// postEvents takes a batch of events (NDJSON, or one JSON array) and
// answers 200 {"accepted":N} once all of them are durable. A batch with a
// bad record is refused whole (400, naming the lines) and nothing of it is
// stored, so a client can fix and resend it without duplicates.
func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	body, err := readBody(w, r, s.o.MaxBody)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("a batch is at most %d bytes: split it", s.o.MaxBody))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	records, bad := split(body)
	dir := s.o.Directory()
	// The tenant of the batch: a tenant token's own; the admin may name
	// one with ?tenant= or per record.
	batchTenant := p.Tenant
	if q := r.URL.Query().Get("tenant"); q != "" {
		if p.Role != Admin && q != p.Tenant {
			writeError(w, http.StatusForbidden, "this token writes only tenant "+p.Tenant)
			return
		}
		if !dir.Known(q) {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("parameter tenant=%q: no such tenant", q))
			return
		}
		batchTenant = q
	}
	var parser fastjson.Parser
	msgs := make([]ingest.Message, 0, len(records))
	peer := remoteAddr(r)
	base := batchID(r, p, body)
	for i, rec := range records {
		v, err := parser.ParseBytes(rec.data)
		if err != nil {
			bad = append(bad, BadLine{Line: rec.line, Error: "not JSON: " + err.Error()})
			continue
		}
		if v.Type() != fastjson.TypeObject {
			bad = append(bad, BadLine{Line: rec.line, Error: "an event is a JSON object"})
			continue
		}
		t := batchTenant
		if tv := v.Get("tenant"); tv != nil {
			b, err := tv.StringBytes()
			switch {
			case err != nil:
				bad = append(bad, BadLine{Line: rec.line, Error: "tenant is not a string"})
				continue
			case p.Role != Admin && string(b) != p.Tenant:
				writeError(w, http.StatusForbidden, fmt.Sprintf("line %d: this token writes only tenant %s", rec.line, p.Tenant))
				return
			case !dir.Known(string(b)):
				bad = append(bad, BadLine{Line: rec.line, Error: fmt.Sprintf("no such tenant %q", b)})
				continue
			}
			t = string(b)
		}
		for _, k := range []string{"timestamp", "@timestamp"} {
			if tv := v.Get(k); tv != nil {
				if b, err := tv.StringBytes(); err != nil {
					bad = append(bad, BadLine{Line: rec.line, Error: k + " is not a string"})
				} else if _, err := time.Parse(time.RFC3339Nano, string(b)); err != nil {
					bad = append(bad, BadLine{Line: rec.line, Error: k + " is not an RFC 3339 time"})
				}
			}
		}
		msgs = append(msgs, ingest.Message{Data: rec.data, Format: "jsonl", Transport: "http", Listener: "http", Peer: peer, Tenant: t, Dedup: lineID(base, i), Retry: true, Exact: true})
	}
	if len(bad) > 0 {
		if len(bad) > maxBadLines {
			bad = bad[:maxBadLines]
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "the batch was refused and nothing was stored; fix these records and send it again", "lines": bad})
		return
	}
	if len(msgs) == 0 {
		writeJSON(w, 200, map[string]int{"accepted": 0})
		return
	}
	done := make(chan error, 1)
	err = s.o.Sink.TrySubmit(&ingest.Batch{Msgs: msgs, Done: func(err error) { done <- err }})
	if errors.Is(err, ingest.ErrFull) {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "the server is busy: retry the same batch later (it will be stored once)")
		return
	}
	if err != nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the server is stopping: retry the same batch later")
		return
	}
	timer := time.NewTimer(s.o.AckTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			s.o.Logger.Error("ingested batch not stored", "tenant", batchTenant, "events", len(msgs), "err", err)
			w.Header().Set("Retry-After", "5")
			writeError(w, http.StatusServiceUnavailable, "the batch could not be stored: retry it later (it will be stored once)")
			return
		}
		writeJSON(w, 200, map[string]int{"accepted": len(msgs)})
	case <-timer.C:
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the batch was not stored in time: retry it (it will be stored once)")
	case <-r.Context().Done():
		// The client left; the batch may still be stored, and its retry
		// will be recognised.
		if errors.Is(r.Context().Err(), context.Canceled) {
			return
		}
	}
}

// readBody reads the whole body (at most max bytes) into one buffer sized
// from Content-Length. The records are slices of it, handed to the
// pipeline as they are: the buffer is not reused.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, max)
	if n := r.ContentLength; n > 0 && n <= max {
		buf := make([]byte, n)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, err
		}
		// A body longer than announced is an error of the client.
		if extra, _ := body.Read(make([]byte, 1)); extra > 0 {
			return nil, errors.New("body longer than its Content-Length")
		}
		return buf, nil
	}
	return io.ReadAll(body)
}

type record struct {
	line int
	data []byte
}

// split cuts NDJSON into lines, or a JSON array into its elements (each
// numbered by the line it starts on).
func split(body []byte) ([]record, []BadLine) {
	trimmed := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return splitArray(body)
	}
	var out []record
	line := 0
	for len(body) > 0 {
		line++
		i := bytes.IndexByte(body, '\n')
		var l []byte
		if i < 0 {
			l, body = body, nil
		} else {
			l, body = body[:i], body[i+1:]
		}
		if line == 1 {
			l = bytes.TrimPrefix(l, []byte("\xef\xbb\xbf"))
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		out = append(out, record{line: line, data: l})
	}
	return out, nil
}

func splitArray(body []byte) ([]record, []BadLine) {
	var parser fastjson.Parser
	v, err := parser.ParseBytes(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, []BadLine{{Line: 1, Error: "not a JSON array: " + err.Error()}}
	}
	arr, err := v.Array()
	if err != nil {
		return nil, []BadLine{{Line: 1, Error: "not a JSON array"}}
	}
	out := make([]record, 0, len(arr))
	for i, e := range arr {
		// Elements are numbered from 1: the "line" of an array batch is
		// its position.
		out = append(out, record{line: i + 1, data: e.MarshalTo(nil)})
	}
	return out, nil
}

// batchID identifies a batch so that a retry is recognised: the client's
// Idempotency-Key when it sends one, else the body itself (a retry sends
// the same bytes). It is scoped by the token's tenant.
func batchID(r *http.Request, p Principal, body []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(p.Tenant))
	h.Write([]byte{0})
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		h.Write([]byte("key:" + k))
	} else {
		h.Write(body)
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func lineID(base [32]byte, i int) uint64 {
	h := fnv.New64a()
	h.Write(base[:])
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(i))
	h.Write(n[:])
	return h.Sum64() | 1
}

func remoteAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
