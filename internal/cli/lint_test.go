package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// problemLine is the contract of `rules lint` text output.
var problemLine = regexp.MustCompile(`^(.+):(\d+):(\d+): (.+)$`)

// lintJSON decodes `rules lint --output json`, checking its keys.
func lintJSON(t *testing.T, out string) (loaded, failed int, errs, warns []lintError) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value:\n%s", out)
	}
	sameKeys(t, "lint report", m, "loaded", "failed", "errors", "warnings")
	list := func(key string) []lintError {
		var out []lintError
		for i, e := range arr(t, m[key], key) {
			o := obj(t, e, key+"[]")
			sameKeys(t, key+"[]", o, "file", "line", "column", "message")
			le := lintError{File: str(t, o["file"], "file"), Line: int(num(t, o["line"], "line")),
				Column: int(num(t, o["column"], "column")), Message: str(t, o["message"], "message")}
			if le.File == "" || le.Line < 1 || le.Column < 1 || le.Message == "" {
				t.Errorf("%s[%d] = %+v: want a file, a 1-based line and column and a message", key, i, le)
			}
			out = append(out, le)
		}
		return out
	}
	return int(num(t, m["loaded"], "loaded")), int(num(t, m["failed"], "failed")), list("errors"), list("warnings")
}

// where is a problem's place, file:line:col.
type where string

func TestRulesLint(t *testing.T) {
	for _, tc := range []struct {
		name           string
		paths          []string
		loaded, failed int
		code           int
		errors         []where // in order
		messages       []string
	}{
		{
			name:   "folder with good, broken and multi-document files",
			paths:  []string{"testdata/lint"},
			loaded: 3, failed: 2, code: 1,
			errors: []where{"testdata/lint/broken.yml:9:9", "testdata/lint/broken.yml:10:30", "testdata/lint/multi.yml:25:8"},
			messages: []string{`unknown modifier "endswithx"`, `condition: "filter" is not a search identifier`,
				`level "extreme" is not one of informational, low, medium, high, critical`},
		},
		{
			name:   "good rule",
			paths:  []string{"testdata/lint/good.yml"},
			loaded: 1, failed: 0, code: 0,
		},
		{
			name:   "multi-document file with one bad document",
			paths:  []string{"testdata/lint/multi.yml"},
			loaded: 2, failed: 1, code: 1,
			errors: []where{"testdata/lint/multi.yml:25:8"}, messages: []string{`level "extreme"`},
		},
		{
			name:   "several paths",
			paths:  []string{"testdata/lint/good.yml", "testdata/lint/broken.yml"},
			loaded: 1, failed: 1, code: 1,
			errors: []where{"testdata/lint/broken.yml:9:9", "testdata/lint/broken.yml:10:30"},
		},
		{
			name:   "missing path",
			paths:  []string{"testdata/lint/nothere.yml"},
			loaded: 0, failed: 1, code: 1,
			errors: []where{"testdata/lint/nothere.yml:1:1"}, messages: []string{"no such file or directory"},
		},
		{
			name:   "the hunt tests' rules",
			paths:  []string{"testdata/rules"},
			loaded: 20, failed: 0, code: 0,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Text: every problem is file:line:col: message; the last
			// line sums up.
			r := mustRun(t, tc.code, nil, append([]string{"rules", "lint"}, tc.paths...)...)
			lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
			var got []where
			for _, l := range lines[:len(lines)-1] {
				m := problemLine.FindStringSubmatch(l)
				if m == nil {
					t.Errorf("line %q is not file:line:col: message", l)
					continue
				}
				if !strings.HasPrefix(m[4], "warning: ") {
					got = append(got, where(m[1]+":"+m[2]+":"+m[3]))
				}
			}
			if !reflect.DeepEqual(got, tc.errors) {
				t.Errorf("errors at %v, want %v\n%s", got, tc.errors, r.out)
			}
			for _, msg := range tc.messages {
				if !strings.Contains(r.out, msg) {
					t.Errorf("output lacks %q:\n%s", msg, r.out)
				}
			}

			// JSON, with the flag after the paths.
			r = mustRun(t, tc.code, nil, append(append([]string{"rules", "lint"}, tc.paths...), "--output", "json")...)
			loaded, failed, errs, _ := lintJSON(t, r.out)
			if loaded != tc.loaded || failed != tc.failed {
				t.Errorf("loaded %d, failed %d; want %d, %d", loaded, failed, tc.loaded, tc.failed)
			}
			got = nil
			for _, e := range errs {
				got = append(got, where(e.File+":"+strconv.Itoa(e.Line)+":"+strconv.Itoa(e.Column)))
			}
			if !reflect.DeepEqual(got, tc.errors) {
				t.Errorf("JSON errors at %v, want %v", got, tc.errors)
			}
		})
	}

	t.Run("a YAML syntax error loses no later document silently", func(t *testing.T) {
		dir := t.TempDir()
		good := mustRead(t, "testdata/lint/good.yml")
		other := bytes.Replace(good, []byte("000000000101"), []byte("000000000199"), 1)
		f := writeFile(t, filepath.Join(dir, "syntax.yml"), bytes.Join([][]byte{good, []byte("title: [unclosed\n"), other}, []byte("---\n")))
		r := mustRun(t, 1, nil, "rules", "lint", "--output", "json", f)
		loaded, failed, _, _ := lintJSON(t, r.out)
		if loaded != 2 || failed != 1 {
			t.Errorf("loaded %d, failed %d documents; want 2 and 1", loaded, failed)
		}
	})

	t.Run("bad output", func(t *testing.T) {
		r := mustRun(t, 2, nil, "rules", "lint", "--output", "yaml", "testdata/lint")
		if !strings.Contains(r.err, `--output must be text or json, not "yaml"`) || r.out != "" {
			t.Errorf("stdout %q, stderr %q", r.out, r.err)
		}
	})

	t.Run("a YAML syntax error keeps the earlier documents", func(t *testing.T) {
		dir := t.TempDir()
		good := mustRead(t, "testdata/lint/good.yml")
		f := writeFile(t, filepath.Join(dir, "syntax.yml"), append(append([]byte{}, good...), "---\ntitle: [unclosed\n"...))
		r := mustRun(t, 1, nil, "rules", "lint", "--output", "json", f)
		loaded, failed, errs, _ := lintJSON(t, r.out)
		if loaded != 1 || failed != 1 || len(errs) != 1 || errs[0].Line < 13 {
			t.Errorf("loaded %d, failed %d, errors %+v; want 1, 1 and one error after line 12", loaded, failed, errs)
		}
	})
}

// TestRulesLintSpecExamples: every example of the Sigma specification loads.
func TestRulesLintSpecExamples(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "sigma", "spec-examples")
	var files []string
	for _, sub := range []string{"correlation", "rules"} {
		m, _ := filepath.Glob(filepath.Join(root, sub, "*.yml"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("no Sigma specification examples under %s", root)
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			r := mustRun(t, 0, nil, "rules", "lint", "--output", "json", f)
			loaded, failed, errs, _ := lintJSON(t, r.out)
			if failed != 0 || loaded == 0 || len(errs) != 0 {
				t.Errorf("loaded %d, failed %d, errors %+v", loaded, failed, errs)
			}
		})
	}
	t.Run("all together", func(t *testing.T) {
		r := mustRun(t, 0, nil, append([]string{"rules", "lint", "--output", "json"}, files...)...)
		loaded, failed, _, _ := lintJSON(t, r.out)
		if failed != 0 || loaded < len(files) {
			t.Errorf("loaded %d, failed %d from %d files", loaded, failed, len(files))
		}
	})
}

// TestRulesLintBuiltin: the embedded pack is what `hunt` runs by default;
// its files must lint clean.
func TestRulesLintBuiltin(t *testing.T) {
	dir := filepath.Join("..", "ruleset", "builtin")
	if _, err := os.Stat(dir); err != nil {
		t.Skip(err)
	}
	r := mustRun(t, 0, nil, "rules", "lint", dir)
	if bytes.Contains([]byte(r.out), []byte(": warning: ")) {
		t.Errorf("the built-in pack has warnings:\n%s", r.out)
	}
}
