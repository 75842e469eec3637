// Package block stores events in compressed blocks: one block per tenant
// per Write, up to 65,536 events each, with the metadata that lets a query
// skip it (time range, count, source addresses, last arrival).
//
// Why blocks: a database pays per row and per bound value. Measured with
// modernc.org/sqlite on this project's 2-core machine (5,000-row
// transactions, ~200-byte lines, 20 tenants interleaved, every known trick
// applied: multi-row INSERT OR ROLLBACK so no statement journal, driver
// calls without database/sql, tenant and logsource as integers): one row
// per event costs 1/250,000 s of CPU with no secondary index, 1/200,000 s
// with an index on the event time (which cannot count one tenant's events
// in a range without reading them all) and 1/140,000 s with an index on
// (tenant, time). A block is one row: the cost per event becomes encoding
// and s2 compression, about 1.5 µs of CPU in all (BenchmarkWriteEvents in
// package sqlite writes 440,000-510,000 events/s in 5,000-event batches
// over 20 tenants), logs take about a third of the room, and the block's
// metadata is a (tenant, time) index at a fraction of the price. Reads decode only the blocks that a
// query's tenant and time range reach. Log stores such as Loki keep chunks
// for the same reason.
//
// An event's ID is the row id × 65536 + the position of the block it was
// written in, so IDs grow with insertion and identify an event for ever
// (block row ids are never reused). Small blocks (a Write of few events
// per tenant) are merged later into larger ones (EncodeMerged), which
// keep each event's ID: a merged block lists them.
package block

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/klauspost/compress/s2"

	"tocsin/internal/store"
)

// Max is the most events in one block (positions are 16 bits).
const Max = 1 << 16

// maxIPs is how many distinct source addresses a block lists in its
// metadata; a block with more must be decoded to be searched by address.
const maxIPs = 64

// Block format versions: 1 is a Write's block, whose IDs follow from its
// row id; 2 is a merged block, which lists its IDs.
const (
	written = 1
	merged  = 2
)

// ErrCorrupt is returned for a block that does not decode.
var ErrCorrupt = errors.New("corrupt event")

// Meta describes a block: what a query needs to choose or skip it.
type Meta struct {
	ID           int64 // row id, assigned by the database
	Tenant       string
	MinTS, MaxTS int64 // event time, Unix nanoseconds (0: no time)
	MinID, MaxID int64 // the events' IDs
	Count        int
	IPs          string // ",a,b,c," or "" when over maxIPs distinct
	MinReceived  int64  // arrivals, Unix nanoseconds: retention
	MaxReceived  int64
}

// HasIP reports whether the block may hold events from ip.
func (m Meta) HasIP(ip string) bool {
	return m.IPs == "" || strings.Contains(m.IPs, ","+ip+",")
}

// Encode packs the events at idx (one tenant's, at most Max) into a
// block; Place then gives it its row id. Strings other than Raw go through
// store.CleanText and times through store.Nanos, as in every store; a
// zero Received becomes now.
func Encode(events []store.Event, idx []int, now time.Time) (Meta, []byte, error) {
	return encode(written, events, idx, now)
}

// Place sets the row id of a block from Encode, and so its events' IDs.
func (m *Meta) Place(rowID int64) {
	m.ID, m.MinID, m.MaxID = rowID, rowID*Max, rowID*Max+int64(m.Count)-1
}

// EncodeMerged packs decoded events of one tenant, in ascending ID order,
// into one block that keeps their IDs.
func EncodeMerged(events []store.Event) (Meta, []byte, error) {
	idx := make([]int, len(events))
	for i := range events {
		idx[i] = i
		if i > 0 && events[i].ID <= events[i-1].ID {
			return Meta{}, nil, fmt.Errorf("merging events out of ID order (%d after %d)", events[i].ID, events[i-1].ID)
		}
	}
	m, data, err := encode(merged, events, idx, time.Time{})
	if err == nil {
		m.MinID, m.MaxID = events[0].ID, events[len(events)-1].ID
	}
	return m, data, err
}

func encode(version byte, events []store.Event, idx []int, now time.Time) (Meta, []byte, error) {
	if len(idx) == 0 || len(idx) > Max {
		return Meta{}, nil, fmt.Errorf("block of %d events (1..%d)", len(idx), Max)
	}
	tenant := events[idx[0]].Tenant
	m := Meta{Tenant: store.CleanText(tenant), Count: len(idx)}
	ips := map[string]bool{}
	size := 16
	for _, k := range idx {
		e := &events[k]
		size += 50 + len(e.Host) + len(e.Transport) + len(e.Format) + len(e.Product) + len(e.Category) + len(e.Service) + len(e.SrcIP) + len(e.Raw)
	}
	buf := make([]byte, 0, size)
	buf = append(buf, version)
	buf = binary.AppendUvarint(buf, uint64(len(idx)))
	var prev int64
	for i, k := range idx {
		e := &events[k]
		if e.Tenant != tenant {
			return Meta{}, nil, fmt.Errorf("%w: a block holds one tenant", store.ErrInvalid)
		}
		if version == merged {
			buf = binary.AppendUvarint(buf, uint64(e.ID-prev)) // the first is the ID itself
			prev = e.ID
		}
		ts, rec := store.Nanos(e.Time), store.Nanos(e.Received)
		if rec == 0 {
			rec = store.Nanos(now)
		}
		if i == 0 || ts < m.MinTS {
			m.MinTS = ts
		}
		if i == 0 || ts > m.MaxTS {
			m.MaxTS = ts
		}
		if i == 0 || rec < m.MinReceived {
			m.MinReceived = rec
		}
		m.MaxReceived = max(m.MaxReceived, rec)
		ip := store.CleanText(e.SrcIP)
		if ip != "" && len(ips) <= maxIPs {
			ips[ip] = true
		}
		buf = binary.AppendVarint(buf, ts)
		buf = binary.AppendVarint(buf, rec)
		buf = binary.LittleEndian.AppendUint64(buf, e.Dedup)
		c := store.CleanText
		for _, s := range [...]string{c(e.Host), c(e.Transport), c(e.Format), c(e.Product), c(e.Category), c(e.Service), ip, e.Raw} {
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			buf = append(buf, s...)
		}
	}
	if len(ips) <= maxIPs {
		list := make([]string, 0, len(ips))
		for ip := range ips {
			list = append(list, ip)
		}
		sort.Strings(list)
		m.IPs = "," + strings.Join(list, ",") + ","
	}
	return m, s2.Encode(nil, buf), nil
}

// Decode unpacks a block. Strings of the events share one buffer.
func Decode(m Meta, data []byte) ([]store.Event, error) {
	raw, err := s2.Decode(nil, data)
	if err != nil {
		return nil, fmt.Errorf("%w block %d: %w", ErrCorrupt, m.ID, err)
	}
	if len(raw) == 0 || (raw[0] != written && raw[0] != merged) {
		return nil, fmt.Errorf("%w block %d: unknown version", ErrCorrupt, m.ID)
	}
	version := raw[0]
	p := raw[1:]
	n, k := binary.Uvarint(p)
	if k <= 0 || n > Max {
		return nil, fmt.Errorf("%w block %d: bad count", ErrCorrupt, m.ID)
	}
	p = p[k:]
	out := make([]store.Event, n)
	var id int64
	for i := range out {
		e := &out[i]
		e.ID, e.Tenant = m.ID*Max+int64(i), m.Tenant
		if version == merged {
			d, k := binary.Uvarint(p)
			if k <= 0 || d > math.MaxInt64/2 || (i > 0 && d == 0) {
				return nil, fmt.Errorf("%w block %d: event %d id", ErrCorrupt, m.ID, i)
			}
			id += int64(d)
			e.ID, p = id, p[k:]
		}
		ts, k1 := binary.Varint(p)
		if k1 <= 0 {
			return nil, fmt.Errorf("%w block %d: event %d", ErrCorrupt, m.ID, i)
		}
		rec, k2 := binary.Varint(p[k1:])
		if k2 <= 0 || len(p) < k1+k2+8 {
			return nil, fmt.Errorf("%w block %d: event %d", ErrCorrupt, m.ID, i)
		}
		e.Time, e.Received = store.Time(ts), store.Time(rec)
		e.Dedup = binary.LittleEndian.Uint64(p[k1+k2:])
		p = p[k1+k2+8:]
		for _, dst := range [...]*string{&e.Host, &e.Transport, &e.Format, &e.Product, &e.Category, &e.Service, &e.SrcIP, &e.Raw} {
			l, k := binary.Uvarint(p)
			if k <= 0 || uint64(len(p)-k) < l {
				return nil, fmt.Errorf("%w block %d: event %d", ErrCorrupt, m.ID, i)
			}
			s := p[k : k+int(l)]
			if len(s) > 0 {
				*dst = unsafe.String(&s[0], len(s))
			}
			p = p[k+int(l):]
		}
	}
	return out, nil
}

// Split groups a batch's events into blocks by tenant, in batch order:
// groups[g] lists the indexes of block g's events, and pos[i] is (block,
// position) of events[i].
func Split(events []store.Event) (groups [][]int, pos [][2]int) {
	pos = make([][2]int, len(events))
	open := map[string]int{}
	for i := range events {
		t := events[i].Tenant
		g, ok := open[t]
		if !ok || len(groups[g]) == Max {
			g = len(groups)
			groups = append(groups, nil)
			open[t] = g
		}
		pos[i] = [2]int{g, len(groups[g])}
		groups[g] = append(groups[g], i)
	}
	return groups, pos
}
