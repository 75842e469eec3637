// Command tocsin-gen is a benchmark and test-data tool, not part of Tocsin
// proper: it writes N realistic, deterministic Windows events (evtx_dump
// JSON, one object per line) drawn by internal/winmix, for `tocsin hunt`
// benchmarks and end-to-end tests.
//
//	go run ./cmd/tocsin-gen --events 200000 --kind mix --seed 1 --malicious 0.001 --out /tmp/mix.jsonl
//
// --kind is mix (the realistic Sysmon/PowerShell/Security mix) or one event
// kind: process_creation, network_connection, image_load, process_access,
// file_event, registry_event, registry_set, dns_query, powershell_script,
// security_logon, security_failed_logon, security_process. --out - (the
// default) writes to stdout; an --out ending in .gz is gzip-compressed.
// The same flags always give the same bytes.
package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"tocsin/internal/winmix"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "tocsin-gen: %v\n", err)
		}
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("tocsin-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	events := fs.Int("events", 100000, "number of events to write")
	kindName := fs.String("kind", "mix", "mix, or one kind: "+strings.Join(kindNames(), ", "))
	seed := fs.Int64("seed", 1, "generator seed (same seed, same bytes)")
	mal := fs.Float64("malicious", winmix.DefaultMaliciousRate, "fraction (0..1) of events following a known-malicious pattern")
	out := fs.String("out", "-", "output file, - for stdout; gzip-compressed when it ends in .gz")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (all options are flags)", fs.Arg(0))
	}
	if *events < 0 {
		return fmt.Errorf("--events must be >= 0, not %d", *events)
	}
	if *mal < 0 || *mal > 1 {
		return fmt.Errorf("--malicious must be between 0 and 1, not %g", *mal)
	}
	kind, err := parseKind(*kindName)
	if err != nil {
		return err
	}

	g := winmix.New(*seed)
	g.SetMaliciousRate(*mal)

	var w io.Writer = stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(*out) // no half-written test data left behind
			}
		}()
		w = f
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	w = bw
	var zw *gzip.Writer
	if strings.HasSuffix(*out, ".gz") {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if kind == 0 {
		err = g.WriteMix(w, *events)
	} else {
		err = g.WriteKind(w, kind, *events)
	}
	if err != nil {
		return err
	}
	if zw != nil {
		if err = zw.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// parseKind maps "mix" to 0 and a kind's snake_case name ("process_creation")
// or Go name ("ProcessCreation", any case) to the Kind.
func parseKind(s string) (winmix.Kind, error) {
	if strings.EqualFold(s, "mix") {
		return 0, nil
	}
	for _, k := range winmix.Kinds() {
		if s == snake(k) || strings.EqualFold(s, k.String()) {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown --kind %q: mix, %s", s, strings.Join(kindNames(), ", "))
}

func kindNames() []string {
	var names []string
	for _, k := range winmix.Kinds() {
		names = append(names, snake(k))
	}
	sort.Strings(names)
	return names
}

// snake is a kind's name in snake_case: ProcessCreation -> process_creation,
// DNSQuery -> dns_query, PowerShellScript -> powershell_script.
func snake(k winmix.Kind) string {
	name := strings.ReplaceAll(k.String(), "PowerShell", "Powershell")
	var b strings.Builder
	for i, c := range name {
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := name[i-1] >= 'a' && name[i-1] <= 'z'
			nextLower := i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z'
			prevUpper := name[i-1] >= 'A' && name[i-1] <= 'Z'
			if prevLower || (prevUpper && nextLower) {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
