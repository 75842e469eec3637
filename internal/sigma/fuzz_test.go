package sigma_test

// FuzzParse: whatever the YAML, loading rules must not panic, and every
// problem must carry a position (line and column from 1). Rules that load
// must be complete and must compile and run in package detect without
// panicking either.
//
//	go test -run XXX -fuzz FuzzParse -fuzztime 60s ./internal/sigma/
//
// The committed seed corpus (testdata/fuzz/FuzzParse) holds real SigmaHQ
// rules and broken variants of them.

import (
	"runtime/debug"
	"strings"
	"testing"

	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte("title: t\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel\n"))
	f.Add([]byte("title: t\ntags: Attack.T1059\nlogsource: {product: x}\ndetection: {sel: {F: a}, condition: sel}\n"))
	f.Add([]byte("title: c\ncorrelation:\n    type: event_count\n    rules: [a]\n    group-by: [User]\n    timespan: 5m\n    condition: {gte: 10}\n"))
	f.Add([]byte("title: f\nlogsource: {product: x}\nfilter:\n    rules: any\n    sel: {User: adm}\n    condition: not sel\n"))
	f.Add([]byte("title: n\ncorrelation:\n    type: first_seen\n    rules: [a]\n    group-by: [user]\n    timespan: 30d\n    learning: 1d\n    condition: {field: src_ip}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var rules []*sigma.Rule
		var errs []*sigma.Error
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("sigma.Parse panics: %v\n%s", p, debug.Stack())
				}
			}()
			rules, errs = sigma.Parse("fuzz.yml", data)
		}()
		for _, e := range errs {
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("problem without a position: %+v", *e)
			}
			if e.File != "fuzz.yml" || e.Msg == "" {
				t.Errorf("problem without file or message: %+v", *e)
			}
		}
		for _, r := range rules {
			if r.Pos.Line < 1 || r.Pos.Column < 1 {
				t.Errorf("rule %q without a position: %+v", r.Title, r.Pos)
			}
			switch r.Kind {
			case sigma.KindDetection, sigma.KindFilter:
				if r.Detection == nil || r.Detection.Condition == nil {
					t.Fatalf("%s rule %q loaded without a condition", r.Kind, r.Title)
				}
				checkExpr(t, r.Detection, r.Detection.Condition)
			case sigma.KindCorrelation:
				if r.Correlation == nil {
					t.Fatalf("correlation %q loaded without its section", r.Title)
				}
			}
		}
		var eng *detect.Engine
		var cerrs []*sigma.Error
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("detect.Compile panics on rules that loaded: %v", p)
				}
			}()
			eng, cerrs = detect.Compile(rules, detect.Options{})
		}()
		for _, e := range cerrs {
			if e.Line < 1 || e.Column < 1 {
				t.Errorf("compile problem without a position: %+v", *e)
			}
			// A rule that loaded may still be left out for a
			// configuration matter (a placeholder without value) or a
			// size limit; anything else should have been a load error.
			switch {
			case strings.Contains(e.Msg, "placeholder"), strings.Contains(e.Msg, "variants"), strings.Contains(e.Msg, "4096 values"):
			default:
				t.Errorf("rule loaded but does not compile: %v", e)
			}
		}
		ev := event.New()
		ev.Add("Image", `C:\Windows\System32\whoami.exe`, event.String)
		ev.Add("EventID", "4624", event.Number)
		ev.Add("User", "", event.Null)
		ev.Message, ev.HasMessage = "whoami", true
		for _, r := range rules {
			ev.Logsource = event.Logsource{Product: r.Logsource.Product, Category: r.Logsource.Category, Service: r.Logsource.Service}
			eng.NewMatcher().Match(ev)
		}
	})
}

// checkExpr: every identifier a loaded condition names exists.
func checkExpr(t *testing.T, d *sigma.Detection, x sigma.Expr) {
	t.Helper()
	switch x := x.(type) {
	case sigma.And:
		for _, y := range x.X {
			checkExpr(t, d, y)
		}
	case sigma.Or:
		for _, y := range x.X {
			checkExpr(t, d, y)
		}
	case sigma.Not:
		checkExpr(t, d, x.X)
	case sigma.Ident:
		if d.Search(x.Name) == nil {
			t.Errorf("condition names %q, which is not defined", x.Name)
		}
	case sigma.Of:
		if len(x.Names) == 0 {
			t.Errorf("'of %s' covers no identifier", x.Pattern)
		}
		for _, n := range x.Names {
			if d.Search(n) == nil {
				t.Errorf("'of %s' covers %q, which is not defined", x.Pattern, n)
			}
		}
	case nil:
		t.Errorf("nil condition node")
	default:
		t.Errorf("unknown condition node %T", x)
	}
}
