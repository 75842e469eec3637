package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// Merging runs in tiers. In tier T, the blocks of fewer than T events
// are merged, in ID order, into blocks of up to mergedMax events as soon as
// a tenant's such blocks hold T events: one-event blocks become blocks of
// 100 or more, and those, ten at a time, blocks of 1,000 or more. After a
// Compact a tenant has fewer than 100 events in blocks of fewer than 100,
// and fewer than 1,000 in blocks of fewer than 1,000, so at most about 110
// small blocks; an event is rewritten at most twice. The last tier is the
// literal in blockIndexes' partial index, which every merge query names so
// that SQLite uses that index.
const mergedMax = 5000

// defaultTiers are the merging tiers; the last is the partial index's.
func defaultTiers() []int { return []int{100, 1000} }

// Compact merges each tenant's small blocks into larger ones, keeping
// every event's ID, and returns how many blocks it removed. The store
// runs it in the background; a merge is one short transaction.
func (s *Store) Compact(ctx context.Context) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	removed := 0
	for _, tier := range s.merge.tiers {
		rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT tenant FROM event_blocks WHERE count < 1000 AND count < %d
			GROUP BY tenant HAVING sum(count) >= %d`, tier, tier))
		if err != nil {
			return removed, s.wrap("compact", err)
		}
		var tenants []string
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				rows.Close()
				return removed, s.wrap("compact", err)
			}
			tenants = append(tenants, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return removed, s.wrap("compact", err)
		}
		for _, t := range tenants {
			for {
				n, err := s.mergeSmall(ctx, t, tier)
				if err != nil {
					return removed, s.wrap("compact", err)
				}
				if n == 0 {
					break
				}
				removed += n
			}
		}
	}
	return removed, nil
}

// mergeSmall merges the tenant's oldest blocks of fewer than tier events,
// up to mergedMax events, if they hold at least tier events; it returns
// how many blocks it removed.
func (s *Store) mergeSmall(ctx context.Context, tenant string, tier int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	src := &blocks{tx: tx}
	metas, err := src.metas(ctx, "SELECT "+metaCols+fmt.Sprintf(` FROM event_blocks WHERE count < 1000 AND count < %d AND tenant = ?
		ORDER BY min_id LIMIT %d`, tier, s.merge.mergedMax), []any{tenant})
	if err != nil {
		return 0, err
	}
	total, take := 0, 0
	for _, m := range metas {
		if total+m.Count > s.merge.mergedMax {
			break
		}
		total += m.Count
		take++
	}
	if total < tier || take < 2 {
		return 0, nil
	}
	var events []store.Event
	ids := make([]any, take)
	for i, m := range metas[:take] {
		var data []byte
		if err := tx.QueryRowContext(ctx, `SELECT data FROM event_blocks WHERE id = ?`, m.ID).Scan(&data); err != nil {
			return 0, err
		}
		ev, err := block.Decode(m, data)
		if err != nil {
			return 0, err
		}
		events = append(events, ev...)
		ids[i] = m.ID
	}
	slices.SortFunc(events, func(a, b store.Event) int { return cmp.Compare(a.ID, b.ID) })
	m, data, err := block.EncodeMerged(events)
	if err != nil {
		return 0, err
	}
	m.ID = s.nextBlock
	if _, err := tx.ExecContext(ctx, insertBlock, blockRow(m, data)...); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM event_blocks WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?,", take), ",")+")", ids...); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	s.nextBlock++
	return take, nil
}
