package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// Events returns matching events, newest event time first.
func (s *Store) Events(ctx context.Context, q store.Query) (int, []store.Event, error) {
	q, err := q.Normalize()
	if err != nil {
		return 0, nil, err
	}
	if err := s.usable(); err != nil {
		return 0, nil, err
	}
	if q.Tenants != nil && len(q.Tenants) == 0 {
		return 0, []store.Event{}, nil
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, s.wrap("events", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	src := &blocks{tx: tx}
	defer src.close()
	total, items, err := block.Query(ctx, src, q)
	return total, items, s.wrap("events", err)
}

// blocks is block.Source over a read transaction.
type blocks struct {
	tx   *sql.Tx
	load *sql.Stmt
}

func (b *blocks) close() {
	if b.load != nil {
		b.load.Close()
	}
}

// filter is the SQL for the blocks a query may reach (cand) and for those
// whose every event matches it (inside; "" when every candidate is).
func filter(q store.Query) (cand string, candArgs []any, inside string, insideArgs []any) {
	var c, in []string
	if q.Tenants != nil {
		c = append(c, "tenant IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Tenants)), ",")+")")
		for _, t := range q.Tenants {
			candArgs = append(candArgs, t)
		}
	}
	if from, to, bounded := q.TimeBounds(); bounded {
		c = append(c, "max_ts >= ? AND min_ts < ?")
		candArgs = append(candArgs, from, to)
		in = append(in, "min_ts >= ? AND max_ts < ? AND NOT (min_ts <= 0 AND max_ts >= 0)")
		insideArgs = append(insideArgs, from, to)
	}
	if q.AfterID > 0 {
		c = append(c, "id >= ? AND max_id > ?") // the row id bound reads the table in order
		candArgs = append(candArgs, q.AfterID/block.Max, q.AfterID)
		in = append(in, "min_id > ?")
		insideArgs = append(insideArgs, q.AfterID)
	}
	if q.SrcIP != "" {
		in = []string{"0"}
		insideArgs = nil
	}
	cand = "1"
	if len(c) > 0 {
		cand = strings.Join(c, " AND ")
	}
	return cand, candArgs, strings.Join(in, " AND "), insideArgs
}

// chunk is how many blocks' metadata one query reads.
const chunk = 256

func (b *blocks) Blocks(ctx context.Context, q store.Query, o block.Order, partial bool, fn func(block.Meta) (bool, error)) error {
	cand, args, inside, insideArgs := filter(q)
	where := cand
	if partial {
		if inside == "" {
			return nil // every candidate is counted by Inside
		}
		where += " AND NOT (" + inside + ")"
		args = append(args, insideArgs...)
	}
	// Keyset pagination: the position after the last block read.
	lastTS, lastID := int64(math.MaxInt64), int64(math.MaxInt64)
	if o != block.Newest {
		lastID = math.MinInt64
	}
	for {
		var next, order string
		var nextArgs []any
		switch o {
		case block.Newest:
			next, order, nextArgs = " AND (max_ts < ? OR (max_ts = ? AND id < ?))", " ORDER BY max_ts DESC, id DESC", []any{lastTS, lastTS, lastID}
		case block.Oldest:
			next, order, nextArgs = " AND min_id > ?", " ORDER BY min_id", []any{lastID}
		default:
			next, order, nextArgs = " AND id > ?", " ORDER BY id", []any{lastID}
		}
		metas, err := b.metas(ctx, "SELECT "+metaCols+" FROM event_blocks WHERE "+
			where+next+order+fmt.Sprintf(" LIMIT %d", chunk), append(append([]any(nil), args...), nextArgs...))
		if err != nil {
			return err
		}
		for _, m := range metas {
			more, err := fn(m)
			if err != nil || !more {
				return err
			}
		}
		if len(metas) < chunk {
			return nil
		}
		last := metas[len(metas)-1]
		lastTS, lastID = last.MaxTS, last.ID
		if o == block.Oldest {
			lastID = last.MinID
		}
	}
}

const metaCols = "id, tenant, min_ts, max_ts, count, ips, last_received, min_id, max_id, min_received"

func (b *blocks) metas(ctx context.Context, query string, args []any) ([]block.Meta, error) {
	rows, err := b.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []block.Meta
	for rows.Next() {
		var m block.Meta
		if err := rows.Scan(&m.ID, &m.Tenant, &m.MinTS, &m.MaxTS, &m.Count, &m.IPs, &m.MaxReceived, &m.MinID, &m.MaxID, &m.MinReceived); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (b *blocks) Inside(ctx context.Context, q store.Query) (int, error) {
	if q.SrcIP != "" {
		return 0, nil
	}
	cand, args, inside, insideArgs := filter(q)
	if inside != "" {
		cand += " AND " + inside
		args = append(args, insideArgs...)
	}
	var n int
	err := b.tx.QueryRowContext(ctx, "SELECT coalesce(sum(count), 0) FROM event_blocks WHERE "+cand, args...).Scan(&n)
	return n, err
}

func (b *blocks) Load(ctx context.Context, id int64) ([]byte, error) {
	if b.load == nil {
		st, err := b.tx.PrepareContext(ctx, `SELECT data FROM event_blocks WHERE id = ?`)
		if err != nil {
			return nil, err
		}
		b.load = st
	}
	var data []byte
	err := b.load.QueryRowContext(ctx, id).Scan(&data)
	return data, err
}

// RecentDedup returns the non-zero dedup values among the last n events
// (the n highest IDs), newest first.
func (s *Store) RecentDedup(ctx context.Context, n int) ([]uint64, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.wrap("recent dedup", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	src := &blocks{tx: tx}
	defer src.close()
	type idDedup struct {
		id int64
		d  uint64
	}
	var got []idDedup
	newestFirst := func() {
		slices.SortFunc(got, func(a, b idDedup) int { return cmp.Compare(b.id, a.id) })
		got = got[:min(len(got), n)]
	}
	// Blocks by row id, descending. Every ID in a block is below
	// (row id + 1) × 65536 (a merged block is younger than its sources), so
	// once n IDs at or above that are kept, older blocks cannot add any.
	before := int64(math.MaxInt64)
scan:
	for {
		metas, err := src.metas(ctx, "SELECT "+metaCols+fmt.Sprintf(" FROM event_blocks WHERE id < ? ORDER BY id DESC LIMIT %d", chunk), []any{before})
		if err != nil {
			return nil, s.wrap("recent dedup", err)
		}
		for _, m := range metas {
			if len(got) >= n {
				newestFirst()
				if got[n-1].id >= (m.ID+1)*block.Max {
					break scan
				}
			}
			data, err := src.Load(ctx, m.ID)
			if err != nil {
				return nil, s.wrap("recent dedup", err)
			}
			events, err := block.Decode(m, data)
			if err != nil {
				return nil, s.wrap("recent dedup", err)
			}
			for i := range events {
				got = append(got, idDedup{events[i].ID, events[i].Dedup})
			}
		}
		if len(metas) < chunk {
			break
		}
		before = metas[len(metas)-1].ID
	}
	newestFirst()
	var out []uint64
	for _, g := range got {
		if g.d != 0 {
			out = append(out, g.d)
		}
	}
	return out, nil
}

// Prune deletes a tenant's events received before the given time, or its
// alerts created before it. A block of events that arrived on both sides
// of the time is rewritten without the old ones, their IDs kept.
func (s *Store) Prune(ctx context.Context, tenant string, alerts bool, before time.Time) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	tenant = store.CleanText(tenant)
	cut := store.Nanos(before)
	if alerts {
		res, err := s.w.ExecContext(ctx, "DELETE FROM alerts WHERE tenant = ? AND created < ?", tenant, cut)
		if err != nil {
			return 0, s.wrap("prune alerts", err)
		}
		n, err := res.RowsAffected()
		return n, s.wrap("prune alerts", err)
	}
	s.maint.Lock()
	defer s.maint.Unlock()
	var total int64
	for {
		n, more, err := s.pruneSome(ctx, tenant, cut)
		total += n
		if err != nil || !more {
			return total, s.wrap("prune events", err)
		}
	}
}

// pruneSome prunes up to chunk of the tenant's blocks in one transaction,
// so that Writes go on between; more says whether blocks remain.
func (s *Store) pruneSome(ctx context.Context, tenant string, cut int64) (n int64, more bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	src := &blocks{tx: tx}
	defer src.close()
	metas, err := src.metas(ctx, "SELECT "+metaCols+fmt.Sprintf(" FROM event_blocks WHERE tenant = ? AND min_received < ? LIMIT %d", chunk), []any{tenant, cut})
	if err != nil {
		return 0, false, err
	}
	for _, m := range metas {
		if m.MaxReceived < cut {
			if _, err := tx.ExecContext(ctx, "DELETE FROM event_blocks WHERE id = ?", m.ID); err != nil {
				return 0, false, err
			}
			n += int64(m.Count)
			continue
		}
		data, err := src.Load(ctx, m.ID)
		if err != nil {
			return 0, false, err
		}
		events, err := block.Decode(m, data)
		if err != nil {
			return 0, false, err
		}
		keep := slices.DeleteFunc(events, func(e store.Event) bool { return store.Nanos(e.Received) < cut })
		n += int64(m.Count - len(keep))
		kept, data, err := block.EncodeMerged(keep) // keep is not empty: MaxReceived >= cut
		if err != nil {
			return 0, false, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_blocks SET min_ts = ?, max_ts = ?, count = ?, ips = ?, last_received = ?,
			data = ?, min_id = ?, max_id = ?, min_received = ? WHERE id = ?`, kept.MinTS, kept.MaxTS, kept.Count, kept.IPs, kept.MaxReceived,
			data, kept.MinID, kept.MaxID, kept.MinReceived, m.ID); err != nil {
			return 0, false, err
		}
	}
	return n, len(metas) == chunk, tx.Commit()
}
