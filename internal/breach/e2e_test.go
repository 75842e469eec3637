package breach

import (
	"context"
	"io"
	"testing"

	"tocsin/internal/breach/pii"
)

// TestEndToEndGroundTruth scans the corpus in every format and compares
// the report with the ground truth: values per category, distinct values
// of identifiers and dates of birth, and distinct people. It runs three
// times: whole files, with the delimited files cut into chunks scanned in
// parallel, and without a findings file (the default command, which skips
// all findings work), none of which may change a count.
func TestEndToEndGroundTruth(t *testing.T) {
	dir := t.TempDir()
	g := buildCorpus(t, dir, 7)
	runs := []struct {
		name     string
		o        Options
		findings bool
	}{
		{"whole files", Options{}, true},
		{"chunks", Options{SplitSize: 1024, ChunkSize: 1024, Workers: 3}, true},
		{"no findings", Options{}, false},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			o := run.o
			o.Paths = []string{dir}
			if run.findings {
				o.Findings = io.Discard
			}
			rep, err := Scan(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d documents, %d people, %d records with personal data", rep.Scanned.Documents, rep.People.Count, rep.RecordsAffected)
			for _, p := range rep.Problems {
				t.Errorf("problem: %+v", p)
			}
			for _, c := range pii.Categories() {
				got := rep.Category(string(c))
				if got.Values != g.values[c] {
					t.Errorf("%s: %d values, want %d", c, got.Values, g.values[c])
				}
				switch c {
				case pii.Name, pii.Address:
					continue // spellings of one name or place vary
				}
				if want := int64(len(g.distinct[c])); got.Distinct != want {
					t.Errorf("%s: %d distinct, want %d", c, got.Distinct, want)
				}
			}
			if want := int64(len(g.people)); rep.People.Count != want || !rep.People.Exact {
				t.Errorf("%d people (exact %v), want %d", rep.People.Count, rep.People.Exact, want)
			}
			if rep.Scanned.ByFormat["sqlite"] != 1 || rep.Scanned.ByFormat["xlsx"] != 1 || rep.Scanned.ByFormat["ods"] != 1 || rep.Scanned.ByFormat["xls"] != 1 || rep.Scanned.ByFormat["tar"] != 1 || rep.Scanned.ByFormat["rar"] != 2 {
				t.Errorf("formats %v", rep.Scanned.ByFormat)
			}
			if rep.Risk.Level != LevelHigh && rep.Risk.Level != LevelVeryHigh {
				t.Errorf("risk %s", rep.Risk.Level)
			}
		})
	}
}
