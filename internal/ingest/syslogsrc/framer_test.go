package syslogsrc

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// chunkReader hands out at most n bytes per Read, as a slow network does.
type chunkReader struct {
	data []byte
	n    int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.data))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

// cutStream frames data as a connection would, reading chunk bytes at a time.
func cutStream(t testing.TB, data []byte, maxMsg, chunk int) ([]string, problems) {
	st := newStream(maxMsg)
	src := &chunkReader{data: data, n: chunk}
	var out []string
	var total problems
	var spans []span
	for {
		_, err := st.read(src)
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("read: %v", err)
		}
		var pr problems
		spans, pr = st.frames(err != nil, spans[:0])
		total.cut += pr.cut
		total.torn += pr.torn
		for _, sp := range spans {
			out = append(out, string(st.buf[sp.start:sp.end]))
		}
		if err != nil {
			return out, total
		}
	}
}

func TestFraming(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name string
		in   string
		max  int
		want []string
		cut  int
		torn int
	}{
		{name: "LF", in: "<13>a\n<13>b\n", want: []string{"<13>a", "<13>b"}},
		{name: "CRLF", in: "<13>a\r\n<13>b\r\n", want: []string{"<13>a", "<13>b"}},
		{name: "NUL", in: "<13>a\x00<13>b\x00", want: []string{"<13>a", "<13>b"}},
		{name: "octet counting", in: "5 <13>a5 <13>b", want: []string{"<13>a", "<13>b"}},
		{name: "octet counting with the template's LF inside", in: "6 <13>a\n6 <13>b\n", want: []string{"<13>a", "<13>b"}},
		{name: "octet counting keeps LF and NUL inside", in: "11 <13>a\nb\x00c\nd", want: []string{"<13>a\nb\x00c\nd"}},
		{name: "mixed framing on one connection", in: "5 <13>a<13>b\n5 <13>c<13>d\x00", want: []string{"<13>a", "<13>b", "<13>c", "<13>d"}},
		{name: "empty lines skipped", in: "\n\r\n<13>a\n\x00\n", want: []string{"<13>a"}},
		{name: "zero-length octet frame", in: "0 5 <13>a", want: []string{"<13>a"}},
		{name: "timestamp without PRI is a line", in: "2026-11-26T10:00:01+01:00 web01 sshd[1]: x\n", want: []string{"2026-11-26T10:00:01+01:00 web01 sshd[1]: x"}},
		{name: "digits then a letter is a line", in: "12abc\n", want: []string{"12abc"}},
		{name: "ten digits is a line", in: "1234567890 x\n", want: []string{"1234567890 x"}},
		{name: "unterminated last line kept at EOF", in: "<13>a\n<13>b", want: []string{"<13>a", "<13>b"}},
		{name: "digits alone at EOF", in: "<13>a\n42", want: []string{"<13>a", "42"}},
		{name: "torn octet frame at EOF", in: "5 <13>a9 <13>", want: []string{"<13>a"}, torn: 1},
		{name: "oversize LF frame cut, next kept", in: long + "\n<13>b\n", max: 10, want: []string{long[:10], "<13>b"}, cut: 1},
		{name: "oversize octet frame cut, next kept", in: "40 " + long + "5 <13>b", max: 10, want: []string{long[:10], "<13>b"}, cut: 1},
		{name: "oversize octet frame torn at EOF", in: "40 " + long[:20], max: 10, want: []string{long[:10]}, cut: 1},
		{name: "line of max bytes plus CR is whole", in: "0123456789\r\n", max: 10, want: []string{"0123456789"}},
		{name: "line of max+1 bytes is cut", in: "0123456789a\n", max: 10, want: []string{"0123456789"}, cut: 1},
		{name: "unterminated oversize line at EOF", in: long, max: 10, want: []string{long[:10]}, cut: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			maxMsg := tc.max
			if maxMsg == 0 {
				maxMsg = DefaultMaxMessageSize
			}
			for _, chunk := range []int{1, 2, 3, 7, 1 << 20} {
				got, pr := cutStream(t, []byte(tc.in), maxMsg, chunk)
				if !slices.Equal(got, tc.want) {
					t.Errorf("chunk %d: got %q, want %q", chunk, got, tc.want)
				}
				if pr.cut != tc.cut || pr.torn != tc.torn {
					t.Errorf("chunk %d: cut %d torn %d, want %d and %d", chunk, pr.cut, pr.torn, tc.cut, tc.torn)
				}
			}
		})
	}
}

// TestFramingLargeStream checks frames that straddle reads and buffer
// compaction: many messages of every size up to the maximum.
func TestFramingLargeStream(t *testing.T) {
	const maxMsg = 1000
	var in bytes.Buffer
	var want []string
	for i := range 3000 {
		msg := "<13>" + strings.Repeat(string(rune('a'+i%26)), i%(maxMsg-4)+1)
		want = append(want, msg)
		if i%2 == 0 {
			in.WriteString(strconv.Itoa(len(msg)) + " " + msg)
		} else {
			in.WriteString(msg + "\n")
		}
	}
	for _, chunk := range []int{1000, 4093, 65536} {
		got, pr := cutStream(t, in.Bytes(), maxMsg, chunk)
		if pr != (problems{}) {
			t.Errorf("chunk %d: problems %+v", chunk, pr)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("chunk %d: %d messages, want %d", chunk, len(got), len(want))
		}
	}
}
