package correlate

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"time"

	"tocsin/internal/sigma"
)

// ErrState is wrapped by Restore when the saved state cannot be read.
var ErrState = errors.New("correlation state unreadable")

// Carry moves the state of old's correlations into e's where the rule is
// the same: same name or id, same correlation section (references by
// name included).
// A reload that leaves a correlation alone thus keeps its open windows
// and what first_seen learnt; a changed one starts over. old must not be
// used afterwards.
func (e *Engine) Carry(old *Engine) {
	if old == nil {
		return
	}
	prev := map[string]*corr{}
	for _, c := range old.corrs {
		if k := c.rule.Ref(); k != "" {
			prev[k] = c
		}
	}
	for _, c := range e.corrs {
		o := prev[c.rule.Ref()]
		if o == nil || !sameCorrelation(o.rule, c.rule) || len(o.groups) == 0 {
			continue
		}
		c.groups, c.heap, c.stats = o.groups, o.heap, o.stats
		// The recency list hangs off a sentinel inside corr: relink
		// its ends to the new one.
		if o.lru.next != &o.lru {
			c.lru.next, c.lru.prev = o.lru.next, o.lru.prev
			c.lru.next.prev, c.lru.prev.next = &c.lru, &c.lru
		}
		o.groups, o.heap = nil, nil
		o.lru.next, o.lru.prev = &o.lru, &o.lru
		for len(c.groups) > c.maxGroups {
			c.stats.Evicted++
			c.remove(c.lru.prev)
		}
	}
	e.seq = max(e.seq, old.seq)
}

// sameCorrelation reports whether two rules correlate alike.
func sameCorrelation(a, b *sigma.Rule) bool {
	x, y := *a.Correlation, *b.Correlation
	x.Pos, y.Pos = sigma.Pos{}, sigma.Pos{}
	return reflect.DeepEqual(x, y) && a.Generate == b.Generate
}

// firstSeenState is the saved form of first_seen correlations: what each
// group learnt.
type firstSeenState struct {
	Version int                         `json:"version"`
	Rules   map[string][]firstSeenGroup `json:"rules"` // by name or id
}

type firstSeenGroup struct {
	Values []string             `json:"group"`
	Anchor time.Time            `json:"first"`
	Newest time.Time            `json:"last"`
	Hits   int                  `json:"hits"`
	Seen   map[string]time.Time `json:"seen"`
}

const firstSeenVersion = 1

// FirstSeenState returns what the first_seen correlations learnt, for
// RestoreFirstSeen after a restart: unlike counting windows, which last
// minutes, they remember for weeks, and starting over would mean
// learning again. It returns nil when there is nothing to keep.
func (e *Engine) FirstSeenState() ([]byte, error) {
	s := firstSeenState{Version: firstSeenVersion, Rules: map[string][]firstSeenGroup{}}
	for _, c := range e.corrs {
		k := c.rule.Ref()
		if c.typ != sigma.FirstSeen || k == "" || len(c.groups) == 0 {
			continue
		}
		gs := make([]firstSeenGroup, 0, len(c.groups))
		// Least recently updated first, so a restore rebuilds the
		// recency order.
		for g := c.lru.prev; g != &c.lru; g = g.prev {
			gs = append(gs, firstSeenGroup{Values: g.vals, Anchor: g.anchor, Newest: g.newest, Hits: g.n, Seen: g.seen})
		}
		s.Rules[k] = gs
	}
	if len(s.Rules) == 0 {
		return nil, nil
	}
	return json.Marshal(s)
}

// RestoreFirstSeen loads what FirstSeenState saved into e's first_seen
// correlations of the same name or id; groups already in e stay. It is
// meant for a fresh engine, before any hit.
func (e *Engine) RestoreFirstSeen(data []byte) error {
	var s firstSeenState
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	if s.Version != firstSeenVersion {
		return fmt.Errorf("%w: version %d, want %d", ErrState, s.Version, firstSeenVersion)
	}
	for _, c := range e.corrs {
		gs := s.Rules[c.rule.Ref()]
		if c.typ != sigma.FirstSeen || len(gs) == 0 {
			continue
		}
		nf := len(c.rule.Correlation.GroupBy)
		for _, sg := range gs {
			if len(sg.Values) != nf {
				continue // group-by changed since
			}
			var kb []byte
			for _, v := range sg.Values {
				kb = appendKey(kb, v)
			}
			key := string(kb)
			if c.groups[key] != nil {
				continue
			}
			e.seq++
			g := c.create(key, nf, sg.Anchor, e.seq)
			g.newest, g.n = sg.Newest, sg.Hits
			vals := make([]string, 0, len(sg.Seen))
			for v := range sg.Seen {
				vals = append(vals, v)
			}
			// Keep the most recently seen values if the cap shrank.
			sort.Slice(vals, func(i, j int) bool { return sg.Seen[vals[i]].After(sg.Seen[vals[j]]) })
			for _, v := range vals[:min(len(vals), c.maxValues)] {
				g.seen[v] = sg.Seen[v]
			}
		}
	}
	return nil
}
