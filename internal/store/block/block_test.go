package block

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"tocsin/internal/store"
)

func sample() []store.Event {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 5, time.UTC)
	return []store.Event{
		{Tenant: "a", Time: t0, Received: t0, Host: "h", Transport: "udp", Format: "lines", SrcIP: "192.0.2.1", Raw: "line \xff\x00", Dedup: 1},
		{Tenant: "a", Received: t0.Add(time.Second), Raw: ""},
	}
}

func TestEncodeDecode(t *testing.T) {
	ev := sample()
	m, data, err := Encode(ev, []int{0, 1}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if m.Count != 2 || m.MinTS != 0 || m.MaxTS != store.Nanos(ev[0].Time) || m.MaxReceived != store.Nanos(ev[1].Received) || m.IPs != ",192.0.2.1," {
		t.Fatalf("meta %+v", m)
	}
	m.Place(3)
	if m.MinID != 3*Max || m.MaxID != 3*Max+1 {
		t.Fatalf("placed meta %+v", m)
	}
	got, err := Decode(m, data)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		want := ev[i]
		want.ID = 3*Max + int64(i)
		if !got[i].Time.Equal(want.Time) || got[i].Raw != want.Raw || got[i].ID != want.ID || got[i].Dedup != want.Dedup {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want)
		}
	}
}

func TestMerged(t *testing.T) {
	ev := sample()
	ev[0].ID, ev[1].ID = 7*Max+3, 9*Max
	m, data, err := EncodeMerged(ev)
	if err != nil {
		t.Fatal(err)
	}
	if m.MinID != ev[0].ID || m.MaxID != ev[1].ID || m.Count != 2 {
		t.Fatalf("meta %+v", m)
	}
	m.ID = 12 // a merged block's row id says nothing of its IDs
	got, err := Decode(m, data)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].ID != ev[0].ID || got[1].ID != ev[1].ID || got[0].Raw != ev[0].Raw {
		t.Fatalf("decoded %+v", got)
	}
	ev[0].ID, ev[1].ID = 5, 5
	if _, _, err := EncodeMerged(ev); err == nil {
		t.Error("merged events with the same ID")
	}
}

func TestEncodeRefuses(t *testing.T) {
	ev := sample()
	ev[1].Tenant = "b"
	for name, idx := range map[string][]int{"two tenants": {0, 1}, "empty": nil} {
		if _, _, err := Encode(ev, idx, time.Now()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSplitLargeTenant(t *testing.T) {
	ev := make([]store.Event, Max+10)
	for i := range ev {
		ev[i].Tenant = "a"
	}
	groups, pos := Split(ev)
	if len(groups) != 2 || len(groups[0]) != Max || len(groups[1]) != 10 || pos[Max] != [2]int{1, 0} {
		t.Fatalf("%d groups, pos[Max] %v", len(groups), pos[Max])
	}
}

func TestSplit(t *testing.T) {
	ev := []store.Event{{Tenant: "a"}, {Tenant: "b"}, {Tenant: "a"}}
	groups, pos := Split(ev)
	if !slices.Equal(groups[0], []int{0, 2}) || !slices.Equal(groups[1], []int{1}) || pos[2] != [2]int{0, 1} || pos[1] != [2]int{1, 0} {
		t.Fatalf("groups %v pos %v", groups, pos)
	}
}

// FuzzDecode: a block read from disk may be damaged; Decode must refuse
// it with ErrCorrupt, never crash. go test -fuzz FuzzDecode ./internal/store/block/
func FuzzDecode(f *testing.F) {
	_, data, err := Encode(sample(), []int{0, 1}, time.Now())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(s2.Encode(nil, []byte{written, 1, 0}))
	f.Add(s2.Encode(nil, []byte{merged, 2, 5, 0}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := Decode(Meta{ID: 1, Tenant: "a"}, data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "block 1") {
				t.Fatalf("error %v does not wrap ErrCorrupt with the block id", err)
			}
			return
		}
		if len(events) > Max {
			t.Fatalf("%d events", len(events))
		}
	})
}
