package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"tocsin/internal/store"
	"tocsin/internal/store/storetest"
)

// dsn returns the test database: TOCSIN_TEST_POSTGRES (scripts/start-postgres.sh
// prints one). Without it the test is skipped, unless
// TOCSIN_REQUIRE_SERVICES=1 (CI), where it fails.
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("TOCSIN_TEST_POSTGRES")
	if d == "" {
		if os.Getenv("TOCSIN_REQUIRE_SERVICES") == "1" {
			t.Fatal("TOCSIN_REQUIRE_SERVICES=1 but TOCSIN_TEST_POSTGRES is not set: start PostgreSQL with scripts/start-postgres.sh and export the DSN it prints")
		}
		t.Skip("TOCSIN_TEST_POSTGRES is not set (scripts/start-postgres.sh prints a DSN for it)")
	}
	return d
}

// newSchema returns a schema name of its own and drops it when tb ends.
func newSchema(tb testing.TB, url string) string {
	name := fmt.Sprintf("tocsin_test_%d_%d", os.Getpid(), time.Now().UnixNano())
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// opener gives each test its own schema, the same again when it reopens.
func opener(url string) storetest.Opener {
	var mu sync.Mutex
	schemas := map[string]string{}
	return func(t *testing.T) store.Store {
		mu.Lock()
		schema, ok := schemas[t.Name()]
		if !ok {
			schema = newSchema(t, url)
			schemas[t.Name()] = schema
		}
		mu.Unlock()
		s, err := Open(context.Background(), url, WithSchema(schema))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener(dsn(t)))
}

func benchOpen(b *testing.B) *Store {
	url := dsn(b)
	s, err := Open(context.Background(), url, WithSchema(newSchema(b, url)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkWriteEvents: TOCSIN_TEST_POSTGRES=... go test -run '^$' -bench WriteEvents ./internal/store/postgres/
func BenchmarkWriteEvents(b *testing.B) {
	storetest.BenchWriteSizes(b, func(b *testing.B) store.Store { return benchOpen(b) })
}

// BenchmarkQuery1M: TOCSIN_TEST_POSTGRES=... go test -run '^$' -bench Query1M ./internal/store/postgres/
func BenchmarkQuery1M(b *testing.B) {
	s := benchOpen(b)
	storetest.FillEvents(b, s, 1_000_000)
	// What autovacuum does in the background (every 100,000 new events,
	// see the schema): counts then read the index alone.
	if _, err := s.pool.Exec(context.Background(), "VACUUM ANALYZE events"); err != nil {
		b.Fatal(err)
	}
	storetest.BenchQuery(b, s, 1_000_000)
}

func TestOpenRefuses(t *testing.T) {
	url := dsn(t)
	ctx := context.Background()
	if _, err := Open(ctx, url, WithSchema("Bad-Name")); err == nil || !strings.Contains(err.Error(), "schema name") {
		t.Errorf("bad schema name: %v", err)
	}
	if _, err := Open(ctx, "postgres://u:secret@[::1"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Errorf("bad DSN: %v (must not show the password)", err)
	}
	schema := newSchema(t, url)
	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutSetting(ctx, "schema_version", "99"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err := Open(ctx, url, WithSchema(schema)); !errors.Is(err, ErrSchema) {
		if s != nil {
			s.Close()
		}
		t.Errorf("newer schema: %v, want ErrSchema", err)
	}
}
