package alert

import (
	"fmt"
	"strings"
)

// Level is a vigilance level. The names are the French vigilance colours
// in every language: they are what operators and elected officials know.
type Level uint8

// The levels, in increasing order.
const (
	Vert   Level = iota // nothing notable
	Jaune               // suspicious activity
	Orange              // an attack confirmed
	Rouge               // an attack with impact, or one across tenants
)

// levelCount sizes the per-level evidence arrays.
const levelCount = int(Rouge) + 1

// String returns "vert", "jaune", "orange" or "rouge".
func (l Level) String() string {
	switch l {
	case Vert:
		return "vert"
	case Jaune:
		return "jaune"
	case Orange:
		return "orange"
	case Rouge:
		return "rouge"
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

func (l Level) valid() bool { return l <= Rouge }

// ParseLevel reads a level name: vert, jaune, orange, rouge, or the English
// green, yellow, orange, red (any case).
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "vert", "green":
		return Vert, nil
	case "jaune", "yellow":
		return Jaune, nil
	case "orange":
		return Orange, nil
	case "rouge", "red":
		return Rouge, nil
	}
	return 0, fmt.Errorf("%w: unknown level %q (want vert, jaune, orange or rouge)", ErrInvalid, s)
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) {
	if !l.valid() {
		return nil, fmt.Errorf("%w: level %d out of range", ErrInvalid, uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a level name (see ParseLevel).
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// severityRank orders Sigma levels; "" ranks as informational, as in the
// store. ok is false for anything else.
func severityRank(s string) (rank int, ok bool) {
	switch s {
	case "", "informational":
		return 0, true
	case "low":
		return 1, true
	case "medium":
		return 2, true
	case "high":
		return 3, true
	case "critical":
		return 4, true
	}
	return 0, false
}

// severityName is the inverse of severityRank.
func severityName(rank int) string {
	switch rank {
	case 1:
		return "low"
	case 2:
		return "medium"
	case 3:
		return "high"
	case 4:
		return "critical"
	}
	return "informational"
}
