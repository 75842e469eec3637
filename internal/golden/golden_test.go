package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	d := Diff([]byte("a\nb\nc\nd"), []byte("a\nb\nX\nd"))
	if !strings.Contains(d, "- 3: c") || !strings.Contains(d, "+ 3: X") || !strings.Contains(d, "  2: b") {
		t.Errorf("%s", d)
	}
	if d := Diff([]byte("a"), []byte("a\nb")); !strings.Contains(d, "- 2: (end)") || !strings.Contains(d, "+ 2: b") {
		t.Errorf("%s", d)
	}
}

func TestCheckWritesThenCompares(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "x.golden")
	Check(t, path, []byte("hello\n"), true)
	Check(t, path, []byte("hello\n"), false)
	if data, _ := os.ReadFile(path); string(data) != "hello\n" {
		t.Errorf("%q", data)
	}
}
