package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// Merging: once a tenant's blocks of fewer than 100 events hold 100
// events, they are merged, in ID order, into blocks of up to mergedMax
// events. After a Compact a tenant has fewer than 100 events, so fewer
// than 100 blocks, under that size, and the store has about one block per
// 100 events or more; an event is rewritten once. Writes of 100 events or
// more per tenant (a loaded pipeline) are never rewritten. The size is the
// literal in blockIndexes' partial index, which every merge query names so
// that SQLite uses that index. Tests give more tiers (smaller sizes first)
// to merge merged blocks again.
const mergedMax = 1000

// defaultTiers are the merging sizes; the last is the partial index's.
func defaultTiers() []int { return []int{100} }

// Compact merges each tenant's small blocks into larger ones, keeping
// every event's ID, and returns how many blocks it removed. The store
// runs it in the background; a merge is one short transaction.
func (s *Store) Compact(ctx context.Context) (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	s.maint.Lock()
	defer s.maint.Unlock()
	removed := 0
	for _, tier := range s.merge.tiers {
		rows, err := s.r.QueryContext(ctx, fmt.Sprintf(`SELECT tenant FROM event_blocks WHERE count < 100 AND count < %d
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
// how many blocks it removed. It reads and encodes from a snapshot, then
// holds the writer only to swap the blocks; s.maint keeps Prune from
// changing them in between.
func (s *Store) mergeSmall(ctx context.Context, tenant string, tier int) (int, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // read only
	rows, err := tx.QueryContext(ctx, "SELECT "+metaCols+fmt.Sprintf(`, data FROM event_blocks WHERE count < 100 AND count < %d AND tenant = ?
		ORDER BY min_id LIMIT %d`, tier, s.merge.mergedMax), tenant)
	if err != nil {
		return 0, err
	}
	var events []store.Event
	var ids []any
	total := 0
	for rows.Next() {
		var m block.Meta
		var data []byte
		if err := rows.Scan(&m.ID, &m.Tenant, &m.MinTS, &m.MaxTS, &m.Count, &m.IPs, &m.MaxReceived, &m.MinID, &m.MaxID, &m.MinReceived, &data); err != nil {
			rows.Close()
			return 0, err
		}
		if total+m.Count > s.merge.mergedMax {
			break
		}
		ev, err := block.Decode(m, data)
		if err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, ev...)
		ids = append(ids, m.ID)
		total += m.Count
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	tx.Rollback() //nolint:errcheck // read only
	if total < tier || len(ids) < 2 {
		return 0, nil
	}
	slices.SortFunc(events, func(a, b store.Event) int { return cmp.Compare(a.ID, b.ID) })
	m, data, err := block.EncodeMerged(events)
	if err != nil {
		return 0, err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer w.Rollback() //nolint:errcheck // after Commit, a no-op
	m.ID = s.nextBlock
	if _, err := w.ExecContext(ctx, insertBlock, blockRow(m, data)...); err != nil {
		return 0, err
	}
	res, err := w.ExecContext(ctx, "DELETE FROM event_blocks WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+")", ids...)
	if err != nil {
		return 0, err
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(ids)) {
		return 0, fmt.Errorf("merging %d blocks of %s: %d were still there (%v)", len(ids), tenant, n, err)
	}
	if err := w.Commit(); err != nil {
		return 0, err
	}
	s.nextBlock++
	return len(ids), nil
}
