// Package golden compares what a test produced with a file kept under
// testdata, or rewrites the file when the test runs with -update (each
// test package declares that flag).
package golden

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Check compares got with the file at path; with update it writes got
// there instead. A difference is reported at its first line, with the
// lines around it.
func Check(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept it):\n%s", path, Diff(want, got))
	}
}

// Diff shows the first line where got departs from want, with two lines
// of context.
func Diff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	i := 0
	for i < len(w) && i < len(g) && bytes.Equal(w[i], g[i]) {
		i++
	}
	var b bytes.Buffer
	for k := max(0, i-2); k < i; k++ {
		fmt.Fprintf(&b, "  %d: %s\n", k+1, w[k])
	}
	if i < len(w) {
		fmt.Fprintf(&b, "- %d: %s\n", i+1, w[i])
	} else {
		fmt.Fprintf(&b, "- %d: (end)\n", i+1)
	}
	if i < len(g) {
		fmt.Fprintf(&b, "+ %d: %s\n", i+1, g[i])
	} else {
		fmt.Fprintf(&b, "+ %d: (end)\n", i+1)
	}
	return b.String()
}
