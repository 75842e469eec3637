package dispatch_test

import (
	"errors"
	"strings"
	"testing"

	"tocsin/internal/notify/dispatch"
)

func TestMatcher(t *testing.T) {
	labels := map[string]string{"tenant": "ville-a", "level": "orange", "kind": "level", "tags": "attack.impact,attack.t1490"}
	tests := []struct {
		m    string
		want bool
	}{
		{`tenant = ville-a`, true},
		{`tenant="ville-a"`, true},
		{`tenant != ville-a`, false},
		{`tenant =~ "ville-.*"`, true},
		{`tenant =~ ville`, false}, // anchored
		{`tenant !~ "agglo|ville-b"`, true},
		{`level >= orange`, true},
		{`level >= rouge`, false},
		{`level > jaune`, true},
		{`level <= orange`, true},
		{`level < orange`, false},
		{`missing = ""`, true}, // absent is empty
		{`missing != ""`, false},
		{`tags = attack.t1490`, true},
		{`tags = attack.t14`, false},
		{`tags != attack.t1486`, true},
		{`tags =~ "attack\\.t14.*"`, true},
		{`tags !~ "attack\\.impact"`, false},
		{`kind = "level"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.m, func(t *testing.T) {
			m, err := dispatch.ParseMatcher(tc.m)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Matches(labels); got != tc.want {
				t.Errorf("= %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("no tags", func(t *testing.T) {
		for s, want := range map[string]bool{`tags = x`: false, `tags != x`: true, `tags = ""`: true, `tags =~ ".*"`: true, `tags !~ "x"`: true} {
			m := dispatch.MustMatcher(s)
			if got := m.Matches(map[string]string{}); got != want {
				t.Errorf("%s = %v, want %v", s, got, want)
			}
		}
	})
	t.Run("level absent", func(t *testing.T) {
		m := dispatch.MustMatcher("level >= vert")
		if m.Matches(map[string]string{}) {
			t.Error("an absent level compared")
		}
	})
}

func TestMatcherErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, "want a label name"},
		{`= x`, "want a label name"},
		{`tenant`, "want an operator"},
		{`tenant ~ x`, "want an operator"},
		{`tenant =~ "("`, "missing closing )"},
		{`tenant >= orange`, "applies to the level label only"},
		{`level >= violet`, "unknown level"},
		{`tenant = "unterminated`, "bad quoted value"},
		{`tenant = a"b`, "quote a value"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := dispatch.ParseMatcher(tc.in)
			if !errors.Is(err, dispatch.ErrMatcher) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzParseMatcher: never panics, and what parses prints back to itself.
func FuzzParseMatcher(f *testing.F) {
	for _, s := range []string{`tenant = ville-a`, `level >= orange`, `tags =~ "attack\\.t1.*"`, `a!~"b|c"`, `x = "é\n"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := dispatch.ParseMatcher(s)
		if err != nil {
			return
		}
		again, err := dispatch.ParseMatcher(m.String())
		if err != nil {
			t.Fatalf("%q printed as %q does not parse: %v", s, m.String(), err)
		}
		if again.Name != m.Name || again.Op != m.Op || again.Value != m.Value {
			t.Fatalf("%q: %+v became %+v", s, m, again)
		}
		_ = m.Matches(map[string]string{m.Name: m.Value, "tags": m.Value})
	})
}
