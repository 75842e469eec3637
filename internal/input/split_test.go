package input

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// rec is a record as tests compare it.
type rec struct {
	Line int
	Data string
}

// splitAll splits data with Next, turning errors into records with Line -1
// so tests see where they fall.
func splitAll(t testing.TB, data []byte, opt Options) []rec {
	t.Helper()
	s := NewSplitter(bytes.NewReader(data), "f", opt)
	var out []rec
	for range len(data) + 10 {
		r, err := s.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, rec{-1, errText(err)})
			continue
		}
		out = append(out, rec{r.Line, string(r.Data)})
	}
	t.Fatalf("Next never returned io.EOF")
	return nil
}

// splitBatches splits data with NextBatch, reusing batches as a Reader does.
func splitBatches(t testing.TB, data []byte, opt Options) []rec {
	t.Helper()
	s := NewSplitter(iotestHalfReader{bytes.NewReader(data)}, "f", opt)
	var out []rec
	var spare []*Batch
	for range len(data) + 10 {
		b := &Batch{}
		if n := len(spare); n > 0 && n%2 == 0 { // reuse some, not all: both paths run
			b, spare = spare[n-1], spare[:n-1]
		}
		if err := s.NextBatch(b); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatalf("NextBatch: %v", err)
		}
		if len(b.Records) == 0 && b.Err == nil {
			t.Fatalf("empty batch")
		}
		for _, r := range b.Records {
			out = append(out, rec{r.Line, string(r.Data)})
		}
		if b.Err != nil {
			out = append(out, rec{-1, errText(b.Err)})
		}
		spare = append(spare, b)
	}
	t.Fatalf("NextBatch never returned io.EOF")
	return nil
}

// iotestHalfReader returns at most half of what is asked, as pipes and
// decompressors do, so short reads are exercised.
type iotestHalfReader struct{ r io.Reader }

func (h iotestHalfReader) Read(p []byte) (int, error) {
	return h.r.Read(p[:(len(p)+1)/2])
}

func errText(err error) string {
	switch {
	case errors.Is(err, ErrRecordTooLong):
		return "too long"
	case errors.Is(err, errUTF16):
		return "utf16"
	}
	return err.Error()
}

func TestSplit(t *testing.T) {
	long := strings.Repeat("x", 3<<20) // longer than a 64 KiB scanner token and than the buffer
	tests := []struct {
		name string
		in   string
		max  int
		want []rec
	}{
		{"empty", "", 0, nil},
		{"blank only", "\n \r\n\t\n", 0, nil},
		{"lines", "a\nb\n", 0, []rec{{1, "a"}, {2, "b"}}},
		{"no final newline", "a\nb", 0, []rec{{1, "a"}, {2, "b"}}},
		{"crlf", "a\r\nb\r\n\r\nc", 0, []rec{{1, "a"}, {2, "b"}, {4, "c"}}},
		{"blank lines skipped", "\n\na\n\n  \nb\n", 0, []rec{{3, "a"}, {6, "b"}}},
		{"bom", "\xef\xbb\xbfa\nb", 0, []rec{{1, "a"}, {2, "b"}}},
		{"utf16", "\xff\xfea\x00", 0, []rec{{-1, "utf16"}}},
		{"long line", "a\n" + long + "\nb\n", 0, []rec{{1, "a"}, {2, long}, {3, "b"}}},
		{"jsonl", "{\"a\":1}\n{\"b\":\"{\"}\n", 0, []rec{{1, `{"a":1}`}, {2, `{"b":"{"}`}}},
		{"jsonl brace in string keeps lines", "{\"a\":\"}\"}\n{\"b\":2}\n", 0, []rec{{1, `{"a":"}"}`}, {2, `{"b":2}`}}},
		{"text starting with bracket", "[info] x\n[warn] y\n", 0, []rec{{1, "[info] x"}, {2, "[warn] y"}}},
		{"pretty objects", "{\n  \"a\": 1\n}\n{\n  \"b\": \"}\\\"{\"\n}\n", 0,
			[]rec{{1, "{\n  \"a\": 1\n}"}, {4, "{\n  \"b\": \"}\\\"{\"\n}"}}},
		{"objects after blank lines and crlf", "\r\n\r\n{\r\n\"a\":{\"b\":[1,{}]}\r\n}\r\n\r\n{\r\n}", 0,
			[]rec{{3, "{\r\n\"a\":{\"b\":[1,{}]}\r\n}"}, {7, "{\r\n}"}}},
		{"object not closed on first line", "{\"a\": {\n\"b\": 1}}\n{\"c\": 2}\n", 0,
			[]rec{{1, "{\"a\": {\n\"b\": 1}}"}, {3, `{"c": 2}`}}},
		{"escaped backslash before quote", "{\n\"a\": \"C:\\\\\"}\n{\n}", 0,
			[]rec{{1, "{\n\"a\": \"C:\\\\\"}"}, {3, "{\n}"}}},
		{"objects back to back", "{\n}{\n}\n", 0, []rec{{1, "{\n}"}, {2, "{\n}"}}},
		{"evtx_dump record headers", "Record 1\n{\n\"a\": 1\n}\nRecord 2\n{\n}\n", 0,
			[]rec{{2, "{\n\"a\": 1\n}"}, {6, "{\n}"}}},
		{"stray line between objects", "{\n}\noops\n{\n}\n", 0, []rec{{1, "{\n}"}, {3, "oops"}, {4, "{\n}"}}},
		{"unterminated object", "{\n\"a\": [1,\n", 0, []rec{{1, "{\n\"a\": [1,\n"}}},
		{"array", "[\n{\n\"a\": 1\n},\n{\"b\": 2}\n]\n", 0, []rec{{2, "{\n\"a\": 1\n}"}, {5, `{"b": 2}`}}},
		{"one-line array", "[{\"a\":1}, {\"b\":2}]", 0, []rec{{1, `{"a":1}`}, {1, `{"b":2}`}}},
		{"line too long", "a\n" + strings.Repeat("y", 100) + "\nb\n", 40, []rec{{1, "a"}, {-1, "too long"}, {3, "b"}}},
		{"line too long at end", "a\n" + strings.Repeat("y", 100), 40, []rec{{1, "a"}, {-1, "too long"}}},
		{"object too long", "{\n}\n{\n\"a\": \"" + strings.Repeat("}", 100) + "\\\"\"\n}\n{\n\"b\": 1\n}\n", 40,
			[]rec{{1, "{\n}"}, {-1, "too long"}, {6, "{\n\"b\": 1\n}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, size := range []int{16, 17, 100, 0} {
				opt := Options{BufferSize: size, MaxRecord: tt.max}
				if got := splitAll(t, []byte(tt.in), opt); !equalRecs(got, tt.want) {
					t.Errorf("Next, buffer %d:\n got %s\nwant %s", size, show(got), show(tt.want))
				}
				if got := splitBatches(t, []byte(tt.in), opt); !equalRecs(got, tt.want) {
					t.Errorf("NextBatch, buffer %d:\n got %s\nwant %s", size, show(got), show(tt.want))
				}
			}
		})
	}
}

func equalRecs(a, b []rec) bool { return slices.Equal(a, b) }

func show(rs []rec) string {
	var sb strings.Builder
	for _, r := range rs {
		d := r.Data
		if len(d) > 40 {
			d = d[:20] + fmt.Sprintf("…(%d bytes)", len(d))
		}
		fmt.Fprintf(&sb, "{%d %q} ", r.Line, d)
	}
	return sb.String()
}

func TestSplitReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("a\nb\npartial"), errReader{boom})
	s := NewSplitter(r, "f.log", Options{})
	var got []string
	for {
		rec, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "f.log: ") {
				t.Fatalf("error %v: want boom naming the file", err)
			}
			got = append(got, "err")
			continue
		}
		got = append(got, string(rec.Data))
	}
	if want := "a b err"; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q (a line cut by the error is not a record)", got, want)
	}
}

// firstLineLen is the length of the first non-blank line.
func firstLineLen(data []byte) int {
	for _, l := range bytes.Split(bytes.TrimPrefix(data, utf8BOM), newline) {
		if len(trimWS(l)) > 0 {
			return len(l)
		}
	}
	return 0
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestSniff(t *testing.T) {
	recs := func(lines ...string) []Record {
		var rs []Record
		for i, l := range lines {
			rs = append(rs, Record{Line: i + 1, Data: []byte(l)})
		}
		return rs
	}
	tests := []struct {
		name string
		recs []Record
		want Format
	}{
		{"none", nil, FormatLines},
		{"jsonl", recs(`{"a":1}`, ` {"b":2} `), FormatJSONL},
		{"evtx", recs("{\n  \"Event\": {\n    \"System\": {}}}"), FormatEvtxJSON},
		{"evtx jsonl", recs(`{"Event":{"#attributes":{},"System":{"EventID":1}}}`), FormatEvtxJSON},
		{"event not first key", recs(`{"x":1,"Event":{"System":{}}}`), FormatJSONL},
		{"syslog", recs("<13>Jan  1 00:00:00 host app: hi"), FormatLines},
		{"mixed", recs(`{"a":1}`, "text"), FormatLines},
		{"binary", recs("ElfFile\x00\x00"), FormatBinary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.recs); got != tt.want {
				t.Errorf("Sniff = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRegressionFiles splits SigmaHQ's regression JSON (evtx_dump output):
// every object is one record starting on a line that holds "{".
func TestRegressionFiles(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "sigma", "regression")
	files, _ := filepath.Glob(filepath.Join(root, "*"))
	if len(files) == 0 {
		t.Skip("no regression data at", root)
	}
	var nFiles, nRecs, multi int
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		want := 0
		for _, l := range lines {
			if l == "{" {
				want++
			}
		}
		got := splitAll(t, data, Options{BufferSize: 4096})
		if len(got) != want {
			t.Errorf("%s: %d records, want %d", p, len(got), want)
		}
		for _, r := range got {
			if r.Line < 1 || lines[r.Line-1] != "{" || !strings.HasSuffix(r.Data, "}") {
				t.Errorf("%s: record at line %d does not start there", p, r.Line)
			}
		}
		if f := Sniff(toRecords(got)); f != FormatEvtxJSON {
			t.Errorf("%s: Sniff = %q", p, f)
		}
		nFiles++
		nRecs += len(got)
		if len(got) > 1 {
			multi++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if nFiles != 202 || nRecs != 238 || multi != 13 {
		t.Errorf("%d files, %d records, %d with several: want 202, 238, 13", nFiles, nRecs, multi)
	}
}

func toRecords(rs []rec) []Record {
	out := make([]Record, len(rs))
	for i, r := range rs {
		out[i] = Record{Line: r.Line, Data: []byte(r.Data)}
	}
	return out
}

// FuzzSplit checks that splitting does not depend on how the input is
// cut into reads and buffers, and that each record starts on its line.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{
		"a\nb\r\n\nc", "{\"a\":1}\n{\"b\":2}", "{\n\"a\": \"}\\\"\"\n}\n{\n}",
		"Record 1\n{\n}\n", "[\n{},\n{}\n]", "\xef\xbb\xbf{\n", "{\n\"a\": [1,\n", "{\n}x\n{\n}",
	} {
		f.Add([]byte(s), uint8(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, size uint8) {
		const maxRecord = 64
		opt := Options{BufferSize: int(size), MaxRecord: maxRecord}
		want := splitAll(t, data, Options{BufferSize: len(data) + 16, MaxRecord: maxRecord})
		got, gotBatches := splitAll(t, data, opt), splitBatches(t, data, opt)
		// How a file is split is decided at the end of its first line;
		// when that line is too long to keep, the guess may differ.
		if firstLineLen(data) <= maxRecord {
			if !equalRecs(got, want) {
				t.Fatalf("buffer %d:\n got %s\nwant %s", size, show(got), show(want))
			}
			if !equalRecs(gotBatches, want) {
				t.Fatalf("batches, buffer %d:\n got %s\nwant %s", size, show(gotBatches), show(want))
			}
		}
		lines := bytes.Split(data, newline)
		for _, r := range want {
			if r.Line == -1 {
				continue
			}
			if r.Line < 1 || r.Line > len(lines) || r.Data == "" {
				t.Fatalf("record %+v out of range", r)
			}
			first, _, _ := strings.Cut(r.Data, "\n")
			if !bytes.Contains(lines[r.Line-1], []byte(first)) {
				t.Fatalf("record %q is not on line %d %q", r.Data, r.Line, lines[r.Line-1])
			}
		}
	})
}
