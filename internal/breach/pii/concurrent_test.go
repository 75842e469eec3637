package pii_test

import (
	"reflect"
	"sync"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// TestConcurrentUse scans the same documents from several goroutines with
// one Scanner and expects what one goroutine finds (run with -race).
func TestConcurrentUse(t *testing.T) {
	s := pii.New()
	docs := corpus.Generate(5, 200)
	want := make([][]pii.Finding, len(docs))
	for i, d := range docs {
		want[i] = s.Text([]byte(d.Text), &pii.Findings{})
	}
	var wg sync.WaitGroup
	errs := make(chan int, 4*len(docs))
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var fs pii.Findings
			for i, d := range docs {
				fs.Reset()
				if got := s.Text([]byte(d.Text), &fs); !reflect.DeepEqual(got, want[i]) {
					errs <- i
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for i := range errs {
		t.Errorf("document %d: concurrent scan differs", i)
	}
}
