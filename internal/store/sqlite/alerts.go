package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"tocsin/internal/store"
)

// Alerts returns matching alerts, newest alert time first (ID order with
// AfterID).
func (s *Store) Alerts(ctx context.Context, q store.Query) (int, []store.Alert, error) {
	q, err := q.Normalize()
	if err != nil {
		return 0, nil, err
	}
	if err := s.usable(); err != nil {
		return 0, nil, err
	}
	if q.Tenants != nil && len(q.Tenants) == 0 {
		return 0, []store.Alert{}, nil
	}
	var conds []string
	var args []any
	if q.Tenants != nil {
		conds = append(conds, "tenant IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Tenants)), ",")+")")
		for _, t := range q.Tenants {
			args = append(args, t)
		}
	}
	if from, to, bounded := q.TimeBounds(); bounded {
		conds = append(conds, "ts != 0 AND ts >= ? AND ts < ?")
		args = append(args, from, to)
	}
	if q.SrcIP != "" {
		conds = append(conds, "src_ip = ?")
		args = append(args, q.SrcIP)
	}
	if q.AfterID > 0 {
		conds = append(conds, "id > ?")
		args = append(args, q.AfterID)
	}
	if q.Rule != "" {
		conds = append(conds, "(rule_id = ? OR title = ?)")
		args = append(args, q.Rule, q.Rule)
	}
	if q.Level != "" {
		rank, _ := store.LevelRank(q.Level)
		conds = append(conds, "level_rank >= ?")
		args = append(args, rank)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	order := " ORDER BY ts DESC, id DESC"
	if q.AfterID > 0 {
		order = " ORDER BY id"
	}

	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, nil, s.wrap("alerts", err)
	}
	defer tx.Rollback() //nolint:errcheck // read only
	var total int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM alerts"+where, args...).Scan(&total); err != nil {
		return 0, nil, s.wrap("alerts", err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, tenant, kind, ts, first, created, rule_id, title, level, author, tags, src_ip, entities, grp, count, event_ids, dedup FROM alerts"+
		where+order+" LIMIT ? OFFSET ?", append(args, q.Limit, q.Offset)...)
	if err != nil {
		return 0, nil, s.wrap("alerts", err)
	}
	defer rows.Close()
	out := []store.Alert{}
	for rows.Next() {
		var a store.Alert
		var ts, first, created, dedup int64
		var tags, ents, grp, evs string
		if err := rows.Scan(&a.ID, &a.Tenant, &a.Kind, &ts, &first, &created, &a.RuleID, &a.Title, &a.Level, &a.Author,
			&tags, &a.SrcIP, &ents, &grp, &a.Count, &evs, &dedup); err != nil {
			return 0, nil, s.wrap("alerts", err)
		}
		a.Time, a.First, a.Created, a.Dedup = store.Time(ts), store.Time(first), store.Time(created), uint64(dedup)
		if err := unmarshal(tags, &a.Tags); err == nil {
			if err = unmarshal(ents, &a.Entities); err == nil {
				if err = unmarshal(grp, &a.Group); err == nil {
					err = unmarshal(evs, &a.EventIDs)
				}
			}
			if err != nil {
				return 0, nil, s.wrap("alerts", fmt.Errorf("alert %d: %w", a.ID, err))
			}
		} else {
			return 0, nil, s.wrap("alerts", fmt.Errorf("alert %d tags: %w", a.ID, err))
		}
		a.NilEmpty()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, s.wrap("alerts", err)
	}
	return total, out, nil
}

// unmarshal reads a JSON column; "" (and the "[]" and "{}" of older
// versions) is empty.
func unmarshal(text string, dst any) error {
	if text == "" {
		return nil
	}
	return json.Unmarshal([]byte(text), dst)
}
