package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tocsin/internal/store"
	"tocsin/internal/store/block"
)

// schemaV2 is the schema of version 2, whose ids could be reused.
const schemaV2 = `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE offsets (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE event_blocks (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,
	count INTEGER NOT NULL, ips TEXT NOT NULL, last_received INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX event_blocks_tenant_ts ON event_blocks (tenant, max_ts);
CREATE INDEX event_blocks_ts ON event_blocks (max_ts);
CREATE TABLE alerts (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER NOT NULL, first INTEGER NOT NULL,
	created INTEGER NOT NULL, rule_id TEXT NOT NULL, title TEXT NOT NULL, level TEXT NOT NULL, level_rank INTEGER NOT NULL,
	author TEXT NOT NULL, tags TEXT NOT NULL, src_ip TEXT NOT NULL, entities TEXT NOT NULL, grp TEXT NOT NULL, count INTEGER NOT NULL,
	event_ids TEXT NOT NULL, dedup INTEGER NOT NULL);
CREATE INDEX alerts_tenant_ts ON alerts (tenant, ts);
CREATE INDEX alerts_rule ON alerts (rule_id);
CREATE INDEX alerts_src_ip ON alerts (src_ip);
CREATE UNIQUE INDEX alerts_dedup ON alerts (tenant, dedup) WHERE dedup != 0;
INSERT INTO settings VALUES ('schema_version', '2');
`

func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// oldBlock writes events as block id of tenant "a" in a database of an
// earlier schema, whose event_blocks columns were the same.
func oldBlock(t *testing.T, db *sql.DB, id int, now time.Time, evs ...store.Event) block.Meta {
	t.Helper()
	idx := make([]int, len(evs))
	for i := range idx {
		idx[i] = i
	}
	m, data, err := block.Encode(evs, idx, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO event_blocks VALUES (?, 'a', ?, ?, ?, '', ?, ?)`, id, m.MinTS, m.MaxTS, len(evs), m.MaxReceived, data); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUpgradeFromVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tocsin.db")
	db := rawDB(t, path)
	if _, err := db.Exec(schemaV2); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	m := oldBlock(t, db, 7, ts, store.Event{Tenant: "a", Time: ts, Received: ts, Raw: "kept"})
	if _, err := db.Exec(`INSERT INTO alerts VALUES (5, 'a', 'detection', ?, ?, ?, 'r', 't', 'high', 3, 'x', '[]', '', '{}', '{}', 1, '[458752]', 9)`,
		m.MaxTS, m.MaxTS, m.MaxTS); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, got, err := s.Events(ctx, store.Query{})
	if err != nil || n != 1 || got[0].Raw != "kept" || got[0].ID != 7*block.Max {
		t.Fatalf("events after the upgrade: %d %+v %v", n, got, err)
	}
	na, alerts, err := s.Alerts(ctx, store.Query{Level: "high"})
	if err != nil || na != 1 || alerts[0].ID != 5 || alerts[0].EventIDs[0] != 7*block.Max || alerts[0].Tags != nil {
		t.Fatalf("alerts after the upgrade: %d %+v %v", na, alerts, err)
	}
	// Delete the newest rows: version 3 must not hand their ids out again.
	if _, err := s.Prune(ctx, "a", false, ts.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Prune(ctx, "a", true, ts.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b := &store.Batch{Events: []store.Event{{Tenant: "a", Raw: "new"}}, Alerts: []store.Alert{{Tenant: "a", Kind: "detection", Level: "low"}}}
	if err := s.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if b.Events[0].ID <= 7*block.Max || b.Alerts[0].ID <= 5 {
		t.Errorf("ids reused after the upgrade: event %d, alert %d", b.Events[0].ID, b.Alerts[0].ID)
	}
	if v, err := s.Setting(ctx, "schema_version"); err != nil || v != "4" {
		t.Errorf("schema_version %q, %v", v, err)
	}
}

func TestRefusesUnknownSchema(t *testing.T) {
	for name, setup := range map[string]string{
		"newer":        `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO settings VALUES ('schema_version', '99');`,
		"no version":   `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
		"version 1":    `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO settings VALUES ('schema_version', '1');`,
		"not a number": `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO settings VALUES ('schema_version', 'x');`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tocsin.db")
			if _, err := rawDB(t, path).Exec(setup); err != nil {
				t.Fatal(err)
			}
			s, err := Open(context.Background(), path)
			if !errors.Is(err, ErrSchema) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open: %v, want ErrSchema", err)
			}
		})
	}
}

// schemaV3 is the event table of version 3 (settings, offsets and alerts
// were as in version 4).
const schemaV3 = `
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE offsets (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE event_blocks (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, min_ts INTEGER NOT NULL, max_ts INTEGER NOT NULL,
	count INTEGER NOT NULL, ips TEXT NOT NULL, last_received INTEGER NOT NULL, data BLOB NOT NULL);
CREATE INDEX event_blocks_tenant_ts ON event_blocks (tenant, max_ts);
CREATE INDEX event_blocks_ts ON event_blocks (max_ts);
CREATE INDEX event_blocks_tenant_received ON event_blocks (tenant, last_received);
INSERT INTO settings VALUES ('schema_version', '3');
`

func TestUpgradeFromVersion3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tocsin.db")
	db := rawDB(t, path)
	if _, err := db.Exec(schemaV3); err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	oldBlock(t, db, 9, ts, store.Event{Tenant: "a", Time: ts, Received: ts, Raw: "old"},
		store.Event{Tenant: "a", Time: ts, Received: ts.Add(time.Hour), Raw: "new"})
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The first arrival of an old block is unknown: Prune looks inside.
	if n, err := s.Prune(ctx, "a", false, ts.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Prune after the upgrade: %d, %v; want 1", n, err)
	}
	n, got, err := s.Events(ctx, store.Query{AfterID: 1})
	if err != nil || n != 1 || got[0].Raw != "new" || got[0].ID != 9*block.Max+1 {
		t.Fatalf("events after the upgrade and prune: %d %+v %v", n, got, err)
	}
}

func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "données 100% ?#")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), filepath.Join(dir, "tocsin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.PutSetting(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tocsin.db")); err != nil {
		t.Errorf("the database is not where it was asked: %v", err)
	}
}
