package decode

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tocsin/internal/event"
	"tocsin/internal/golden"
	"tocsin/internal/input"
	"tocsin/internal/parse/syslog"
	"tocsin/internal/winlog"
)

var update = flag.Bool("update", false, "rewrite the golden files of TestParsersGolden")

// TestParsersGolden decodes the text logs under testdata/parsers — realistic
// lines and odd ones — the way hunt does, and compares every event's
// logsource, time, host, message and fields with a golden file
// (go test ./internal/hunt -run TestParsersGolden -update rewrites them).
func TestParsersGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/parsers/*.log")
	if len(files) < 4 {
		t.Fatalf("found %d parser inputs", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d := New(winlog.Default())
			// Year-less timestamps take the year of "now": fix it.
			d.Syslog = syslog.Parser{Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }}
			var out bytes.Buffer
			for i, line := range bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n")) {
				ev := event.New()
				n, err := d.Decode(line, input.FormatLines, ev)
				rec := map[string]any{"line": i + 1}
				if err != nil {
					rec["error"] = err.Error()
				} else {
					rec["times"] = n
					rec["logsource"] = ev.Logsource
					if !ev.Time.IsZero() {
						rec["time"] = ev.Time.UTC().Format(time.RFC3339Nano)
					}
					rec["host"] = ev.Host
					var fields []string
					for k := 0; k < ev.Len(); k++ {
						fl := ev.At(k)
						fields = append(fields, fmt.Sprintf("%s=%q", fl.Name, fl.Value))
					}
					rec["fields"] = fields
				}
				b, _ := json.Marshal(rec)
				out.Write(b)
				out.WriteByte('\n')
			}
			golden.Check(t, strings.TrimSuffix(f, ".log")+".golden", out.Bytes(), *update)
		})
	}
}
