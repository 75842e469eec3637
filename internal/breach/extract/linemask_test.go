package extract

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// linemaskBytes draws bytes of the kinds the masks tell apart.
func linemaskBytes(r *rand.Rand, n int) []byte {
	alphabet := []byte(";,\"\n\r\t |aZ09\x00\x7f\x80\xc3\xa9\xff")
	p := make([]byte, n)
	for i := range p {
		if r.IntN(4) == 0 {
			p[i] = byte(r.UintN(256))
		} else {
			p[i] = alphabet[r.IntN(len(alphabet))]
		}
	}
	return p
}

// maskOracle is the masks one byte at a time.
func maskOracle(p []byte, comma, quote byte) (nl int, cm, sp []uint64) {
	nl = -1
	for k := 0; 64*k < len(p); k++ {
		var c, s uint64
		for b := 0; b < 64; b++ {
			x := p[64*k+b]
			if x == comma {
				c |= 1 << b
			}
			if x == quote || x >= 0x80 {
				s |= 1 << b
			}
			if x == '\n' && nl < 0 {
				nl = 64*k + b
			}
		}
		cm, sp = append(cm, c), append(sp, s)
		if nl >= 0 {
			break
		}
	}
	return nl, cm, sp
}

// maskImpl is a way of making the masks, into cm and sp.
type maskImpl struct {
	name string
	f    func(cm, sp []uint64) int
}

func TestMaskBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 3000; iter++ {
		n := 1 + r.IntN(6)
		p := linemaskBytes(r, 64*n)
		if r.IntN(3) == 0 {
			// Lines without a newline, whose blocks are all made.
			p = bytes.ReplaceAll(p, []byte{'\n'}, []byte{'x'})
		}
		comma, quote := []byte(";,\t|")[r.IntN(4)], []byte{'"', '\'', 0x80, '\n'}[r.IntN(4)]
		wantNL, wantCM, wantSP := maskOracle(p, comma, quote)
		u8 := make([]uint64, n+1) // special's, checked through it (TestLineMasksSpecial)
		impls := append([]maskImpl{
			{"maskBlocks", func(cm, sp []uint64) int { return maskBlocks(&p[0], n, comma, quote, &cm[0], &sp[0], &u8[0]) }},
			{"maskBlocksGo", func(cm, sp []uint64) int { return maskBlocksGo(p, n, comma, quote, cm, sp, u8) }},
		}, archMaskBlocks(p, n, comma, quote)...)
		for _, impl := range impls {
			cm, sp := make([]uint64, n+1), make([]uint64, n+1)
			nl := impl.f(cm, sp)
			if nl != wantNL {
				t.Fatalf("%s(%q): newline %d, want %d", impl.name, p, nl, wantNL)
			}
			for k := range wantCM {
				if cm[k] != wantCM[k] || sp[k] != wantSP[k] {
					t.Fatalf("%s(%q) block %d: cm %x sp %x, want %x %x", impl.name, p, k, cm[k], sp[k], wantCM[k], wantSP[k])
				}
			}
			if cm[len(wantCM)] != 0 || sp[len(wantSP)] != 0 {
				t.Fatalf("%s wrote past the newline's block", impl.name)
			}
		}
	}
}

// TestLineMasksScan cuts data anywhere in a buffer, so that its last
// block is read past its length, or copied when it would pass the
// buffer's capacity.
func TestLineMasksScan(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var m lineMasks
	for iter := 0; iter < 5000; iter++ {
		buf := linemaskBytes(r, r.IntN(300))
		from := 0
		if len(buf) > 0 {
			from = r.IntN(len(buf) + 1)
		}
		to := from + r.IntN(len(buf)-from+1)
		data := buf[from:to]
		want := bytes.IndexByte(data, '\n')
		got := m.scan(data, ';', '"')
		if got != want {
			t.Fatalf("scan(%q): %d, want %d", data, got, want)
		}
		end := len(data)
		if got >= 0 {
			end = got
		}
		for i := 0; i < end; i++ {
			isComma := m.cm[i>>6]>>(i&63)&1 == 1
			isSpecial := m.sp[i>>6]>>(i&63)&1 == 1
			if isComma != (data[i] == ';') || isSpecial != (data[i] == '"' || data[i] >= 0x80) {
				t.Fatalf("scan(%q): byte %d marked wrongly", data, i)
			}
		}
	}
}

// TestLineMasksSpecial checks the quote and UTF-8 verdicts against
// bytes.IndexByte and utf8.Valid.
func TestLineMasksSpecial(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var m lineMasks
	// A lead byte last in the blocks read in place, its next byte in the
	// block scan copies: read by two calls, the pair is checked by none.
	for _, tail := range []string{"b", "\xa9b", "\xc3\xa9"} {
		for _, lead := range []int{63, 127} {
			line := slices.Clip([]byte(strings.Repeat("a", lead) + "\xc3" + tail + "xyz"))
			m.scan(line, ';', '"')
			if valid, _ := m.special(line, '"'); valid != utf8.Valid(line) {
				t.Fatalf("special(%q): valid %v", line, valid)
			}
		}
	}
	pieces := [][]byte{[]byte("é"), []byte("€"), []byte("𝄞"), []byte("\xc3"), []byte("\xe2\x82"), []byte("\xed\xa0\x80"), []byte("\xf4\x90\x80\x80"), []byte("a;b"), []byte("\""), []byte("\xc0\xaf"), []byte("\xef\xbf\xbd"),
		[]byte("\xff"), []byte("\xe0"), []byte("\xc1\xbf"), []byte("\xc2\x80"), []byte("\xdf\xbf"), []byte("\xe0\xa0"), []byte("\x80"), []byte("\xc3\xc0")}
	for iter := 0; iter < 20000; iter++ {
		var line []byte
		for n := r.IntN(40 + iter%4*60); n > 0; n-- {
			switch r.IntN(6) {
			case 0:
				line = append(line, pieces[r.IntN(len(pieces))]...)
			case 1:
				line = append(line, "é"...) // pairs across blocks and halves
			default:
				line = append(line, "abc;123 "[r.IntN(8)])
			}
		}
		if iter%2 == 0 {
			line = slices.Clip(line) // its last block copied by scan
		}
		for _, quote := range []byte{'"', 0} {
			m.scan(line, ';', quote)
			valid, quoted := m.special(line, quote)
			wantQuoted := quote != 0 && bytes.IndexByte(line, quote) >= 0
			if quoted != wantQuoted {
				t.Fatalf("special(%q, %q): quoted %v", line, quote, quoted)
			}
			if !quoted && valid != utf8.Valid(line) {
				t.Fatalf("special(%q): valid %v", line, valid)
			}
		}
	}
}

// TestLineMasksVouch: with AVX2, lines of ASCII and accented letters
// (2-byte sequences) without the quote are vouched for by u8 alone,
// wherever their pairs fall: special's fast path.
func TestLineMasksVouch(t *testing.T) {
	if !vouches() {
		t.Skip("u8 is sp on this processor")
	}
	r := rand.New(rand.NewPCG(9, 10))
	var m lineMasks
	letters := []string{"é", "ü", "ç", "À", "ß", "a", ";", "1", " ", "Z"}
	for iter := 0; iter < 5000; iter++ {
		var line []byte
		for n := r.IntN(200); n > 0; n-- {
			line = append(line, letters[r.IntN(len(letters))]...)
		}
		// Room past the line: scan reads whole blocks in place. (A block
		// it copies does not learn whether a lead byte ends the block
		// before it, which is then marked.)
		line = append(line, make([]byte, 64)...)[:len(line)]
		m.scan(line, ';', '"')
		for k := 0; 64*k < len(line); k++ {
			w := m.u8[k]
			if r := len(line) - 64*k; r < 64 {
				w &= 1<<r - 1
			}
			if w != 0 {
				t.Fatalf("scan(%q): u8[%d] = %x", line, k, w)
			}
		}
	}
}

// TestSplitMasks checks splitMasks against splitInto, which finds the
// delimiters itself.
func TestSplitMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var m lineMasks
	for iter := 0; iter < 5000; iter++ {
		line := bytes.ReplaceAll(linemaskBytes(r, r.IntN(200)), []byte{'\n'}, []byte{'.'})
		m.scan(line, ';', '"')
		max := 1 + r.IntN(40)
		room := make([]Cell, r.IntN(50))
		got, gotOK := splitMasks(room[:0], line, m.cm, max)
		want, wantOK := splitInto(make([]Cell, len(room))[:0], line, ';', max)
		if gotOK != wantOK || len(got) != len(want) {
			t.Fatalf("splitMasks(%q, %d): %d fields %v, want %d %v", line, max, len(got), gotOK, len(want), wantOK)
		}
		for k := range got {
			if got[k].Col != want[k].Col || got[k].Off != want[k].Off || !bytes.Equal(got[k].Value, want[k].Value) {
				t.Fatalf("splitMasks(%q) field %d: %+v, want %+v", line, k, got[k], want[k])
			}
		}
	}
}

// FuzzLineMasks checks a line read from its masks against the searches
// it replaces: bytes.IndexByte, utf8.Valid and splitInto.
func FuzzLineMasks(f *testing.F) {
	for _, s := range []string{
		"CMD-1;2023-07-22;Bonnet;Séléna;x@free.fr\nnext",
		"a,\"b\",c\n",
		strings.Repeat("é;", 40) + "\xff;\xc3\n;",
		"no newline;" + strings.Repeat("x", 70),
	} {
		f.Add([]byte(s), uint8(3), byte(';'), byte('"'))
	}
	f.Fuzz(func(t *testing.T, buf []byte, from uint8, comma, quote byte) {
		if comma == '\n' || quote == comma {
			return
		}
		data := buf[min(int(from), len(buf)):]
		var m lineMasks
		nl := m.scan(data, comma, quote)
		if want := bytes.IndexByte(data, '\n'); nl != want {
			t.Fatalf("scan: newline %d, want %d", nl, want)
		}
		line := data
		if nl >= 0 {
			line = data[:nl]
		}
		valid, quoted := m.special(line, quote)
		if want := quote != 0 && bytes.IndexByte(line, quote) >= 0; quoted != want {
			t.Fatalf("special: quoted %v", quoted)
		}
		if !quoted && valid != utf8.Valid(line) {
			t.Fatalf("special: valid %v", valid)
		}
		got, gotOK := splitMasks(nil, line, m.cm, maxCells)
		want, wantOK := splitInto(nil, line, comma, maxCells)
		if !gotOK {
			got, _ = splitMasks(make([]Cell, 0, len(line)+1), line, m.cm, maxCells)
		}
		if !wantOK {
			want, _ = splitInto(make([]Cell, 0, len(line)+1), line, comma, maxCells)
		}
		if len(got) != len(want) {
			t.Fatalf("splitMasks: %d fields, want %d", len(got), len(want))
		}
		for k := range got {
			if got[k].Off != want[k].Off || !bytes.Equal(got[k].Value, want[k].Value) {
				t.Fatalf("splitMasks field %d: %q, want %q", k, got[k].Value, want[k].Value)
			}
		}
	})
}

// batchRecorder takes rows in batches, as the breach scan's tables do.
type batchRecorder struct {
	*recTable
	batches, batched int
}

func (b *batchRecorder) Rows(rows []LineRow) {
	b.batches++
	b.batched += len(rows)
	for i := range rows {
		row := Row{N: rows[i].N}
		for k := range rows[i].Fields() {
			row.Cells = append(row.Cells, rows[i].Cell(k))
			if !bytes.Equal(rows[i].Field(k), row.Cells[k].Value) {
				panic("Field and Cell differ")
			}
		}
		b.recTable.Row(&row)
	}
}

// readBothWays reads data as CSV into a table that takes rows one at a
// time and into one that takes them in batches, and fails unless both
// got the same columns, rows, cells and problems. It returns the
// batched table.
func readBothWays(t *testing.T, data []byte, d Dialect, o Options) *batchRecorder {
	t.Helper()
	one, many := &recTable{cols: map[int]string{}, header: map[int]bool{}}, &batchRecorder{recTable: &recTable{cols: map[int]string{}, header: map[int]bool{}}}
	var oneProblems, manyProblems []Problem
	if err := ReadCSV(context.Background(), bytes.NewReader(data), d, 1, d.Header, one, func(p Problem) { oneProblems = append(oneProblems, p) }, "x.csv", o); err != nil {
		t.Fatal(err)
	}
	if err := ReadCSV(context.Background(), bytes.NewReader(data), d, 1, d.Header, many, func(p Problem) { manyProblems = append(manyProblems, p) }, "x.csv", o); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one.cols, many.cols) || !reflect.DeepEqual(one.header, many.header) {
		t.Fatalf("columns: %v one by one, %v in batches", one.cols, many.cols)
	}
	if len(one.rows) != len(many.rows) {
		t.Fatalf("%d rows one by one, %d in batches", len(one.rows), len(many.rows))
	}
	for i := range one.rows {
		if one.rows[i] != many.rows[i] {
			t.Fatalf("row %d: %q one by one, %q in batches", i, one.rows[i], many.rows[i])
		}
	}
	if !reflect.DeepEqual(one.cells, many.cells) || !reflect.DeepEqual(one.cellN, many.cellN) {
		t.Fatal("cells differ")
	}
	if !reflect.DeepEqual(oneProblems, manyProblems) {
		t.Fatalf("problems: %v one by one, %v in batches", oneProblems, manyProblems)
	}
	return many
}

// TestCSVBatches: rows handed over in batches are those handed over one
// at a time, across the buffer's refills (the batch goes before the
// buffer moves), quoted lines and lines in Windows-1252 (read alone),
// new columns (named before their row), cut values and blank lines.
func TestCSVBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var b bytes.Buffer
	b.WriteString("a;b;c\n")
	for i := 0; i < 20000; i++ {
		fields := []string{fmt.Sprint(i), "Séléna", strings.Repeat("x", r.IntN(40))}
		switch r.IntN(50) {
		case 0:
			fields[1] = `"Dupont; ""fils"""`
		case 1:
			fields[1] = "L\xe9a"
		case 2:
			fields = append(fields, "extra", "more")
		case 3:
			fields[2] = strings.Repeat("y", 300) // cut at MaxValue
		case 4:
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(fields, ";"))
		if i%3 == 0 {
			b.WriteString("\r")
		}
		b.WriteString("\n")
	}
	o := Options{MaxValue: 200}.withDefaults()
	many := readBothWays(t, b.Bytes(), Dialect{Comma: ';', Quote: '"', Header: true, Names: []string{"a", "b", "c"}}, o)
	if many.batches == 0 || many.batched/many.batches < batchRows/4 {
		t.Fatalf("%d rows in %d batches", many.batched, many.batches)
	}
	// Without quoting, and without a delimiter.
	readBothWays(t, b.Bytes(), Dialect{Comma: ';'}, o)
	readBothWays(t, b.Bytes(), Dialect{}, o)
}
