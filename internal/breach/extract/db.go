package extract

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"           // registers "sqlite"
)

// A database is read table by table, column by column, with SELECT *
// streamed row by row. Each table is a Table named as the database names
// it (schema.table for PostgreSQL), with the database's column names; a
// row's number is its ordinal in the scan.

// Database is a database to scan, from a DSN: postgres://…,
// postgresql://…, mysql://user:pass@host:port/db, sqlite:///path/file.db,
// sqlite:file.db, or a plain file path (SQLite).
type Database struct {
	Driver  string // pgx, mysql or sqlite
	DSN     string // what the driver takes
	Display string // the DSN without its password, for reports
}

// ParseDSN tells the database a DSN names.
func ParseDSN(dsn string) (Database, error) {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return Database{}, fmt.Errorf("%w: not a URL", ErrBadDSN)
		}
		return Database{Driver: "pgx", DSN: dsn, Display: u.Redacted()}, nil
	case strings.HasPrefix(lower, "mysql://") || strings.HasPrefix(lower, "mariadb://"):
		u, err := url.Parse(dsn)
		if err != nil {
			return Database{}, fmt.Errorf("%w: not a URL", ErrBadDSN)
		}
		cfg := mysql.NewConfig()
		cfg.Net = "tcp"
		host := u.Hostname()
		if host == "" {
			host = "127.0.0.1"
		}
		port := u.Port()
		if port == "" {
			port = "3306"
		}
		cfg.Addr = net.JoinHostPort(host, port)
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		cfg.DBName = strings.TrimPrefix(u.Path, "/")
		if cfg.DBName == "" {
			return Database{}, fmt.Errorf("%w: a MySQL address names its database (mysql://user@host/db)", ErrBadDSN)
		}
		if sock := u.Query().Get("socket"); sock != "" {
			cfg.Net, cfg.Addr = "unix", sock
		}
		if tls := u.Query().Get("tls"); tls != "" {
			cfg.TLSConfig = tls
		}
		cfg.Timeout = 10 * time.Second
		return Database{Driver: "mysql", DSN: cfg.FormatDSN(), Display: u.Redacted()}, nil
	case strings.HasPrefix(lower, "sqlite://"):
		return sqliteDB(dsn[len("sqlite://"):]), nil
	case strings.HasPrefix(lower, "sqlite:"):
		return sqliteDB(dsn[len("sqlite:"):]), nil
	case strings.Contains(dsn, "://"):
		return Database{}, fmt.Errorf("%w: use postgres://, mysql:// or sqlite://", ErrBadDSN)
	}
	return sqliteDB(dsn), nil
}

func sqliteDB(p string) Database {
	// Read-only, and no lock taken on a database others may be using.
	q := url.Values{}
	q.Set("mode", "ro")
	return Database{Driver: "sqlite", DSN: "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode(), Display: p}
}

// Database reads every table of a database.
func (e *Extractor) Database(ctx context.Context, db Database, h Handler) error {
	d := h.Begin(db.Display, FormatDB)
	n, err := e.readDB(ctx, db, d)
	if err != nil && ctx.Err() == nil {
		d.Problem(Problem{Path: db.Display, Offset: -1, Err: err})
		err = nil
	}
	d.End(n)
	return err
}

// sqliteSource reads a SQLite file met among the inputs.
func (e *Extractor) sqliteSource(ctx context.Context, src *source, br *bufio.Reader, h Handler) error {
	d := h.Begin(src.display, FormatSQLite)
	f, done, err := e.onDisk(src, br)
	if err != nil {
		return e.endDoc(d, src, 0, err)
	}
	defer done()
	db := sqliteDB(f.Name())
	db.Display = src.display
	n, err := e.readDB(ctx, db, d)
	return e.endDoc(d, src, n, err)
}

func (e *Extractor) readDB(ctx context.Context, db Database, d Doc) (int64, error) {
	conn, err := sql.Open(db.Driver, db.DSN)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	tables, err := listTables(ctx, conn, db.Driver)
	if err != nil {
		return 0, fmt.Errorf("cannot list the tables: %w", err)
	}
	var total int64
	for _, t := range tables {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := e.readTable(ctx, conn, db, t, d)
		total += n
		if err != nil {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			d.Problem(Problem{Path: db.Display, Offset: -1, Err: fmt.Errorf("table %s: %w", t.display, err)})
		}
	}
	return total, nil
}

type dbTable struct {
	query   string // the quoted name
	display string
}

func listTables(ctx context.Context, conn *sql.DB, driver string) ([]dbTable, error) {
	var q string
	switch driver {
	case "sqlite":
		q = `SELECT '', name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	case "pgx":
		q = `SELECT table_schema, table_name FROM information_schema.tables
		     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
		     ORDER BY table_schema, table_name`
	case "mysql":
		q = `SELECT '', table_name FROM information_schema.tables
		     WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dbTable
	for rows.Next() {
		var schema, name string
		if err := rows.Scan(&schema, &name); err != nil {
			return nil, err
		}
		t := dbTable{display: name}
		switch driver {
		case "mysql":
			t.query = "`" + strings.ReplaceAll(name, "`", "``") + "`"
		case "pgx":
			t.query = pgIdent(schema) + "." + pgIdent(name)
			if schema != "public" {
				t.display = schema + "." + name
			}
		default:
			t.query = pgIdent(name)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func pgIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (e *Extractor) readTable(ctx context.Context, conn *sql.DB, db Database, t dbTable, d Doc) (int64, error) {
	if db.Driver == "pgx" {
		return e.readPGTable(ctx, conn, t, d)
	}
	rows, err := conn.QueryContext(ctx, "SELECT * FROM "+t.query)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	tab := d.Table(t.display)
	defer tab.End()
	for i, c := range cols {
		tab.Column(i, c, true)
	}
	// MySQL's text protocol gives every value as bytes: they are read
	// as sql.RawBytes, not copied into a new slice boxed in an interface
	// for each cell (40 % of the time). SQLite gives typed values, which
	// appendValue renders.
	raw := db.Driver == "mysql"
	vals := make([]any, len(cols))
	raws := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
		if raw {
			ptrs[i] = &raws[i]
		}
	}
	var total int64
	r := dbRow{max: e.o.MaxValue}
	for n := 1; rows.Next(); n++ {
		if n&1023 == 0 && ctx.Err() != nil {
			return total, ctx.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			return total, err
		}
		r.reset()
		for i := range cols {
			from := len(r.buf)
			if raw {
				r.buf = appendBytes(r.buf, raws[i])
			} else {
				r.buf = appendValue(r.buf, vals[i])
			}
			r.ended(i, from)
		}
		total += e.emitRow(tab, &r, n)
	}
	return total, rows.Err()
}

// readPGTable reads a PostgreSQL table with pgx itself, every value in
// PostgreSQL's text form but for bytea (its bytes, a file or a picture
// skipped as appendValue does) and boolean (skipped): through
// database/sql each value became a Go string or time, made for each cell,
// which cost more than scanning it.
func (e *Extractor) readPGTable(ctx context.Context, conn *sql.DB, t dbTable, d Doc) (int64, error) {
	c, err := conn.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	var total int64
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection: %T", dc)
		}
		rows, err := sc.Conn().Query(ctx, "SELECT * FROM "+t.query, pgx.QueryResultFormatsByOID{pgtype.ByteaOID: pgx.BinaryFormatCode})
		if err != nil {
			return err
		}
		defer rows.Close()
		fields := rows.FieldDescriptions()
		tab := d.Table(t.display)
		defer tab.End()
		for i, f := range fields {
			tab.Column(i, f.Name, true)
		}
		r := dbRow{max: e.o.MaxValue}
		for n := 1; rows.Next(); n++ {
			r.reset()
			for i, v := range rows.RawValues() {
				if fields[i].DataTypeOID == pgtype.BoolOID {
					continue
				}
				from := len(r.buf)
				r.buf = appendBytes(r.buf, v)
				r.ended(i, from)
			}
			total += e.emitRow(tab, &r, n)
		}
		return rows.Err()
	})
	return total, err
}

// dbRow gathers a database row's values as text, end to end.
type dbRow struct {
	max   int // MaxValue
	buf   []byte
	spans [][2]int // column, start in buf
	row   Row
}

func (r *dbRow) reset() { r.buf, r.spans = r.buf[:0], r.spans[:0] }

// ended files the value of column col, appended to buf from from: cut at
// max, left out when empty.
func (r *dbRow) ended(col, from int) {
	if len(r.buf)-from > r.max {
		r.buf = r.buf[:from+r.max]
	}
	if len(r.buf) > from {
		r.spans = append(r.spans, [2]int{col, from})
	}
}

// emitRow hands row n over to tab, if it has a value, and returns its
// size.
func (e *Extractor) emitRow(tab Table, r *dbRow, n int) int64 {
	if e.o.Read != nil {
		e.o.Read.Add(int64(len(r.buf)))
	}
	r.row.Cells = r.row.Cells[:0]
	for k, sp := range r.spans {
		end := len(r.buf)
		if k+1 < len(r.spans) {
			end = r.spans[k+1][1]
		}
		v, rec := r.buf[sp[1]:end], false
		if !utf8.Valid(v) {
			v, rec = recode(nil, v), true
		}
		r.row.Cells = append(r.row.Cells, Cell{Col: sp[0], Value: v, Off: -1, Recoded: rec})
	}
	r.row.N = n
	if len(r.row.Cells) > 0 {
		tab.Row(&r.row)
	}
	return int64(len(r.buf))
}

// appendBytes appends a value read as bytes, unless it is binary (a
// picture, a document): not text to scan.
func appendBytes(dst, x []byte) []byte {
	if bytes.IndexByte(x, 0) >= 0 {
		return dst
	}
	return append(dst, x...)
}

// appendValue renders a database value as text.
func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return dst
	case []byte:
		return appendBytes(dst, x)
	case string:
		return append(dst, x...)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return strconv.AppendFloat(dst, x, 'f', -1, 64)
	case bool:
		return dst
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.AppendFormat(dst, "2006-01-02")
		}
		return x.AppendFormat(dst, time.RFC3339)
	}
	return fmt.Append(dst, v)
}
