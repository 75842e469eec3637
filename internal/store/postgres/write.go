package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"

	"tocsin/internal/store"
)

var eventColumns = []string{"id", "tenant", "ts", "received", "host", "transport", "format", "product", "category", "service", "src_ip", "raw", "dedup"}

// Write stores a batch in one transaction: events by COPY, then alerts
// (skipping those whose tenant already has their Dedup), then offsets.
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return s.wrap("write", err)
	}
	// Rolling back must not depend on ctx, which may be what failed.
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit, a no-op

	ids, err := s.writeEvents(ctx, tx, b.Events, now)
	if err != nil {
		return err
	}
	alertIDs, alertEvents, err := s.writeAlerts(ctx, tx, b, ids, now)
	if err != nil {
		return err
	}
	if len(b.Offsets) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		var q pgx.Batch
		for k, v := range b.Offsets {
			q.Queue(`INSERT INTO offsets (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, store.CleanText(k), v)
		}
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return s.wrap("write offsets", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Once decided, the commit goes through whatever happens to ctx: a
	// commit cut short could be done on the server and reported failed.
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return s.wrap("commit", err)
	}
	for i := range b.Events {
		b.Events[i].ID = ids[i]
	}
	for i := range b.Alerts {
		b.Alerts[i].ID, b.Alerts[i].EventIDs = alertIDs[i], alertEvents[i]
	}
	return nil
}

// writeEvents reserves the events' IDs and copies them in.
func (s *Store) writeEvents(ctx context.Context, tx pgx.Tx, events []store.Event, now time.Time) ([]int64, error) {
	if len(events) == 0 {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT nextval('events_id_seq') FROM generate_series(1, $1)`, len(events))
	if err != nil {
		return nil, s.wrap("reserve event ids", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, s.wrap("reserve event ids", err)
	}
	if len(ids) != len(events) {
		return nil, s.wrap("reserve event ids", fmt.Errorf("got %d ids for %d events", len(ids), len(events)))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src := &eventRows{events: events, ids: ids, now: now, i: -1, vals: make([]any, len(eventColumns))}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"}, eventColumns, src); err != nil {
		return nil, s.wrap("copy events", err)
	}
	return ids, nil
}

// eventRows feeds COPY from the batch, one reused row of values (pgx
// encodes each row before asking for the next).
type eventRows struct {
	events []store.Event
	ids    []int64
	now    time.Time
	i      int
	vals   []any
}

func (r *eventRows) Next() bool { r.i++; return r.i < len(r.events) }

func (r *eventRows) Values() ([]any, error) {
	e := &r.events[r.i]
	rec := e.Received
	if rec.IsZero() {
		rec = r.now
	}
	c := store.CleanText
	v := r.vals
	v[0], v[1], v[2], v[3] = r.ids[r.i], c(e.Tenant), store.Nanos(e.Time), store.Nanos(rec)
	v[4], v[5], v[6], v[7], v[8], v[9] = c(e.Host), c(e.Transport), c(e.Format), c(e.Product), c(e.Category), c(e.Service)
	// Raw goes out as bytes without a copy: pgx only reads them.
	v[10], v[11], v[12] = c(e.SrcIP), unsafe.Slice(unsafe.StringData(e.Raw), len(e.Raw)), int64(e.Dedup)
	if e.Raw == "" {
		v[11] = []byte{}
	}
	return v, nil
}

func (r *eventRows) Err() error { return nil }

// writeAlerts inserts the alerts in one round trip; it returns their IDs (0
// for a duplicate) and their EventIDs with EventIdx resolved.
func (s *Store) writeAlerts(ctx context.Context, tx pgx.Tx, b *store.Batch, eventIDs []int64, now time.Time) ([]int64, [][]int64, error) {
	ids := make([]int64, len(b.Alerts))
	evs := make([][]int64, len(b.Alerts))
	if len(b.Alerts) == 0 {
		return ids, evs, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	c := store.CleanText
	var q pgx.Batch
	for i := range b.Alerts {
		a := &b.Alerts[i]
		ev := a.EventIDs
		if i < len(b.EventIdx) && len(b.EventIdx[i]) > 0 {
			ev = make([]int64, 0, len(a.EventIDs)+len(b.EventIdx[i]))
			ev = append(ev, a.EventIDs...)
			for _, k := range b.EventIdx[i] {
				ev = append(ev, eventIDs[k])
			}
		}
		evs[i] = ev
		created := a.Created
		if created.IsZero() {
			created = now
		}
		rank, _ := store.LevelRank(a.Level)
		tags := make([]string, len(a.Tags))
		for j, t := range a.Tags {
			tags[j] = c(t)
		}
		q.Queue(`INSERT INTO alerts (tenant, kind, ts, first, created, rule_id, title, level, level_rank, author,
			tags, src_ip, entities, grp, count, event_ids, dedup) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
			ON CONFLICT (tenant, dedup) WHERE dedup <> 0 DO NOTHING RETURNING id`,
			c(a.Tenant), a.Kind, store.Nanos(a.Time), store.Nanos(a.First), store.Nanos(created), c(a.RuleID), c(a.Title),
			a.Level, rank, c(a.Author), tags, c(a.SrcIP), cleanMap(a.Entities), cleanMap(a.Group), a.Count, nonNil(ev), int64(a.Dedup))
	}
	res := tx.SendBatch(ctx, &q)
	for i := range b.Alerts {
		err := res.QueryRow().Scan(&ids[i])
		if errors.Is(err, pgx.ErrNoRows) {
			ids[i], evs[i] = 0, b.Alerts[i].EventIDs // a duplicate
			continue
		}
		if err != nil {
			res.Close()
			return nil, nil, s.wrap(fmt.Sprintf("write alerts[%d]", i), err)
		}
	}
	if err := res.Close(); err != nil {
		return nil, nil, s.wrap("write alerts", err)
	}
	return ids, evs, nil
}

func cleanMap(v map[string]string) map[string]string {
	clean := make(map[string]string, len(v))
	for k, s := range v {
		clean[store.CleanText(k)] = store.CleanText(s)
	}
	return clean
}

func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}
