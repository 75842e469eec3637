package level

import (
	"errors"
	"testing"
)

func TestNames(t *testing.T) {
	for l := Vert; l <= Rouge; l++ {
		b, err := l.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Level
		if err := back.UnmarshalText(b); err != nil || back != l {
			t.Errorf("%v: %q → %v %v", l, b, back, err)
		}
	}
	for in, want := range map[string]Level{"RED": Rouge, " green ": Vert, "Jaune": Jaune, "orange": Orange} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := Parse("violet"); !errors.Is(err, ErrUnknown) {
		t.Errorf("violet: %v", err)
	}
	if _, err := Level(9).MarshalText(); err == nil || Level(9).Valid() {
		t.Error("level 9 is not a level")
	}
	if Rouge.Severity() != "critical" || Vert.Severity() != "info" {
		t.Error("severity")
	}
}
