package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"tocsin/internal/store"
	"tocsin/internal/store/storetest"
)

// opener opens one database file per test, the same file again when a
// test reopens it.
func opener(t *testing.T, opts ...Option) storetest.Opener {
	var mu sync.Mutex
	paths := map[string]string{}
	return func(t *testing.T) store.Store {
		mu.Lock()
		path, ok := paths[t.Name()]
		if !ok {
			path = filepath.Join(t.TempDir(), "tocsin.db")
			paths[t.Name()] = path
		}
		mu.Unlock()
		s, err := Open(context.Background(), path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, opener(t))
}
