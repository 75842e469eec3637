package decode

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"

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

// TestParsersGolden reads the logs under testdata/parsers as hunt does
// (input.Reader: format sniffed per file, CRLF, gzip, records too long) and
// decodes each record, then compares every event's logsource, time, host
// and fields — or the error — with a golden file
// (go test ./internal/decode -run TestParsersGolden -update rewrites them).
// The inputs are realistic lines and odd ones: IPv6, missing fields,
// truncated lines, binary junk, stray quotes, 64 KB lines.
func TestParsersGolden(t *testing.T) {
	var files []string
	for _, pat := range []string{"*.log", "*.jsonl", "*.gz"} {
		m, _ := filepath.Glob(filepath.Join("testdata/parsers", pat))
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found %d parser inputs", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d := New(winlog.Default())
			// Year-less timestamps take the year of "now": fix it.
			d.Syslog = syslog.Parser{Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }}
			r := input.NewReader(input.Options{MaxRecord: 100 << 10}, nil)
			batches := make(chan *input.Batch, 4)
			errc := make(chan error, 1)
			go func() { errc <- r.Run(context.Background(), []string{f}, batches) }()
			var out bytes.Buffer
			write := func(rec map[string]any) {
				b, _ := json.Marshal(rec)
				out.Write(b)
				out.WriteByte('\n')
			}
			for b := range batches {
				for _, rd := range b.Records {
					ev := event.New()
					n, err := d.Decode(rd.Data, b.Format, ev)
					rec := map[string]any{"line": rd.Line}
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
							fields = append(fields, fmt.Sprintf("%s=%q", fl.Name, clip(fl.Value)))
						}
						rec["fields"] = fields
						if ev.HasMessage {
							rec["message"] = clip(ev.Message)
						}
					}
					write(rec)
				}
				if b.Err != nil {
					write(map[string]any{"read_error": strings.TrimPrefix(b.Err.Error(), f+":")})
				}
				r.Release(b)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			name := strings.TrimSuffix(f, filepath.Ext(f))
			golden.Check(t, name+"."+strings.TrimPrefix(filepath.Ext(f), ".")+".golden", out.Bytes(), *update)
		})
	}
}

// clip shortens the 64 KB values of the odd inputs in the golden files.
func clip(s string) string {
	if len(s) <= 200 {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:200], len(s))
}
