package sigma

// levels are a rule's levels, in increasing order of severity.
var levels = [...]string{"informational", "low", "medium", "high", "critical"}

// LevelRank orders rule levels: "" (a rule without one) and informational
// 0, low 1, medium 2, high 3, critical 4. ok is false for anything else.
func LevelRank(level string) (rank int, ok bool) {
	if level == "" {
		return 0, true
	}
	for i, l := range levels {
		if l == level {
			return i, true
		}
	}
	return 0, false
}
