// Package ruleset assembles what detection runs on: the embedded rule pack
// and the user's rule files, compiled into a detection engine and a
// correlation engine, with every problem reported by file:line:col.
package ruleset

import (
	"embed"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"tocsin/internal/correlate"
	"tocsin/internal/detect"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
)

//go:embed builtin
var builtin embed.FS

// Builtin loads the rule pack embedded in the binary.
func Builtin() *sigma.Set { return sigma.LoadFS(builtin, "builtin") }

// ParsePlaceholders reads NAME=VALUE pairs; a name given several times
// holds several values.
func ParsePlaceholders(pairs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range pairs {
		name, value, ok := strings.Cut(p, "=")
		name = strings.Trim(name, "%")
		if !ok || name == "" {
			return nil, fmt.Errorf("placeholder %q: expected NAME=VALUE", p)
		}
		out[name] = append(out[name], value)
	}
	return out, nil
}

// Result is a checked rule set.
type Result struct {
	Detect    *detect.Engine
	Correlate *correlate.Engine
	Rules     []*sigma.Rule // every document that loaded and compiled
	Loaded    int
	Failed    int
	Problems  []*sigma.Error
}

// Check compiles a loaded set: detection rules into a detect.Engine, and
// correlation rules into a correlate.Engine. Rules whose placeholders have
// no value, and correlations whose rules are not loaded, still count as
// loaded (they are valid Sigma) but are reported as warnings and do not run.
func Check(set *sigma.Set, placeholders map[string][]string) *Result {
	return CheckOptions(set, detect.Options{Placeholders: placeholders, CategoryParents: winlog.Default().CategoryParents}, correlate.Options{})
}

// CheckOptions is Check with every option.
func CheckOptions(set *sigma.Set, dopts detect.Options, copts correlate.Options) *Result {
	res := &Result{Problems: append([]*sigma.Error(nil), set.Problems...), Failed: set.Failed}
	eng, problems := detect.Compile(set.Rules, dopts)
	res.Detect = eng
	res.Problems = append(res.Problems, problems...)
	// A compile error (not a warning) refuses its rule.
	failed := map[*sigma.Rule]bool{}
	for _, p := range problems {
		if p.Warning {
			continue
		}
		if r := ruleAt(set.Rules, p); r != nil && !failed[r] {
			failed[r] = true
			res.Failed++
		}
	}
	for _, r := range set.Rules {
		if !failed[r] {
			res.Rules = append(res.Rules, r)
		}
	}
	res.Loaded = len(res.Rules)
	ce, errs := correlate.New(res.Rules, copts)
	res.Correlate = ce
	for _, err := range errs {
		res.Problems = append(res.Problems, positioned(err))
	}
	return res
}

// ruleAt finds the rule a compile problem belongs to: the last document of
// that file starting at or before the problem's line.
func ruleAt(rules []*sigma.Rule, p *sigma.Error) *sigma.Rule {
	var best *sigma.Rule
	for _, r := range rules {
		if r.File == p.File && r.Pos.Line <= p.Line && (best == nil || r.Pos.Line > best.Pos.Line) {
			best = r
		}
	}
	return best
}

var wherePrefix = regexp.MustCompile(`^(.*):(\d+):(\d+): (.*)$`)

// positioned turns a correlation error ("file:line:col: message") into a
// warning: the correlation is valid Sigma but cannot run with these rules.
func positioned(err error) *sigma.Error {
	var se *sigma.Error
	if errors.As(err, &se) {
		c := *se
		c.Warning = true
		return &c
	}
	msg := err.Error()
	if m := wherePrefix.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return &sigma.Error{File: m[1], Line: line, Column: col, Msg: m[4], Warning: true}
	}
	return &sigma.Error{File: "-", Line: 1, Column: 1, Msg: msg, Warning: true}
}
