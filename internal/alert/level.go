package alert

import (
	"fmt"

	"tocsin/internal/level"
	"tocsin/internal/sigma"
)

// Level is a vigilance level (package level).
type Level = level.Level

// The levels, in increasing order.
const (
	Vert   = level.Vert   // nothing notable
	Jaune  = level.Jaune  // suspicious activity
	Orange = level.Orange // an attack confirmed
	Rouge  = level.Rouge  // an attack with impact, or one across tenants
)

// levelCount sizes the per-level evidence arrays.
const levelCount = level.Count

// ParseLevel reads a level name: vert, jaune, orange, rouge, or the English
// green, yellow, orange, red (any case).
func ParseLevel(s string) (Level, error) {
	l, err := level.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return l, nil
}

// severityRank orders Sigma levels (sigma.LevelRank): "" ranks as
// informational, as in the store. ok is false for anything else.
func severityRank(s string) (rank int, ok bool) { return sigma.LevelRank(s) }

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
