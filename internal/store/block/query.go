package block

import (
	"cmp"
	"context"
	"slices"

	"tocsin/internal/store"
)

// Order is the order in which a Source lists blocks.
type Order int

const (
	// Newest lists blocks by MaxTS, then ID, descending.
	Newest Order = iota
	// Oldest lists blocks by MinID ascending.
	Oldest
	// Stored lists blocks in the cheapest order for the backend.
	Stored
)

// Source is what a backend gives Query, all read from one snapshot.
type Source interface {
	// Blocks calls fn with the blocks that may hold events matching q's
	// tenants, time range and AfterID (MaxID > AfterID), in the given
	// order, until fn returns false or an error. With partial set it lists
	// only the blocks that Inside does not count.
	Blocks(ctx context.Context, q store.Query, o Order, partial bool, fn func(Meta) (bool, error)) error
	// Inside returns the number of events in the blocks whose every event
	// matches q: blocks of q's tenants entirely inside q's time range
	// (holding no event without a time when the range is bounded), with
	// MinID > AfterID, and none when q filters by address.
	Inside(ctx context.Context, q store.Query) (int, error)
	// Load returns a block's data.
	Load(ctx context.Context, id int64) ([]byte, error)
}

// Query answers store.Events over blocks, from a normalized query with a
// non-empty tenant list or none. It builds the page by decoding blocks
// newest first (or by their first ID with AfterID) until no further block
// can enter it, then counts exactly: the blocks entirely inside the query
// from their metadata, the others by decoding them (once: those the page
// already decoded are not decoded again). A filter on SrcIP counts by
// decoding every block in range that may hold the address (a block lists
// up to 64 addresses in its metadata), so it costs about a decoding of the
// tenant's events in the range: 40-60 ms per million events stored.
func Query(ctx context.Context, src Source, q store.Query) (int, []store.Event, error) {
	from, to, bounded := q.TimeBounds()
	match := func(e *store.Event) bool {
		if bounded {
			ts := store.Nanos(e.Time)
			if ts == 0 || ts < from || ts >= to {
				return false
			}
		}
		return (q.SrcIP == "" || e.SrcIP == q.SrcIP) && e.ID > q.AfterID
	}
	want := q.Offset + q.Limit
	counted := map[int64]int{} // matches in the blocks decoded for the page
	var page []store.Event
	order := Newest
	if q.AfterID > 0 {
		order = Oldest
	}
	err := src.Blocks(ctx, q, order, false, func(m Meta) (bool, error) {
		if q.SrcIP != "" && !m.HasIP(q.SrcIP) {
			counted[m.ID] = 0
			return true, nil
		}
		if len(page) >= want {
			last := &page[want-1]
			if (order == Oldest && m.MinID > last.ID) || (order == Newest && m.MaxTS < store.Nanos(last.Time)) {
				return false, nil // this block, and every later one, would not enter the page
			}
		}
		events, err := load(ctx, src, m)
		if err != nil {
			return false, err
		}
		n := 0
		for i := range events {
			if e := &events[i]; match(e) {
				n++
				page = append(page, *e)
			}
		}
		counted[m.ID] = n
		if order == Newest {
			slices.SortFunc(page, newestFirst)
		} else {
			slices.SortFunc(page, func(a, b store.Event) int { return cmp.Compare(a.ID, b.ID) })
		}
		page = page[:min(len(page), want)]
		return true, nil
	})
	if err != nil {
		return 0, nil, err
	}
	total, err := src.Inside(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	err = src.Blocks(ctx, q, Stored, true, func(m Meta) (bool, error) {
		if n, ok := counted[m.ID]; ok {
			total += n
			return true, nil
		}
		if q.SrcIP != "" && !m.HasIP(q.SrcIP) {
			return true, nil
		}
		events, err := load(ctx, src, m)
		if err != nil {
			return false, err
		}
		for i := range events {
			if match(&events[i]) {
				total++
			}
		}
		return true, nil
	})
	if err != nil {
		return 0, nil, err
	}
	if q.Offset >= len(page) {
		return total, []store.Event{}, nil
	}
	// Strings point into decoded buffers, which the caller keeps alive
	// as long as it holds the events.
	return total, page[q.Offset:], nil
}

func load(ctx context.Context, src Source, m Meta) ([]store.Event, error) {
	data, err := src.Load(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	return Decode(m, data)
}

// newestFirst orders events by time, then ID, descending; events without
// a time sort as Unix time 0.
func newestFirst(a, b store.Event) int {
	ta, tb := store.Nanos(a.Time), store.Nanos(b.Time)
	switch {
	case ta != tb:
		if ta > tb {
			return -1
		}
		return 1
	case a.ID > b.ID:
		return -1
	case a.ID < b.ID:
		return 1
	}
	return 0
}
