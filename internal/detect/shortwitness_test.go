package detect

import "testing"

// TestOneCharacterNonASCIIWitness: a rule whose literals are single
// non-ASCII characters (homoglyphs, Unicode dashes) gets a prefilter, and
// still matches exactly what it matches without one, in either case.
func TestOneCharacterNonASCIIWitness(t *testing.T) {
	// Cyrillic а (U+0430), modifier letter ˣ (U+02E3), em dash (U+2014).
	det := sel("CommandLine|contains", "['а', 'ˣ', '—']")
	rules := parseOK(t, wrap(det))
	eng, _ := Compile(rules, Options{})
	if got := eng.Stats().Prefiltered; got != 1 {
		t.Fatalf("%d rules prefiltered, want 1", got)
	}
	runSpecCases(t, []specCase{
		{name: "cyrillic lower case", det: det, ev: ev("CommandLine", "powershell -c wаlk"), want: true},
		{name: "cyrillic upper case", det: det, ev: ev("CommandLine", "powershell -c WАLK"), want: true},
		{name: "modifier letter", det: det, ev: ev("CommandLine", "cmd /c eˣit"), want: true},
		{name: "em dash", det: det, ev: ev("CommandLine", "net user —add"), want: true},
		{name: "other non-ASCII", det: det, ev: ev("CommandLine", "copy café.txt"), want: false},
		{name: "ASCII only", det: det, ev: ev("CommandLine", "cmd /c exit -add"), want: false},
		{name: "in another field", det: det, ev: ev("Image", "wаlk.exe"), want: false},
	})
}
