package extract

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startPostgres runs a throwaway PostgreSQL server (initdb and postgres
// from the machine) listening on a Unix socket in a temporary folder, and
// returns its DSN. As root, the server runs as the postgres user, which
// initdb requires.
func startPostgres(t testing.TB) string {
	t.Helper()
	initdb, err := exec.LookPath("initdb")
	if err != nil {
		t.Skip("initdb not installed")
	}
	postgres, err := exec.LookPath("postgres")
	if err != nil {
		t.Skip("postgres not installed")
	}
	dir, err := os.MkdirTemp("", "tocsin-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	os.Mkdir(sock, 0o700)
	var wrap []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, sock} {
			os.Chown(p, uid, gid)
		}
		wrap = []string{"runuser", "-u", "postgres", "--"}
	}
	run := func(args ...string) *exec.Cmd {
		all := append(append([]string{}, wrap...), args...)
		return exec.Command(all[0], all[1:]...)
	}
	if out, err := run(initdb, "-D", data, "-U", "tocsin", "--auth=trust", "-E", "UTF8", "--no-locale").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	srv := run(postgres, "-D", data, "-k", sock, "-c", "listen_addresses=", "-c", "fsync=off")
	srv.Stdout, srv.Stderr = nil, nil
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	t.Cleanup(func() {
		srv.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			srv.Process.Kill()
			<-done
		}
	})
	dsn := "postgres://tocsin@/postgres?host=" + url.QueryEscape(sock) + "&sslmode=disable"
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; ; i++ {
		if err := db.Ping(); err == nil {
			break
		} else if i == 100 {
			t.Fatalf("postgres did not start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return dsn
}

// postgresWith starts a throwaway server, runs stmts in it and returns
// its DSN.
func postgresWith(tb testing.TB, stmts ...string) string {
	dsn := startPostgres(tb)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
	return dsn
}

func TestPostgresDatabase(t *testing.T) {
	dsn := postgresWith(t,
		`CREATE TABLE usagers (id serial PRIMARY KEY, nom text, nir char(15), naissance date, solde numeric, photo bytea, actif boolean,
		  note bytea, cree timestamp, tel bigint, ratio float8)`,
		`INSERT INTO usagers (nom, nir, naissance, solde, photo, actif, note, cree, tel, ratio) VALUES
		  ('Dupont', '295109912611193', '1985-05-12', 12.5, '\x00ff', true, 'rappeler Jean', '2024-01-05 12:34:56', 612345678, 0.25),
		  (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`CREATE SCHEMA rh`,
		`CREATE TABLE rh."Agents" ("Courriel" text)`,
		`INSERT INTO rh."Agents" VALUES ('a@b.fr')`,
	)
	d, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	if err := New(testOptions()).Database(context.Background(), d, rec); err != nil {
		t.Fatal(err)
	}
	want := []string{
		// bytea: its bytes, unless binary; boolean: left out.
		d.Display + "#usagers:1|id=1|nom=Dupont|nir=295109912611193|naissance=1985-05-12|solde=12.5|note=rappeler Jean|cree=2024-01-05 12:34:56|tel=612345678|ratio=0.25",
		d.Display + "#usagers:2|id=2",
		d.Display + "#rh.Agents:1|Courriel=a@b.fr",
	}
	got := rec.allRows()
	// Tables come in schema order: public before rh.
	if strings.Join(sortRows(got), "\n") != strings.Join(sortRows(want), "\n") {
		t.Errorf("rows\n got %q\nwant %q", got, want)
	}
	if len(rec.problems) > 0 {
		t.Errorf("problems %v", rec.problemText())
	}

	// A wrong address is a problem that names the database, not a crash,
	// and its password is not shown.
	bad, _ := ParseDSN(strings.Replace(dsn, "tocsin@", "tocsin:s3cret@", 1) + "&dbname=nope")
	rec = &recorder{}
	New(testOptions()).Database(context.Background(), bad, rec)
	if len(rec.problems) != 1 || strings.Contains(rec.problems[0].Error(), "s3cret") {
		t.Errorf("problems %q", rec.problemText())
	}
}

func sortRows(rows []string) []string {
	out := append([]string(nil), rows...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// mysqlTestDB returns the DSN and a connection of the scratch MySQL or
// MariaDB database named by TOCSIN_TEST_MYSQL_DSN; without it the test
// is skipped, except under TOCSIN_REQUIRE_SERVICES=1 (CI), where it fails.
func mysqlTestDB(t *testing.T) (string, *sql.DB) {
	t.Helper()
	dsn := os.Getenv("TOCSIN_TEST_MYSQL_DSN")
	if dsn == "" {
		if os.Getenv("TOCSIN_REQUIRE_SERVICES") == "1" {
			t.Fatal("TOCSIN_REQUIRE_SERVICES=1 but TOCSIN_TEST_MYSQL_DSN is not set: start MariaDB with scripts/start-mariadb.sh and export the DSN it prints")
		}
		t.Skip("set TOCSIN_TEST_MYSQL_DSN to a scratch MySQL or MariaDB database (scripts/start-mariadb.sh)")
	}
	d, err := ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(d.Driver, d.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return dsn, db
}

// TestMySQLDatabase runs against a server named by TOCSIN_TEST_MYSQL_DSN
// (mysql://user:pass@host:port/db): scripts/start-mariadb.sh starts one and
// prints it. Without it the test is skipped, except under
// TOCSIN_REQUIRE_SERVICES=1 (CI), where it fails.
func TestMySQLDatabase(t *testing.T) {
	dsn, db := mysqlTestDB(t)
	table := fmt.Sprintf("tocsin_test_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE TABLE " + table + " (nom VARCHAR(64), email VARCHAR(128), naissance DATE, solde DECIMAL(6,2), photo BLOB, note BLOB, tel BIGINT)"); err != nil {
		t.Fatal(err)
	}
	defer db.Exec("DROP TABLE " + table)
	// A binary blob is left out, a blob of text is read.
	if _, err := db.Exec("INSERT INTO "+table+" VALUES (?, ?, ?, ?, UNHEX('00FF'), ?, ?), (NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
		"Dupont", "a@b.fr", "1985-05-12", "12.50", "rappeler Jean", 612345678); err != nil {
		t.Fatal(err)
	}
	d, _ := ParseDSN(dsn)
	rec := &recorder{}
	if err := New(testOptions()).Database(context.Background(), d, rec); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rec.allRows() {
		if strings.HasSuffix(r, "#"+table+":1|nom=Dupont|email=a@b.fr|naissance=1985-05-12|solde=12.50|note=rappeler Jean|tel=612345678") {
			found = true
		}
		if strings.Contains(r, "#"+table+":2") {
			t.Errorf("a row of NULLs: %q", r)
		}
	}
	if !found {
		t.Errorf("rows %q", rec.allRows())
	}
}

// discard is a Handler that keeps nothing but a count of the bytes of
// the cells it was given.
type discard struct{ bytes int64 }

type discardTable struct{ h *discard }

func (h *discard) Begin(string, Format) Doc     { return h }
func (h *discard) Line(*Line)                   {}
func (h *discard) Table(string) Table           { return discardTable{h} }
func (h *discard) Problem(p Problem)            { panic(p) }
func (h *discard) End(int64)                    {}
func (t discardTable) Column(int, string, bool) {}
func (t discardTable) End()                     {}
func (t discardTable) Row(r *Row) {
	for _, c := range r.Cells {
		t.h.bytes += int64(len(c.Value))
	}
}

// BenchmarkReadPostgres: a table of 100,000 rows of ten text, date and
// number columns read through Database (the reader alone, no detectors),
// against a throwaway server.
func BenchmarkReadPostgres(b *testing.B) {
	dsn := postgresWith(b,
		`CREATE TABLE commandes (id serial PRIMARY KEY, num text, cree timestamp, nom text, prenom text, courriel text,
		  tel text, montant numeric, statut text, naissance date)`,
		`INSERT INTO commandes (num, cree, nom, prenom, courriel, tel, montant, statut, naissance)
		  SELECT 'CMD-' || (2024000000 + i), timestamp '2024-01-01' + i * interval '1 minute', 'Dupont' || (i % 997), 'Jean',
		    'jean.dupont' || i || '@exemple.fr', '06' || lpad((i * 7919 % 100000000)::text, 8, '0'), (i % 20000) / 100.0,
		    'livrée', date '1950-01-01' + (i % 20000)
		  FROM generate_series(1, 100000) AS i`,
	)
	d, err := ParseDSN(dsn)
	if err != nil {
		b.Fatal(err)
	}
	e := New(testOptions())
	h := &discard{}
	if err := e.Database(context.Background(), d, h); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(h.bytes)
	b.ResetTimer()
	for b.Loop() {
		if err := e.Database(context.Background(), d, &discard{}); err != nil {
			b.Fatal(err)
		}
	}
}
