package detect_test

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"tocsin/internal/detect"
	"tocsin/internal/winlog"
)

// TestHeapDiag prints the live heap of the loaded and compiled corpus
// (DIAG=1 go test -run TestHeapDiag -v ./internal/detect).
func TestHeapDiag(t *testing.T) {
	if os.Getenv("DIAG") == "" {
		t.Skip("set DIAG=1")
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	base := m.HeapAlloc
	rules := loadCorpus(t)
	runtime.GC()
	runtime.ReadMemStats(&m)
	fmt.Printf("rules loaded: %.1f MB\n", float64(m.HeapAlloc-base)/1e6)
	eng, _ := detect.Compile(rules, detect.Options{CategoryParents: winlog.Default().CategoryParents})
	runtime.GC()
	runtime.ReadMemStats(&m)
	fmt.Printf("compiled: %.1f MB\n", float64(m.HeapAlloc-base)/1e6)
	evs := benchEvents(t, 0, 3000)
	mm := eng.NewMatcher()
	for _, ev := range evs {
		mm.Match(ev)
	}
	evs = nil
	runtime.GC()
	runtime.ReadMemStats(&m)
	fmt.Printf("after buckets: %.1f MB\n", float64(m.HeapAlloc-base)/1e6)
	runtime.KeepAlive(eng)
	runtime.KeepAlive(rules)
}
