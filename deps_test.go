package tocsin_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// importsOf returns the imports of the non-test Go files of a package dir.
func importsOf(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, im := range af.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			out = append(out, p)
		}
	}
	return out
}

func isStd(p string) bool {
	return !strings.Contains(strings.Split(p, "/")[0], ".") && !strings.HasPrefix(p, "tocsin")
}

// TestDependencyRules enforces the import rules of docs/ARCHITECTURE.md.
func TestDependencyRules(t *testing.T) {
	allowed := map[string]func(string) bool{
		// The models import only the standard library (sigma: and YAML).
		"internal/event": isStd,
		"internal/sigma": func(p string) bool { return isStd(p) || p == "go.yaml.in/yaml/v3" },
		// Domain packages never reach for configuration, storage or the CLI.
		"internal/detect":    func(p string) bool { return isStd(p) || p == "tocsin/internal/event" || p == "tocsin/internal/sigma" },
		"internal/correlate": func(p string) bool { return isStd(p) || p == "tocsin/internal/event" || p == "tocsin/internal/sigma" },
	}
	for dir, ok := range allowed {
		for _, p := range importsOf(t, dir) {
			if !ok(p) {
				t.Errorf("%s imports %s, which the dependency rules forbid", dir, p)
			}
		}
	}
	// No catch-all packages.
	for _, bad := range []string{"util", "utils", "common", "pkg", "helpers"} {
		if _, err := os.Stat(filepath.Join("internal", bad)); err == nil {
			t.Errorf("internal/%s exists: name packages after what they do", bad)
		}
	}
}
