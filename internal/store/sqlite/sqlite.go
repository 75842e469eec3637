// Package sqlite is the default store: one SQLite file (modernc.org/sqlite,
// pure Go, so the binary stays static) in WAL mode.
//
// Durability: WAL with synchronous=NORMAL. A committed transaction survives
// the process being killed (kill -9): it is in the WAL file, which the next
// open replays. Only an operating-system crash or a power loss can lose the
// last transactions before a checkpoint; synchronous=FULL would close that
// gap at several times the cost per commit.
//
// One connection writes (SQLite has one writer anyway); a small pool reads,
// which WAL lets run beside the writer.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// Store is a SQLite store.
type Store struct {
	w, r *sql.DB
}

var _ store.Store = (*Store)(nil)

const schemaVersion = "2"

const schema = `
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS offsets (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- Events live in compressed blocks, one per tenant per pipeline flush
-- (internal/store/block): a row per event would cap ingestion at what
-- SQLite inserts per second.
CREATE TABLE IF NOT EXISTS event_blocks (
	id INTEGER PRIMARY KEY,
	tenant TEXT NOT NULL,
	min_ts INTEGER NOT NULL,
	max_ts INTEGER NOT NULL,
	count INTEGER NOT NULL,
	ips TEXT NOT NULL,
	last_received INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS event_blocks_tenant_ts ON event_blocks (tenant, max_ts);
CREATE INDEX IF NOT EXISTS event_blocks_ts ON event_blocks (max_ts);
CREATE TABLE IF NOT EXISTS alerts (
	id INTEGER PRIMARY KEY,
	tenant TEXT NOT NULL,
	kind TEXT NOT NULL,
	ts INTEGER NOT NULL,
	first INTEGER NOT NULL,
	created INTEGER NOT NULL,
	rule_id TEXT NOT NULL,
	title TEXT NOT NULL,
	level TEXT NOT NULL,
	level_rank INTEGER NOT NULL,
	author TEXT NOT NULL,
	tags TEXT NOT NULL,
	src_ip TEXT NOT NULL,
	entities TEXT NOT NULL,
	grp TEXT NOT NULL,
	count INTEGER NOT NULL,
	event_ids TEXT NOT NULL,
	dedup INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_tenant_ts ON alerts (tenant, ts);
CREATE INDEX IF NOT EXISTS alerts_rule ON alerts (rule_id);
CREATE INDEX IF NOT EXISTS alerts_src_ip ON alerts (src_ip);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_dedup ON alerts (tenant, dedup) WHERE dedup != 0;
`

// Open opens (or creates) the database file at path.
func Open(ctx context.Context, path string) (*Store, error) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "cache_size(-65536)"} {
		q.Add("_pragma", p)
	}
	dsn := "file:" + path + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	if _, err := w.ExecContext(ctx, schema); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: creating the schema: %w", path, err)
	}
	var v string
	err = w.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'schema_version'`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('schema_version', ?)`, schemaVersion); err != nil {
			w.Close()
			return nil, err
		}
	case err != nil:
		w.Close()
		return nil, err
	case v != schemaVersion:
		w.Close()
		return nil, fmt.Errorf("sqlite %s: schema version %s, this tocsin knows %s", path, v, schemaVersion)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	return &Store{w: w, r: r}, nil
}

// Close closes the database.
func (s *Store) Close() error { return errors.Join(s.r.Close(), s.w.Close()) }

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

var levelRank = map[string]int{"": 0, "informational": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// Write stores a batch in one transaction.
func (s *Store) Write(ctx context.Context, b *store.Batch) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	ids := make([]int64, len(b.Events))
	if len(b.Events) > 0 {
		for _, e := range b.Events {
			if e.Tenant == "" {
				return fmt.Errorf("%w: an event without a tenant", store.ErrInvalid)
			}
		}
		groups, pos := block.Split(b.Events)
		blockIDs := make([]int64, len(groups))
		st, err := tx.PrepareContext(ctx, `INSERT INTO event_blocks (tenant, min_ts, max_ts, count, ips, last_received, data) VALUES (?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for g, events := range groups {
			m, data, err := block.Encode(events)
			if err != nil {
				return err
			}
			res, err := st.ExecContext(ctx, m.Tenant, m.MinTS, m.MaxTS, m.Count, m.IPs, m.LastReceivedNS, data)
			if err != nil {
				return err
			}
			if blockIDs[g], err = res.LastInsertId(); err != nil {
				return err
			}
		}
		for i, p := range pos {
			ids[i] = blockIDs[p[0]]*block.Max + int64(p[1])
		}
	}
	if len(b.Alerts) > 0 {
		st, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO alerts (tenant, kind, ts, first, created, rule_id, title, level, level_rank, author, tags, src_ip, entities, grp, count, event_ids, dedup) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		now := time.Now()
		for i, a := range b.Alerts {
			if a.Tenant == "" {
				return fmt.Errorf("%w: an alert without a tenant", store.ErrInvalid)
			}
			evIDs := append([]int64(nil), a.EventIDs...)
			if i < len(b.EventIdx) {
				for _, k := range b.EventIdx[i] {
					if k < 0 || k >= len(ids) {
						return fmt.Errorf("%w: alert %d refers to event %d of a batch of %d", store.ErrInvalid, i, k, len(ids))
					}
					evIDs = append(evIDs, ids[k])
				}
			}
			created := a.Created
			if created.IsZero() {
				created = now
			}
			if _, err := st.ExecContext(ctx, a.Tenant, a.Kind, nanos(a.Time), nanos(a.First), nanos(created), a.RuleID, a.Title, a.Level, levelRank[a.Level], a.Author,
				jsonText(a.Tags, "[]"), a.SrcIP, jsonText(a.Entities, "{}"), jsonText(a.Group, "{}"), a.Count, jsonText(evIDs, "[]"), int64(a.Dedup)); err != nil {
				return err
			}
		}
	}
	for k, v := range b.Offsets {
		if _, err := tx.ExecContext(ctx, `INSERT INTO offsets (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func jsonText[T any](v T, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}

// RecentDedup returns the dedup ids of the last n events, newest first.
func (s *Store) RecentDedup(ctx context.Context, n int) ([]uint64, error) {
	var out []uint64
	before := int64(math.MaxInt64)
	for len(out) < n {
		var m block.Meta
		var data []byte
		err := s.r.QueryRowContext(ctx, `SELECT id, tenant, count, data FROM event_blocks WHERE id < ? ORDER BY id DESC LIMIT 1`, before).Scan(&m.ID, &m.Tenant, &m.Count, &data)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, err
		}
		before = m.ID
		events, err := block.Decode(m, data)
		if err != nil {
			return nil, err
		}
		for i := len(events) - 1; i >= 0 && len(out) < n; i-- {
			if d := events[i].Dedup; d != 0 {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// where builds the filters shared by events and alerts.
func where(q store.Query, alerts bool) (string, []any, error) {
	var conds []string
	var args []any
	if q.Tenants != nil {
		if len(q.Tenants) == 0 {
			return "", nil, errNone
		}
		conds = append(conds, "tenant IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Tenants)), ",")+")")
		for _, t := range q.Tenants {
			args = append(args, t)
		}
	}
	if !q.From.IsZero() {
		conds = append(conds, "ts >= ?")
		args = append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		conds = append(conds, "ts < ?")
		args = append(args, q.To.UnixNano())
	}
	if q.SrcIP != "" {
		conds = append(conds, "src_ip = ?")
		args = append(args, q.SrcIP)
	}
	if q.AfterID > 0 {
		conds = append(conds, "id > ?")
		args = append(args, q.AfterID)
	}
	if alerts {
		if q.Rule != "" {
			conds = append(conds, "(rule_id = ? OR title = ?)")
			args = append(args, q.Rule, q.Rule)
		}
		if q.Level != "" {
			r, ok := levelRank[q.Level]
			if !ok {
				return "", nil, fmt.Errorf("%w: level %q", store.ErrInvalid, q.Level)
			}
			conds = append(conds, "level_rank >= ?")
			args = append(args, r)
		}
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// errNone: the query can match nothing.
var errNone = errors.New("no tenant")

func page(q store.Query) (limit, offset int, err error) {
	if q.Limit < 0 || q.Offset < 0 {
		return 0, 0, fmt.Errorf("%w: negative limit or offset", store.ErrInvalid)
	}
	limit = q.Limit
	if limit == 0 {
		limit = 100
	}
	return min(limit, 1000), q.Offset, nil
}

// Events returns matching events, newest event time first.
func (s *Store) Events(ctx context.Context, q store.Query) (int, []store.Event, error) {
	if _, _, err := page(q); err != nil {
		return 0, nil, err
	}
	if q.Tenants != nil && len(q.Tenants) == 0 {
		return 0, []store.Event{}, nil
	}
	return block.Query(ctx, blocks{s}, q)
}

// blocks gives block.Query the candidate blocks.
type blocks struct{ s *Store }

func (b blocks) Metas(ctx context.Context, q store.Query) ([]block.Meta, error) {
	var conds []string
	var args []any
	if q.Tenants != nil {
		conds = append(conds, "tenant IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Tenants)), ",")+")")
		for _, t := range q.Tenants {
			args = append(args, t)
		}
	}
	if !q.From.IsZero() {
		conds = append(conds, "max_ts >= ?")
		args = append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		conds = append(conds, "min_ts < ?")
		args = append(args, q.To.UnixNano())
	}
	if q.AfterID > 0 {
		conds = append(conds, "id >= ?")
		args = append(args, q.AfterID/block.Max)
	}
	w := ""
	if len(conds) > 0 {
		w = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := b.s.r.QueryContext(ctx, "SELECT id, tenant, min_ts, max_ts, count, ips FROM event_blocks"+w+" ORDER BY max_ts DESC, id DESC", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []block.Meta
	for rows.Next() {
		var m block.Meta
		if err := rows.Scan(&m.ID, &m.Tenant, &m.MinTS, &m.MaxTS, &m.Count, &m.IPs); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (b blocks) Load(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	err := b.s.r.QueryRowContext(ctx, `SELECT data FROM event_blocks WHERE id = ?`, id).Scan(&data)
	return data, err
}

// Alerts returns matching alerts, newest first.
func (s *Store) Alerts(ctx context.Context, q store.Query) (int, []store.Alert, error) {
	limit, offset, err := page(q)
	if err != nil {
		return 0, nil, err
	}
	w, args, err := where(q, true)
	if errors.Is(err, errNone) {
		return 0, []store.Alert{}, nil
	}
	if err != nil {
		return 0, nil, err
	}
	var total int
	if err := s.r.QueryRowContext(ctx, "SELECT count(*) FROM alerts"+w, args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, tenant, kind, ts, first, created, rule_id, title, level, author, tags, src_ip, entities, grp, count, event_ids, dedup FROM alerts"+w+" ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	out := []store.Alert{}
	for rows.Next() {
		var a store.Alert
		var ts, first, created, dedup int64
		var tags, ents, grp, evs string
		if err := rows.Scan(&a.ID, &a.Tenant, &a.Kind, &ts, &first, &created, &a.RuleID, &a.Title, &a.Level, &a.Author, &tags, &a.SrcIP, &ents, &grp, &a.Count, &evs, &dedup); err != nil {
			return 0, nil, err
		}
		a.Time, a.First, a.Created, a.Dedup = fromNanos(ts), fromNanos(first), fromNanos(created), uint64(dedup)
		for _, j := range []struct {
			text string
			dst  any
		}{{tags, &a.Tags}, {ents, &a.Entities}, {grp, &a.Group}, {evs, &a.EventIDs}} {
			if err := json.Unmarshal([]byte(j.text), j.dst); err != nil {
				return 0, nil, fmt.Errorf("alert %d: %w", a.ID, err)
			}
		}
		if len(a.Entities) == 0 {
			a.Entities = nil
		}
		if len(a.Group) == 0 {
			a.Group = nil
		}
		out = append(out, a)
	}
	return total, out, rows.Err()
}

// Prune deletes a tenant's events or alerts whose event time is before
// the given time.
func (s *Store) Prune(ctx context.Context, tenant string, alerts bool, before time.Time) (int64, error) {
	if alerts {
		res, err := s.w.ExecContext(ctx, "DELETE FROM alerts WHERE tenant = ? AND ts < ?", tenant, before.UnixNano())
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	}
	// Whole blocks go, once their newest event is past retention.
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	var n int64
	if err := tx.QueryRowContext(ctx, "SELECT coalesce(sum(count), 0) FROM event_blocks WHERE tenant = ? AND max_ts < ?", tenant, before.UnixNano()).Scan(&n); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM event_blocks WHERE tenant = ? AND max_ts < ?", tenant, before.UnixNano()); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// Offset returns a saved file offset.
func (s *Store) Offset(ctx context.Context, key string) (int64, error) {
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT value FROM offsets WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.ErrNotFound
	}
	return v, err
}

// Setting returns a setting.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return v, err
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}
