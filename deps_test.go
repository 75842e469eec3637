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
		"internal/tenant":    isStd,
		"internal/level":     isStd,
		"internal/alert": func(p string) bool {
			return isStd(p) || p == "go.yaml.in/yaml/v3" || p == "tocsin/internal/level" || p == "tocsin/internal/sigma"
		},
	}
	// The other domain packages declare the interfaces they consume and
	// never import storage, the API, configuration or the wiring.
	for _, dir := range []string{"internal/notify", "internal/notify/dispatch", "internal/notify/webhook", "internal/notify/email", "internal/notify/matrix",
		"internal/breach", "internal/breach/pii", "internal/breach/extract", "internal/breach/notification", "internal/ingest/syslogsrc", "internal/ingest/relpsrc", "internal/ingest/filesrc"} {
		for _, p := range importsOf(t, dir) {
			for _, bad := range []string{"tocsin/internal/store", "tocsin/internal/api", "tocsin/internal/config", "tocsin/internal/app", "tocsin/internal/cli"} {
				if p == bad || strings.HasPrefix(p, bad+"/") {
					t.Errorf("%s imports %s, which the dependency rules forbid", dir, p)
				}
			}
		}
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
