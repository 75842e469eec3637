package block

import (
	"context"
	"sort"

	"tocsin/internal/store"
)

// Source is what a backend gives the query: the candidate blocks' metadata
// (the tenant and time filters applied, newest MaxTS first) and a loader
// for a block's data.
type Source interface {
	Metas(ctx context.Context, q store.Query) ([]Meta, error)
	Load(ctx context.Context, id int64) ([]byte, error)
}

// Query answers store.Events over blocks: it counts matches exactly
// (from the metadata alone for blocks entirely inside the query and with
// no per-event filter) and decodes blocks newest first until the page is
// complete.
func Query(ctx context.Context, src Source, q store.Query) (int, []store.Event, error) {
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	metas, err := src.Metas(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	from, to := nanos(q.From), nanos(q.To)
	inside := func(m Meta) bool {
		return (q.From.IsZero() || m.MinTS >= from) && (q.To.IsZero() || m.MaxTS < to)
	}
	match := func(e *store.Event) bool {
		ts := nanos(e.Time)
		return (q.From.IsZero() || ts >= from) && (q.To.IsZero() || ts < to) &&
			(q.SrcIP == "" || e.SrcIP == q.SrcIP) && (q.AfterID == 0 || e.ID > q.AfterID)
	}
	want := q.Offset + limit
	var page []store.Event
	total := 0
	full := false // page holds the want newest matches for sure
	for _, m := range metas {
		if q.SrcIP != "" && !m.HasIP(q.SrcIP) {
			continue
		}
		if q.AfterID > 0 && (m.ID+1)*Max <= q.AfterID+1 {
			continue
		}
		// The metas come newest MaxTS first: once the page is complete
		// and this block ends before its oldest event, no later block can
		// enter it, and only the count is needed.
		if !full && len(page) >= want && m.MaxTS < nanos(page[len(page)-1].Time) {
			full = true
		}
		if full && q.SrcIP == "" && q.AfterID == 0 && inside(m) {
			total += m.Count
			continue
		}
		data, err := src.Load(ctx, m.ID)
		if err != nil {
			return 0, nil, err
		}
		events, err := Decode(m, data)
		if err != nil {
			return 0, nil, err
		}
		for i := range events {
			if e := &events[i]; match(e) {
				total++
				if !full {
					page = append(page, *e)
				}
			}
		}
		if !full {
			sortNewest(page)
			if len(page) > want {
				page = page[:want]
			}
		}
	}
	if !full {
		sortNewest(page)
	}
	if q.Offset >= len(page) {
		return total, []store.Event{}, nil
	}
	page = page[q.Offset:]
	if len(page) > limit {
		page = page[:limit]
	}
	// Strings point into decoded buffers, which the caller keeps alive
	// as long as it holds the events.
	return total, page, nil
}

func sortNewest(ev []store.Event) {
	sort.Slice(ev, func(i, j int) bool {
		if !ev[i].Time.Equal(ev[j].Time) {
			return ev[i].Time.After(ev[j].Time)
		}
		return ev[i].ID > ev[j].ID
	})
}
