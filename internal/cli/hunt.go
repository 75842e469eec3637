package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/detect"
	"tocsin/internal/hunt"
	"tocsin/internal/input"
	"tocsin/internal/ruleset"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
)

// huntMemoryLimit is the soft memory limit of a hunt (see runHunt).
const huntMemoryLimit = 120 << 20

// huntFormats: "syslog", "nginx" and "apache" name the text-line format,
// whose lines each parser recognises (syslog with sshd's messages, access
// logs, key=value records).
var huntFormats = []string{"auto", string(input.FormatJSONL), string(input.FormatEvtxJSON), "syslog", "nginx", "apache", string(input.FormatLines)}

func runHunt(ctx context.Context, args []string, s Streams) int {
	fs := flag.NewFlagSet("tocsin hunt", flag.ContinueOnError)
	fs.SetOutput(s.Err)
	var rulePaths, placeholders multiFlag
	fs.Var(&rulePaths, "rules", "a Sigma rule file or a folder of *.yml/*.yaml (repeatable)")
	noBuiltin := fs.Bool("no-builtin", false, "do not load the built-in rule pack")
	format := fs.String("format", "auto", "input format: "+strings.Join(huntFormats, ", ")+" (auto: detected per file)")
	output := fs.String("output", "text", "text or jsonl")
	minLevel := fs.String("min-level", "informational", "leave out detections below this level (informational, low, medium, high, critical)")
	workers := fs.Int("workers", 0, "decoding and matching goroutines (0: one per core)")
	quiet := fs.Bool("quiet", false, "no progress line and no summary on stderr")
	mapping := fs.String("field-mapping", "", "a YAML `FILE` of Windows field and logsource mappings that extends the built-in one (its format: internal/winlog/mapping.yml)")
	fs.Var(&placeholders, "placeholder", "`NAME=VALUE` for an expand placeholder such as %Admins% (repeatable)")
	fs.Usage = func() {
		fmt.Fprint(s.Err, `Usage: tocsin hunt [flags] PATH...

Runs Sigma rules over log files, folders (recursive), compressed files (gzip,
zstd, bzip2, xz, lz4) or - (stdin) and prints what fired. Exit status 0 when the run completed, whether or not
anything fired. Correlations see their hits in event time order across all
files: beyond 64 MiB, the hits wait in temporary files in $TMPDIR.

`)
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
	if !contains(huntFormats, *format) {
		fmt.Fprintf(s.Err, "tocsin hunt: --format must be one of %s, not %q\n", strings.Join(huntFormats, ", "), *format)
		return 2
	}
	if *format == "syslog" || *format == "nginx" || *format == "apache" {
		*format = string(input.FormatLines)
	}
	if *output != "text" && *output != "jsonl" {
		fmt.Fprintf(s.Err, "tocsin hunt: --output must be text or jsonl, not %q\n", *output)
		return 2
	}
	if _, ok := levelIndex(*minLevel); !ok {
		fmt.Fprintf(s.Err, "tocsin hunt: --min-level must be informational, low, medium, high or critical, not %q\n", *minLevel)
		return 2
	}
	ph, err := ruleset.ParsePlaceholders(placeholders)
	if err != nil {
		fmt.Fprintf(s.Err, "tocsin hunt: %v\n", err)
		return 2
	}
	// A --rules path that does not exist is a mistake on the command line,
	// not a broken rule: hunting on without those rules would look like a
	// clean result.
	for _, p := range rulePaths {
		if _, err := os.Stat(p); err != nil {
			fmt.Fprintf(s.Err, "tocsin hunt: --rules %s: %v\n", p, errors.Unwrap(err))
			return 2
		}
	}
	// The corpus compiles into about 60 MB of live heap, but parsing the
	// YAML and building the logsource buckets leave garbage that would
	// otherwise push the resident size past 150 MB: a soft limit, set
	// before loading, makes the collector return it sooner. GOMEMLIMIT,
	// when set, decides instead.
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(huntMemoryLimit))
	}
	set := &sigma.Set{}
	if !*noBuiltin {
		set = ruleset.Builtin()
	}
	if len(rulePaths) > 0 {
		user := sigma.LoadPaths(rulePaths...)
		set.Rules = append(set.Rules, user.Rules...)
		set.Problems = append(set.Problems, user.Problems...)
		set.Failed += user.Failed
	}
	mapper := winlog.Default()
	if *mapping != "" {
		f, err := os.Open(*mapping)
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin hunt: --field-mapping: %v\n", err)
			return 2
		}
		mapper, err = mapper.Extend(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(s.Err, "tocsin hunt: %s: %v\n", *mapping, err)
			return 2
		}
	}
	rs := ruleset.CheckOptions(set, detect.Options{Placeholders: ph, CategoryParents: mapper.CategoryParents}, correlate.Options{})
	for _, p := range rs.Problems {
		if !*quiet || !p.Warning {
			fmt.Fprintf(s.Err, "tocsin hunt: %s\n", p)
		}
	}
	if rs.Loaded == 0 {
		fmt.Fprintln(s.Err, "tocsin hunt: no rule loaded: give --rules PATH, or drop --no-builtin")
		return 2
	}
	if !*quiet {
		fmt.Fprintf(s.Err, "tocsin hunt: %d rules loaded (%d failed)\n", rs.Loaded, rs.Failed)
	}
	out := bufio.NewWriterSize(s.Out, 256<<10)
	opts := hunt.Options{
		Detect: rs.Detect, Correlate: rs.Correlate, Mapper: mapper, Format: *format, Output: *output,
		MinLevel: *minLevel, Workers: *workers, Out: out, Err: s.Err, Stdin: s.In,
	}
	tty := isTerminal(s.Err)
	if !*quiet {
		last := time.Time{}
		opts.Progress = func(p hunt.Progress) {
			if p.Elapsed < 3*time.Second {
				return
			}
			// On a terminal the line rewrites itself; in a log, one
			// line every ten seconds is enough.
			if !tty && time.Since(last) < 10*time.Second {
				return
			}
			last = time.Now()
			rate := float64(p.Events) / p.Elapsed.Seconds()
			line := fmt.Sprintf("tocsin hunt: %d events, %.1f MB, %.0f events/s", p.Events, float64(p.Bytes)/1e6, rate)
			if tty {
				fmt.Fprintf(s.Err, "\r%s\x1b[K", line)
			} else {
				fmt.Fprintln(s.Err, line)
			}
		}
	}
	sum, err := hunt.Run(ctx, paths, opts)
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if tty && !*quiet && sum != nil && sum.Elapsed >= 3*time.Second {
		fmt.Fprint(s.Err, "\r\x1b[K")
	}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(s.Err, "tocsin hunt: interrupted")
			return 130
		}
		fmt.Fprintf(s.Err, "tocsin hunt: %v\n", err)
		return 1
	}
	if *output == "text" {
		writeSummary(s.Out, sum)
	} else if !*quiet {
		writeSummary(s.Err, sum)
	}
	return 0
}

func writeSummary(w io.Writer, sum *hunt.Summary) {
	secs := sum.Elapsed.Seconds()
	fmt.Fprintf(w, "\nSummary: %d events (%.1f MB) from %d files in %.2fs (%.0f events/s): %d detections, %d correlations",
		sum.Events, float64(sum.Bytes)/1e6, sum.Files, secs, float64(sum.Events)/max(secs, 1e-9), sum.Detections, sum.Correlations)
	if sum.BadRecords > 0 {
		fmt.Fprintf(w, ", %d records skipped", sum.BadRecords)
	}
	if sum.InputErrors > 0 {
		fmt.Fprintf(w, ", %d input errors", sum.InputErrors)
	}
	if sum.Untimed > 0 {
		fmt.Fprintf(w, ", %d events without a time left out of correlations", sum.Untimed)
	}
	if sum.Evicted > 0 {
		fmt.Fprintf(w, ", %d correlation groups evicted (state cap)", sum.Evicted)
	}
	fmt.Fprintln(w)
	if sum.Detections+sum.Correlations == 0 {
		return
	}
	fmt.Fprint(w, "By level:")
	for _, l := range []string{"critical", "high", "medium", "low", "informational"} {
		if n := sum.ByLevel[l]; n > 0 {
			fmt.Fprintf(w, "  %s %d", l, n)
		}
	}
	fmt.Fprintln(w, "\nBy rule:")
	for _, rc := range sum.Rules() {
		fmt.Fprintf(w, "  %7d  %-13s  %s\n", rc.Count, rc.Rule.Level, rc.Rule.Title)
	}
	if srcs := sum.Sources(); len(srcs) > 0 {
		fmt.Fprintf(w, "By source address (medium and above): %d\n", len(srcs))
		for i, sc := range srcs {
			if i == 20 {
				fmt.Fprintf(w, "  … and %d more (--output jsonl lists them all)\n", len(srcs)-20)
				break
			}
			rules := make([]string, 0, len(sc.Rules))
			for t := range sc.Rules {
				rules = append(rules, t)
			}
			sort.Strings(rules)
			fmt.Fprintf(w, "  %-39s %5d alerts  %s → %s%s  %s\n", sc.IP, sc.Alerts, timeShort(sc.First), timeShort(sc.Last), onHosts(sc.SourceStat), strings.Join(rules, ", "))
		}
	}
}

// onHosts names the hosts a source went for: "  on web01, web02 and
// others".
func onHosts(st *hunt.SourceStat) string {
	if len(st.Hosts) == 0 {
		return ""
	}
	hosts := make([]string, 0, len(st.Hosts))
	for h := range st.Hosts {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	more := st.MoreHosts
	if len(hosts) > 3 {
		hosts, more = hosts[:3], true
	}
	s := "  on " + strings.Join(hosts, ", ")
	if more {
		s += " and others"
	}
	return s
}

func timeShort(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func levelIndex(l string) (int, bool) {
	for i, x := range []string{"informational", "low", "medium", "high", "critical"} {
		if x == l {
			return i, true
		}
	}
	return 0, false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
