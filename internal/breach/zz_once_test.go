package breach

import (
	"context"
	"os"
	"testing"
)

func TestZZScanOnce(t *testing.T) {
	p := os.Getenv("ZZFILE")
	if p == "" {
		t.Skip()
	}
	if _, err := os.Stat(p); err != nil {
		switch os.Getenv("ZZKIND") {
		case "text":
			q := benchText(t, t.TempDir(), 16<<20)
			b, _ := os.ReadFile(q)
			os.WriteFile(p, b, 0o644)
		case "orders":
			q := benchOrdersCSV(t, t.TempDir(), 32<<20)
			b, _ := os.ReadFile(q)
			os.WriteFile(p, b, 0o644)
		case "access":
			q := benchAccessLog(t, t.TempDir(), 32<<20)
			b, _ := os.ReadFile(q)
			os.WriteFile(p, b, 0o644)
		}
		return
	}
	if _, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: 1}); err != nil {
		t.Fatal(err)
	}
}
