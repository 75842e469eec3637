package breach

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/extract"
	"tocsin/internal/breach/pii"
)

func testSeeds() *shapeSecret {
	k := newShapeSecret()
	return &k
}

// TestShapeKey: values share a key exactly when they share a shape.
func TestShapeKey(t *testing.T) {
	seeds := testSeeds()
	tests := []struct {
		a, b   string
		same   bool
		exact  bool // a has no digit
		coarse bool
	}{
		{"CMD-20230452779", "CMD-29999999999", true, false, false},
		{"CMD-20230452779", "CMD-30230452779", true, false, false}, // only a leading digit stays
		{"20230452779", "30230452779", false, false, false},
		{"CMD-20230452779", "CMD-2023045277", false, false, false}, // length kept
		{"Article 981", "Article 900", true, false, false},
		{"Article 981", "Article 98", false, false, false},
		{"0612345678", "0000012345", true, false, false},
		{"0612345678", "6861129074", false, false, false}, // a phone is not a tracking number
		{"6861129074", "6000000000", true, false, false},
		{"2023-07-22 12:57:24", "2024-01-29 13:50:29", true, false, false},
		{"2023-07-22 12:57:24", "2023-07-22 02:57:24", true, false, false},
		{"2023-07-22 12:57:24", "1923-07-22 12:57:24", false, false, false},
		{"A23", "A2D", false, false, false},  // the mark is no letter
		{"a1", "a\xff", false, false, false}, // a shape, but not a key
		{"livrée", "livrée", true, true, false},
		{"livrée", "livrés", false, true, false},
		{"", "", true, true, false},
		{"ZM-4510", "AB-1234", false, false, false}, // letters kept
		// Coarse shapes: the letters of a value with digits are taken
		// for their case, a digit-free value is its own shape.
		{"ZM-4510", "AB-1234", true, false, true},
		{"ZM-4510", "zm-4510", false, false, true},
		{"Article981", "Bbbbbbb123", true, false, true},
		{"Article981", "Article9810", false, false, true},
		{"Article 981", "Bbbbbbb 123", false, false, true}, // words
		{"É1", "A1", false, false, true},
		{"livrée", "livrés", false, true, true},
		{"Jean", "Paul", false, true, true},
		{"Vue le 12/03/2024", "Nee le 12/03/1985", false, false, true}, // words stay exact
		{"AB 1234", "ZM 4510", false, false, true},
		{"Vue le 12/03/2024", "Vue le 02/09/2025", true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.a+"|"+tc.b, func(t *testing.T) {
			ka, kb := newShapeKey(seeds, []byte(tc.a), tc.coarse), newShapeKey(seeds, []byte(tc.b), tc.coarse)
			if (ka == kb) != tc.same {
				t.Fatalf("same key %v, want %v", !tc.same, tc.same)
			}
			if ka.exact() != tc.exact {
				t.Fatalf("exact %v, want %v", ka.exact(), tc.exact)
			}
			if ka == 0 {
				t.Fatal("key 0")
			}
		})
	}
}

// refShape is the shape written out byte by byte, then whether the value
// has digits (which the key tells too).
func refShape(v []byte, coarse bool) string {
	out := make([]byte, len(v))
	digits := " no digit"
	for i, c := range v {
		if isDigit(c) {
			digits = " digits"
			if i > 0 {
				c = shapeMark
			}
		}
		out[i] = c
	}
	if coarse && digits == " digits" && strings.IndexByte(string(v), ' ') < 0 {
		for i, c := range out {
			switch {
			case 'A' <= c && c <= 'Z':
				out[i] = 'A'
			case 'a' <= c && c <= 'z':
				out[i] = 'a'
			}
		}
	}
	return string(out) + digits
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// TestShapeKeyMatchesShape: on values of every length up to shapeMaxLen,
// whatever the capacity of their slice, two values share a key exactly
// when they share a shape (written out byte by byte), and the key tells
// a digit-free shape.
func TestShapeKeyMatchesShape(t *testing.T) {
	for _, coarse := range []bool{false, true} {
		t.Run(fmt.Sprint("coarse ", coarse), func(t *testing.T) { testShapeKeyMatchesShape(t, coarse) })
	}
}

func testShapeKeyMatchesShape(t *testing.T, coarse bool) {
	seeds := testSeeds()
	r := rand.New(rand.NewSource(3))
	// Digits, marks, a byte like '9'|0x80, letters at the edges of their
	// ranges and the bytes beside them.
	const alphabet = "0159a-/ \xff\x80\xb9:AZz@[`{\xc1\xda"
	type entry struct {
		v     []byte
		shape string
	}
	byKey := map[shapeKey]entry{}
	for n := 0; n <= shapeMaxLen; n++ {
		for range 300 {
			line := make([]byte, n+r.Intn(16))
			for i := range line {
				line[i] = alphabet[r.Intn(len(alphabet))]
			}
			for _, v := range [][]byte{line[:n], slices.Clip(line[:n]), append([]byte(nil), line[:n]...)} {
				k := newShapeKey(seeds, v, coarse)
				shape := refShape(v, coarse)
				if k.exact() != (strings.IndexAny(string(v), "0123456789") < 0) {
					t.Fatalf("%q: exact %v", v, k.exact())
				}
				e, ok := byKey[k]
				if !ok {
					byKey[k] = entry{v, shape}
					continue
				}
				if e.shape != shape {
					t.Fatalf("%q and %q share a key, not a shape", e.v, v)
				}
			}
		}
	}
	shapes := map[string]bool{}
	for _, e := range byKey {
		if shapes[e.shape] {
			t.Fatalf("shape %q has two keys", e.shape)
		}
		shapes[e.shape] = true
	}
}

// shapeStep is one value met in a column: whether its scan gives a
// finding (when it is scanned), and whether it must be found trusted.
type shapeStep struct {
	value   string
	finding bool
	trusted bool
}

// runShapes feeds a column's values to a cache the way tableScan.scan
// does and checks each lookup.
func runShapes(t *testing.T, c *shapeCache, seeds *shapeSecret, steps []shapeStep) {
	t.Helper()
	var sets shapeSets
	for i, s := range steps {
		if !c.wanted(&sets) {
			t.Fatalf("step %d: cache given up", i)
		}
		k := newShapeKey(seeds, []byte(s.value), c.coarse)
		slot, trusted := c.lookup(k)
		if trusted != s.trusted {
			t.Fatalf("step %d (%q): trusted %v, want %v", i, s.value, trusted, s.trusted)
		}
		if !trusted {
			c.record(slot, k, !s.finding)
		}
	}
}

// repeat returns n steps of values v(i).
func repeat(n int, v func(i int) string, finding, trusted bool) []shapeStep {
	steps := make([]shapeStep, n)
	for i := range steps {
		steps[i] = shapeStep{v(i), finding, trusted}
	}
	return steps
}

func TestShapeTrust(t *testing.T) {
	order := func(i int) string { return fmt.Sprintf("CMD-2%010d", i*7919%10000000000) }
	status := func(int) string { return "livrée" }
	tests := []struct {
		name  string
		steps [][]shapeStep
	}{
		{"trusted after shapeTrust clean scans", [][]shapeStep{
			repeat(shapeTrust, order, false, false),
			repeat(100, order, false, true),
		}},
		{"a finding bans the shape", [][]shapeStep{
			repeat(shapeTrust-1, order, false, false),
			{{"CMD-20230452779", true, false}},
			repeat(3*shapeTrust, order, false, false),
		}},
		{"a finding first bans the shape", [][]shapeStep{
			{{"CMD-20230452779", true, false}},
			repeat(3*shapeTrust, order, false, false),
		}},
		{"a digit-free value is trusted after one clean scan", [][]shapeStep{
			{{"livrée", false, false}},
			repeat(100, status, false, true),
			{{"livrées", false, false}, {"livrées", false, true}},
		}},
		{"a digit-free value that gave a finding is never trusted", [][]shapeStep{
			repeat(50, func(int) string { return "Jean Dupont" }, true, false),
		}},
		{"each shape is counted apart", [][]shapeStep{
			repeat(shapeTrust, order, false, false),
			repeat(shapeTrust-1, func(i int) string { return fmt.Sprintf("CMD-%010d", i) }, false, false),
			repeat(10, order, false, true),
			{{"CMD-3999", false, false}, {"CMD-3999999999", false, false}, {"CMD-3999999999", false, true}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c shapeCache
			seeds := testSeeds()
			for _, steps := range tc.steps {
				runShapes(t, &c, seeds, steps)
			}
		})
	}
}

// TestShapeTableFull: a full table takes no new shape and evicts none,
// so a banned shape stays banned and trusted ones stay trusted.
func TestShapeTableFull(t *testing.T) {
	seeds := testSeeds()
	name := func(i int) string { return fmt.Sprintf("statut %c%c", 'a'+i%26, 'a'+i/26%26) } // digit-free
	var steps []shapeStep
	steps = append(steps, shapeStep{name(0), true, false}) // banned
	for i := 1; i < shapeFull; i++ {
		steps = append(steps, shapeStep{name(i), false, false})
	}
	for range 3 {
		steps = append(steps, shapeStep{"nouveau", false, false}) // not remembered
	}
	steps = append(steps, shapeStep{name(0), false, false})
	for i := 1; i < shapeFull; i++ {
		steps = append(steps, shapeStep{name(i), false, true})
	}
	var c shapeCache
	runShapes(t, &c, seeds, steps)
	if c.set.n != shapeFull {
		t.Fatalf("%d shapes, want %d", c.set.n, shapeFull)
	}
}

// TestShapeGiveUp: a column whose values do not repeat in shape drops its
// cache after the trial; one whose values do keeps it.
func TestShapeGiveUp(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	words := strings.Fields("colis laissé chez le voisin merci de sonner deux fois retour sous trente jours client absent repasser jeudi")
	code := func(i int) string { return fmt.Sprintf("%c%c-%04d", 'A'+r.Intn(26), 'A'+r.Intn(26), r.Intn(10000)) }
	tests := []struct {
		name       string
		value      func(i int) string
		finding    func(i int) bool // the scan of value i gives one
		wantOff    bool
		wantCoarse bool
		minSkipped int // of 4*shapeTrial
	}{
		{"statuses", func(i int) string { return []string{"payée", "livrée", "annulée"}[i%3] }, nil, false, false, 3 * shapeTrial},
		{"order numbers", func(i int) string { return fmt.Sprintf("CMD-2%010d", r.Int63n(1e10)) }, nil, false, false, 3 * shapeTrial},
		{"tracking numbers", func(i int) string { return fmt.Sprintf("%d%09d", 1+r.Intn(9), r.Intn(1e9)) }, nil, false, false, 3 * shapeTrial},
		{"comments", func(i int) string {
			n := 2 + r.Intn(6)
			ws := make([]string, n)
			for k := range ws {
				ws[k] = words[r.Intn(len(words))]
			}
			return strings.Join(ws, " ")
		}, nil, true, true, 0},
		// Too many exact shapes, one coarse shape: learnt coarsely
		// after the exact trial.
		{"codes of two letters", code, nil, false, true, 2 * shapeTrial},
		// A column that gave a finding does not forget its bans.
		{"codes of two letters and a finding", code, func(i int) bool { return i == 5 }, true, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c shapeCache
			seeds := testSeeds()
			skipped := 0
			var sets shapeSets
			settled := false
			for i := 0; i < 4*shapeTrial; i++ {
				// Once settled, a column stays so and always wanted
				// (what lets tableScan.Rows look up ahead).
				if settled && !c.settled() {
					t.Fatalf("value %d: no longer settled", i)
				}
				settled = c.settled()
				if !c.wanted(&sets) {
					if settled {
						t.Fatalf("value %d: settled, not wanted", i)
					}
					continue
				}
				k := newShapeKey(seeds, []byte(tc.value(i)), c.coarse)
				slot, trusted := c.lookup(k)
				if trusted {
					skipped++
					continue
				}
				c.record(slot, k, tc.finding == nil || !tc.finding(i))
			}
			if c.off != tc.wantOff || c.coarse != tc.wantCoarse {
				t.Fatalf("off %v, coarse %v, want %v, %v (%d skipped)", c.off, c.coarse, tc.wantOff, tc.wantCoarse, skipped)
			}
			if c.off && c.set != nil {
				t.Fatal("set kept")
			}
			if c.settled() == c.off {
				t.Fatalf("settled %v, off %v: a column kept after its trial settles", c.settled(), c.off)
			}
			if skipped < tc.minSkipped {
				t.Fatalf("%d skipped of %d, want %d", skipped, 4*shapeTrial, tc.minSkipped)
			}
		})
	}
}

// TestShapeSetsBounded: a table holds at most shapeSetsMax shapeSets at
// once; a column that gives up its set leaves room for another.
func TestShapeSetsBounded(t *testing.T) {
	cols := make([]shapeCache, shapeSetsMax+10)
	var sets shapeSets
	for i := range cols {
		if got, want := cols[i].wanted(&sets), i < shapeSetsMax; got != want {
			t.Fatalf("column %d: wanted %v, want %v", i, got, want)
		}
	}
	if sets.live != shapeSetsMax {
		t.Fatalf("%d sets, want %d", sets.live, shapeSetsMax)
	}
	// Column 0 gives up (no lookup found anything, exact then coarse):
	// its set goes.
	cols[0].lookups = shapeTrial
	if !cols[0].wanted(&sets) || !cols[0].coarse || sets.live != shapeSetsMax {
		t.Fatalf("after the exact trial: coarse %v, %d sets", cols[0].coarse, sets.live)
	}
	cols[0].lookups = shapeTrial
	if cols[0].wanted(&sets) || sets.live != shapeSetsMax-1 {
		t.Fatalf("after giving up: wanted, %d sets", sets.live)
	}
	var late shapeCache
	if !late.wanted(&sets) || sets.live != shapeSetsMax {
		t.Fatalf("a column after a set was given up: no set (%d)", sets.live)
	}
}

// TestShapeNoAlloc: a lookup allocates nothing.
func TestShapeNoAlloc(t *testing.T) {
	seeds := testSeeds()
	var c shapeCache
	var sets shapeSets
	values := [][]byte{[]byte("CMD-20230452779"), []byte("2023-07-22 12:57:24"), []byte("livrée"), []byte(strings.Repeat("9", shapeMaxLen))}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		v := values[i%len(values)]
		i++
		if !c.wanted(&sets) {
			t.Fatal("given up")
		}
		k := newShapeKey(seeds, v, false)
		if slot, trusted := c.lookup(k); !trusted {
			c.record(slot, k, true)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations a lookup", allocs)
	}
}

// TestShapeScan: through Scan, in a column of no category, a value of a
// shape that gave a finding is scanned whatever came before, and a value
// of a trusted shape is not.
func TestShapeScan(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	s := pii.New()
	nir := corpus.Identities(1, 1)[0].NIR
	var fs pii.Findings
	if f := s.Cell(pii.Column{}, []byte(nir), &fs); len(f) != 1 || f[0].Category != pii.NIR {
		t.Fatalf("%v: not a NIR alone", f)
	}
	// clean returns a value of gen that gives nothing alone.
	clean := func(gen func() string) string {
		for {
			v := gen()
			fs.Reset()
			if len(s.Cell(pii.Column{}, []byte(v), &fs)) == 0 {
				return v
			}
		}
	}
	tracking := func() string { return fmt.Sprintf("%d%09d", 1+r.Intn(9), r.Intn(1e9)) }
	padded := func() string { return fmt.Sprintf("00000%05d", r.Intn(1e5)) }
	phone := func() string { return fmt.Sprintf("06%08d", r.Intn(1e8)) }
	// order numbers of the NIR's shape: 15 digits, its first digit.
	order := func() string { return fmt.Sprintf("%c%014d", nir[0], r.Int63n(1e14)) }
	tests := []struct {
		name  string
		value func(i int) string // of the column "reference", row i
		want  map[string]int64
	}{
		{"phones among trusted tracking numbers", func(i int) string {
			if i >= 1500 && i%100 == 0 {
				return phone()
			}
			return clean(tracking)
		}, map[string]int64{"phone": 5}},
		{"a phone before trust bans its shape", func(i int) string {
			// 0000012345 shares the shape of 0612345678: 10 clean
			// codes, a phone, 1000 clean codes, then more phones.
			if i == 10 || i >= 1500 && i%100 == 0 {
				return phone()
			}
			return clean(padded)
		}, map[string]int64{"phone": 6}},
		{"a NIR before trust bans its shape", func(i int) string {
			if i == 10 || i == 1000 {
				return nir
			}
			return clean(order)
		}, map[string]int64{"nir": 2}},
		{"phones among references learnt coarsely", func(i int) string {
			// Product references of random letters fail the exact
			// trial; coarse, they are one shape, which a phone is not.
			if i >= 1500 && i%100 == 0 {
				return phone()
			}
			return clean(func() string { return fmt.Sprintf("%c%c-%04d", 'A'+r.Intn(26), 'A'+r.Intn(26), r.Intn(10000)) })
		}, map[string]int64{"phone": 5}},
		{"phones among amounts, labels between them", func(i int) string {
			// Amounts are inert, and keep the column asking, labels
			// and phones not.
			switch {
			case i >= 1500 && i%100 == 0:
				return phone()
			case i%3 == 0:
				return "offert"
			}
			return fmt.Sprintf("%d,%02d", r.Intn(1000), r.Intn(100))
		}, map[string]int64{"phone": 5}},
		{"a NIR of a trusted shape is a decoy", func(i int) string {
			if i == 1000 {
				return nir
			}
			return clean(order)
		}, map[string]int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("id;reference;statut\n")
			for i := 0; i < 2000; i++ {
				fmt.Fprintf(&b, "%d;%s;livrée\n", i, tc.value(i))
			}
			p := filepath.Join(t.TempDir(), "t.csv")
			if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			rep, err := Scan(context.Background(), Options{Paths: []string{p}, Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int64{}
			for _, c := range rep.Categories {
				if c.Values > 0 {
					got[c.Category] = c.Values
				}
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("found %v, want %v", got, tc.want)
			}
			for _, l := range rep.Locations {
				for _, c := range l.Columns {
					if c.Class != "" {
						t.Fatalf("column %s classified %q", c.Name, c.Class)
					}
				}
			}
		})
	}
}

// TestShapeSetsReused: the set of a finished table goes to the next
// table's column cleared: nothing trusted or banned carries over.
func TestShapeSetsReused(t *testing.T) {
	seeds := testSeeds()
	var sets shapeSets
	var first shapeCache
	if !first.wanted(&sets) {
		t.Fatal("no set")
	}
	k := newShapeKey(seeds, []byte("livrée"), false)
	slot, _ := first.lookup(k)
	first.record(slot, k, true) // digit-free: trusted at once
	if _, trusted := first.lookup(k); !trusted {
		t.Fatal("not trusted")
	}
	set := first.set
	first.release(&sets)
	if sets.live != 0 || len(sets.free) != 1 {
		t.Fatalf("after release: %d live, %d spare", sets.live, len(sets.free))
	}
	var next shapeCache
	if !next.wanted(&sets) || next.set != set {
		t.Fatal("the spare set was not taken")
	}
	if _, trusted := next.lookup(k); trusted || next.set.n != 0 {
		t.Fatalf("the spare set kept %d shapes", next.set.n)
	}
	for range shapeFreeMax + 5 {
		sets.put(new(shapeSet))
	}
	if len(sets.free) != shapeFreeMax {
		t.Fatalf("%d spares kept, want at most %d", len(sets.free), shapeFreeMax)
	}
}

// TestMarkTrusted: a settled column's rows are marked exactly when their
// value's shape is trusted, as lookup tells it: markTrusted hashes short
// values inline, and a key of its own that differed from newShapeKey's
// would leave the rows of trusted shapes unmarked.
func TestMarkTrusted(t *testing.T) {
	for _, coarse := range []bool{false, true} {
		t.Run(fmt.Sprint("coarse ", coarse), func(t *testing.T) { testMarkTrusted(t, coarse) })
	}
}

func testMarkTrusted(t *testing.T, coarse bool) {
	seeds := testSeeds()
	r := rand.New(rand.NewSource(5))
	const alphabet = "0159a-/ \xffAZz@;"
	const ci = 2
	marked := 0
	for round := range 200 {
		c := &shapeCache{set: &shapeSet{}, coarse: coarse}
		var rows []extract.LineRow
		for range 64 {
			n := r.Intn(shapeMaxLen + 3)
			if round%2 == 0 {
				n = r.Intn(26) // the lengths hashed inline, and the next
			}
			v := make([]byte, n)
			for i := range v {
				v[i] = alphabet[r.Intn(len(alphabet)-1)] // no delimiter
			}
			fields := []string{"a", "1", string(v), "x"}
			if r.Intn(16) == 0 {
				fields = fields[:r.Intn(3)] // a short row
			}
			line := []byte(strings.Join(fields, ";"))
			bounds := []int32{-1}
			for i, b := range line {
				if b == ';' {
					bounds = append(bounds, int32(i))
				}
			}
			rows = append(rows, extract.LineRow{N: len(rows) + 1, Line: line, Bounds: append(bounds, int32(len(line)))})
			if len(v) <= shapeMaxLen && r.Intn(2) == 0 {
				k := newShapeKey(seeds, v, coarse)
				if slot, _ := c.lookup(k); slot >= 0 {
					for range shapeTrust {
						c.record(slot, k, true)
					}
				}
			}
		}
		marks := make([]cellMarks, len(rows))
		c.markTrusted(seeds, rows, ci, marks)
		for i := range rows {
			want := false
			if ci < rows[i].Fields() {
				if v := rows[i].Field(ci); len(v) <= shapeMaxLen {
					_, want = c.lookup(newShapeKey(seeds, v, coarse))
				}
			}
			if got := marks[i].skip == 1<<ci; got != want || marks[i].skip&^(1<<ci) != 0 {
				t.Fatalf("round %d, row %d (%q): marks %b, want trusted %v", round, i, rows[i].Line, marks[i].skip, want)
			}
			if want {
				marked++
			}
		}
	}
	if marked < 1000 {
		t.Fatalf("only %d rows marked", marked)
	}
}

// TestMarkExact: markExact (in assembly where there is one) marks the
// rows markExactGo marks, whatever the column, the values' lengths and
// bytes, the shapes' states (counting, trusted, banned) and the marks
// already set.
func TestMarkExact(t *testing.T) {
	seeds := testSeeds()
	r := rand.New(rand.NewSource(9))
	const alphabet = "0123456789a-/ \xff\x80AZz@.:/" // digits, their neighbours, bytes past ASCII
	marked := 0
	for round := range 400 {
		ci := r.Intn(6)
		s := &shapeSet{}
		rows := make([]extract.LineRow, 1+r.Intn(200))
		for i := range rows {
			fields := make([]string, 1+r.Intn(8))
			for f := range fields {
				n := r.Intn(27)
				if r.Intn(8) == 0 {
					n = r.Intn(shapeMaxLen + 8)
				}
				v := make([]byte, n)
				for j := range v {
					v[j] = alphabet[r.Intn(len(alphabet))]
				}
				if r.Intn(3) == 0 && n > 0 {
					v[0] = byte('0' + r.Intn(10)) // a leading digit, which the shape keeps
				}
				fields[f] = string(v)
				if f == ci && n <= shapeMaxLen && s.n < shapeFull && r.Intn(2) == 0 {
					key := exactShapeKey(seeds, v)
					slot, _ := (&shapeCache{set: s}).lookup(key)
					if slot >= 0 && s.keys[slot] == 0 {
						s.keys[slot] = key
						s.n++
						s.state[slot] = []uint8{1, shapeTrust - 1, shapeTrust, shapeTrust, shapeBanned}[r.Intn(5)]
					}
				}
			}
			line := []byte(strings.Join(fields, ";"))
			bounds := []int32{-1}
			for j, b := range line {
				if b == ';' {
					bounds = append(bounds, int32(j))
				}
			}
			// Past the last bound, an empty field that is not there: a
			// row of ci fields must not be read as having one more.
			bounds = append(bounds, int32(len(line)), int32(len(line))+1)
			rows[i] = extract.LineRow{N: i + 1, Line: line, Bounds: bounds[:len(bounds)-1]}
		}
		if key := exactShapeKey(seeds, nil); round%2 == 0 {
			if slot, _ := (&shapeCache{set: s}).lookup(key); slot >= 0 {
				if s.keys[slot] == 0 {
					s.n++
				}
				s.keys[slot], s.state[slot] = key, shapeTrust
			}
		}
		got, want := make([]cellMarks, len(rows)), make([]cellMarks, len(rows))
		for i := range got {
			got[i].skip = r.Uint64() &^ (1 << ci)
			got[i].asked = r.Uint64()
			want[i] = got[i]
		}
		markExact(seeds, s, rows, ci, got)
		markExactGo(seeds, s, rows, ci, want)
		for i := range rows {
			if got[i] != want[i] {
				t.Fatalf("round %d, column %d, row %q: marks %x, want %x", round, ci, rows[i].Line, got[i], want[i])
			}
			if want[i].skip&(1<<ci) != 0 {
				marked++
			}
		}
	}
	if marked < 2000 {
		t.Fatalf("only %d rows marked", marked)
	}
}

// FuzzMarkExact: on any lines cut at ';', with the shapes of some of
// their values trusted, markExact marks what markExactGo marks.
func FuzzMarkExact(f *testing.F) {
	f.Add([]byte("CMD-1;2023-07-22 12:57:24;3\nCMD-2;2023-07-23 08:01:02;12\n;;\nx"), uint8(1), uint8(0x55))
	f.Add([]byte("0\xc3\xa9;\xff\x80;123456789012345678901234567890"), uint8(2), uint8(0xff))
	f.Fuzz(func(t *testing.T, text []byte, col, trust uint8) {
		seeds := testSeeds()
		ci := int(col % 8)
		s := &shapeSet{}
		var rows []extract.LineRow
		for i, line := range bytes.Split(text, []byte("\n")) {
			bounds := []int32{-1}
			for j, b := range line {
				if b == ';' {
					bounds = append(bounds, int32(j))
				}
			}
			bounds = append(bounds, int32(len(line)))
			rows = append(rows, extract.LineRow{N: i + 1, Line: line, Bounds: bounds})
			// Trust the shape of this row's value when the bit of trust
			// for the row says so.
			if trust>>(i&7)&1 != 0 && ci+1 < len(bounds) && s.n < shapeFull {
				v := line[bounds[ci]+1 : bounds[ci+1]]
				if len(v) <= shapeMaxLen {
					key := exactShapeKey(seeds, v)
					if slot, _ := (&shapeCache{set: s}).lookup(key); slot >= 0 {
						if s.keys[slot] == 0 {
							s.n++
						}
						s.keys[slot], s.state[slot] = key, shapeTrust
					}
				}
			}
		}
		got, want := make([]cellMarks, len(rows)), make([]cellMarks, len(rows))
		markExact(seeds, s, rows, ci, got)
		markExactGo(seeds, s, rows, ci, want)
		for i := range rows {
			if got[i] != want[i] {
				t.Fatalf("column %d, row %q: marks %x, want %x", ci, rows[i].Line, got[i], want[i])
			}
		}
	})
}
