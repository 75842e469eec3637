// Package ingest defines what every log source hands to the pipeline.
// Sources (syslog over UDP, TCP and TLS; RELP; HTTP; tailed files) live in
// sub-packages; they frame records and never parse them.
package ingest

import (
	"context"
	"errors"
	"net/netip"
)

// ErrFull is returned by a non-blocking Submit when the pipeline's queue is
// full; the caller drops the batch and counts it.
var ErrFull = errors.New("pipeline queue full")

// Message is one record as received.
type Message struct {
	// Data is one record: a syslog message (frame content without the
	// framing), a text line or a JSON object. The pipeline may keep it:
	// a source must not reuse the slice after Submit.
	Data []byte
	// Format says how Data is decoded: "lines" (syslog or any text line)
	// or "jsonl" (Event JSON).
	Format string
	// Transport is udp, tcp, tls, relp, http or file.
	Transport string
	// Listener is the name of the listener that received the record, so a
	// tenant can be assigned by port.
	Listener string
	// Peer is the sender's address (zero for files).
	Peer netip.Addr
	// CertCN is the verified TLS client certificate's subject common name
	// (empty without one).
	CertCN string
	// Tenant is set when the transport already knows it (an HTTP token,
	// a file configured for a tenant); empty otherwise.
	Tenant string
	// Dedup identifies the delivery so a retried one is stored once
	// (RELP message, HTTP batch line, file offset). 0: none.
	Dedup uint64
	// Retry says the message may repeat a delivery already stored: the
	// pipeline drops it when its Dedup is known. HTTP and file ids are
	// exact, so their messages always set it; a RELP sender resends only
	// its unacknowledged window after a reconnect, so the RELP source sets
	// it on the first messages of a session only. A Dedup without Retry is
	// remembered but never used to drop: two identical syslog lines from
	// one sender (a brute force in one second) are both kept.
	Retry bool
	// Exact says Dedup names this delivery alone (an HTTP batch line, a
	// file offset), so a second copy is a retry even when both arrive
	// together. RELP's ids come from the content and are not exact: within
	// a session, identical messages are genuine.
	Exact bool
	// Offset: for files, the key and the position after this record,
	// saved with the event so a restart resumes after it.
	OffsetKey string
	Offset    int64
}

// Batch is a group of messages submitted together.
type Batch struct {
	Msgs []Message
	// Done, when set, is called once when every message of the batch is
	// durable (err nil) or cannot be (err set). RELP and HTTP acknowledge
	// from it. It must not block.
	Done func(err error)
}

// Sink is the pipeline's entry.
type Sink interface {
	// Submit queues a batch. It blocks while the queue is full (this is
	// the backpressure a TCP, TLS or RELP sender feels) until ctx ends.
	Submit(ctx context.Context, b *Batch) error
	// TrySubmit queues a batch or returns ErrFull at once (UDP).
	TrySubmit(b *Batch) error
}

// Stats are a source's counters, read by the metrics endpoint.
type Stats struct {
	Received    uint64 // records received
	Dropped     uint64 // records dropped by Tocsin (queue full, oversize)
	KernelDrops uint64 // UDP: datagrams the kernel dropped on this socket
	Errors      uint64 // framing or protocol errors
	Connections int64  // open connections
}

// Source is a running listener or tail.
type Source interface {
	// Name identifies it in logs, metrics and tenant rules ("syslog-tcp").
	Name() string
	// Run serves until ctx ends, then stops accepting, finishes what it
	// read and returns.
	Run(ctx context.Context, sink Sink) error
	Stats() Stats
}
