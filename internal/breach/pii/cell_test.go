package pii_test

import (
	"reflect"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// TestCellUnclassifiedIsText: a cell of an unclassified column yields what
// Text yields on it, the cells skipped without a scan included.
func TestCellUnclassifiedIsText(t *testing.T) {
	s := pii.New()
	for _, seed := range []int64{4, 5} {
		_, rows, _ := corpus.Table(seed, 2000)
		for _, r := range rows {
			for _, v := range r {
				want := s.Text([]byte(v), &pii.Findings{})
				got := s.Cell(pii.Column{}, []byte(v), &pii.Findings{})
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d: Cell finds %d values, Text %d", seed, len(got), len(want))
				}
			}
		}
	}
}
