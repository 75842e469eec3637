package pii_test

import (
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// tally counts, per category, findings that match a planted value
// (same category, overlapping span), findings that match none, and
// planted values found or missed.
type tally struct {
	tp, fp, found, planted map[pii.Category]int
}

func newTally() *tally {
	return &tally{map[pii.Category]int{}, map[pii.Category]int{}, map[pii.Category]int{}, map[pii.Category]int{}}
}

func overlaps(a0, a1, b0, b1 int) bool { return a0 < b1 && b0 < a1 }

// score compares the findings of one text with its ground truth. Planted
// values of categories in skip are neither counted nor held against.
func (t *tally) score(fs []pii.Finding, planted []corpus.Planted, skip map[pii.Category]bool) {
	hit := make([]bool, len(planted))
	for _, f := range fs {
		ok := false
		for i, p := range planted {
			if p.Category == f.Category && overlaps(f.Start, f.End, p.Start, p.End) {
				ok = true
				hit[i] = true
			}
		}
		if skip[f.Category] && !ok {
			continue
		}
		if skip[f.Category] {
			continue
		}
		if ok {
			t.tp[f.Category]++
		} else {
			t.fp[f.Category]++
		}
	}
	for i, p := range planted {
		if skip[p.Category] {
			continue
		}
		t.planted[p.Category]++
		if hit[i] {
			t.found[p.Category]++
		}
	}
}

func (t *tally) check(tb *testing.T, what string) {
	tb.Helper()
	for _, c := range pii.Categories() {
		n := t.tp[c] + t.fp[c]
		if n == 0 && t.planted[c] == 0 {
			continue
		}
		prec, rec := 1.0, 1.0
		if n > 0 {
			prec = float64(t.tp[c]) / float64(n)
		}
		if t.planted[c] > 0 {
			rec = float64(t.found[c]) / float64(t.planted[c])
		}
		bar := 0.95
		if pii.Validated(c) {
			bar = 0.99
		}
		tb.Logf("%-6s %-18s precision %.4f (%d/%d)  recall %.4f (%d/%d)", what, c, prec, t.tp[c], n, rec, t.found[c], t.planted[c])
		if prec < bar || rec < bar {
			tb.Errorf("%s %s: precision %.4f, recall %.4f, below %.2f", what, c, prec, rec, bar)
		}
	}
}

// TestPrecisionRecallText scans generated documents (support tickets, log
// lines, JSON objects, SQL inserts, CSV rows) as free text. In SQL and CSV
// shapes names and dates of birth are recognisable only by their column,
// so they are scored on tables (TestPrecisionRecallTable).
func TestPrecisionRecallText(t *testing.T) {
	s := pii.New()
	docs := corpus.Generate(1, 5000)
	all := newTally()
	columnOnly := map[pii.Category]bool{pii.Name: true, pii.DateOfBirth: true, pii.Address: true}
	var buf pii.Findings
	decoyHits := 0
	for _, d := range docs {
		buf.Reset()
		fs := s.Text([]byte(d.Text), &buf)
		var skip map[pii.Category]bool
		if d.Shape == "sql" || d.Shape == "csv" {
			skip = columnOnly
		}
		all.score(fs, d.Planted, skip)
		for _, f := range fs {
			for _, dc := range d.Decoys {
				if overlaps(f.Start, f.End, dc.Start, dc.End) {
					decoyHits++
					t.Logf("decoy taken: %s %s in %s document", f.Category, dc.Category, d.Shape)
				}
			}
		}
	}
	all.check(t, "text")
	if decoyHits > 0 {
		t.Errorf("%d decoys reported as personal data", decoyHits)
	}
}

// TestPrecisionRecallTable classifies the columns of generated tables
// (French and English headers) from a sample, then scans every cell.
func TestPrecisionRecallTable(t *testing.T) {
	s := pii.New()
	all := newTally()
	for _, seed := range []int64{2, 3} {
		header, rows, truth := corpus.Table(seed, 1000)
		cols := make([]pii.Column, len(header))
		for j, h := range header {
			sample := make([][]byte, 0, 50)
			for _, r := range rows[:50] {
				sample = append(sample, []byte(r[j]))
			}
			cols[j] = s.ClassifyColumn(h, sample)
			if cols[j].Category != truth[j] {
				t.Errorf("seed %d column %q classified %q, want %q", seed, h, cols[j].Category, truth[j])
			}
		}
		var buf pii.Findings
		for _, r := range rows {
			for j, v := range r {
				buf.Reset()
				fs := s.Cell(cols[j], []byte(v), &buf)
				var planted []corpus.Planted
				if truth[j] != "" {
					planted = []corpus.Planted{{Category: truth[j], Start: 0, End: len(v), Value: v}}
				}
				all.score(fs, planted, nil)
			}
		}
	}
	all.check(t, "table")
}
