// Package level is the vigilance level shared by the alert engine and the
// notifications: vert, jaune, orange, rouge. It imports only the standard
// library.
package level

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknown is returned for a name that is not a level.
var ErrUnknown = errors.New("unknown level")

// Level is a vigilance level. The names are the French vigilance colours
// in every language: they are what operators and elected officials know.
type Level uint8

// The levels, in increasing order of gravity.
const (
	Vert   Level = iota // nothing notable
	Jaune               // suspicious activity
	Orange              // an attack confirmed
	Rouge               // an attack with impact, or one across tenants
)

// Count is the number of levels (arrays indexed by level).
const Count = int(Rouge) + 1

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

// Valid reports whether l is one of the four levels.
func (l Level) Valid() bool { return l <= Rouge }

// Severity is the Alertmanager/PagerDuty severity of the level.
func (l Level) Severity() string {
	switch l {
	case Jaune:
		return "warning"
	case Orange:
		return "error"
	case Rouge:
		return "critical"
	}
	return "info"
}

// Parse reads a level name: vert, jaune, orange, rouge, or the English
// green, yellow, orange, red (any case).
func Parse(s string) (Level, error) {
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
	return 0, fmt.Errorf("%w %q (want vert, jaune, orange or rouge)", ErrUnknown, s)
}

// MarshalText writes the level's name.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("%w: level %d out of range", ErrUnknown, uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a level name (see Parse).
func (l *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
