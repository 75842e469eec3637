package breach

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"tocsin/internal/breach/pii"
)

func TestHashTables(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 63, 64, 1000, 100000} {
		var s hashSet
		var m hashIndex
		ref := map[uint64]int32{}
		for i := 0; i < n; i++ {
			x := r.Uint64() | 1
			if i%7 == 0 && i > 0 {
				x = uint64(i) | 1 // small, clustered keys too
			}
			_, dup := ref[x]
			if added := s.add(x); added == dup {
				t.Fatalf("add(%x) = %v with dup %v", x, added, dup)
			}
			if !dup {
				m.put(x, int32(i))
				ref[x] = int32(i)
			}
		}
		if s.len() != len(ref) || m.len() != len(ref) {
			t.Fatalf("n=%d: len %d/%d, want %d", n, s.len(), m.len(), len(ref))
		}
		for x, v := range ref {
			if !s.has(x) {
				t.Fatalf("lost %x", x)
			}
			if got, ok := m.get(x); !ok || got != v {
				t.Fatalf("get(%x) = %d %v, want %d", x, got, ok, v)
			}
		}
		if s.has(2) || func() bool { _, ok := m.get(2); return ok }() {
			t.Fatal("found a key never added")
		}
	}
}

// TestDistinctBudget: exact up to the budget, then a sketch within 3 %.
func TestDistinctBudget(t *testing.T) {
	tests := []struct {
		name      string
		n, budget int
		exact     bool
	}{
		{"small", 5000, 10000, true},
		{"at budget", 10000, 10000, true},
		{"past budget", 200000, 10000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &budget{max: tc.budget}
			var d distinct
			r := rand.New(rand.NewSource(2))
			for i := 0; i < tc.n; i++ {
				x := r.Uint64() | 1
				d.add(x, b)
				d.add(x, b) // repeats do not count
			}
			got, exact := d.count()
			if exact != tc.exact {
				t.Fatalf("exact %v", exact)
			}
			if err := math.Abs(float64(got)-float64(tc.n)) / float64(tc.n); (exact && got != int64(tc.n)) || err > 0.03 {
				t.Fatalf("%d distinct, want %d (error %.3f)", got, tc.n, err)
			}
			if b.used > tc.budget {
				t.Fatalf("budget %d overspent: %d", tc.budget, b.used)
			}
		})
	}
}

// TestPeopleUnion: identifiers seen together count as one person.
func TestPeopleUnion(t *testing.T) {
	tests := []struct {
		name    string
		records [][]uint64
		budget  int
		want    int64
		exact   bool
	}{
		{"one record per person", [][]uint64{{1}, {3}, {5}}, 100, 3, true},
		{"linked by e-mail", [][]uint64{{11, 21}, {21}, {21, 31}, {41}}, 100, 2, true},
		{"chain across records", [][]uint64{{1, 3}, {5, 7}, {3, 7}}, 100, 1, true},
		{"past the budget: main identifier", [][]uint64{{11, 21}, {21}, {51}}, 2, 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &budget{max: tc.budget}
			var p people
			for _, r := range tc.records {
				p.add(r, b, true)
			}
			got, exact := p.count()
			if got != tc.want || exact != tc.exact {
				t.Fatalf("%d people (exact %v), want %d (%v)", got, exact, tc.want, tc.exact)
			}
		})
	}
}

// switchboard returns n records of an e-mail address each, all with one
// phone number (a town hall's, in every signature).
func switchboard(n int) [][]uint64 {
	recs := make([][]uint64, n)
	for i := range recs {
		recs[i] = []uint64{uint64(i+1)*0x9E3779B97F4A7C15&^tagMask | idTag(domEmail), 0xC2B2AE3D27D4EB4F&^tagMask | idTag(domPhone)}
	}
	return recs
}

// TestPeopleHubs: an identifier met with the identifiers of many people
// apart stops joining them; one person's identifiers, however often they
// meet, are never taken for one.
func TestPeopleHubs(t *testing.T) {
	person := [][]uint64{{11, 21}, {21, 31}, {21, 41}, {11, 51}, {31, 41}}
	var many [][]uint64
	for range 100 {
		many = append(many, person...)
	}
	tests := []struct {
		name    string
		records [][]uint64
		want    int64
		shared  int64
	}{
		{"switchboard", switchboard(1000), 1000 - hubLinks + 1, 1},
		{"one person, often", many, 1, 0},
		{"a family's line", [][]uint64{{11, 91}, {21, 91}, {31, 91}, {41, 91}}, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One record at a time, and in batches as a worker files them.
			var one, batched people
			var groups []uint64
			for _, r := range tc.records {
				one.add(r, &budget{max: 1 << 20}, true)
				groups = append(append(groups, r...), 0)
			}
			batched.addBatch(groups, &budget{max: 1 << 20}, &peopleBatch{})
			for _, p := range []*people{&one, &batched} {
				if got, _ := p.count(); got != tc.want {
					t.Errorf("%d people, want %d", got, tc.want)
				}
				if got := p.sharedCount()[idTag(domPhone)]; got != tc.shared {
					t.Errorf("%d shared identifiers, want %d", got, tc.shared)
				}
			}
		})
	}
}

// TestMergePeopleHubs: a hub of one worker stays one once merged, and
// joins nobody there; each worker joined at most hubLinks people through
// it first.
func TestMergePeopleHubs(t *testing.T) {
	const n, workers = 1000, 3
	ps := make([]*people, workers)
	bs := make([]budget, workers)
	for k := range ps {
		ps[k], bs[k] = &people{}, budget{max: 1 << 20}
	}
	for i, r := range switchboard(n) {
		ps[i%workers].add(r, &bs[i%workers], true)
	}
	all := mergePeople(ps, 1<<20)
	if got, _ := all.count(); got < n-workers*hubLinks || got > n+1 {
		t.Errorf("%d people, want %d to %d", got, n-workers*hubLinks, n+1)
	}
	var want [tagMask + 1]int64
	want[idTag(domPhone)] = 1
	if got := all.sharedCount(); got != want {
		t.Errorf("%d shared identifiers, want 1", got)
	}
}

// TestKeyedHash: equal values hash alike (in two workers of a run too),
// categories apart, and the key matters (two runs do not share hashes).
func TestKeyedHash(t *testing.T) {
	seeds := newHashSeeds()
	key := newRunKey()
	k1, k2 := newKeyed(key, seeds), newKeyed(newRunKey(), seeds)
	a, _ := k1.hash(domEmail, []byte("jean@example.fr"))
	if other, _ := newKeyed(key, seeds).hash(domEmail, []byte("jean@example.fr")); other != a {
		t.Fatal("two workers of one run hash a value apart")
	}
	b, seen := k1.hash(domEmail, []byte("jean@example.fr"))
	if a != b || !seen {
		t.Fatal("the same value hashes differently, or the cache missed it")
	}
	if c, _ := k1.hash(domPhone, []byte("jean@example.fr")); c == a {
		t.Fatal("categories share hashes")
	}
	if c, _ := k1.hash(catIdx(pii.Address), []byte("jean@example.fr")); c == a {
		t.Fatal("categories share hashes")
	}
	if d, _ := k2.hash(domEmail, []byte("jean@example.fr")); d == a {
		t.Fatal("two keys give the same hash")
	}
}

// TestKeyedCacheUse: a domain whose values do not repeat stops using the
// cache after a probe and is probed again later, one whose values repeat
// keeps it, and a value hashes alike whether the cache is used or not.
func TestKeyedCacheUse(t *testing.T) {
	k := newKeyed(newRunKey(), newHashSeeds())
	value := func(i int) []byte { return fmt.Appendf(nil, "agent%d@ville.fr", i) }
	want := map[string]uint64{}
	for i := range cacheProbe {
		h, _ := k.hash(domEmail, value(i))
		want[string(value(i))] = h
		// Names that repeat: one in two was met just before.
		k.hash(domName, value(i/2))
	}
	if k.use[domEmail].skip != cacheRest {
		t.Fatalf("unique e-mail addresses: skip = %d after a probe, want %d", k.use[domEmail].skip, cacheRest)
	}
	if k.use[domName].skip != 0 {
		t.Fatal("repeated names stopped using the cache")
	}
	// Skipping, the same values hash alike, and are not said to be seen.
	for i := range cacheProbe {
		h, seen := k.hash(domEmail, value(i))
		if seen || h != want[string(value(i))] {
			t.Fatalf("value %d without the cache: hash %#x seen %v, want %#x", i, h, seen, want[string(value(i))])
		}
	}
	for i := 0; k.use[domEmail].skip > 0; i++ {
		k.hash(domEmail, value(cacheProbe+i))
	}
	// Probed again: a value met in this probe is found in the cache.
	a, _ := k.hash(domEmail, value(1))
	b, seen := k.hash(domEmail, value(1))
	if a != b || !seen || a != want[string(value(1))] {
		t.Fatal("the cache is not used again after its rest")
	}
	// A non-identifying domain's hash is the same both ways too.
	k2 := newKeyed(newRunKey(), newHashSeeds())
	k2.use[domName].skip = 1
	c, _ := k2.hash(domName, []byte("dupont"))
	d, _ := k2.hash(domName, []byte("dupont"))
	if c != d {
		t.Fatal("a name hashes differently with and without the cache")
	}
}

func TestRiskLevels(t *testing.T) {
	tests := []struct {
		name    string
		cats    []pii.Category
		people  int64
		special bool
		level   string
		codes   []string
	}{
		{"nothing", nil, 0, false, LevelLow, []string{"none"}},
		{"names and e-mails", []pii.Category{pii.Name, pii.Email}, 500, false, LevelLow, []string{"identity_contact", "enisa"}},
		{"ip addresses only", []pii.Category{pii.IP}, 500, false, LevelLow, []string{"enisa"}},
		{"nir with identity and contact", []pii.Category{pii.NIR, pii.Name, pii.Email, pii.Phone}, 500, false, LevelHigh, []string{"nir", "identity_contact", "enisa"}},
		{"iban with identity", []pii.Category{pii.IBAN, pii.Name}, 500, false, LevelHigh, []string{"financial", "enisa"}},
		{"large volume", []pii.Category{pii.NIR, pii.Name}, 20000, false, LevelVeryHigh, []string{"nir", "volume", "enisa"}},
		{"special categories", []pii.Category{pii.Name}, 10, true, LevelVeryHigh, []string{"special_categories", "enisa"}},
		{"plain passwords with e-mails", []pii.Category{pii.Email, pii.Credential}, 500, false, LevelHigh, []string{"credentials", "credentials_takeover"}},
		{"strong hashes with e-mails", []pii.Category{pii.Email, pii.Credential + ":strong_hash"}, 500, false, LevelLow, []string{"credentials_hashed", "enisa"}},
		{"weak hashes with names", []pii.Category{pii.Name, pii.Credential + ":weak_hash"}, 500, false, LevelHigh, []string{"credentials", "enisa"}},
		{"passwords alone", []pii.Category{pii.Credential + ":plaintext"}, 500, false, LevelLow, []string{"credentials", "enisa"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{People: People{Count: tc.people}}
			for _, c := range tc.cats {
				// "credential:kind": credentials of one kind; without
				// the kind, as a report written before kinds.
				cat, kind, _ := strings.Cut(string(c), ":")
				st := CategoryStat{Category: cat, Values: 10}
				if kind != "" {
					st.Kinds = map[string]int64{kind: 10}
				}
				r.Categories = append(r.Categories, st)
			}
			if tc.special {
				r.Special = []SpecialColumn{{Path: "a.csv", Column: "pathologie", Kind: "health"}}
			}
			risk := rate(r)
			if risk.Level != tc.level {
				t.Errorf("level %s (SE %v), want %s", risk.Level, risk.Severity, tc.level)
			}
			if risk.Article34 != (tc.level != LevelLow) {
				t.Errorf("article 34: %v", risk.Article34)
			}
			var codes []string
			for _, reason := range risk.Reasons {
				codes = append(codes, reason.Code)
				if reason.FR == "" || reason.EN == "" {
					t.Errorf("reason %s lacks a language", reason.Code)
				}
			}
			for _, c := range tc.codes {
				if !strings.Contains(strings.Join(codes, ","), c) {
					t.Errorf("reasons %v lack %s", codes, c)
				}
			}
		})
	}
}

// TestRiskRepeatedValues: the caveat on values that may be the
// organisation's own comes only when they are few, repeated across many
// people, and the rating without them differs.
func TestRiskRepeatedValues(t *testing.T) {
	type cat struct {
		name                      pii.Category
		values, distinct, records int64
	}
	tests := []struct {
		name   string
		cats   []cat
		people int64
		want   bool
	}{
		{"one IBAN in every signature", []cat{{pii.IBAN, 300, 1, 300}, {pii.Name, 300, 290, 300}, {pii.Phone, 300, 300, 300}}, 300, true},
		{"an IBAN a person", []cat{{pii.IBAN, 300, 300, 300}, {pii.Name, 300, 290, 300}}, 300, false},
		{"one person's IBAN", []cat{{pii.IBAN, 300, 1, 300}, {pii.Name, 300, 1, 300}}, 1, false},
		{"too few records", []cat{{pii.IBAN, 15, 1, 15}, {pii.Name, 300, 290, 300}}, 300, false},
		{"the same rating without", []cat{{pii.IBAN, 300, 1, 300}, {pii.NIR, 300, 300, 300}, {pii.Name, 300, 290, 300}}, 300, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{People: People{Count: tc.people}}
			for _, c := range tc.cats {
				r.Categories = append(r.Categories, CategoryStat{Category: string(c.name), Values: c.values, Distinct: c.distinct, Records: c.records})
			}
			risk := rate(r)
			var got bool
			for _, reason := range risk.Reasons {
				if reason.Code == "repeated_values" {
					got = true
					if !strings.Contains(reason.EN, "IBAN: 1 value in 300 records") || !strings.Contains(reason.FR, "le niveau de risque faible") {
						t.Errorf("reason %q / %q", reason.EN, reason.FR)
					}
				}
			}
			if got != tc.want {
				t.Errorf("caveat %v, want %v (reasons %+v)", got, tc.want, risk.Reasons)
			}
		})
	}
}

func TestSpecialKind(t *testing.T) {
	for header, want := range map[string]string{
		"pathologie": "health", "Handicap": "health", "date_vaccination": "health", "religion": "religion",
		"casier judiciaire": "offences", "appartenance_syndicale": "", "syndicat": "trade_union",
		"nom": "", "politique_tarifaire": "", "empreinte_carbone": "", "trace": "",
	} {
		if got := specialKind(header); got != want {
			t.Errorf("%q: %q, want %q", header, got, want)
		}
	}
}

func TestRedactNames(t *testing.T) {
	r := newRedactor(pii.New())
	tests := []struct {
		in       string
		keep     bool   // unchanged
		mustLose string // a part that must not survive
	}{
		{"exports/usagers.csv", true, ""},
		{"dump.zip!/export/agents.csv", true, ""},
		{"jean.dupont@example.fr.csv", false, "jean.dupont@example.fr"},
		{"dossier_295109912611193.pdf", false, "295109912611193"},
		{"rappel 06 12 34 56 78.txt", false, "06 12 34 56 78"},
		{"evil\x1b[2Jname.csv", false, "\x1b"},
		{"PR_NOM", true, ""}, // a dBASE field: Prénom cut to ASCII
		{"courrier_Mme_Dupont.pdf", false, "Dupont"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got := r.path(tc.in)
			if tc.keep && got != tc.in {
				t.Errorf("%q became %q", tc.in, got)
			}
			if !tc.keep && (got == tc.in || strings.Contains(got, tc.mustLose)) {
				t.Errorf("%q kept its value: %q", tc.in, got)
			}
		})
	}
}

func TestAppendInt(t *testing.T) {
	for _, n := range []int{0, 7, 10, 99, 100, 999, 1000, 9999, 10000, 123456789, -5} {
		if got, want := string(appendInt(nil, n)), strconv.Itoa(n); got != want {
			t.Errorf("%d: %q", n, got)
		}
	}
}

// TestCategoryIndex: the scan's category indexes follow pii.Categories.
func TestCategoryIndex(t *testing.T) {
	cats := pii.Categories()
	if len(cats) != numCats {
		t.Fatalf("%d categories, numCats %d", len(cats), numCats)
	}
	var r record
	if n := bits.OnesCount64(uint64(^r.cats)); n < numCats {
		t.Fatalf("record.cats has a bit for %d categories, not %d", n, numCats)
	}
	for i, c := range cats {
		if catIdx(c) != i {
			t.Errorf("%s: index %d, want %d", c, catIdx(c), i)
		}
	}
	for _, d := range []struct {
		c   pii.Category
		dom int
	}{{pii.NIR, domNIR}, {pii.Email, domEmail}, {pii.Phone, domPhone}, {pii.DateOfBirth, domDOB}, {pii.Name, domName}} {
		if catIdx(d.c) != d.dom {
			t.Errorf("%s: index %d, domain %d", d.c, catIdx(d.c), d.dom)
		}
	}
}

// TestMergeDistinct: per-worker sets merge into one count, exact while
// the budget allows, by sketch otherwise.
func TestMergeDistinct(t *testing.T) {
	fill := func(d *distinct, from, to int, b *budget) {
		for i := from; i < to; i++ {
			d.add(uint64(i)*0x9E3779B97F4A7C15|1, b)
		}
	}
	tests := []struct {
		name     string
		budgets  []int // per worker
		ranges   [][2]int
		mergeMax int
		want     int64
		exact    bool
	}{
		{"exact and overlapping", []int{100, 100}, [][2]int{{0, 60}, {40, 100}}, 1000, 100, true},
		{"over the merge budget", []int{100, 100}, [][2]int{{0, 90}, {90, 180}}, 100, 180, false},
		{"one worker sketched", []int{50, 1000}, [][2]int{{0, 5000}, {2500, 7500}}, 100000, 7500, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sets []*distinct
			for i, r := range tc.ranges {
				d := &distinct{}
				fill(d, r[0], r[1], &budget{max: tc.budgets[i]})
				sets = append(sets, d)
			}
			got, exact := mergeDistinct(sets, tc.mergeMax)
			if exact != tc.exact || (exact && got != tc.want) || math.Abs(float64(got-tc.want))/float64(tc.want) > 0.03 {
				t.Fatalf("%d (exact %v), want %d (%v)", got, exact, tc.want, tc.exact)
			}
		})
	}
}

// TestMergePeople: records counted by several workers and merged count
// the people that one union-find over all records counts, a person seen
// by two workers once.
func TestMergePeople(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	// 3000 records of 1000 people, each with one to three of its
	// person's identifiers (5 per person).
	records := make([][]uint64, 3000)
	for i := range records {
		person := uint64(r.Intn(1000))
		for k := 0; k < 1+r.Intn(3); k++ {
			records[i] = append(records[i], (person*5+uint64(r.Intn(5)))<<1|1)
		}
	}
	var one people
	for _, rec := range records {
		one.add(rec, &budget{max: 1 << 20}, true)
	}
	want, _ := one.count()
	tests := []struct {
		name    string
		workers int
		budget  int // each worker's
		exact   bool
	}{
		{"one worker", 1, 1 << 20, true},
		{"two workers", 2, 1 << 20, true},
		{"seven workers", 7, 1 << 20, true},
		{"workers past their budget", 3, 800, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := make([]*people, tc.workers)
			bs := make([]budget, tc.workers)
			for k := range ps {
				ps[k] = &people{}
				bs[k] = budget{max: tc.budget}
			}
			for i, rec := range records {
				k := r.Intn(tc.workers)
				if tc.budget < 1<<20 {
					k = i % tc.workers
				}
				ps[k].add(rec, &bs[k], true)
			}
			got, exact := mergePeople(ps, tc.budget*tc.workers).count()
			if exact != tc.exact {
				t.Fatalf("exact %v, want %v", exact, tc.exact)
			}
			// Past the budget a person counts once per main identifier:
			// more than the people, fewer than the identifiers.
			if exact && got != want || !exact && (float64(got) < 0.97*float64(want) || got > 5000) {
				t.Fatalf("%d people, want %d", got, want)
			}
		})
	}
}

// TestPeopleDistinct: the people's union-find counts the distinct
// identifiers of each kind by their tag, exactly within the budget, by
// sketch past it, and across workers merged either way.
func TestPeopleDistinct(t *testing.T) {
	r := rand.New(rand.NewSource(6))
	// 20000 records of one to three identifiers drawn from pools of
	// 6000 NIRs, 9000 e-mail addresses and 3000 phone numbers.
	pools := map[uint64]int{idTag(domNIR): 6000, idTag(domEmail): 9000, idTag(domPhone): 3000}
	tags := []uint64{idTag(domNIR), idTag(domEmail), idTag(domPhone)}
	seen := map[uint64]map[uint64]bool{}
	records := make([][]uint64, 20000)
	for i := range records {
		for k := 0; k < 1+r.Intn(3); k++ {
			tag := tags[r.Intn(len(tags))]
			x := (uint64(r.Intn(pools[tag]))+1)*0x9E3779B97F4A7C15&^tagMask | tag
			records[i] = append(records[i], x)
			if seen[tag] == nil {
				seen[tag] = map[uint64]bool{}
			}
			seen[tag][x] = true
		}
	}
	for _, tc := range []struct {
		name    string
		workers int
		budget  int // each worker's and the merge's
		exact   bool
	}{
		{"one worker", 1, 1 << 20, true},
		{"three workers", 3, 1 << 20, true},
		{"one worker past its budget", 1, 5000, false},
		{"three workers past their budget", 3, 3000, false},
		{"three workers, merged past the budget", 3, 9000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := make([]*people, tc.workers)
			bs := make([]budget, tc.workers)
			for k := range ps {
				ps[k], bs[k] = &people{}, budget{max: tc.budget}
			}
			for i, rec := range records {
				ps[i%tc.workers].add(rec, &bs[i%tc.workers], true)
			}
			all := mergePeople(ps, tc.budget)
			for _, tag := range tags {
				want := len(seen[tag])
				got, exact := all.distinct(tag)
				if exact != tc.exact || exact && got != int64(want) || math.Abs(float64(got)-float64(want))/float64(want) > 0.03 {
					t.Errorf("tag %d: %d distinct (exact %v), want %d (%v)", tag, got, exact, want, tc.exact)
				}
			}
			if got, exact := all.distinct(idTag(domPerson)); got != 0 || !exact {
				t.Errorf("names with dates of birth: %d (exact %v), none filed", got, exact)
			}
		})
	}
}

// TestReserve: a batch filed after reserve never grows the table, and
// the set counts what it would have counted without.
func TestReserve(t *testing.T) {
	r := rand.New(rand.NewSource(4))
	var buckets [1 << bucketBits]int32
	var with, without distinct
	bw, bo := &budget{max: 1 << 20}, &budget{max: 1 << 20}
	var order []uint64
	pool := randomHashes(r, 30000)
	for batch := 0; batch < 20; batch++ {
		vals := make([]uint64, 5000)
		for i := range vals {
			vals[i] = pool[r.Intn(len(pool))] // repeats across batches
		}
		order = byTopBits(order, vals, &buckets)
		with.reserve(len(order), bw)
		size := len(with.exact.slots)
		for _, x := range order {
			with.add(x, bw)
			without.add(x, bo)
		}
		if len(with.exact.slots) != size {
			t.Fatalf("batch %d: the table grew from %d to %d slots", batch, size, len(with.exact.slots))
		}
	}
	a, _ := with.count()
	b, _ := without.count()
	if a != b || a == 0 {
		t.Fatalf("%d distinct with reserve, %d without", a, b)
	}
	// Past the budget, reserve asks for no more than the budget holds.
	small := &budget{max: 100}
	var d distinct
	d.reserve(1<<20, small)
	if len(d.exact.slots) > 256 {
		t.Fatalf("%d slots reserved for a budget of 100", len(d.exact.slots))
	}
}

// TestPeopleBatch: groups filed in batches count the people that the same
// groups filed one by one count, within the budget and past it.
func TestPeopleBatch(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	pool := randomHashes(r, 4000)
	var groups []uint64
	for i := 0; i < 6000; i++ {
		for k := 0; k < 1+r.Intn(3); k++ {
			groups = append(groups, pool[r.Intn(len(pool))])
		}
		groups = append(groups, 0)
	}
	for _, max := range []int{1 << 20, 2000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			var one, batched people
			b1, b2 := &budget{max: max}, &budget{max: max}
			start := 0
			for i, x := range groups {
				if x == 0 {
					one.add(groups[start:i], b1, true)
					start = i + 1
				}
			}
			var s peopleBatch
			for start := 0; start < len(groups); {
				end := min(start+1000, len(groups))
				for groups[end-1] != 0 {
					end++
				}
				batched.addBatch(groups[start:end], b2, &s)
				start = end
			}
			w, we := one.count()
			g, ge := batched.count()
			if we != ge || we && g != w || !we && math.Abs(float64(g-w))/float64(w) > 0.05 {
				t.Fatalf("batched: %d (exact %v), one by one: %d (exact %v)", g, ge, w, we)
			}
			if max == 1<<20 && (!ge || b2.used != b1.used) {
				t.Fatalf("budget used %d, one by one %d", b2.used, b1.used)
			}
		})
	}
}

// BenchmarkMerge: the counts of two workers merged, 256Ki distinct
// hashes and as many people of two identifiers each: all met by the
// second worker (the first scanned nothing, as when one file goes to
// one worker), or half by each.
func BenchmarkMerge(b *testing.B) {
	const n = 1 << 18
	for _, split := range []struct {
		name  string
		first uint64 // hashes the first worker met
	}{{"into empty", 0}, {"halves", n / 2}} {
		b.Run(split.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ds := []*distinct{{}, {}}
				ps := []*people{{}, {}}
				for i := uint64(1); i <= n; i++ {
					w := 1
					if i <= split.first {
						w = 0
					}
					ds[w].add(i*0x9E3779B97F4A7C15|1, &budget{max: 1 << 30})
					ps[w].add([]uint64{i*0x9E3779B97F4A7C15 | 1, i*0xC2B2AE3D27D4EB4F | 1}, &budget{max: 1 << 30}, true)
				}
				b.StartTimer()
				if got, _ := mergeDistinct(ds, 1<<30); got != n {
					b.Fatalf("%d distinct, want %d", got, n)
				}
				if got, _ := mergePeople(ps, 1<<30).count(); got != n {
					b.Fatalf("%d people, want %d", got, n)
				}
			}
		})
	}
}

// TestPeopleNodesDouble: the nodes' arrays take the index's capacity,
// which doubles, instead of growing by append: their copies into fresh
// memory stay near twice their size (BenchmarkPeopleFile).
func TestPeopleNodesDouble(t *testing.T) {
	var p people
	b := &budget{max: 1 << 20}
	grows := 0
	for i := uint64(1); i <= 100000; i++ {
		c := cap(p.parent)
		p.add([]uint64{i*0x9E3779B97F4A7C15&^tagMask | 1}, b, true)
		if cap(p.parent) != c {
			grows++
			if cap(p.parent) != p.node.capacity() || cap(p.links) != cap(p.parent) {
				t.Fatalf("at %d nodes: capacities %d and %d, the index's %d", len(p.parent), cap(p.parent), cap(p.links), p.node.capacity())
			}
		}
	}
	if grows > 16 { // 13 by doubling from 48; some 35 by append
		t.Fatalf("the nodes' arrays grew %d times for 100,000 nodes", grows)
	}
}

// BenchmarkPeopleFile: 158,000 people of two identifiers each, each
// met four times, filed in batches as a worker files them: the people of
// the order table. It reports the page faults of an iteration that
// starts with the memory given back to the system, as a scan's process
// does: the tables' growth faults in fresh pages, which cost the scan
// more than their lookups (docs/PERFORMANCE.md).
func BenchmarkPeopleFile(b *testing.B) {
	r := rand.New(rand.NewSource(1))
	const nPeople = 158000
	ids := make([][2]uint64, nPeople)
	for i := range ids {
		ids[i] = [2]uint64{r.Uint64()&^7 | 2, r.Uint64()&^7 | 3}
	}
	var groups []uint64
	for range 4 {
		for _, id := range ids {
			groups = append(groups, id[0], id[1], 0)
		}
	}
	var faults int64
	for b.Loop() {
		b.StopTimer()
		debug.FreeOSMemory()
		before := minorFaults(b)
		b.StartTimer()
		p, bud, s := &people{}, &budget{max: 1 << 24}, &peopleBatch{}
		const step = peopleBatchLen / 3 * 3 // whole groups
		for i := 0; i < len(groups); i += step {
			p.addBatch(groups[i:min(i+step, len(groups))], bud, s)
		}
		b.StopTimer()
		faults += minorFaults(b) - before
		if c, _ := p.count(); c != nPeople {
			b.Fatal(c)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
}

// TestPeoplePresize: the people's index that must grow grows at once to
// the identifiers the input projects, within the budget, and the counts
// are those of an index that doubles.
func TestPeoplePresize(t *testing.T) {
	r := rand.New(rand.NewSource(9))
	var groups []uint64
	for i := 0; i < 120000; i++ {
		groups = append(groups, r.Uint64()|1, r.Uint64()|1, 0)
	}
	for _, expect := range []int{0, 240000, 1 << 30} {
		t.Run(fmt.Sprint(expect), func(t *testing.T) {
			var doubling, presized people
			b1, b2 := &budget{max: 1 << 20}, &budget{max: 1 << 20}
			var s1, s2 peopleBatch
			sizes := map[int]bool{}
			for start := 0; start < len(groups); start += 3 * 2000 {
				end := min(start+3*2000, len(groups))
				doubling.addBatch(groups[start:end], b1, &s1)
				presized.expect = expect
				presized.addBatch(groups[start:end], b2, &s2)
				sizes[len(presized.node.keys)] = true
			}
			w, we := doubling.count()
			if p, pe := presized.count(); p != w || pe != we {
				t.Fatalf("presized: %d people (exact %v), doubling: %d (%v)", p, pe, w, we)
			}
			// Doubling, the index takes seven sizes from 8,192 slots to
			// 524,288; presized, it jumps to its projection at once.
			checkPresized(t, expect, len(presized.node.keys), len(doubling.node.keys), sizes)
		})
	}
}

// TestProjected: the identifiers an input projects, from a thirty-second
// of it on.
func TestProjected(t *testing.T) {
	s := &scan{total: 3200}
	for _, tc := range []struct {
		read    int64
		n, want int
	}{{0, 10, 0}, {99, 10, 0}, {100, 10, 320}, {1600, 10, 20}, {3200, 10, 10}} {
		s.read.Store(tc.read)
		if got := s.projected(tc.n); got != tc.want {
			t.Fatalf("read %d of 3200, %d met: projected %d, want %d", tc.read, tc.n, got, tc.want)
		}
	}
	if got := (&scan{}).projected(10); got != 0 {
		t.Fatalf("no files: projected %d", got)
	}
}
