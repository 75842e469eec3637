package api

import (
	"bytes"
	"testing"
)

// FuzzSplit: any body splits without panicking, every NDJSON record is a
// trimmed line of the body, and line numbers only grow.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"", "{}\n{}", "[{},{}]", "\xef\xbb\xbf{\"a\":1}\r\n\n{}", "[", " [1,{\"b\":[]}]", "{\"a\":\n1}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, bad := split(body)
		last := 0
		for _, r := range recs {
			if r.line <= last {
				t.Fatalf("line %d after %d", r.line, last)
			}
			last = r.line
			if len(r.data) == 0 {
				t.Fatal("empty record")
			}
			if trimmed := bytes.TrimLeft(body, " \t\r\n\xef\xbb\xbf"); len(trimmed) == 0 || trimmed[0] != '[' {
				if !bytes.Contains(body, r.data) {
					t.Fatalf("record %q not in the body", r.data)
				}
			}
		}
		for _, b := range bad {
			if b.Line < 1 || b.Error == "" {
				t.Fatalf("bad line %+v", b)
			}
		}
	})
}
