package breach

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// scanByColumn scans path without a findings file, when the columns of a
// category are scanned a column at a time, and with one, when they are
// not; it fails unless the reports are the same, and returns how many
// values were found a column at a time.
func scanByColumn(t *testing.T, path string, o Options) int64 {
	t.Helper()
	var byColumn atomic.Int64
	scan := func(findings bool) *Report {
		o := o
		o.Paths, o.Workers, o.byColumn = []string{path}, 1, &byColumn
		o.runKey = slices.Clone(o.runKey) // cleared at the end of the scan
		o.Now = func() time.Time { return time.Unix(0, 0) }
		if findings {
			o.Findings = &bytes.Buffer{}
		}
		rep, err := Scan(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		rep.Scanned.Seconds = 0
		return rep
	}
	rowsRep := scan(true)
	if n := byColumn.Load(); n != 0 {
		t.Fatalf("%s: %d values found a column at a time with a findings file", path, n)
	}
	colRep := scan(false)
	sameScans(t, "by column", colRep, "", "by row", rowsRep, "")
	return byColumn.Load()
}

// TestColumnsScanAsRows: tables whose columns of a category are scanned
// a column at a time give the report they give row by row: the corpus
// table (a column per category, values that never repeat), the order
// table (names remembered, e-mail addresses and phones not), a table
// whose names and communes repeat and half of whose people are told by
// name and date of birth, and tables whose columns change state in the
// middle of batches, wider than 64 columns.
func TestColumnsScanAsRows(t *testing.T) {
	dir := t.TempDir()
	corpusPath := filepath.Join(dir, "corpus")
	if err := os.Mkdir(corpusPath, 0o700); err != nil {
		t.Fatal(err)
	}
	memoPath := filepath.Join(dir, "clients.csv")
	memoTable(t, memoPath, 20000)
	tables := []struct {
		path string
		min  int64 // values found a column at a time, at least
	}{
		{benchCSV(t, corpusPath, 3<<20), 100000},
		{writeOrdersCSV(t, filepath.Join(dir, "orders.csv"), 3<<20), 40000},
		{memoPath, 60000},
	}
	for _, wide := range []bool{false, true} {
		p := filepath.Join(dir, fmt.Sprintf("batch-%v.csv", wide))
		batchTable(t, p, 12000, wide)
		tables = append(tables, struct {
			path string
			min  int64
		}{p, 10000})
	}
	for _, tb := range tables {
		if n := scanByColumn(t, tb.path, Options{}); n < tb.min {
			t.Errorf("%s: %d values found a column at a time, want %d or more", filepath.Base(tb.path), n, tb.min)
		}
	}
}

// TestColumnsKeepIdentifierOrder: a record's identifiers keep the order
// of its columns when some are found a column at a time and others in
// text. Past the hash budget, the people are counted by each record's
// first identifier: a phone number in a note before the phone column is
// that one, and counting the column's first would count other people.
func TestColumnsKeepIdentifierOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 9))
	ids := corpus.Identities(5, 6000)
	var b bytes.Buffer
	b.WriteString("note;téléphone;ville\n")
	for i, id := range ids {
		note := "RAS"
		if i%2 == 0 {
			// Three callers of the same four numbers: the column's numbers
			// and the notes' count different people.
			note = "rappeler au " + ids[r.IntN(4)].Phone
		}
		fmt.Fprintf(&b, "%s;%s;%s\n", note, id.Phone, []string{"Lyon", "Brest"}[i%2])
	}
	path := filepath.Join(t.TempDir(), "appels.csv")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if n := scanByColumn(t, path, Options{MaxHashes: 2000, runKey: newRunKey()}); n < 5000 {
		t.Fatalf("%d values found a column at a time", n)
	}
}

// TestColumnValueIsCellFinding: what CellValue gives a value that fits
// its column is the one finding Cell gives, and a value that does not
// fit gives nothing, for every category.
func TestColumnValueIsCellFinding(t *testing.T) {
	s := pii.New()
	header, rows, _ := corpus.Table(9, 300)
	var fs pii.Findings
	checked := map[pii.Category]int{}
	for k, h := range header {
		cat := s.HeaderCategory(h)
		if cat == "" {
			continue
		}
		col := pii.Column{Category: cat, Confidence: 0.99}
		for _, row := range rows {
			v := []byte(row[k])
			start, end := pii.TrimCell(v)
			if start == end {
				continue
			}
			fs.Reset()
			finds, fits := s.CellFits(col, v, &fs)
			norm, ok := s.CellValue(nil, catIdx(cat), v[start:end])
			if ok != fits || ok && (len(finds) != 1 || !bytes.Equal(finds[0].Norm, norm)) {
				t.Fatalf("%s: CellValue %v, CellFits %v with %d findings", cat, ok, fits, len(finds))
			}
			if ok {
				checked[cat]++
			}
		}
	}
	if len(checked) < numCats-1 {
		t.Fatalf("checked %v: a category is missing", checked)
	}
}
