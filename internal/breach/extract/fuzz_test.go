package extract

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets feed arbitrary bytes to the readers. Besides not
// panicking, every cell must sit in an announced column (the recorder
// panics otherwise), offsets must map inside the document, and memory is
// bounded by small limits. Seeds live in testdata/fuzz; run one with
//
//	go test -run XXX -fuzz FuzzCSV -fuzztime 60s ./internal/breach/extract/

func fuzzOptions(t *testing.T) Options {
	return Options{MaxLine: 512, MaxValue: 256, MaxArchiveBytes: 1 << 20, MaxDepth: 3, TempDir: t.TempDir(), IsHeaderWord: headerWords}.withDefaults()
}

func checkRecorder(t *testing.T, rec *recorder, size int) {
	t.Helper()
	for _, d := range rec.docs {
		if !d.ended {
			t.Fatalf("%s never ended", d.path)
		}
		for _, tb := range d.tables {
			for _, c := range tb.cells {
				if c.Off >= 0 && (c.Orig(0) < 0 || c.Orig(len(c.Value)) > size+c.Off+len(c.Value)) {
					t.Fatalf("cell offsets %d..%d out of a %d-byte input", c.Orig(0), c.Orig(len(c.Value)), size)
				}
				if len(c.Value) > 256*4 {
					t.Fatalf("a %d-byte value passed the 256-byte cap", len(c.Value))
				}
			}
		}
	}
	for _, p := range rec.problems {
		if p.Path == "" {
			t.Fatalf("problem without a path: %v", p)
		}
	}
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"nom;tel\nDupont;0612345678\n",
		"a,b\n\"x\ny\",\"z\"\"w\"\n",
		"\"unclosed;x\n",
		"\xef\xbb\xbfnom\ttel\r\nL\xe9a\t1\r\n",
		"a|b|c\n1|2\n3|4|5|6\n",
		"nom;note\nx;" + strings.Repeat("\x93", 200) + "\n\"y\";\"" + strings.Repeat("\x93", 200) + "\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzOptions(t)
		d, _ := SniffCSV(data, true, o)
		rec := &recorder{}
		doc := rec.Begin("x.csv", FormatCSV)
		tb := doc.Table("")
		if err := ReadCSV(context.Background(), bytes.NewReader(data), d, 1, d.Header, tb, doc.Problem, "x.csv", o); err != nil {
			t.Fatal(err)
		}
		doc.End(int64(len(data)))
		checkRecorder(t, rec, len(data))
		checkCellText(t, rec, o.MaxValue)
		readBothWays(t, data, d, o) // in batches as one at a time
		// Cutting the input into chunks must give the same rows.
		sp := NewSplitter(bytes.NewReader(data), d.Quote, 16)
		var rows []string
		forced := false
		for {
			c, err := sp.Next(nil)
			if err != nil {
				break
			}
			forced = forced || c.Forced
			part := &recTable{cols: map[int]string{}, header: map[int]bool{}}
			ReadCSV(context.Background(), bytes.NewReader(c.Data), d, c.Line, c.First && d.Header, part, func(Problem) {}, "x.csv", o)
			rows = append(rows, part.rows...)
		}
		whole := rec.docs[0].tables[0].rows
		if !forced && !strings.Contains(string(data), "\"") && strings.Join(rows, "\n") != strings.Join(whole, "\n") {
			t.Fatalf("chunked rows differ:\n%q\n%q", rows, whole)
		}
	})
}

func FuzzSQLDump(f *testing.F) {
	for _, s := range []string{
		mysqlDump, pgDump,
		"INSERT INTO t VALUES ('a'),('b\\'c');",
		"COPY t (a) FROM stdin;\nx\\ty\n\\.\n",
		"CREATE TABLE t (a int, PRIMARY KEY (a));INSERT INTO t VALUES (1);",
		"$$;$$ INSERT INTO t VALUES ('unterminated",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		for _, mysql := range []bool{true, false} {
			doc := rec.Begin("x.sql", FormatSQL)
			if err := readSQL(context.Background(), bytes.NewReader(data), doc, o, "x.sql", mysql); err != nil {
				t.Fatal(err)
			}
			doc.End(int64(len(data)))
		}
		checkRecorder(t, rec, len(data))
	})
}

// FuzzSQLFastPaths checks the reading of plain tuples straight from the
// buffer, and of COPY lines without escapes, against the general loops:
// the same rows, columns, values, offsets and problems.
func FuzzSQLFastPaths(f *testing.F) {
	for _, s := range []string{
		mysqlDump, pgDump,
		"INSERT INTO t VALUES ('a',1,NULL,-2.5e3,'L\xe9a'),('b\\'c',''),('x''y',.5,+1);",
		"INSERT INTO t (b,a) VALUES ('1','2'),(3,'4',5);\nINSERT INTO t VALUES ('é',--x\n1);",
		"INSERT INTO t (a,b) VALUES (1,'x');INSERT INTO t (b,a) VALUES ('y',2);",
		"COPY public.t (a, b, c) FROM stdin;\nx\t\ty\nL\xe9a\t\\N\tz\\tw\n\t\t\né\t\\N\tn\na\\\\b\t\\N\tc\n\\.\nCOPY public.t (c, a) FROM stdin;\n1\t2\r\n\\.\n",
		"INSERT INTO `t` VALUES ('line\nbreak', 0x41, _utf8'x', 'a' 'b', (1), 1-2, NULL, null, nullx);",
		// Escapes far enough from the end for the fast path to read them.
		"INSERT INTO t VALUES ('Jean-Pierre l\\'ami du \\\\ quartier','N\\'Diaye et ''les'' autres'),('x\\\nyz 0123456789',''),('après la ligne','0123456789');\n-- a comment that pads the buffer\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, mysql bool) {
		checkSQLFastPaths(t, data, mysql, fuzzOptions(t))
	})
}

// checkSQLFastPaths reads data with the fast paths and with the general
// loops alone, and fails unless both give the same tables, rows, cells
// and problems.
func checkSQLFastPaths(t *testing.T, data []byte, mysql bool, o Options) {
	t.Helper()
	var out [2]string
	for k, slow := range []bool{false, true} {
		rec := &recorder{}
		doc := rec.Begin("x.sql", FormatSQL)
		if err := readSQLTuples(context.Background(), bytes.NewReader(data), doc, o, "x.sql", mysql, slow, 1); err != nil {
			t.Fatal(err)
		}
		doc.End(int64(len(data)))
		var b strings.Builder
		for _, tb := range rec.docs[0].tables {
			fmt.Fprintf(&b, "table %q %v %v\n", tb.name, tb.cols, tb.header)
			for _, r := range tb.rows {
				fmt.Fprintf(&b, "%q\n", r)
			}
			for _, c := range tb.cells {
				fmt.Fprintf(&b, "%d %d %v %q\n", c.Col, c.Off, c.Recoded, c.Value)
			}
		}
		for _, p := range rec.problems {
			fmt.Fprintf(&b, "problem %v\n", p)
		}
		out[k] = b.String()
	}
	if out[0] != out[1] {
		t.Fatalf("fast path\n%s\ngeneral loop\n%s", out[0], out[1])
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`[{"a":"b","c":{"d":[1,2,"e"]}}]`,
		"{\"a\":1}\n{\"b\": oops}\n{\"c\":\"\\ud83d\\ude00\"}\n",
		`{"users":[{"nom":"x"}],"n":null,"t":true}`,
		`["a", "b"`,
		`{"d":{"$date":{"$numberLong":"-557456400000"}},"t":{"$numberLong":"612345678"},"x":{"$date":"1985-05-11T22:00:00Z"}}`,
		`{"n":{"$binary":{"base64":"UmVuw6ll","subType":"00"}},"o":{"$binary":"/9j/","$type":"00"},"r":{"$regularExpression":{"pattern":"^F","options":"i"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzOptions(t)
		rec := &recorder{}
		doc := rec.Begin("x.json", FormatJSON)
		if err := readJSON(context.Background(), bytes.NewReader(data), doc, o, "x.json"); err != nil {
			t.Fatal(err)
		}
		doc.End(int64(len(data)))
		checkRecorder(t, rec, len(data))
	})
}

// FuzzArchive reads arbitrary bytes as a zip, a tar, a tar.gz and a gz:
// corrupt headers, lying sizes and bombs must end in problems.
func FuzzArchive(f *testing.F) {
	f.Add(zipBytes(f, entry{"a.csv", []byte("nom;tel\nx;1\n")}, entry{"in.zip", zipBytes(f, entry{"b.txt", []byte("hello\n")})}))
	f.Add(tarGzBytes(f, entry{"a.ndjson", []byte("{\"a\":\"b\"}\n")}))
	f.Add(gzBytes(f, []byte("plain text\n")))
	f.Add(zipBytes(f, entry{"z.txt", bytes.Repeat([]byte("0"), 1<<16)}))
	f.Add([]byte("PK\x03\x04garbage"))
	for _, name := range []string{"zipmethods/BZip2.zip", "zipmethods/LZMA.zip", "compressed/fuite.txz"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o := fuzzOptions(t)
		for _, name := range []string{"x.zip", "x.tar", "x.tar.gz", "x.gz", "x.xlsx", "x.ods"} {
			rec := &recorder{}
			if err := New(o).Reader(context.Background(), name, bytes.NewReader(data), rec); err != nil {
				t.Fatal(err)
			}
			checkRecorder(t, rec, 1<<20)
		}
	})
}

// FuzzSplitFields checks the split of a line, 64 bytes at a time, against
// bytes.Split: the same values, at the same offsets, in the same columns,
// and no more fields than asked for.
func FuzzSplitFields(f *testing.F) {
	for _, s := range []string{"", ";", "a;b", ";;;;;;;;;;", "CMD-20230452779;2023-07-22 12:57:24;Dupont", "a:;b", "é;;\xff;x", strings.Repeat("a;", 700), strings.Repeat(";", 300)} {
		f.Add([]byte(s), byte(';'))
		f.Add([]byte(s), byte(':'))
	}
	f.Fuzz(func(t *testing.T, line []byte, comma byte) {
		max := 1 + len(line)%13 // fewer fields than the line has, often
		if comma == ';' || comma == ',' {
			max = maxCells // long lines: their delimiters are counted first
		}
		if comma == 0 || comma == ':' {
			comma = ';'
		}
		want := bytes.Split(line, []byte{comma})
		want = want[:min(len(want), max)]
		// The line alone, and as a reader has it: followed, within its
		// capacity, by other lines, whose delimiters are not its own.
		buf := append(line[:len(line):len(line)], bytes.Repeat([]byte{comma, 'x'}, 40)...)
		for _, in := range [][]byte{line[:len(line):len(line)], buf[:len(line)]} {
			got := splitFields([]Cell{{Col: 99}}, in, comma, max)[1:]
			if len(got) != len(want) {
				t.Fatalf("%q (capacity %d): %d fields, want %d", line, cap(in), len(got), len(want))
			}
			off := 0
			for i, c := range got {
				if c.Col != i || c.Off != off || !bytes.Equal(c.Value, want[i]) || c.Recoded {
					t.Fatalf("%q (capacity %d): field %d is %+v, want %q at %d", line, cap(in), i, c, want[i], off)
				}
				if cap(c.Value) != len(c.Value) && i < len(got)-1 {
					t.Fatalf("%q: field %d reaches past its end", line, i)
				}
				off += len(want[i]) + 1
			}
		}
	})
}

// FuzzPlainRecords checks the sniffer's split of a sample without quotes
// against the byte-by-byte reader it spares.
func FuzzPlainRecords(f *testing.F) {
	for _, s := range []string{"a;b\n1;2\n", "a;b\r\n\r\n1;2", "\n\n;\n", "x\r;y\r\nz", "a,b,c\n1,2\n3", "a\n\r"} {
		f.Add([]byte(s), byte(';'), 3)
	}
	f.Fuzz(func(t *testing.T, sample []byte, comma byte, max int) {
		if bytes.IndexByte(sample, '"') >= 0 || comma == '"' || comma == '\n' { // delimiters are never a newline
			return
		}
		max = 1 + max&15
		got, want := plainRecords(sample, comma, max), quotedRecords(sample, comma, '"', max)
		if len(got) != len(want) {
			t.Fatalf("%q: %d records, want %d", sample, len(got), len(want))
		}
		for i := range got {
			if len(got[i]) != len(want[i]) {
				t.Fatalf("%q: record %d has %d fields, want %d", sample, i, len(got[i]), len(want[i]))
			}
			for k := range got[i] {
				if !bytes.Equal(got[i][k], want[i][k]) {
					t.Fatalf("%q: record %d field %d is %q, want %q", sample, i, k, got[i][k], want[i][k])
				}
			}
		}
	})
}

// FuzzRecodeCells checks that a row's values (a SQL tuple's, a JSON
// record's) are recoded exactly when each alone is not UTF-8, whatever
// the row's bytes and where its values are cut.
func FuzzRecodeCells(f *testing.F) {
	f.Add([]byte("Dupont\xc3\xa9L\xe9a"), []byte{8, 3})
	f.Add([]byte("ab\xc3\xa9cd"), []byte{3, 0})
	f.Fuzz(func(t *testing.T, rec, cuts []byte) {
		var spans []jcell
		var cells []Cell
		var want [][]byte
		start := 0
		for _, c := range cuts {
			if start >= len(rec) {
				break
			}
			end := min(len(rec), start+int(c%16))
			spans = append(spans, jcell{start: start, end: end})
			cells = append(cells, Cell{Value: rec[start:end]})
			want = append(want, append([]byte(nil), rec[start:end]...))
			start = end + int(c>>4)%3 // values may have bytes between them
		}
		var scratch []byte
		// The values are at most 15 bytes: cut at 16, none is cut but
		// what recoding grew.
		cut := slices.Clone(cells)
		recodeSpans(cells, spans, rec, &scratch, 0)
		recodeSpans(cut, spans, rec, new([]byte), 16)
		for k, c := range cells {
			bad := !utf8.Valid(want[k])
			if c.Recoded != bad {
				t.Fatalf("value %q: recoded %v", want[k], c.Recoded)
			}
			if bad && !bytes.Equal(c.Value, recode(nil, want[k])) {
				t.Fatalf("value %q recoded as %q", want[k], c.Value)
			}
			if v := cut[k].Value; len(v) > 16 || !utf8.Valid(v) || !bytes.HasPrefix(c.Value, v) {
				t.Fatalf("value %q recoded and cut at 16 as %q", want[k], v)
			}
		}
	})
}

// FuzzTagEnd holds tagEnd, eight bytes at a time, to its byte loop at
// every position of the input.
func FuzzTagEnd(f *testing.F) {
	for _, seed := range []string{`<c r="B2" t="s"><v>1</v></c>`, `<a b='x>y' c="1">`, `<x y="a>b">z>`, `<row r="1" spans="1:20">`, `<t xml:space="preserve">`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		scanner := func() *xmlScanner {
			return &xmlScanner{r: bytes.NewReader(nil), buf: append([]byte(nil), b...), end: len(b)}
		}
		for i := 0; i < len(b); i++ {
			got, gerr := scanner().tagEnd(i)
			want, werr := scanner().tagEndBytes(i)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Fatalf("tagEnd(%q, %d) = %d, %v; want %d, %v", b, i, got, gerr, want, werr)
			}
		}
	})
}

// TestTagEndWords: tagEnd against its byte loop on random tags of the
// bytes that matter to it, up to past the 64 its loop reads.
func TestTagEndWords(t *testing.T) {
	r := rand.New(rand.NewSource(10))
	const alphabet = `abc==  """>'x`
	for k := 0; k < 50000; k++ {
		b := make([]byte, r.Intn(90))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		for i := 0; i < len(b); i++ {
			s := &xmlScanner{r: bytes.NewReader(nil), buf: append([]byte(nil), b...), end: len(b)}
			got, gerr := s.tagEnd(i)
			s = &xmlScanner{r: bytes.NewReader(nil), buf: append([]byte(nil), b...), end: len(b)}
			want, werr := s.tagEndBytes(i)
			if got != want || (gerr == nil) != (werr == nil) {
				t.Fatalf("tagEnd(%q, %d) = %d, %v; want %d, %v", b, i, got, gerr, want, werr)
			}
		}
	}
}

// FuzzCanonicalKey holds appendCanonicalKey to
// textproto.CanonicalMIMEHeaderKey.
func FuzzCanonicalKey(f *testing.F) {
	for _, seed := range []string{"content-type", "X-MAILER", "x-Original-To", "dkim-signature", "Subject", "a--b", "é-x", "x_y.z", "(x)"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, k []byte) {
		if got, want := string(appendCanonicalKey([]byte("p"), k)), "p"+textproto.CanonicalMIMEHeaderKey(string(k)); got != want {
			t.Fatalf("appendCanonicalKey(%q) = %q, want %q", k, got, want)
		}
	})
}

// TestCanonicalKeyBytes: appendCanonicalKey against textproto on random
// names of the bytes that matter to it.
func TestCanonicalKeyBytes(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	const alphabet = "aZmQ-_.!~ (:\"é\x7f09"
	for k := 0; k < 50000; k++ {
		b := make([]byte, r.Intn(12))
		for i := range b {
			b[i] = alphabet[r.Intn(len(alphabet))]
		}
		if got, want := string(appendCanonicalKey(nil, b)), textproto.CanonicalMIMEHeaderKey(string(b)); got != want {
			t.Fatalf("appendCanonicalKey(%q) = %q, want %q", b, got, want)
		}
	}
}
