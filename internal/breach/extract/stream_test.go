package extract

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestStreamGrows: the read buffer starts small and grows for long lines.
// Lines on either side of each size it takes reach the readers whole,
// whatever the size of the reads.
func TestStreamGrows(t *testing.T) {
	lengths := []int{10, streamStart - 2, streamStart - 1, streamStart, streamStart + 1, 3 * streamStart, 300 << 10, 20}
	value := func(i, n int) string { return fmt.Sprintf("%d:", i) + strings.Repeat("x", n) }
	var csv, text, sql strings.Builder
	csv.WriteString("nom;commentaire\n")
	sql.WriteString("INSERT INTO t (nom, commentaire) VALUES ")
	for i, n := range lengths {
		fmt.Fprintf(&csv, "Dupont;%s\n", value(i, n))
		fmt.Fprintf(&text, "%s\n", value(i, n))
		if i > 0 {
			sql.WriteString(",")
		}
		fmt.Fprintf(&sql, "('Dupont','%s')", value(i, n))
	}
	sql.WriteString(";\n")
	readers := map[string]func(io.Reader) io.Reader{
		"whole": func(r io.Reader) io.Reader { return r },
		"half":  iotest.HalfReader,
		"bytes": func(r io.Reader) io.Reader { return iotest.DataErrReader(r) },
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct{ file, in string }{{"x.csv", csv.String()}, {"x.log", text.String()}, {"x.sql", sql.String()}} {
				rec := &recorder{}
				if err := New(testOptions()).Reader(context.Background(), tc.file, wrap(strings.NewReader(tc.in)), rec); err != nil {
					t.Fatal(err)
				}
				if len(rec.problems) > 0 {
					t.Fatalf("%s: %v", tc.file, rec.problemText())
				}
				var got []string
				for _, d := range rec.docs {
					for _, l := range d.lines {
						got = append(got, l[strings.LastIndexByte(l[:strings.Index(l, ":x")], ':')+1:])
					}
					for _, tb := range d.tables {
						for _, c := range tb.cells {
							if strings.Contains(string(c.Value), ":x") {
								got = append(got, string(c.Value))
							}
						}
					}
				}
				if len(got) != len(lengths) {
					t.Fatalf("%s: %d values, want %d", tc.file, len(got), len(lengths))
				}
				for i, n := range lengths {
					if got[i] != value(i, n) {
						t.Fatalf("%s: value %d is %d bytes, want %d", tc.file, i, len(got[i]), len(value(i, n)))
					}
				}
			}
		})
	}
}

// TestCSVFieldCap: a line of more than maxCells fields gives its first
// maxCells, and the next line is read whole.
func TestCSVFieldCap(t *testing.T) {
	in := "a;b\n" + strings.Repeat("x;", maxCells+100) + "y\n1;2\n"
	rec := &recorder{}
	d := Dialect{Comma: ';', Header: true, Names: []string{"a", "b"}}
	tab := (&recDoc{r: rec}).Table("")
	if err := ReadCSV(context.Background(), strings.NewReader(in), d, 1, true, tab, func(Problem) {}, "x", testOptions()); err != nil {
		t.Fatal(err)
	}
	rows := tab.(*recTable).rows
	if len(rows) != 2 || rows[1] != "3|a=1|b=2" {
		t.Fatalf("rows after the long one: %q", rows[1:])
	}
	if n := strings.Count(rows[0], "|"); n != maxCells {
		t.Fatalf("%d fields, want %d", n, maxCells)
	}
}
