package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// Write stores a batch in one transaction: a block per tenant (and per
// 65,536 events), the alerts, the offsets.
func (s *Store) Write(ctx context.Context, b *store.Batch) error {
	if err := b.Validate(); err != nil {
		return err
	}
	if err := s.usable(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(b.Events) == 0 && len(b.Alerts) == 0 && len(b.Offsets) == 0 {
		return nil
	}
	now := time.Now()
	// Encode before taking the writer: compression needs no lock.
	groups, pos := block.Split(b.Events)
	type encoded struct {
		m    block.Meta
		data []byte
	}
	blocks := make([]encoded, len(groups))
	for g, idx := range groups {
		m, data, err := block.Encode(b.Events, idx, now)
		if err != nil {
			return err
		}
		blocks[g] = encoded{m, data}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("write", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	if len(blocks) > 0 {
		st, err := tx.PrepareContext(ctx, insertBlock)
		if err != nil {
			return s.wrap("write events", err)
		}
		defer st.Close()
		for g := range blocks {
			blocks[g].m.Place(s.nextBlock + int64(g))
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, blockRow(blocks[g].m, blocks[g].data)...); err != nil {
				return s.wrap("write events", err)
			}
		}
	}
	eventIDs := make([]int64, len(b.Events))
	for i, p := range pos {
		eventIDs[i] = blocks[p[0]].m.MinID + int64(p[1])
	}
	alertIDs, alertEvents, err := s.writeAlerts(ctx, tx, b, eventIDs, now)
	if err != nil {
		return err
	}
	if len(b.Offsets) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT INTO offsets (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
		if err != nil {
			return s.wrap("write offsets", err)
		}
		defer st.Close()
		for k, v := range b.Offsets {
			if _, err := st.ExecContext(ctx, store.CleanText(k), v); err != nil {
				return s.wrap("write offsets", err)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("commit", err)
	}
	s.nextBlock += int64(len(blocks))
	for i := range b.Events {
		b.Events[i].ID = eventIDs[i]
	}
	for i := range b.Alerts {
		b.Alerts[i].ID, b.Alerts[i].EventIDs = alertIDs[i], alertEvents[i]
	}
	return nil
}

const insertBlock = `INSERT INTO event_blocks (id, tenant, min_ts, max_ts, count, ips, last_received, data, min_id, max_id, min_received)
	VALUES (?,?,?,?,?,?,?,?,?,?,?)`

// blockRow is insertBlock's arguments for a placed block.
func blockRow(m block.Meta, data []byte) []any {
	return []any{m.ID, m.Tenant, m.MinTS, m.MaxTS, m.Count, m.IPs, m.MaxReceived, data, m.MinID, m.MaxID, m.MinReceived}
}

// writeAlerts inserts the batch's alerts, skipping those whose (tenant,
// dedup) is already stored; it returns their IDs (0 when skipped) and
// their EventIDs with EventIdx resolved.
func (s *Store) writeAlerts(ctx context.Context, tx *sql.Tx, b *store.Batch, eventIDs []int64, now time.Time) ([]int64, [][]int64, error) {
	ids := make([]int64, len(b.Alerts))
	evs := make([][]int64, len(b.Alerts))
	if len(b.Alerts) == 0 {
		return ids, evs, nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO alerts (tenant, kind, ts, first, created, rule_id, title, level, level_rank, author,
		tags, src_ip, entities, grp, count, event_ids, dedup) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (tenant, dedup) WHERE dedup != 0 DO NOTHING`)
	if err != nil {
		return nil, nil, s.wrap("write alerts", err)
	}
	defer st.Close()
	c := store.CleanText
	for i := range b.Alerts {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		a := &b.Alerts[i]
		ev := a.EventIDs
		if i < len(b.EventIdx) && len(b.EventIdx[i]) > 0 {
			ev = append(append(make([]int64, 0, len(a.EventIDs)+len(b.EventIdx[i])), a.EventIDs...), idsAt(eventIDs, b.EventIdx[i])...)
		}
		created := a.Created
		if created.IsZero() {
			created = now
		}
		rank, _ := store.LevelRank(a.Level)
		var tags, ents, grp, evJSON string
		for _, j := range []struct {
			dst *string
			v   any
			n   int
		}{{&tags, cleanStrings(a.Tags), len(a.Tags)}, {&ents, cleanMap(a.Entities), len(a.Entities)}, {&grp, cleanMap(a.Group), len(a.Group)}, {&evJSON, ev, len(ev)}} {
			if *j.dst, err = jsonText(j.v, j.n); err != nil {
				return nil, nil, fmt.Errorf("alerts[%d]: %w", i, err)
			}
		}
		res, err := st.ExecContext(ctx, c(a.Tenant), a.Kind, store.Nanos(a.Time), store.Nanos(a.First), store.Nanos(created),
			c(a.RuleID), c(a.Title), a.Level, rank, c(a.Author), tags, c(a.SrcIP), ents, grp, a.Count, evJSON, int64(a.Dedup))
		if err != nil {
			return nil, nil, s.wrap("write alerts", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return nil, nil, s.wrap("write alerts", err)
			}
			evs[i] = a.EventIDs
			continue // a duplicate
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return nil, nil, s.wrap("write alerts", err)
		}
		evs[i] = ev
	}
	return ids, evs, nil
}

func idsAt(ids []int64, idx []int) []int64 {
	out := make([]int64, len(idx))
	for i, k := range idx {
		out[i] = ids[k]
	}
	return out
}

func cleanStrings(v []string) []string {
	clean := make([]string, len(v))
	for i, s := range v {
		clean[i] = store.CleanText(s)
	}
	return clean
}

func cleanMap(v map[string]string) map[string]string {
	clean := make(map[string]string, len(v))
	for k, s := range v {
		clean[store.CleanText(k)] = store.CleanText(s)
	}
	return clean
}

// jsonText is a JSON column: a list or an object, "" for an empty one
// (read back as nil).
func jsonText(v any, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
