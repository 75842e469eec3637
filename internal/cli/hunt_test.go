package cli

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/iotest"
	goldenfile "tocsin/internal/golden"
	"unicode/utf8"
)

const (
	authRules     = "testdata/rules/auth.yml"
	authGenerate  = "testdata/rules/auth_generate.yml"
	authEdges     = "testdata/events/auth_edges.jsonl"
	evtxEvents    = "testdata/events/system_restore_evtx.json"
	registryRule  = "testdata/rules/registry_restore.yml"
	keywordRule   = "testdata/rules/keyword.yml"
	sshdLog       = "testdata/events/sshd.log"
	ransomware    = "../hunt/testdata/ransomware.jsonl"
	failedLogonID = "5b1f0c3e-1a2b-4c3d-8e4f-000000000001"
)

// authEvent is one line of Tocsin's event JSON for the auth rules.
func authEvent(ts, user, action string) string {
	return fmt.Sprintf(`{"timestamp":%q,"host":"srv-auth-01","logsource":{"product":"linux","service":"auth"},"action":%q,"user":%q}`, ts, action, user)
}

// hunt runs `tocsin hunt --output jsonl` with the given arguments, checks
// that it succeeded and that every line keeps the contract, and returns
// the lines.
func huntJSONL(t *testing.T, args ...string) ([]map[string]any, result) {
	t.Helper()
	r := mustRun(t, 0, nil, append([]string{"hunt", "--output", "jsonl"}, args...)...)
	if !utf8.ValidString(r.out) {
		t.Errorf("stdout is not valid UTF-8")
	}
	lines := jsonLines(t, r.out)
	for i, m := range lines {
		t.Run(fmt.Sprintf("line%d", i+1), func(t *testing.T) { checkContract(t, m) })
	}
	return lines, r
}

// sources lists the source of each detection line.
func sources(t *testing.T, lines []map[string]any) []ref {
	t.Helper()
	var out []ref
	for _, m := range lines {
		if m["kind"] == "detection" {
			out = append(out, refOf(t, m["source"], "source"))
		}
	}
	return out
}

func refsIn(file string, lines ...int) []ref {
	out := make([]ref, len(lines))
	for i, l := range lines {
		out[i] = ref{file, l}
	}
	return out
}

// TestHuntJSONLContract checks the shape of every line of `--output jsonl`
// and the line each detection points at.
func TestHuntJSONLContract(t *testing.T) {
	dir := t.TempDir()
	// JSONL as Windows tools write it: CRLF, blank lines, a last line
	// without its newline.
	crlf := writeFile(t, filepath.Join(dir, "crlf.jsonl"), []byte("\r\n"+
		authEvent("2026-03-02T08:00:00Z", "alice", "failed")+"\r\n"+
		"\r\n"+
		"   \r\n"+
		authEvent("2026-03-02T08:00:01Z", "bob", "success")+"\r\n"+
		authEvent("2026-03-02T08:00:02Z", "carol", "failed")+"\r\n"+
		"\r\n"+
		authEvent("2026-03-02T08:00:03Z", "dave", "failed")))
	// The same objects pretty-printed and concatenated, as evtx_dump
	// writes them, with CRLF line endings.
	evtx, err := os.ReadFile(evtxEvents)
	if err != nil {
		t.Fatal(err)
	}
	evtxCRLF := writeFile(t, filepath.Join(dir, "evtx_crlf.json"), bytes.ReplaceAll(evtx, []byte("\n"), []byte("\r\n")))
	// evtx_dump's default output puts a "Record N" line before each object.
	var withHeaders bytes.Buffer
	for i, obj := range bytes.SplitAfter(evtx, []byte("\n}\n")) {
		if len(bytes.TrimSpace(obj)) > 0 {
			fmt.Fprintf(&withHeaders, "Record %d\n", 35579+i)
			withHeaders.Write(obj)
		}
	}
	evtxRecords := writeFile(t, filepath.Join(dir, "evtx_records.json"), withHeaders.Bytes())

	for _, tc := range []struct {
		name         string
		args         []string
		want         []ref // sources of the detections, in order
		correlations int
	}{
		{"built-in pack on evtx_dump JSON lines", []string{ransomware}, refsIn(ransomware, 3, 4, 5), 0},
		{"concatenated pretty-printed objects", []string{"--no-builtin", "--rules", registryRule, evtxEvents},
			refsIn(evtxEvents, 1, 53, 105, 157), 0},
		{"pretty-printed objects with CRLF", []string{"--no-builtin", "--rules", registryRule, evtxCRLF},
			refsIn(evtxCRLF, 1, 53, 105, 157), 0},
		{"pretty-printed objects with Record headers", []string{"--no-builtin", "--rules", registryRule, evtxRecords},
			refsIn(evtxRecords, 2, 55, 108, 161), 0},
		{"JSONL with blank lines and CRLF", []string{"--no-builtin", "--rules", authGenerate, crlf},
			refsIn(crlf, 2, 5, 6, 8), 0},
		{"correlations", []string{"--no-builtin", "--rules", authRules, authEdges}, nil, 2},
		{"detections and correlations", []string{"--no-builtin", "--rules", authGenerate, authEdges},
			refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, _ := huntJSONL(t, tc.args...)
			if got := sources(t, lines); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("detection sources = %v, want %v", got, tc.want)
			}
			n := 0
			for _, m := range lines {
				if m["kind"] == "correlation" {
					n++
				}
			}
			if n != tc.correlations {
				t.Errorf("%d correlations, want %d", n, tc.correlations)
			}
		})
	}

	t.Run("detection fields", func(t *testing.T) {
		lines, _ := huntJSONL(t, "--no-builtin", "--rules", authGenerate, authEdges)
		d := lines[0]
		rule := obj(t, d["rule"], "rule")
		if rule["id"] != failedLogonID || rule["title"] != "Failed logon" || rule["level"] != "low" || rule["author"] != "Tocsin tests" {
			t.Errorf("rule = %v", rule)
		}
		if tags := arr(t, rule["tags"], "tags"); len(tags) != 1 || tags[0] != "attack.credential-access" {
			t.Errorf("tags = %v", tags)
		}
		if d["time"] != "2026-03-02T08:00:00Z" || d["tenant"] != "agglo" || d["host"] != "srv-auth-01" {
			t.Errorf("time, tenant, host = %v, %v, %v", d["time"], d["tenant"], d["host"])
		}
		ents := obj(t, d["entities"], "entities")
		if ents["user"] != "alice" || ents["src_ip"] != "203.0.113.7" || ents["host"] != "srv-auth-01" {
			t.Errorf("entities = %v", ents)
		}
		ev := obj(t, d["event"], "event")
		if ev["user"] != "alice" || ev["message"] != "failed logon for alice from 203.0.113.7" {
			t.Errorf("event = %v", ev)
		}
		// A rule without tags has "tags": [], never null.
		for _, m := range lines {
			if r := obj(t, m["rule"], "rule"); r["title"] == "Successful logon" && r["tags"] == nil {
				t.Errorf("tags of a rule without tags = null")
			}
		}
	})

	t.Run("evtx event", func(t *testing.T) {
		lines, r := huntJSONL(t, "--no-builtin", "--rules", registryRule, evtxEvents)
		golden(t, "system_restore.jsonl", r.out)
		d := lines[1]
		if d["time"] != "2026-03-11T05:55:53.593526Z" || d["host"] != "swachchhanda" {
			t.Errorf("time, host = %v, %v", d["time"], d["host"])
		}
		sys := obj(t, obj(t, obj(t, d["event"], "event")["Event"], "Event")["System"], "System")
		if num(t, sys["EventRecordID"], "EventRecordID") != 35581 {
			t.Errorf("event of line 53 has EventRecordID %v, want 35581", sys["EventRecordID"])
		}
	})
}

// correlation is a correlation line, decoded.
type correlation struct {
	Title       string
	Tenant      string
	Group       map[string]any
	Count       float64
	First, Last string
	Time        string
	Events      []ref
}

func correlations(t *testing.T, lines []map[string]any) []correlation {
	t.Helper()
	var out []correlation
	for _, m := range lines {
		if m["kind"] != "correlation" {
			continue
		}
		c := correlation{
			Title: str(t, obj(t, m["rule"], "rule")["title"], "title"), Tenant: str(t, m["tenant"], "tenant"),
			Group: obj(t, m["group"], "group"), Count: num(t, m["count"], "count"),
			First: str(t, m["first"], "first"), Last: str(t, m["last"], "last"), Time: str(t, m["time"], "time"),
		}
		for _, e := range arr(t, m["events"], "events") {
			c.Events = append(c.Events, refOf(t, e, "events[]"))
		}
		out = append(out, c)
	}
	return out
}

// TestHuntCorrelations runs correlation rules end to end over events placed
// exactly at the window edges (auth_edges.jsonl says which).
func TestHuntCorrelations(t *testing.T) {
	alice := map[string]any{"user": "alice"}
	bruteForce := correlation{
		Title: "Five failed logons for one user in ten minutes", Group: alice, Count: 5,
		First: "2026-03-02T08:00:00Z", Last: "2026-03-02T08:10:00Z", Time: "2026-03-02T08:10:00Z",
		Events: refsIn(authEdges, 1, 3, 5, 7, 9),
	}
	thenSuccess := correlation{
		Title: "Failed logons then a success", Group: alice, Count: 2,
		First: "2026-03-02T08:10:00Z", Last: "2026-03-02T08:20:00Z", Time: "2026-03-02T08:20:00Z",
		Events: refsIn(authEdges, 9, 13),
	}
	allBase := refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)
	for _, tc := range []struct {
		name       string
		args       []string
		want       []correlation
		detections []ref
	}{
		{"multi-document file, generate false hides the base rules",
			[]string{"--rules", authRules}, []correlation{bruteForce, thenSuccess}, nil},
		{"generate true shows the base rules",
			[]string{"--rules", authGenerate}, []correlation{bruteForce, thenSuccess}, allBase},
		{"rules referenced across two files",
			[]string{"--rules", "testdata/rules/split/base.yml", "--rules", "testdata/rules/split/correlations.yml"},
			[]correlation{bruteForce, thenSuccess}, nil},
		{"rules referenced across two files, correlations first",
			[]string{"--rules", "testdata/rules/split/correlations.yml", "--rules", "testdata/rules/split/base.yml"},
			[]correlation{bruteForce, thenSuccess}, nil},
		{"rules from a folder and a file",
			[]string{"--rules", "testdata/rules/split", "--rules", registryRule},
			[]correlation{bruteForce, thenSuccess}, nil},
		{"min-level high leaves out the base rules",
			[]string{"--rules", authGenerate, "--min-level", "high"}, []correlation{bruteForce, thenSuccess}, nil},
		{"min-level critical leaves out the high correlation",
			[]string{"--rules", authGenerate, "--min-level", "critical"}, []correlation{thenSuccess}, nil},
		{"chained correlation: the inner one is not reported",
			[]string{"--rules", "testdata/rules/chain.yml"}, []correlation{
				{Title: "Repeated bursts of failed logons", Group: alice, Count: 2,
					First: "2026-03-02T08:02:00Z", Last: "2026-03-02T08:06:00Z", Time: "2026-03-02T08:06:00Z",
					Events: refsIn(authEdges, 1, 3, 5, 7)},
				{Title: "Repeated bursts of failed logons", Group: map[string]any{"user": "bob"}, Count: 2,
					First: "2026-03-02T08:02:00Z", Last: "2026-03-02T08:06:00Z", Time: "2026-03-02T08:06:00Z",
					Events: refsIn(authEdges, 2, 4, 6, 8)},
			}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, _ := huntJSONL(t, append(append([]string{"--no-builtin"}, tc.args...), authEdges)...)
			got := correlations(t, lines)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("correlations:\n got %+v\nwant %+v", got, tc.want)
			}
			if d := sources(t, lines); !reflect.DeepEqual(d, tc.detections) {
				t.Errorf("detections at %v, want %v", d, tc.detections)
			}
		})
	}

	t.Run("events without a time are left out", func(t *testing.T) {
		// Three failed passwords in text lines that carry no time (not
		// syslog): they are not "three in a minute".
		dir := t.TempDir()
		f := writeFile(t, filepath.Join(dir, "auth.log"), []byte(
			"sshd: Failed password for root\n"+
				"sshd: Failed password for root\n"+
				"sshd: Failed password for root\n"))
		lines, r := huntJSONL(t, "--no-builtin", "--rules", "testdata/rules/keyword_correlation.yml", f)
		if got := correlations(t, lines); len(got) != 0 {
			t.Errorf("correlations = %+v, want none", got)
		}
		if !strings.Contains(r.err, "3 events without a time left out of correlations") {
			t.Errorf("the summary does not say why:\n%s", r.err)
		}
	})

	t.Run("tenant comes from group-by", func(t *testing.T) {
		dir := t.TempDir()
		rules, err := os.ReadFile(authRules)
		if err != nil {
			t.Fatal(err)
		}
		byTenant := writeFile(t, filepath.Join(dir, "by_tenant.yml"),
			bytes.ReplaceAll(rules, []byte("    group-by:\n        - user\n"), []byte("    group-by:\n        - tenant\n        - user\n")))
		lines, _ := huntJSONL(t, "--no-builtin", "--rules", byTenant, authEdges)
		got := correlations(t, lines)
		if len(got) != 2 {
			t.Fatalf("%d correlations, want 2", len(got))
		}
		for _, c := range got {
			if c.Tenant != "agglo" || !reflect.DeepEqual(c.Group, map[string]any{"tenant": "agglo", "user": "alice"}) {
				t.Errorf("%s: tenant %q, group %v; want agglo and {tenant: agglo, user: alice}", c.Title, c.Tenant, c.Group)
			}
		}
	})
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// nested is an event whose "deep" field nests depth objects.
func nested(user string, depth int) string {
	ev := authEvent("2026-03-02T08:00:00Z", user, "failed")
	return ev[:len(ev)-1] + `,"deep":` + strings.Repeat(`{"n":`, depth) + "1" + strings.Repeat("}", depth) + "}"
}

// TestHuntInputs runs hunt over the inputs a user meets: folders, .gz,
// stdin, and broken or hostile files. A bad record or file is reported
// with its place, counted and skipped; the run goes on and exits 0.
func TestHuntInputs(t *testing.T) {
	failed := func(ts, user string) string { return authEvent(ts, user, "failed") + "\n" }
	three := failed("2026-03-02T08:00:00Z", "a") + failed("2026-03-02T08:00:01Z", "b") + failed("2026-03-02T08:00:02Z", "c")
	bigValue := strings.Repeat("A", 1<<20)
	bigEvent := authEvent("2026-03-02T08:00:00Z", "big", "failed")
	bigEvent = bigEvent[:len(bigEvent)-1] + `,"blob":"` + bigValue + `"}`

	type check func(t *testing.T, dir string, lines []map[string]any, r result)
	for _, tc := range []struct {
		name  string
		skip  string
		files map[string][]byte // written under a temporary folder
		stdin string
		args  []string // after the rules; "DIR" is replaced by the folder
		want  []ref    // detection sources, file relative to DIR
		check check
	}{
		{
			name: "folder, recursive, in lexical order",
			files: map[string][]byte{
				"b.jsonl":             []byte(failed("2026-03-02T08:00:00Z", "b")),
				"a/z.jsonl":           []byte(failed("2026-03-02T08:00:00Z", "z")),
				"a/c.jsonl.gz":        gzipped(t, []byte(three)),
				"a/deeper/more/x.log": []byte(failed("2026-03-02T08:00:00Z", "x")),
				"0.jsonl":             []byte(failed("2026-03-02T08:00:00Z", "0")),
			},
			args: []string{"DIR"},
			want: []ref{{"0.jsonl", 1}, {"a/c.jsonl.gz", 1}, {"a/c.jsonl.gz", 2}, {"a/c.jsonl.gz", 3},
				{"a/deeper/more/x.log", 1}, {"a/z.jsonl", 1}, {"b.jsonl", 1}},
		},
		{
			name:  ".gz file",
			files: map[string][]byte{"auth.jsonl.gz": gzipped(t, []byte("\n"+three))},
			args:  []string{"DIR/auth.jsonl.gz"},
			want:  refsIn("auth.jsonl.gz", 2, 3, 4),
		},
		{
			name:  ".gz of evtx_dump JSON",
			files: map[string][]byte{"evtx.json.gz": gzipped(t, mustRead(t, evtxEvents))},
			args:  []string{"--rules", registryRule, "DIR/evtx.json.gz"},
			want:  refsIn("evtx.json.gz", 1, 53, 105, 157),
		},
		{
			name:  "stdin",
			stdin: three,
			args:  []string{"-"},
			want:  refsIn("-", 1, 2, 3),
		},
		{
			name:  "stdin between files, flags after it",
			files: map[string][]byte{"a.jsonl": []byte(three), "b.jsonl": []byte(three)},
			stdin: "\n" + three,
			args:  []string{"DIR/a.jsonl", "-", "--workers", "2", "DIR/b.jsonl"},
			want:  append(append(refsIn("a.jsonl", 1, 2, 3), refsIn("-", 2, 3, 4)...), refsIn("b.jsonl", 1, 2, 3)...),
		},
		{
			name:  "empty file",
			files: map[string][]byte{"empty.jsonl": nil, "b.jsonl": []byte(three)},
			args:  []string{"DIR"},
			want:  refsIn("b.jsonl", 1, 2, 3),
			check: func(t *testing.T, dir string, lines []map[string]any, r result) {
				if strings.Contains(r.err, "empty.jsonl") {
					t.Errorf("an empty file is not a problem, stderr says:\n%s", r.err)
				}
			},
		},
		{
			name: "malformed JSON line, --format jsonl",
			files: map[string][]byte{"bad.jsonl": []byte(failed("2026-03-02T08:00:00Z", "a") +
				`{"timestamp":"2026-03-02T08:00:01Z","user":` + "\n" + failed("2026-03-02T08:00:02Z", "c"))},
			args:  []string{"--format", "jsonl", "DIR/bad.jsonl"},
			want:  refsIn("bad.jsonl", 1, 3),
			check: skipped("bad.jsonl:2:"),
		},
		{
			name: "malformed JSON line among many",
			files: map[string][]byte{"bad.jsonl": []byte(strings.Repeat(failed("2026-03-02T08:00:00Z", "a"), 20) +
				"{not json}\n" + failed("2026-03-02T08:00:02Z", "c"))},
			args:  []string{"DIR/bad.jsonl"},
			want:  refsIn("bad.jsonl", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 22),
			check: skipped("bad.jsonl:21:"),
		},
		{
			name: "malformed JSON line, format detected",
			files: map[string][]byte{"bad.jsonl": []byte(failed("2026-03-02T08:00:00Z", "a") +
				`{"timestamp":"2026-03-02T08:00:01Z","user":` + "\n" + failed("2026-03-02T08:00:02Z", "c"))},
			args:  []string{"DIR/bad.jsonl"},
			want:  refsIn("bad.jsonl", 1, 3),
			check: skipped("bad.jsonl:2:"),
		},
		{
			name:  "truncated last evtx_dump object, format detected",
			files: map[string][]byte{"cut.json": cut(mustRead(t, evtxEvents), 80)},
			args:  []string{"--rules", registryRule, "DIR/cut.json"},
			want:  refsIn("cut.json", 1),
			check: skipped("cut.json:53:"),
		},
		{
			name:  "truncated evtx_dump object in the middle",
			files: map[string][]byte{"cut.json": append(cut(mustRead(t, evtxEvents), 30), tail(mustRead(t, evtxEvents), 53)...)},
			args:  []string{"--format", "evtx-json", "--rules", registryRule, "DIR/cut.json"},
			want:  refsIn("cut.json", 31, 83, 135),
			check: skipped("cut.json:1:"),
		},
		{
			name:  "1 MB field value",
			files: map[string][]byte{"big.jsonl": []byte(bigEvent + "\n" + failed("2026-03-02T08:00:01Z", "after"))},
			args:  []string{"DIR/big.jsonl"},
			want:  refsIn("big.jsonl", 1, 2),
			check: func(t *testing.T, dir string, lines []map[string]any, r result) {
				if ev := obj(t, lines[0]["event"], "event"); ev["blob"] != bigValue {
					t.Errorf("the 1 MB value did not come through whole (%d bytes)", len(str(t, ev["blob"], "blob")))
				}
			},
		},
		{
			name: "deeply nested JSON",
			files: map[string][]byte{"deep.jsonl": []byte(nested("shallow", 20) + "\n" + nested("deep", 100000) + "\n" +
				failed("2026-03-02T08:00:01Z", "after"))},
			args:  []string{"DIR/deep.jsonl"},
			want:  refsIn("deep.jsonl", 1, 3),
			check: skipped("deep.jsonl:2:"),
		},
		{
			name: "invalid UTF-8",
			files: map[string][]byte{"utf8.jsonl": []byte(`{"timestamp":"2026-03-02T08:00:00Z","logsource":{"product":"linux","service":"auth"},` +
				"\"action\":\"failed\",\"user\":\"al\xffice\xc3\",\"note\":\"caf\xc3\xa9\"}\n")},
			args: []string{"DIR/utf8.jsonl"},
			want: refsIn("utf8.jsonl", 1),
			check: func(t *testing.T, dir string, lines []map[string]any, r result) {
				if u := obj(t, lines[0]["entities"], "entities")["user"]; u != "al\uFFFDice\uFFFD" {
					t.Errorf("entities.user = %q, want the bad bytes replaced by U+FFFD", u)
				}
				if n := obj(t, lines[0]["event"], "event")["note"]; n != "café" {
					t.Errorf("event.note = %q, want café", n)
				}
			},
		},
		{
			name: "binary file",
			files: map[string][]byte{
				"a.bin":   append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\n"), bytes.Repeat([]byte{0, 1, 2, 0xfe}, 4096)...),
				"b.jsonl": []byte(three),
			},
			args: []string{"DIR"},
			want: refsIn("b.jsonl", 1, 2, 3),
			check: func(t *testing.T, dir string, lines []map[string]any, r result) {
				if !strings.Contains(r.err, filepath.Join(dir, "a.bin")+": binary data") {
					t.Errorf("stderr does not name the binary file:\n%s", r.err)
				}
			},
		},
		{
			name:  "missing input",
			files: map[string][]byte{"b.jsonl": []byte(three)},
			args:  []string{"DIR/nothere.jsonl", "DIR/b.jsonl"},
			want:  refsIn("b.jsonl", 1, 2, 3),
			check: func(t *testing.T, dir string, lines []map[string]any, r result) {
				if !strings.Contains(r.err, "nothere.jsonl: no such file or directory") || !strings.Contains(r.err, "1 input errors") {
					t.Errorf("stderr does not report the missing input:\n%s", r.err)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				knownBug(t, tc.skip)
			}
			dir := t.TempDir()
			for name, data := range tc.files {
				writeFile(t, filepath.Join(dir, name), data)
			}
			args := []string{"hunt", "--output", "jsonl", "--no-builtin"}
			if !contains(tc.args, "--rules") {
				args = append(args, "--rules", authGenerate)
			}
			for _, a := range tc.args {
				args = append(args, strings.Replace(a, "DIR", dir, 1))
			}
			var outs []string
			for _, workers := range []string{"1", "4"} {
				r := mustRun(t, 0, strings.NewReader(tc.stdin), append(args, "--workers", workers)...)
				if !utf8.ValidString(r.out) {
					t.Errorf("stdout is not valid UTF-8")
				}
				lines := jsonLines(t, r.out)
				var got []ref
				for _, m := range lines {
					checkContract(t, m)
					if m["kind"] == "detection" {
						s := refOf(t, m["source"], "source")
						if rel, err := filepath.Rel(dir, s.File); err == nil && s.File != "-" {
							s.File = filepath.ToSlash(rel)
						}
						got = append(got, s)
					}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("--workers %s: detections at %v, want %v\nstderr:\n%s", workers, got, tc.want, r.err)
				}
				if tc.check != nil {
					tc.check(t, dir, lines, r)
				}
				outs = append(outs, r.out+"\n--- stderr\n"+timing.ReplaceAllString(r.err, ""))
			}
			if outs[0] != outs[1] {
				t.Errorf("--workers 1 and --workers 4 differ:\n%s", goldenfile.Diff([]byte(outs[0]), []byte(outs[1])))
			}
		})
	}
}

// skipped checks that a bad record was reported at where ("file:line:"),
// counted, and that the run went on.
func skipped(where string) func(t *testing.T, dir string, lines []map[string]any, r result) {
	return func(t *testing.T, dir string, lines []map[string]any, r result) {
		t.Helper()
		if !regexp.MustCompile(`(?m)^tocsin hunt: skipped .*` + regexp.QuoteMeta(where) + ` `).MatchString(r.err) {
			t.Errorf("stderr does not report the bad record at %s:\n%s", where, r.err)
		}
		if !strings.Contains(r.err, "1 records skipped") {
			t.Errorf("the summary does not count the skipped record:\n%s", r.err)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cut returns the first n lines of data; tail, from line n on.
func cut(data []byte, n int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	return bytes.Join(lines[:n], nil)
}

func tail(data []byte, n int) []byte {
	lines := bytes.SplitAfter(data, []byte("\n"))
	return bytes.Join(lines[n-1:], nil)
}

// TestHuntCorrelationAcrossFiles: events of one group spread over two
// files, as exports of two domain controllers are. Live traffic would
// interleave them; the hunt must find the same correlation.
func TestHuntCorrelationAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "dc1.jsonl"), []byte(
		authEvent("2026-03-02T08:00:00Z", "alice", "failed")+"\n"+
			authEvent("2026-03-02T08:01:00Z", "alice", "failed")+"\n"+
			authEvent("2026-03-02T08:02:00Z", "alice", "failed")+"\n"+
			authEvent("2026-03-02T12:00:00Z", "bob", "other")+"\n"))
	writeFile(t, filepath.Join(dir, "dc2.jsonl"), []byte(
		authEvent("2026-03-02T08:01:30Z", "alice", "failed")+"\n"+
			authEvent("2026-03-02T08:02:30Z", "alice", "failed")+"\n"))
	lines, _ := huntJSONL(t, "--no-builtin", "--rules", authRules, dir)
	got := correlations(t, lines)
	if len(got) != 1 || got[0].Count != 5 {
		t.Errorf("correlations = %+v, want alice's 5 failed logons across dc1 and dc2", got)
	}
}

// TestHuntTextOutput checks what an analyst reads: per detection the time,
// level, rule title, host and key fields, then a summary by level and rule.
func TestHuntTextOutput(t *testing.T) {
	for _, tc := range []struct {
		name, golden string
		args         []string
		want         []string // regular expressions, each matching a line
	}{
		{
			name: "detections and correlations", golden: "auth_edges.txt",
			args: []string{"--no-builtin", "--rules", authGenerate, authEdges},
			want: []string{
				`^2026-03-02T08:00:00\.000Z  LOW       Failed logon  host=srv-auth-01  src_ip=203\.0\.113\.7  user=alice  \(testdata/events/auth_edges\.jsonl:1\)$`,
				`^      user: alice$`,
				`^      src_ip: 203\.0\.113\.7$`,
				`^2026-03-02T08:20:00\.002Z  INFO      Successful logon  host=srv-auth-01  src_ip=198\.51\.100\.23  user=bob  \(testdata/events/auth_edges\.jsonl:14\)$`,
				`^2026-03-02T08:10:00\.000Z  HIGH      Five failed logons for one user in ten minutes  \[correlation event_count\]  user=alice$`,
				`^      5 from 2026-03-02T08:00:00\.000Z to 2026-03-02T08:10:00\.000Z, 5 events \(first at testdata/events/auth_edges\.jsonl:1\)$`,
				`^2026-03-02T08:20:00\.000Z  CRITICAL  Failed logons then a success  \[correlation temporal_ordered\]  user=alice$`,
				`^Summary: 14 events .* from 1 files .*: 14 detections, 2 correlations$`,
				`^By level:  critical 1  high 1  low 11  informational 3$`,
				`^By rule:$`,
				`^ +1  critical +Failed logons then a success$`,
				`^ +1  high +Five failed logons for one user in ten minutes$`,
				`^ +11  low +Failed logon$`,
				`^ +3  informational +Successful logon$`,
			},
		},
		{
			name: "evtx_dump JSON", golden: "system_restore.txt",
			args: []string{"--no-builtin", "--rules", registryRule, evtxEvents},
			want: []string{
				`^2026-03-11T05:55:53\.593Z  HIGH      System Restore disabled in the registry  host=swachchhanda  user=swachchhanda\\xodih  \(testdata/events/system_restore_evtx\.json:53\)$`,
				`^      TargetObject: HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\SystemRestore\\DisableSR$`,
				`^      Details: DWORD \(0x00000001\)$`,
				`^By level:  high 4$`,
			},
		},
		{
			// Syslog lines: time (the year is today's), host, and the
			// fields of sshd's message; no golden file, as the year moves.
			name: "keyword rule on syslog lines", golden: "",
			args: []string{"--no-builtin", "--rules", keywordRule, sshdLog},
			want: []string{
				`^\d{4}-03-02T08:00:05\.000Z  MEDIUM    Failed password  host=srv-auth-01  src_ip=203\.0\.113\.7  user=root  \(testdata/events/sshd\.log:2\)$`,
				`^      message: Failed password for root from 203\.0\.113\.7 port 40312 ssh2$`,
				`^By level:  medium 1$`,
			},
		},
		{
			name: "no detection", golden: "",
			args: []string{"--no-builtin", "--rules", registryRule, authEdges},
			want: []string{`^Summary: 14 events .*: 0 detections, 0 correlations$`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, 0, nil, append([]string{"hunt"}, tc.args...)...)
			for _, re := range tc.want {
				if !regexp.MustCompile(`(?m)` + re).MatchString(r.out) {
					t.Errorf("no line matches %s in:\n%s", re, clipText(r.out))
				}
			}
			if tc.golden != "" {
				golden(t, tc.golden, r.out)
			}
		})
	}

	t.Run("the summary names the hosts a source went for", func(t *testing.T) {
		var lines []string
		for i := range 12 {
			lines = append(lines, fmt.Sprintf("2026-03-02T08:00:%02d+00:00 %s sshd[1]: Failed password for root from 203.0.113.7 port %d ssh2",
				i, []string{"srv-a", "srv-b"}[i%2], 40000+i))
		}
		f := writeFile(t, filepath.Join(t.TempDir(), "auth.log"), []byte(strings.Join(lines, "\n")+"\n"))
		r := mustRun(t, 0, nil, "hunt", f)
		re := `(?m)^  203\.0\.113\.7 +\d+ alerts  2026-03-02 08:00:09 → 2026-03-02 08:00:09  on srv-a, srv-b  SSH Brute Force, SSH Slow Brute Force$`
		if !regexp.MustCompile(re).MatchString(r.out) {
			t.Errorf("no line matches %s in:\n%s", re, clipText(r.out))
		}
	})

	t.Run("hostile field values are escaped", func(t *testing.T) {
		dir := t.TempDir()
		// ESC sequences that clear the screen and a CR that rewrites the
		// line, in a field an attacker controls.
		f := writeFile(t, filepath.Join(dir, "evil.jsonl"), []byte(
			`{"timestamp":"2026-03-02T08:00:00Z","logsource":{"product":"linux","service":"auth"},"action":"failed",`+
				`"user":"root\u001b[2J\u001b[1;1H\rall good\u009b31m\u202etxt.exe","src_ip":"203.0.113.7\nFAKE LINE"}`+"\n"))
		r := mustRun(t, 0, nil, "hunt", "--no-builtin", "--rules", authGenerate, f)
		for _, c := range r.out {
			if c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c <= 0x9f || c == 0x202e {
				t.Fatalf("text output holds control character %U:\n%q", c, r.out)
			}
		}
		if !strings.Contains(r.out, `user=root\x1b[2J\x1b[1;1H\rall good\u009b31m\u202etxt.exe`) || !strings.Contains(r.out, `src_ip=203.0.113.7\nFAKE LINE`) {
			t.Errorf("hostile values not shown escaped:\n%s", r.out)
		}
	})
}

// TestHuntFlags checks command-line handling: clear errors with exit 2,
// formats, levels, flags after positional arguments.
func TestHuntFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  string // a substring of stderr
		out     string // a substring of stdout
		noOut   string // not in stdout
		jsonl   bool   // stdout must be JSON lines
		sources []ref  // with jsonl: the detections' sources
	}{
		{name: "no-builtin without rules", args: []string{"--no-builtin", authEdges}, code: 2,
			stderr: "no rule loaded: give --rules PATH, or drop --no-builtin"},
		{name: "no-builtin with an empty rules folder", args: []string{"--no-builtin", "--rules", "testdata/events", authEdges}, code: 2,
			stderr: "no rule loaded"},
		{name: "missing rules path", args: []string{"--rules", "testdata/rules/nothere.yml", authEdges}, code: 2,
			stderr: "--rules testdata/rules/nothere.yml: no such file or directory"},
		{name: "bad output", args: []string{"--output", "xml", authEdges}, code: 2,
			stderr: `--output must be text or jsonl, not "xml"`},
		{name: "bad format", args: []string{"--format", "evtx", authEdges}, code: 2,
			stderr: `--format must be one of auto, jsonl, evtx-json, syslog, nginx, apache, lines, not "evtx"`},
		{name: "bad min-level", args: []string{"--min-level", "severe", authEdges}, code: 2,
			stderr: `--min-level must be informational, low, medium, high or critical, not "severe"`},
		{name: "bad placeholder", args: []string{"--placeholder", "Admins", authEdges}, code: 2,
			stderr: `placeholder "Admins": expected NAME=VALUE`},
		{name: "missing flag value", args: []string{authEdges, "--output"}, code: 2,
			stderr: "flag needs an argument: -output"},
		{name: "flags after the file", args: []string{authEdges, "--output", "jsonl", "--no-builtin", "--rules", authGenerate, "--min-level", "informational"},
			jsonl: true, sources: refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)},
		{name: "flags between files", args: []string{"--no-builtin", evtxEvents, "--output=jsonl", "--rules", registryRule, ransomware},
			jsonl: true, sources: refsIn(evtxEvents, 1, 53, 105, 157)},
		{name: "-- ends the flags", args: []string{"--no-builtin", "--rules", authGenerate, "--output", "jsonl", "--", authEdges},
			jsonl: true, sources: refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)},
		{name: "min-level filters", args: []string{"--no-builtin", "--rules", authGenerate, "--rules", registryRule, "--output", "jsonl", "--min-level", "low", authEdges, evtxEvents},
			jsonl: true, sources: append(refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12), refsIn(evtxEvents, 1, 53, 105, 157)...)},
		{name: "min-level high", args: []string{"--no-builtin", "--rules", authGenerate, "--rules", registryRule, "--output", "jsonl", "--min-level", "high", authEdges, evtxEvents},
			jsonl: true, sources: refsIn(evtxEvents, 1, 53, 105, 157)},
		{name: "format auto", args: []string{"--no-builtin", "--rules", authGenerate, "--rules", keywordRule, "--output", "jsonl", "--format", "auto", sshdLog, authEdges},
			jsonl: true, sources: append(refsIn(sshdLog, 2), refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)...)},
		{name: "format jsonl", args: []string{"--no-builtin", "--rules", authGenerate, "--rules", keywordRule, "--output", "jsonl", "--format", "jsonl", sshdLog, authEdges},
			jsonl: true, sources: refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
			stderr: "skipped testdata/events/sshd.log:1: "},
		{name: "format evtx-json", args: []string{"--no-builtin", "--rules", registryRule, "--output", "jsonl", "--format", "evtx-json", evtxEvents},
			jsonl: true, sources: refsIn(evtxEvents, 1, 53, 105, 157)},
		{name: "format lines: JSON is text", args: []string{"--no-builtin", "--rules", authGenerate, "--rules", keywordRule, "--output", "jsonl", "--format", "lines", authEdges, sshdLog},
			jsonl: true, sources: refsIn(sshdLog, 2)},
		{name: "placeholder values", args: []string{"--no-builtin", "--rules", "testdata/rules/placeholder.yml", "--output", "jsonl",
			"--placeholder", "Admins=carol", "--placeholder", "%Admins%=bob", authEdges},
			jsonl: true, sources: refsIn(authEdges, 2, 4, 6, 8, 10, 11, 12, 14)},
		{name: "placeholder without value", args: []string{"--no-builtin", "--rules", "testdata/rules/placeholder.yml", "--output", "jsonl", authEdges},
			jsonl: true, stderr: "testdata/rules/placeholder.yml:10:9: rule left out: placeholder has no configured value: %Admins%"},
		{name: "quiet", args: []string{"--quiet", "--no-builtin", "--rules", authGenerate, "--output", "jsonl", authEdges},
			jsonl: true, sources: refsIn(authEdges, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)},
		{name: "text summary on stdout", args: []string{"--no-builtin", "--rules", registryRule, evtxEvents},
			out: "\nSummary: 4 events"},
		{name: "jsonl summary on stderr", args: []string{"--no-builtin", "--rules", registryRule, "--output", "jsonl", evtxEvents},
			stderr: "\nSummary: 4 events", noOut: "Summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, tc.code, nil, append([]string{"hunt"}, tc.args...)...)
			if !strings.Contains(r.err, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, r.err)
			}
			if !strings.Contains(r.out, tc.out) {
				t.Errorf("stdout lacks %q:\n%s", tc.out, clipText(r.out))
			}
			if tc.noOut != "" && strings.Contains(r.out, tc.noOut) {
				t.Errorf("stdout holds %q:\n%s", tc.noOut, clipText(r.out))
			}
			if tc.code != 0 && r.out != "" {
				t.Errorf("a usage error printed on stdout:\n%s", r.out)
			}
			if tc.jsonl {
				lines := jsonLines(t, r.out)
				for _, m := range lines {
					checkContract(t, m)
				}
				if got := sources(t, lines); !reflect.DeepEqual(got, tc.sources) {
					t.Errorf("detections at %v, want %v", got, tc.sources)
				}
			}
			if contains(tc.args, "--quiet") && r.err != "" {
				t.Errorf("--quiet printed on stderr:\n%s", r.err)
			}
		})
	}
}

// TestREADMEFirstCommand runs the README's first command, from the root of
// the repository, as a new user does.
func TestREADMEFirstCommand(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go run \./cmd/tocsin (hunt .*)$`).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no `go run ./cmd/tocsin hunt ...` command")
	}
	args := strings.Fields(string(m[1]))
	t.Chdir("../..")
	r := mustRun(t, 0, nil, args...)
	for _, re := range []string{
		`(?m)^2026-03-02T08:03:12\.004Z  CRITICAL  Shadow Copies or Backups Deleted  host=SRV-MAIRIE-01\.mairie\.local  user=MAIRIE\\svc_backup  \(internal/hunt/testdata/ransomware\.jsonl:3\)$`,
		`(?m)^      CommandLine: vssadmin\.exe Delete Shadows /All /Quiet$`,
		`(?m)^2026-03-02T08:04:00\.000Z  HIGH      Windows Security Event Log Cleared  host=SRV-MAIRIE-01\.mairie\.local  user=svc_backup  \(internal/hunt/testdata/ransomware\.jsonl:5\)$`,
		`(?m)^By level:  critical 2  high 1$`,
	} {
		if !regexp.MustCompile(re).MatchString(r.out) {
			t.Errorf("no line matches %s in:\n%s", re, r.out)
		}
	}
	golden(t, "readme_ransomware.txt", r.out)

	// The same hunt as JSON lines: the levels and rules a script reads.
	lines, _ := huntJSONL(t, args[1:]...)
	var got []string
	for _, l := range lines {
		rule := obj(t, l["rule"], "rule")
		got = append(got, fmt.Sprintf("%s %s line %d", rule["level"], rule["title"], refOf(t, l["source"], "source").Line))
	}
	want := []string{
		"critical Shadow Copies or Backups Deleted line 3",
		"critical Shadow Copies or Backups Deleted line 4",
		"high Windows Security Event Log Cleared line 5",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("detections = %q, want %q", got, want)
	}
}

// TestHuntSlowStdin: a pipe hands data over in small pieces (zcat, ssh);
// records must come out whole, with their lines, whatever the pieces.
func TestHuntSlowStdin(t *testing.T) {
	evtx := mustRead(t, evtxEvents)
	jsonl := mustRead(t, authEdges)
	for _, tc := range []struct {
		name  string
		in    io.Reader
		rules string
		want  []ref
	}{
		{"evtx_dump JSON one byte at a time", iotest.OneByteReader(bytes.NewReader(evtx)), registryRule, refsIn("-", 1, 53, 105, 157)},
		{"evtx_dump JSON, EOF with the data", iotest.DataErrReader(iotest.HalfReader(bytes.NewReader(evtx))), registryRule, refsIn("-", 1, 53, 105, 157)},
		{"JSONL one byte at a time", iotest.OneByteReader(bytes.NewReader(jsonl)), authGenerate,
			refsIn("-", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := mustRun(t, 0, tc.in, "hunt", "--no-builtin", "--rules", tc.rules, "--output", "jsonl", "-")
			lines := jsonLines(t, r.out)
			for _, m := range lines {
				checkContract(t, m)
			}
			if got := sources(t, lines); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("detections at %v, want %v\nstderr:\n%s", got, tc.want, r.err)
			}
		})
	}
}
