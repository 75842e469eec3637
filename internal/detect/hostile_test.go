package detect

import (
	"strings"
	"testing"

	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

// TestHostileRules: a rule written to hurt is refused or stays linear. The
// test bounds work by input size, not by time: each case must finish on a
// 1 MB value (a hang would hit the test timeout).
func TestHostileRules(t *testing.T) {
	big := strings.Repeat("a", 1<<20) + "!"
	cases := []struct {
		name, rule string
		refused    string // part of the compile error, "" if it must compile
		value      string
		want       bool
	}{
		{"windash explosion", "CommandLine|contains|windash: ' -a -b -c -d -e -f'", "variants", "", false},
		{"nested quantifiers (ReDoS in backtracking engines)", "CommandLine|re: '^(a+)+$'", "", big, false},
		{"alternation blow-up", "CommandLine|re: '(a|aa)+b'", "", big, false},
		{"many wildcards", "CommandLine: '*a*a*a*a*a*a*a*a*a*a*a*a*b'", "", big, false},
		{"question marks", "CommandLine: '?????????????????????????????????b'", "", big, false},
		{"base64offset on a long value", "CommandLine|base64offset|contains: '" + strings.Repeat("x", 4096) + "'", "", big, false},
		{"huge program", "CommandLine|re: 'a{1000}b{1000}c{1000}d{1000}e{1000}'", "instructions", "", false},
		// a{1000}! needs 1,000 instructions: it looks at the first 64 KB
		// of a value, and the match at the end of 1 MB is not seen.
		{"regex budget on a 1 MB value", "CommandLine|re: 'a{1000}!'", "", big, false},
		{"regex within its budget", "CommandLine|re: 'a{1000}!'", "", big[len(big)-60000:], true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "title: t\nlogsource: {product: test}\ndetection:\n    sel:\n        " + c.rule + "\n    condition: sel\n"
			rules, errs := sigma.Parse("hostile.yml", []byte(src))
			for _, e := range errs {
				if !e.Warning {
					if c.refused != "" && strings.Contains(e.Msg, c.refused) {
						return
					}
					t.Fatalf("parse: %v", e)
				}
			}
			eng, problems := Compile(rules, Options{})
			if c.refused != "" {
				if len(problems) == 0 || !strings.Contains(problems[0].Msg, c.refused) {
					t.Fatalf("want a refusal mentioning %q, got %v", c.refused, problems)
				}
				return
			}
			if len(problems) > 0 {
				t.Fatalf("compile: %v", problems)
			}
			ev := event.New()
			ev.Logsource = event.Logsource{Product: "test"}
			ev.Add("CommandLine", c.value, event.String)
			if got := len(eng.NewMatcher().Match(ev)) == 1; got != c.want {
				t.Errorf("match = %v, want %v", got, c.want)
			}
		})
	}
}
