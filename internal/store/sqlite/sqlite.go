// Package sqlite is the default store: one SQLite file (modernc.org/sqlite,
// pure Go, so the binary stays static) in WAL mode.
//
// Events are kept in compressed blocks, one per tenant per Write (package
// block says why and what it costs); alerts, offsets and settings are
// plain rows. A Write of few events makes small blocks, and many small
// blocks make queries slow: the store merges them in the background, per
// tenant, into blocks of up to 1,000 events, keeping every event's ID
// (Compact). BenchmarkSmallWrites writes 300,000 events 50 at a time over
// 20 tenants: 111,000 blocks, where a tenant's newest page takes 9 ms and
// everyone's 65-100 ms; merged into 340 blocks, 0.65 ms and 32-54 ms.
// Merging costs about as much as writing the small blocks did, so a
// pipeline should still not write more often than every few milliseconds.
//
// Durability: WAL with synchronous=NORMAL by default. A Write that returned
// nil survives the process being killed (kill -9, a crash, an OOM kill):
// its commit is in the WAL file, which the next Open replays. An operating
// system crash or a power loss can lose the last Writes before the next
// checkpoint (the WAL is synced at checkpoints, not at each commit); the
// database itself stays consistent. WithFullSync syncs the WAL at every
// commit, so that a returned Write also survives a power loss, at the cost
// of one fsync per Write (measured in BenchmarkWriteEvents/full-sync).
//
// One connection writes (SQLite has one writer anyway) and a small pool
// reads; WAL lets readers run beside the writer, each query on one
// snapshot. A goroutine of the store merges small blocks and copies the
// WAL back into the database (a passive checkpoint) five times a second,
// so that the writer does not wait for those copies and their fsyncs:
// with 1,000-event Writes that took a third of its time. The writer still
// checkpoints by itself past 64 MiB of WAL, should the goroutine fall
// behind.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"tocsin/internal/store"
)

// ErrSchema is returned by Open for a database this version cannot use.
var ErrSchema = errors.New("unsupported database schema")

// Store is a SQLite store.
type Store struct {
	path    string
	w, r    *sql.DB
	ckpt    *sql.DB // the checkpointing goroutine's connection
	stop    context.CancelFunc
	running sync.WaitGroup
	closed  atomic.Bool

	mu        sync.Mutex // the writer's transactions: nextBlock
	nextBlock int64      // row id of the next block
	maint     sync.Mutex // Compact and Prune: the blocks a merge reads stay
	merge     options    // the merging tiers
}

var _ store.Store = (*Store)(nil)

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	fullSync bool
	readers  int
	// merging (see compact.go); tests lower them
	tiers     []int
	mergedMax int
}

// WithFullSync makes every Write survive a power loss, not only a crash
// of the process (synchronous=FULL).
func WithFullSync() Option { return func(o *options) { o.fullSync = true } }

// WithReaders sets how many connections serve reads (default 4).
func WithReaders(n int) Option { return func(o *options) { o.readers = max(n, 1) } }

// Open opens (or creates) the database file at path and brings its schema
// to the current version.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{readers: 4, tiers: defaultTiers(), mergedMax: mergedMax}
	for _, f := range opts {
		f(&o)
	}
	syncMode := "NORMAL"
	if o.fullSync {
		syncMode = "FULL"
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)", "synchronous(" + syncMode + ")", "busy_timeout(10000)", "foreign_keys(0)",
		"cache_size(-16384)",           // 16 MiB per connection
		"journal_size_limit(67108864)", // the WAL shrinks back to 64 MiB after a burst
		"wal_autocheckpoint(16384)",    // 64 MiB: the writer's backstop (see checkpoints)
	} {
		q.Add("_pragma", p)
	}
	// A URI: the characters that would end or escape the path are escaped.
	dsn := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path) + "?" + q.Encode()
	w, err := sql.Open("sqlite", dsn+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(o.readers)
	r.SetMaxIdleConns(o.readers)
	ckpt, err := sql.Open("sqlite", dsn)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	ckpt.SetMaxOpenConns(1)
	s := &Store{path: path, w: w, r: r, ckpt: ckpt, merge: o}
	// Block row ids are never reused (AUTOINCREMENT); the store hands them
	// out itself, so that a block's event IDs are known before it is
	// inserted.
	if err := w.QueryRowContext(ctx, `SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'event_blocks'), 0),
		coalesce((SELECT max(id) FROM event_blocks), 0)) + 1`).Scan(&s.nextBlock); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.running.Add(1)
	go s.checkpoints(bg)
	return s, nil
}

// How often the WAL is copied back, and how many of those periods pass
// between two merges of small blocks.
const (
	checkpointEvery = 200 * time.Millisecond
	compactEvery    = 10
)

// checkpoints runs passive checkpoints and merges until ctx ends. A failed
// one is left to the next (a checkpoint also to the writer's own): neither
// waits for a lock longer than busy_timeout.
func (s *Store) checkpoints(ctx context.Context) {
	defer s.running.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for i := 1; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if i%compactEvery == 0 {
				_, _ = s.Compact(ctx)
			}
			_, _ = s.ckpt.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}
}

// Close stops the background work and closes the database; closing twice
// is fine.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stop()
	s.running.Wait()
	return s.closeAll()
}

func (s *Store) closeAll() error {
	return errors.Join(s.ckpt.Close(), s.r.Close(), s.w.Close())
}

// wrap names the database in an error and turns the errors of a closed
// database into store.ErrClosed.
func (s *Store) wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() || errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("sqlite %s: %s: %w", s.path, what, store.ErrClosed)
	}
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("sqlite %s: %s: %w", s.path, what, err)
}

func (s *Store) usable() error {
	if s.closed.Load() {
		return fmt.Errorf("sqlite %s: %w", s.path, store.ErrClosed)
	}
	return nil
}

// schemaVersion 4: blocks know their events' IDs (min_id, max_id) and
// first arrival, small ones have an index for merging. 3: block and alert ids are never reused
// (AUTOINCREMENT), retention by arrival has its index.
const schemaVersion = 4

const schema = `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE offsets (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
` + dataTables

// dataTables holds events and alerts.
const dataTables = `
CREATE TABLE event_blocks (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant TEXT NOT NULL,
	min_ts INTEGER NOT NULL,
	max_ts INTEGER NOT NULL,
	count INTEGER NOT NULL,
	ips TEXT NOT NULL,
	last_received INTEGER NOT NULL,
	data BLOB NOT NULL,
	min_id INTEGER NOT NULL,
	max_id INTEGER NOT NULL,
	min_received INTEGER NOT NULL
);
` + blockIndexes + `
CREATE TABLE alerts (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
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
CREATE INDEX alerts_tenant_ts ON alerts (tenant, ts);
CREATE INDEX alerts_ts ON alerts (ts);
CREATE INDEX alerts_rule ON alerts (rule_id);
CREATE INDEX alerts_src_ip ON alerts (src_ip);
CREATE INDEX alerts_tenant_created ON alerts (tenant, created);
CREATE UNIQUE INDEX alerts_dedup ON alerts (tenant, dedup) WHERE dedup != 0;
`

// blockIndexes serve a tenant's newest events (and its retention),
// everyone's, and the merging of small blocks (the literal 100 lets
// SQLite use that partial index). AfterID needs none: a block holding IDs
// above X has a row id of at least X/65536 (a merged block is younger than
// the blocks it merged). Each index costs every Write, small ones most.
const blockIndexes = `
CREATE INDEX event_blocks_tenant_ts ON event_blocks (tenant, max_ts);
CREATE INDEX event_blocks_ts ON event_blocks (max_ts);
CREATE INDEX event_blocks_small ON event_blocks (tenant, min_id) WHERE count < 100;`

// fromV2 rebuilds the two tables whose ids could be reused, keeping rows.
const fromV2 = `
ALTER TABLE event_blocks RENAME TO event_blocks_v2;
ALTER TABLE alerts RENAME TO alerts_v2;
DROP INDEX IF EXISTS event_blocks_tenant_ts;
DROP INDEX IF EXISTS event_blocks_ts;
DROP INDEX IF EXISTS alerts_tenant_ts;
DROP INDEX IF EXISTS alerts_rule;
DROP INDEX IF EXISTS alerts_src_ip;
DROP INDEX IF EXISTS alerts_dedup;
` + dataTables + `
INSERT INTO event_blocks (id, tenant, min_ts, max_ts, count, ips, last_received, data, min_id, max_id, min_received)
	SELECT id, tenant, min_ts, max_ts, count, ips, last_received, data, id * 65536, id * 65536 + count - 1, 0 FROM event_blocks_v2;
INSERT INTO alerts SELECT * FROM alerts_v2;
DROP TABLE event_blocks_v2;
DROP TABLE alerts_v2;
`

// fromV3 adds the IDs' range to the blocks, and the first arrival (0,
// unknown, for the blocks already there: Prune then looks inside them).
const fromV3 = `
ALTER TABLE event_blocks ADD COLUMN min_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_blocks ADD COLUMN max_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_blocks ADD COLUMN min_received INTEGER NOT NULL DEFAULT 0;
UPDATE event_blocks SET min_id = id * 65536, max_id = id * 65536 + count - 1;
DROP INDEX event_blocks_tenant_received;
CREATE INDEX event_blocks_small ON event_blocks (tenant, min_id) WHERE count < 100;
`

// migrate creates the schema in a new database or brings an older one to
// schemaVersion, in one transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	var tables int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'settings'`).Scan(&tables); err != nil {
		return err
	}
	version := 0
	if tables > 0 {
		var v string
		err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'schema_version'`).Scan(&v)
		if err != nil {
			return fmt.Errorf("%w: no schema_version setting: %w", ErrSchema, err)
		}
		if version, err = strconv.Atoi(v); err != nil {
			return fmt.Errorf("%w: schema_version %q", ErrSchema, v)
		}
	}
	switch {
	case version == schemaVersion:
		return nil
	case version == 0:
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return fmt.Errorf("creating the schema: %w", err)
		}
	case version == 2 || version == 3:
		if _, err := tx.ExecContext(ctx, map[int]string{2: fromV2, 3: fromV3}[version]); err != nil {
			return fmt.Errorf("schema version %d to %d: %w", version, schemaVersion, err)
		}
	default:
		return fmt.Errorf("%w: version %d; this Tocsin reads version %d (and upgrades versions 2 and 3)", ErrSchema, version, schemaVersion)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('schema_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(schemaVersion)); err != nil {
		return err
	}
	return tx.Commit()
}

// Offset returns a saved file offset.
func (s *Store) Offset(ctx context.Context, key string) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT value FROM offsets WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("offset %q: %w", key, store.ErrNotFound)
	}
	return v, s.wrap("offset", err)
}

// Setting returns a setting.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	if err := s.usable(); err != nil {
		return "", err
	}
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %q: %w", key, store.ErrNotFound)
	}
	return v, s.wrap("setting", err)
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	if err := s.usable(); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		store.CleanText(key), store.CleanText(value))
	return s.wrap("put setting", err)
}
