package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"tocsin/internal/store"
)

// conds builds a WHERE clause: each condition is SQL with ? for its one
// argument.
type conds struct {
	sql  []string
	args []any
}

func (c *conds) add(cond string, args ...any) {
	for _, a := range args {
		c.args = append(c.args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(c.args)), 1)
	}
	c.sql = append(c.sql, cond)
}

func (c *conds) where() string {
	if len(c.sql) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.sql, " AND ")
}

// common adds the filters events and alerts share.
func common(q store.Query) *conds {
	c := &conds{}
	switch {
	case len(q.Tenants) == 1:
		c.add("tenant = ?", q.Tenants[0]) // = ANY would not read the index in order
	case q.Tenants != nil:
		c.add("tenant = ANY(?)", q.Tenants)
	}
	if from, to, bounded := q.TimeBounds(); bounded {
		c.add("ts <> 0")
		c.add("ts >= ?", from)
		c.add("ts < ?", to)
	}
	if q.SrcIP != "" {
		c.add("src_ip = ?", q.SrcIP)
	}
	if q.AfterID > 0 {
		c.add("id > ?", q.AfterID)
	}
	return c
}

const eventCols = "id, tenant, ts, received, host, transport, format, product, category, service, src_ip, raw, dedup"

// eventTenants lists the tenants that have events, one probe of the tenant
// index per tenant (a skip scan).
func eventTenants(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `WITH RECURSIVE t AS (
		(SELECT tenant FROM events ORDER BY tenant LIMIT 1)
		UNION ALL
		SELECT (SELECT tenant FROM events WHERE tenant > t.tenant ORDER BY tenant LIMIT 1) FROM t WHERE t.tenant IS NOT NULL
	) SELECT tenant FROM t WHERE tenant IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if names == nil {
		names = []string{}
	}
	return names, err
}

func order(q store.Query) string {
	if q.AfterID > 0 {
		return " ORDER BY id"
	}
	return " ORDER BY ts DESC, id DESC"
}

// snapshot runs fn in a read-only transaction that sees one snapshot, so
// that a total and its page agree.
func (s *Store) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read only
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Events returns matching events, newest event time first (ID order with
// AfterID).
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
	total, out := 0, []store.Event{}
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		if q.Tenants == nil {
			// Every tenant: name them, so that the tenant index serves.
			var err error
			if q.Tenants, err = eventTenants(ctx, tx); err != nil {
				return err
			}
		}
		c := common(q)
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM events"+c.where(), c.args...).Scan(&total); err != nil {
			return err
		}
		query := "SELECT " + eventCols + " FROM events" + c.where() + order(q)
		if q.AfterID == 0 && len(q.Tenants) > 1 {
			// Merge the newest Offset+Limit of each tenant, each read in
			// the order of the tenant index.
			each := q
			each.Tenants = nil
			c = common(each)
			c.add("tenant = t.name")
			inner := "SELECT " + eventCols + " FROM events" + c.where() + order(q) + fmt.Sprintf(" LIMIT $%d", len(c.args)+2)
			query = fmt.Sprintf("SELECT e.* FROM unnest($%d::text[]) AS t(name) CROSS JOIN LATERAL (%s) e", len(c.args)+1, inner) + order(q)
			c.args = append(c.args, q.Tenants, q.Offset+q.Limit)
		}
		n := len(c.args)
		rows, err := tx.Query(ctx, query+fmt.Sprintf(" LIMIT $%d OFFSET $%d", n+1, n+2), append(c.args, q.Limit, q.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.Event
			var ts, rec, dedup int64
			var raw []byte
			if err := rows.Scan(&e.ID, &e.Tenant, &ts, &rec, &e.Host, &e.Transport, &e.Format, &e.Product, &e.Category, &e.Service, &e.SrcIP, &raw, &dedup); err != nil {
				return err
			}
			e.Time, e.Received, e.Raw, e.Dedup = store.Time(ts), store.Time(rec), string(raw), uint64(dedup)
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, nil, s.wrap("events", err)
	}
	return total, out, nil
}

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
	c := common(q)
	if q.Rule != "" {
		c.add("(rule_id = ? OR title = ?)", q.Rule, q.Rule)
	}
	if q.Level != "" {
		rank, _ := store.LevelRank(q.Level)
		c.add("level_rank >= ?", rank)
	}
	total, out := 0, []store.Alert{}
	err = s.snapshot(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM alerts"+c.where(), c.args...).Scan(&total); err != nil {
			return err
		}
		n := len(c.args)
		rows, err := tx.Query(ctx, "SELECT id, tenant, kind, ts, first, created, rule_id, title, level, author, tags, src_ip, entities, grp, count, event_ids, dedup FROM alerts"+
			c.where()+order(q)+fmt.Sprintf(" LIMIT $%d OFFSET $%d", n+1, n+2), append(c.args, q.Limit, q.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a store.Alert
			var ts, first, created, dedup int64
			if err := rows.Scan(&a.ID, &a.Tenant, &a.Kind, &ts, &first, &created, &a.RuleID, &a.Title, &a.Level, &a.Author,
				&a.Tags, &a.SrcIP, &a.Entities, &a.Group, &a.Count, &a.EventIDs, &dedup); err != nil {
				return err
			}
			a.Time, a.First, a.Created, a.Dedup = store.Time(ts), store.Time(first), store.Time(created), uint64(dedup)
			a.NilEmpty()
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, nil, s.wrap("alerts", err)
	}
	return total, out, nil
}

// RecentDedup returns the non-zero dedup values among the last n events,
// newest first.
func (s *Store) RecentDedup(ctx context.Context, n int) ([]uint64, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT dedup FROM events ORDER BY id DESC LIMIT $1`, n)
	if err != nil {
		return nil, s.wrap("recent dedup", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, s.wrap("recent dedup", err)
	}
	var out []uint64
	for _, d := range all {
		if d != 0 {
			out = append(out, uint64(d))
		}
	}
	return out, nil
}

// Prune deletes a tenant's events received before the given time, or its
// alerts created before it.
func (s *Store) Prune(ctx context.Context, tenant string, alerts bool, before time.Time) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	query := "DELETE FROM events WHERE tenant = $1 AND received < $2"
	if alerts {
		query = "DELETE FROM alerts WHERE tenant = $1 AND created < $2"
	}
	tag, err := s.pool.Exec(ctx, query, store.CleanText(tenant), store.Nanos(before))
	if err != nil {
		return 0, s.wrap("prune", err)
	}
	return tag.RowsAffected(), nil
}
