package winlog

import (
	"strings"
	"sync"
	"sync/atomic"
)

// nameMemo remembers what a shape's patterns make of each field name: a
// stream of events repeats a few hundred names, and a map lookup costs
// less than walking the patterns segment by segment. Readers go through
// an immutable map without a lock; a new name copies the map (names are
// few, and stop being added at maxMemoNames).
type nameMemo struct {
	m  atomic.Pointer[map[string]memoTarget]
	mu sync.Mutex // serialises writers
}

// memoTarget is a name's mapped name, or !mapped when no pattern maps it.
type memoTarget struct {
	name   string
	mapped bool
}

// maxMemoNames bounds the memo: events whose field names never repeat
// (keys that are identifiers) walk the patterns instead.
const maxMemoNames = 4096

func (nm *nameMemo) get(name string) (memoTarget, bool) {
	if m := nm.m.Load(); m != nil {
		t, ok := (*m)[name]
		return t, ok
	}
	return memoTarget{}, false
}

// put records target for name; both are copied, since name (and a target
// cut from it) may point into a decoder's reused buffer.
func (nm *nameMemo) put(name string, target memoTarget) memoTarget {
	target.name = strings.Clone(target.name)
	nm.mu.Lock()
	defer nm.mu.Unlock()
	old := nm.m.Load()
	n := 0
	if old != nil {
		n = len(*old)
		if t, ok := (*old)[name]; ok {
			return t
		}
	}
	if n >= maxMemoNames {
		return target
	}
	m := make(map[string]memoTarget, n+1)
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	m[strings.Clone(name)] = target
	nm.m.Store(&m)
	return target
}
