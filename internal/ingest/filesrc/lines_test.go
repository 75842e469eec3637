package filesrc

import (
	"slices"
	"strings"
	"testing"
)

// cutAll feeds data to a cutter chunk bytes at a time, as reads would,
// and returns the lines with the offsets just past them.
func cutAll(data []byte, maxLine, chunk int) (texts []string, ends []int, cuts int) {
	c := cutter{max: maxLine}
	var pending []byte
	base := 0
	for pos := 0; pos < len(data) || len(pending) > 0; {
		end := min(pos+chunk, len(data))
		pending = append(pending, data[pos:end]...)
		pos = end
		flush := pos == len(data)
		lines, used := c.lines(pending, flush, nil)
		for _, l := range lines {
			texts = append(texts, string(pending[l.start:l.end]))
			ends = append(ends, base+l.next)
			if l.cut {
				cuts++
			}
		}
		pending = append([]byte(nil), pending[used:]...)
		base += used
		if flush {
			break
		}
	}
	return texts, ends, cuts
}

func TestCutter(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
		ends []int
		cuts int
	}{
		{name: "lines", in: "a\nbb\n", max: 10, want: []string{"a", "bb"}, ends: []int{2, 5}},
		{name: "CRLF and empty", in: "a\r\n\r\n\nb\n", max: 10, want: []string{"a", "b"}, ends: []int{3, 8}},
		{name: "last line flushed", in: "a\nb", max: 10, want: []string{"a", "b"}, ends: []int{2, 3}},
		{name: "cut", in: "0123456789abc\nz\n", max: 10, want: []string{"0123456789", "z"}, ends: []int{14, 16}, cuts: 1},
		{name: "max plus CR is whole", in: "0123456789\r\n", max: 10, want: []string{"0123456789"}, ends: []int{12}},
		{name: "long last line cut at flush", in: "0123456789abc", max: 10, want: []string{"0123456789"}, cuts: 1},
		{name: "last line's CR trimmed at flush", in: "a\r", max: 10, want: []string{"a"}, ends: []int{2}},
		{name: "lone CR kept inside", in: "a\rb\n", max: 10, want: []string{"a\rb"}, ends: []int{4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, chunk := range []int{1, 2, 5, 1 << 20} {
				got, ends, cuts := cutAll([]byte(tc.in), tc.max, chunk)
				if !slices.Equal(got, tc.want) || cuts != tc.cuts {
					t.Errorf("chunk %d: %q (%d cut), want %q (%d)", chunk, got, cuts, tc.want, tc.cuts)
				}
				// A cut line's offset is past its cut when the read
				// ended inside it, past its LF otherwise: both resume
				// after the text kept.
				if tc.cuts == 0 && !slices.Equal(ends, tc.ends) {
					t.Errorf("chunk %d: ends %v, want %v", chunk, ends, tc.ends)
				}
			}
		})
	}
}

// FuzzCutter: lines never exceed the maximum, are never empty, and do not
// depend on how the file was read (nor do their offsets, unless a long
// line was cut: see TestCutter).
func FuzzCutter(f *testing.F) {
	for _, s := range []string{"a\nbb\n", "a\r\n\r\nb", "0123456789abc\nz\n", strings.Repeat("x", 40) + "\n"} {
		f.Add([]byte(s), uint8(3), uint8(10))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk, maxLine uint8) {
		m := int(maxLine)%64 + 1
		whole, wends, wcuts := cutAll(data, m, len(data)+1)
		parts, pends, pcuts := cutAll(data, m, int(chunk)%13+1)
		for _, l := range append(whole, parts...) {
			if len(l) == 0 || len(l) > m {
				t.Fatalf("line of %d bytes (max %d)", len(l), m)
			}
		}
		if !slices.Equal(whole, parts) || wcuts != pcuts || wcuts == 0 && !slices.Equal(wends, pends) {
			t.Fatalf("depends on reads:\n%q %v\n%q %v", whole, wends, parts, pends)
		}
		for i := 1; i < len(wends); i++ {
			if wends[i] <= wends[i-1] || wends[i] > len(data) {
				t.Fatalf("offsets not increasing within the data: %v", wends)
			}
		}
	})
}
