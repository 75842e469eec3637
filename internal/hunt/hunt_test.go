package hunt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/ruleset"
	"tocsin/internal/sigma"
)

// authRules: a base rule, a correlation that shows it, and one over a
// field that is a number, in one multi-document file.
const authRules = `title: Failed logon
name: failed_logon
id: 9c0e5a52-0000-4000-8000-000000000001
logsource:
    product: linux
    service: auth
detection:
    selection:
        action: failed
    condition: selection
level: low
---
title: Login burst
id: 9c0e5a52-0000-4000-8000-000000000002
generate: true
correlation:
    type: event_count
    rules:
        - failed_logon
    group-by:
        - user
    timespan: 1m
    condition:
        gte: 3
level: high
---
title: Few attempts per source
id: 9c0e5a52-0000-4000-8000-000000000003
correlation:
    type: value_count
    rules:
        - failed_logon
    group-by:
        - src_ip
    timespan: 5m
    condition:
        field: user
        lt: 2
level: medium
`

func loadRules(t *testing.T, yml string) *ruleset.Result {
	t.Helper()
	set := &sigma.Set{}
	set.AddFile("rules.yml", []byte(yml))
	rs := ruleset.Check(set, nil)
	for _, p := range rs.Problems {
		if !p.Warning {
			t.Fatalf("rule problem: %v", p)
		}
	}
	return rs
}

func hunt(t *testing.T, rs *ruleset.Result, output string, workers int, paths ...string) (string, string, *Summary) {
	t.Helper()
	var out, errb bytes.Buffer
	sum, err := Run(context.Background(), paths, Options{
		Detect: rs.Detect, Correlate: rs.Correlate, Format: "auto", Output: output,
		MinLevel: "informational", Workers: workers, Out: &out, Err: &errb, Stdin: strings.NewReader(""),
	})
	if err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, errb.String())
	}
	return out.String(), errb.String(), sum
}

// writeAuthLog writes n events of about 600 bytes, so that a few thousand
// make several batches of the reader (1 MiB), with bursts of failed logons
// that cross batch boundaries and a broken line after every 2000 events.
func writeAuthLog(t *testing.T, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	pad := strings.Repeat("x", 450)
	for i := range n {
		action := "success"
		if i%7 < 4 {
			action = "failed"
		}
		ts := t0.Add(time.Duration(i) * 700 * time.Millisecond).Format(time.RFC3339Nano)
		fmt.Fprintf(&b, `{"timestamp":%q,"host":"h%d","logsource":{"product":"linux","service":"auth"},"action":%q,"user":"u%d","src_ip":"10.0.%d.%d","pad":%q}`+"\n",
			ts, i%3, action, i%11, i%5, i%17, pad)
		if i%2000 == 1999 {
			b.WriteString("{broken\n")
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunSameOutputWhateverTheWorkers: detections and correlations come out
// in input order, identical with one worker or many, over several batches.
func TestRunSameOutputWhateverTheWorkers(t *testing.T) {
	dir := t.TempDir()
	writeAuthLog(t, filepath.Join(dir, "a", "auth.jsonl"), 0) // an empty file among them
	writeAuthLog(t, filepath.Join(dir, "b.jsonl"), 4000)      // about 2.4 MB: several batches
	writeAuthLog(t, filepath.Join(dir, "c.jsonl"), 300)
	rs := loadRules(t, authRules)
	for _, output := range []string{"jsonl", "text"} {
		t.Run(output, func(t *testing.T) {
			want, wantErr, wantSum := hunt(t, rs, output, 1, dir)
			if wantSum.Detections == 0 || wantSum.Correlations == 0 || wantSum.BadRecords == 0 {
				t.Fatalf("the input should fire both kinds and have bad records: %+v", wantSum)
			}
			for _, workers := range []int{4} {
				got, gotErr, sum := hunt(t, rs, output, workers, dir)
				if got != want {
					t.Errorf("--workers %d: output differs from --workers 1 (%d and %d bytes)", workers, len(got), len(want))
				}
				if gotErr != wantErr {
					t.Errorf("--workers %d: stderr differs:\n%s\nwant:\n%s", workers, gotErr, wantErr)
				}
				if sum.Events != wantSum.Events || sum.Detections != wantSum.Detections ||
					sum.Correlations != wantSum.Correlations || sum.BadRecords != wantSum.BadRecords {
					t.Errorf("--workers %d: summary %+v, want %+v", workers, sum, wantSum)
				}
			}
		})
	}
}

// TestRunBatchesAndFiles checks, over several batches, that every event is
// counted once, bad records are reported where they are, and each
// detection points at its own event.
func TestRunBatchesAndFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.jsonl")
	writeAuthLog(t, path, 4000)
	rs := loadRules(t, authRules)
	out, errs, sum := hunt(t, rs, "jsonl", 3, path)
	if sum.Events != 4000+2 || sum.BadRecords != 2 || sum.Files != 1 || sum.Correlations == 0 {
		t.Errorf("summary %+v: want 4002 events, 2 bad records, 1 file, correlations", sum)
	}
	// Line numbers shift by one after each broken line.
	for _, line := range []int{2001, 4002} {
		if !strings.Contains(errs, fmt.Sprintf("skipped %s:%d: ", path, line)) {
			t.Errorf("stderr does not report line %d:\n%s", line, errs)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fileLines := strings.Split(string(raw), "\n")
	dets := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var d struct {
			Kind   string
			Source struct {
				File string
				Line int
			}
			Event json.RawMessage
		}
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if d.Kind != "detection" {
			continue
		}
		dets++
		if d.Source.File != path || d.Source.Line < 1 || d.Source.Line > len(fileLines) {
			t.Fatalf("source %+v out of the file", d.Source)
		}
		if src := fileLines[d.Source.Line-1]; string(d.Event) != src {
			t.Fatalf("detection at line %d shows another event:\n%s\nline:\n%s", d.Source.Line, d.Event, src)
		}
	}
	if int64(dets) != sum.Detections {
		t.Errorf("%d detection lines, summary says %d", dets, sum.Detections)
	}
}

// TestRunChainedCorrelationSuppressed: a correlation consumed by another
// one, with generate: false, is not reported; the outer one is.
func TestRunChainedCorrelationSuppressed(t *testing.T) {
	rs := loadRules(t, `title: Failed logon
name: failed_logon
logsource:
    product: linux
detection:
    selection:
        action: failed
    condition: selection
level: low
---
title: Burst
name: burst
correlation:
    type: event_count
    rules: [failed_logon]
    group-by: [user]
    timespan: 5m
    condition:
        gte: 2
level: medium
---
title: Repeated bursts
correlation:
    type: event_count
    rules: [burst]
    group-by: [user]
    timespan: 1h
    condition:
        gte: 2
level: high
`)
	dir := t.TempDir()
	var b strings.Builder
	for i := range 4 {
		fmt.Fprintf(&b, `{"timestamp":"2026-03-02T08:0%d:00Z","logsource":{"product":"linux"},"action":"failed","user":"alice"}`+"\n", i*2)
	}
	path := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, sum := hunt(t, rs, "jsonl", 2, path)
	if strings.Contains(out, `"title":"Burst"`) || !strings.Contains(out, `"title":"Repeated bursts"`) || sum.Correlations != 1 {
		t.Errorf("want only the outer correlation, got (%d correlations):\n%s", sum.Correlations, out)
	}
	if n := sum.ByLevel["medium"]; n != 0 {
		t.Errorf("the summary counts %d suppressed correlations", n)
	}
}

func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain ASCII", "plain ASCII"},
		{"Mairie de Lézignan — café", "Mairie de Lézignan — café"},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x1b[2Jclear", `\x1b[2Jclear`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bidi \u202egnp.exe \u2066x\u2069 \u200f", `bidi \u202egnp.exe \u2066x\u2069 \u200f`},
		{"bad \xff\xfe utf8 \xc3", `bad \xff\xfe utf8 \xc3`},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := printable(tc.in); got != tc.want {
				t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("clip keeps whole runes", func(t *testing.T) {
		got := clip(strings.Repeat("é", 10), 5)
		if !utf8.ValidString(got) || got != "éé…" {
			t.Errorf("clip = %q", got)
		}
		if got := clip("\x1b\x1b\x1b", 100); got != `\x1b\x1b\x1b` {
			t.Errorf("clip = %q", got)
		}
	})
}

func TestEventJSON(t *testing.T) {
	f := newFormatter("jsonl")
	for _, tc := range []struct {
		name   string
		raw    string
		format input.Format
		want   string
	}{
		{"compacted", "{\n  \"a\": 1,\n  \"b\": [1, 2]\n}", input.FormatEvtxJSON, `{"a":1,"b":[1,2]}`},
		{"invalid UTF-8 replaced", "{\"u\": \"al\xffice\", \"v\": \"caf\xc3\xa9\"}", input.FormatJSONL, `{"u":"al` + "\uFFFD" + `ice","v":"café"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := f.eventJSON(event.New(), []byte(tc.raw), tc.format)
			if string(got) != tc.want {
				t.Errorf("eventJSON = %s, want %s", got, tc.want)
			}
			if !utf8.Valid(got) || !json.Valid(got) {
				t.Errorf("eventJSON = %q is not valid UTF-8 JSON", got)
			}
		})
	}
	t.Run("text line", func(t *testing.T) {
		ev := event.New()
		ev.Message, ev.HasMessage = "sshd: Failed password \xff", true
		got := f.eventJSON(ev, []byte(ev.Message), input.FormatLines)
		if !utf8.Valid(got) || !json.Valid(got) || !strings.Contains(string(got), `"message":"sshd: Failed password \ufffd"`) {
			t.Errorf("eventJSON = %s", got)
		}
	})
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestRunStops: a failing output or a cancelled context end the run with an
// error, without hanging.
func TestRunStops(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "auth.jsonl")
	writeAuthLog(t, path, 1000)
	rs := loadRules(t, authRules)
	for _, tc := range []struct {
		name    string
		out     io.Writer
		cancel  bool
		wantErr string
	}{
		{"output fails", failingWriter{}, false, "disk full"},
		{"cancelled", io.Discard, true, context.Canceled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				cancel()
			}
			done := make(chan error, 1)
			go func() {
				_, err := Run(ctx, []string{path, path, path}, Options{Detect: rs.Detect, Correlate: rs.Correlate,
					Output: "jsonl", Workers: 4, Out: tc.out, Err: io.Discard})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("Run = %v, want an error with %q", err, tc.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run hangs")
			}
		})
	}
}

func TestRunBadLevel(t *testing.T) {
	rs := loadRules(t, authRules)
	if _, err := Run(context.Background(), nil, Options{Detect: rs.Detect, MinLevel: "severe", Out: io.Discard, Err: io.Discard}); err == nil {
		t.Error("Run accepted min level \"severe\"")
	}
}
