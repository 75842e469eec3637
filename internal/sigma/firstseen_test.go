package sigma_test

import (
	"strings"
	"testing"
	"time"

	"tocsin/internal/sigma"
)

func TestParseFirstSeen(t *testing.T) {
	head := "title: new source\ncorrelation:\n    type: first_seen\n    rules: [logon]\n    group-by: [user]\n    timespan: 30d\n"
	t.Run("valid", func(t *testing.T) {
		rules, errs := sigma.Parse("r.yml", []byte(head+"    learning: 1d\n    condition:\n        field: src_ip\n"))
		if len(errs) > 0 || len(rules) != 1 {
			t.Fatalf("rules %d, errors %v", len(rules), errs)
		}
		c := rules[0].Correlation
		if c.Type != sigma.FirstSeen || c.Learning != 24*time.Hour || c.Timespan != 30*24*time.Hour || c.Condition.Field != "src_ip" {
			t.Errorf("parsed %+v, condition %+v", c, c.Condition)
		}
	})
	for _, tc := range []struct{ name, yaml, where, msg string }{
		{"no field", head + "    condition: {}\n", "r.yml:7:16", "needs `field:`"},
		{"comparison", head + "    condition: {field: src_ip, gte: 1}\n", "r.yml:7:16", "takes only `field:`"},
		{"no condition", head, "r.yml:3:5", "naming its field"},
		{"bad learning", head + "    learning: a day\n    condition: {field: src_ip}\n", "r.yml:7:15", `learning "a day"`},
		{"learning elsewhere", strings.Replace(head, "first_seen", "event_count", 1) + "    learning: 1d\n    condition: {gte: 1}\n", "r.yml:7:15", "first_seen correlations only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := sigma.Parse("r.yml", []byte(tc.yaml))
			var all []string
			for _, e := range errs {
				all = append(all, e.Error())
				if strings.HasPrefix(e.Error(), tc.where+": ") && strings.Contains(e.Error(), tc.msg) {
					return
				}
			}
			t.Errorf("want %s: ...%s..., got %q", tc.where, tc.msg, all)
		})
	}
}

func TestFormatTimespan(t *testing.T) {
	for _, s := range []string{"30d", "36h", "90m", "45s", "1d"} {
		d, ok := sigma.ParseTimespan(s)
		if got := sigma.FormatTimespan(d); !ok || got != s {
			t.Errorf("FormatTimespan(ParseTimespan(%q)) = %q", s, got)
		}
	}
	if got := sigma.FormatTimespan(1500 * time.Millisecond); got != "1.5s" {
		t.Errorf("1.5s written %q", got)
	}
}
