package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// The fuzz targets run their committed seeds (testdata/fuzz) in every
// go test; fuzzing itself is explicit, e.g.
// go test ./internal/alert -run '^$' -fuzz FuzzScenarioLine -fuzztime 1m

// FuzzScenarioLine decodes a scenario line and applies it to an engine
// with some state: nothing may panic, and the state must still snapshot,
// restore and answer Levels.
func FuzzScenarioLine(f *testing.F) {
	f.Add([]byte(`{"tenant":"a","time":"2026-11-26T08:00:00Z","rule":{"id":"r","level":"high"},"src_ip":"203.0.113.7"}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e := busy(t)
		s, err := decodeStep(line)
		if err != nil {
			return
		}
		if _, err := apply(e, &s, 1); errors.Is(err, errExpect) {
			return
		}
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		r := newEngine(t, nil)
		if err := r.Restore(snap); err != nil {
			t.Fatalf("restore of the engine's own snapshot: %v", err)
		}
		if _, err := json.Marshal(r.Levels()); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzParsePolicy: any input gives a policy New accepts, or an ErrPolicy.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte("lang: en\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if !errors.Is(err, ErrPolicy) {
				t.Fatalf("error without ErrPolicy: %v", err)
			}
			return
		}
		if _, err := New(p); err != nil {
			t.Fatalf("ParsePolicy accepted what New refuses: %v", err)
		}
	})
}

// FuzzRestore: any input is refused (leaving the engine as it was) or
// gives an engine that keeps working and snapshots to a fixed point.
func FuzzRestore(f *testing.F) {
	f.Add([]byte(`{"version":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := busy(t)
		before, _ := e.Snapshot()
		if err := e.Restore(data); err != nil {
			if !errors.Is(err, ErrSnapshot) {
				t.Fatalf("error without ErrSnapshot: %v", err)
			}
			if after, _ := e.Snapshot(); !bytes.Equal(before, after) {
				t.Fatal("a refused snapshot changed the engine")
			}
			return
		}
		snap, err := e.Snapshot()
		if err != nil {
			t.Fatalf("snapshot of a restored engine: %v", err)
		}
		r := newEngine(t, nil)
		if err := r.Restore(snap); err != nil {
			t.Fatalf("restore of a snapshot of a restored engine: %v", err)
		}
		e.Levels()
		e.Advance(e.Now().Add(30 * 24 * time.Hour))
		_, _ = e.Observe(brute("a", "203.0.113.7", e.Now()))
		e.Levels()
	})
}
