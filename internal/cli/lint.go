package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"tocsin/internal/ruleset"
	"tocsin/internal/sigma"
)

type lintError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type lintReport struct {
	Loaded   int         `json:"loaded"`
	Failed   int         `json:"failed"`
	Errors   []lintError `json:"errors"`
	Warnings []lintError `json:"warnings"`
}

func runLint(_ context.Context, args []string, s Streams) int {
	fs := flag.NewFlagSet("tocsin rules lint", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	output := fs.String("output", "text", "text or json")
	var placeholders multiFlag
	fs.Var(&placeholders, "placeholder", "`NAME=VALUE` for an expand placeholder (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(s.Err, "Usage: tocsin rules lint [--output text|json] PATH...\n\nLoads Sigma rule files and folders and reports each problem as file:line:col: message.\nExits 1 if any rule failed to load.\n\n")
		fs.PrintDefaults()
	}
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(paths) == 0 {
		fs.Usage()
		return 2
	}
	if *output != "text" && *output != "json" {
		fmt.Fprintf(s.Err, "tocsin rules lint: --output must be text or json, not %q\n", *output)
		return 2
	}
	ph, err := ruleset.ParsePlaceholders(placeholders)
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin rules lint: %v\n", err)
		return 2
	}
	set := sigma.LoadPaths(paths...)
	res := ruleset.Check(set, ph)
	rep := lintReport{Loaded: res.Loaded, Failed: res.Failed, Errors: []lintError{}, Warnings: []lintError{}}
	for _, e := range res.Problems {
		le := lintError{File: e.File, Line: e.Line, Column: e.Column, Message: e.Msg}
		if e.Warning {
			rep.Warnings = append(rep.Warnings, le)
		} else {
			rep.Errors = append(rep.Errors, le)
		}
	}
	if *output == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		for _, e := range res.Problems {
			tag := ""
			if e.Warning {
				tag = "warning: "
			}
			fmt.Fprintf(s.Out, "%s:%d:%d: %s%s\n", e.File, e.Line, e.Column, tag, e.Msg)
		}
		st := res.Detect.Stats()
		fmt.Fprintf(s.Out, "%d rules loaded, %d failed, %d warnings (%d detection rules, %d of them with a literal prefilter)\n",
			rep.Loaded, rep.Failed, len(rep.Warnings), st.Rules, st.Prefiltered)
	}
	if rep.Failed > 0 {
		return 1
	}
	return 0
}
