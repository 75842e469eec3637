// Package cli implements tocsin's command line: it parses flags and hands
// the work to the packages that do it. Run is testable in-process.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Streams are the process's standard streams.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// Version is set by the linker for release builds.
var Version = "dev"

const usage = `tocsin — the alarm bell for local governments that share servers

Usage:
  tocsin hunt [flags] PATH...        run Sigma rules over log files, folders, .gz or - (stdin)
  tocsin rules lint [flags] PATH...  check Sigma rules and report every problem as file:line:col
  tocsin serve [flags]               collect logs from every tenant, detect, store, serve the API
  tocsin demo [flags]                serve three fictional communes and replay an attack on them
  tocsin config check FILE           check a serve configuration file and report every problem
  tocsin breach scan [flags] PATH... find French personal data in what a breach exposed
  tocsin breach notify [flags]       draft the GDPR article 33 notification from a scan report
  tocsin version                     print the version

Run 'tocsin COMMAND -h' for the flags of a command.
`

// Run executes one command line and returns the process exit status.
func Run(ctx context.Context, args []string, s Streams) int {
	if len(args) == 0 {
		fmt.Fprint(s.Err, usage)
		return 2
	}
	switch args[0] {
	case "hunt":
		return runHunt(ctx, args[1:], s)
	case "rules":
		if len(args) > 1 && args[1] == "lint" {
			return runLint(ctx, args[2:], s)
		}
		fmt.Fprint(s.Err, "usage: tocsin rules lint [--output text|json] PATH...\n")
		return 2
	case "serve":
		return runServe(ctx, args[1:], s)
	case "demo":
		return runDemo(ctx, args[1:], s)
	case "config":
		return runConfig(ctx, args[1:], s)
	case "breach":
		return runBreach(ctx, args[1:], s)
	case "version", "--version":
		fmt.Fprintf(s.Out, "tocsin %s\n", Version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(s.Out, usage)
		return 0
	}
	fmt.Fprintf(s.Err, "tocsin: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (`tocsin hunt auth.log --output jsonl`). A lone "-"
// is a positional argument (stdin); "--" ends the flags.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
