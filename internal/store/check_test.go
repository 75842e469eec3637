package store

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		q         Query
		limit     int
		errNaming string
	}{
		{"default limit", Query{}, DefaultLimit, ""},
		{"limit clamped", Query{Limit: 5000}, MaxLimit, ""},
		{"limit kept", Query{Limit: 7}, 7, ""},
		{"negative limit", Query{Limit: -1}, 0, "limit -1"},
		{"negative offset", Query{Offset: -1}, 0, "offset -1"},
		{"deep offset", Query{Offset: MaxOffset + 1}, 0, "after_id instead"},
		{"negative after id", Query{AfterID: -3}, 0, "after_id -3"},
		{"unknown level", Query{Level: "urgent"}, 0, `level "urgent"`},
		{"to before from", Query{From: t0, To: t0.Add(-1)}, 0, "before from"},
		{"empty range is fine", Query{From: t0, To: t0}, DefaultLimit, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.q.Normalize()
			if tc.errNaming != "" {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.errNaming) {
					t.Fatalf("error %v, want ErrInvalid naming %q", err, tc.errNaming)
				}
				return
			}
			if err != nil || got.Limit != tc.limit {
				t.Fatalf("limit %d, %v; want %d", got.Limit, err, tc.limit)
			}
		})
	}
}

func TestTimeBounds(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		q        Query
		from, to int64
		bounded  bool
	}{
		{"none", Query{}, math.MinInt64, math.MaxInt64, false},
		{"from", Query{From: t0}, t0.UnixNano(), math.MaxInt64, true},
		{"to far away", Query{To: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, math.MinInt64, math.MaxInt64, true},
		{"from long ago", Query{From: time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)}, math.MinInt64, math.MaxInt64, true},
	}
	for _, tc := range tests {
		from, to, bounded := tc.q.TimeBounds()
		if from != tc.from || to != tc.to || bounded != tc.bounded {
			t.Errorf("%s: %d %d %v, want %d %d %v", tc.name, from, to, bounded, tc.from, tc.to, tc.bounded)
		}
	}
}

func TestNanos(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	if got := Time(Nanos(t0)); !got.Equal(t0) || got.Location() != time.UTC {
		t.Errorf("round trip %v", got)
	}
	for _, tt := range []time.Time{{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if n := Nanos(tt); n != 0 {
			t.Errorf("Nanos(%v) = %d, want 0 (none)", tt, n)
		}
	}
	if !Time(0).IsZero() {
		t.Error("Time(0) is not the zero time")
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{"": "", "ok é": "ok é", "a\xffb": "a\uFFFDb", "n\x00ul": "nul", "\x00\xfe": "\uFFFD"} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { CleanText("already clean") }); n != 0 {
		t.Errorf("%v allocations for a clean string", n)
	}
}

func TestLevelRank(t *testing.T) {
	prev := -1
	for _, l := range []string{"informational", "low", "medium", "high", "critical"} {
		r, ok := LevelRank(l)
		if !ok || r <= prev {
			t.Errorf("%s: rank %d %v after %d", l, r, ok, prev)
		}
		prev = r
	}
	if r, ok := LevelRank(""); !ok || r != 0 {
		t.Errorf(`"": %d %v`, r, ok)
	}
	if _, ok := LevelRank("High"); ok {
		t.Error("levels are lower case")
	}
}
