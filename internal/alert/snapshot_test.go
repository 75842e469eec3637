package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// busy returns an engine with alerts, a campaign, an override and
// history.
func busy(t testing.TB) *Engine {
	t.Helper()
	e := newEngine(t, nil)
	if err := e.SetTenants([]string{"a", "b", "c", "d"}); err != nil {
		t.Fatal(err)
	}
	observe(t, e, brute("a", "203.0.113.7", t0))
	observe(t, e, brute("b", "203.0.113.7", t0.Add(time.Minute)))
	observe(t, e, brute("c", "198.51.100.9", t0.Add(2*time.Minute)))
	if _, err := e.Override("c", Jaune, "test d'intrusion", "rssi", t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := e.Comment("A1", "rssi", "bloquée", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSnapshotRoundTrip: a restored engine is the same engine.
func TestSnapshotRoundTrip(t *testing.T) {
	e := busy(t)
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	r := newEngine(t, nil)
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	again, err := r.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snap, again) {
		t.Fatalf("snapshot changed by a round trip:\n%s\n%s", snap, again)
	}
	// Both go on the same way, through expiries and new campaigns.
	for _, d := range []Detection{
		brute("d", "203.0.113.7", t0.Add(10*time.Minute)),
		brute("c", "198.51.100.9", t0.Add(20*time.Minute)),
		brute("a", "192.0.2.1", t0.Add(30*time.Hour)),
	} {
		c1, err1 := e.Observe(d)
		c2, err2 := r.Observe(d)
		if err1 != nil || err2 != nil || !sameJSON(c1, c2) {
			t.Fatalf("diverged:\n%s\n%s", mustJSON(c1), mustJSON(c2))
		}
	}
	if !sameJSON(e.Levels(), r.Levels()) || !sameJSON(e.History(), r.History()) {
		t.Fatal("levels or history diverged")
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func sameJSON(a, b any) bool { return bytes.Equal(mustJSON(a), mustJSON(b)) }

// TestRestoreRejects: a bad snapshot is refused, naming the problem, and
// leaves the engine as it was.
func TestRestoreRejects(t *testing.T) {
	good, err := busy(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		return mustJSON(m)
	}
	item := func(m map[string]any, list string, i int) map[string]any {
		return m[list].([]any)[i].(map[string]any)
	}
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"not JSON", "invalid snapshot", []byte("{")},
		{"unknown field", "unknown field", edit(func(m map[string]any) { m["extra"] = 1 })},
		{"version", "version 2", edit(func(m map[string]any) { m["version"] = 2 })},
		{"bad level", "unknown level", edit(func(m map[string]any) { item(m, "tenants", 0)["level"] = "violet" })},
		{"repeated tenant", "tenants[1]", edit(func(m map[string]any) { item(m, "tenants", 1)["name"] = "a" })},
		{"alert id past the counter", "alerts[0].id", edit(func(m map[string]any) { item(m, "alerts", 0)["id"] = "A99" })},
		{"alert id not a number", "alerts[0].id", edit(func(m map[string]any) { item(m, "alerts", 0)["id"] = "A01" })},
		{"repeated alert", "alerts[1].id", edit(func(m map[string]any) { item(m, "alerts", 1)["id"] = "A1" })},
		{"alert of an unknown tenant", "alerts[0].tenant", edit(func(m map[string]any) { item(m, "alerts", 0)["tenant"] = "zz" })},
		{"alert status", "alerts[0].status", edit(func(m map[string]any) { item(m, "alerts", 0)["status"] = "lost" })},
		{"campaign key", "campaigns[0].key", edit(func(m map[string]any) {
			item(m, "campaigns", 0)["key"] = map[string]any{"kind": "range", "value": "203.0.113.7/24"}
		})},
		{"campaign status", "campaigns[0].status", edit(func(m map[string]any) { item(m, "campaigns", 0)["status"] = "paused" })},
		{"index tenant", "index[0].hits[0]", edit(func(m map[string]any) {
			item(m, "index", 0)["hits"].([]any)[0].(map[string]any)["tenant"] = "zz"
		})},
		{"history", "history[0]", edit(func(m map[string]any) { item(m, "history", 0)["kind"] = "alert_opened" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := busy(t)
			before, _ := e.Snapshot()
			err := e.Restore(tc.data)
			if !errors.Is(err, ErrSnapshot) && !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v, want ErrSnapshot", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %q", err, tc.want)
			}
			after, _ := e.Snapshot()
			if !bytes.Equal(before, after) {
				t.Fatal("a refused snapshot changed the engine")
			}
		})
	}
}

// TestRestoreKeepsPolicy: the snapshot carries state, the engine keeps
// its own policy.
func TestRestoreKeepsPolicy(t *testing.T) {
	snap, _ := busy(t).Snapshot()
	r := newEngine(t, func(p *Policy) { p.Lang = "en" })
	if err := r.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if got := r.Policy().Lang; got != "en" {
		t.Fatalf("lang %q, want en", got)
	}
	if lv := r.Levels(); !strings.HasPrefix(lv.Tenants[0].Reasons[0].Text, "Attack confirmed") {
		t.Fatalf("reasons not in the engine's language: %v", lv.Tenants[0].Reasons)
	}
}
