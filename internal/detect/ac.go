package detect

// automaton is an Aho-Corasick automaton compiled to a dense DFA over byte
// classes. Bytes that occur in no literal share class 0, and upper- and
// lower-case ASCII letters share a class, so a scan folds ASCII case for
// free and the table stays small: states × classes × 4 bytes.
type automaton struct {
	cls  [256]uint8
	ncls int
	// delta[row + class], where row = state*ncls, holds the next state's
	// row <<1 | 1 if literals end there: no multiplication in the scan.
	delta []int32
	// out[outIdx[s]:outIdx[s+1]] are the literal ids that end at state s.
	outIdx []int32
	out    []int32
	// pairs, when not nil, has bit a<<8|b set for the first two bytes ab
	// of each literal, in either case. With few literals most positions
	// of a value start none: testing the pair (one load of an 8 KB table
	// indexed by the bytes themselves) has no dependency from one byte to
	// the next, unlike a DFA step, and the automaton only runs from the
	// few positions that pass (see startAt).
	pairs *[1024]uint64
	// depthRow[d] is the row of the first state of depth d (states are
	// numbered breadth-first), so a run from a start position is still on
	// a literal's path after d bytes exactly when its row is at least
	// depthRow[d].
	depthRow []int32
}

// maxPairs is the most distinct first pairs a set of literals may have for
// the pair test: measured on the Windows mix, sets with up to about 40
// pairs (the keyword literals, hashes) pass 1–15 % of positions, and the
// test then beats the DFA step 2–4 times; sets with hundreds of pairs
// (command lines, paths) pass 20–75 % and the DFA alone is faster.
const maxPairs = 40

// buildAutomaton compiles literals (lower case); literal i is reported as
// ids[i].
func buildAutomaton(lits []string, ids []int32) *automaton {
	a := &automaton{}
	next := uint8(1)
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			c := l[i]
			if a.cls[c] == 0 {
				a.cls[c] = next
				next++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.cls[c] = a.cls[c+'a'-'A']
	}
	a.ncls = int(next)
	n := a.ncls
	// The trie first, its edges listed per state, then its dense rows
	// (-1 marks a missing edge until the BFS below): growing the rows
	// one state at a time copied the table over and over.
	type edge struct {
		c  uint8
		to int32
	}
	kids := [][]edge{nil}
	outs := [][]int32{nil}
	for li, l := range lits {
		s := int32(0)
	next:
		for i := 0; i < len(l); i++ {
			c := a.cls[l[i]]
			for _, e := range kids[s] {
				if e.c == c {
					s = e.to
					continue next
				}
			}
			t := int32(len(outs))
			kids[s] = append(kids[s], edge{c, t})
			kids = append(kids, nil)
			outs = append(outs, nil)
			s = t
		}
		outs[s] = append(outs[s], ids[li])
	}
	delta := make([]int32, len(outs)*n)
	for i := range delta {
		delta[i] = -1
	}
	for s, es := range kids {
		for _, e := range es {
			delta[s*n+int(e.c)] = e.to
		}
	}
	kids = nil
	// Breadth-first: fill missing edges from the failure state, whose row
	// is already complete, and inherit its outputs.
	fail := make([]int32, len(outs))
	depth := make([]int32, len(outs))
	queue := make([]int32, 0, len(outs))
	for c := 0; c < n; c++ {
		t := delta[c]
		if t < 0 {
			delta[c] = 0
		} else {
			fail[t] = 0
			depth[t] = 1
			queue = append(queue, t)
		}
	}
	for q := 0; q < len(queue); q++ {
		s := queue[q]
		f := fail[s]
		outs[s] = append(outs[s], outs[f]...)
		for c := 0; c < n; c++ {
			t := delta[int(s)*n+c]
			if t < 0 {
				delta[int(s)*n+c] = delta[int(f)*n+c]
			} else {
				fail[t] = delta[int(f)*n+c]
				depth[t] = depth[s] + 1
				queue = append(queue, t)
			}
		}
	}
	// Renumber states breadth-first: a scan spends nearly all its time in
	// the shallow states, which then share cache lines and pages.
	order := append([]int32{0}, queue...)
	newID := make([]int32, len(outs))
	for i, old := range order {
		newID[old] = int32(i)
	}
	a.delta = make([]int32, len(delta))
	a.outIdx = make([]int32, len(outs)+1)
	for i, old := range order {
		o := outs[old]
		a.outIdx[i+1] = a.outIdx[i] + int32(len(o))
		a.out = append(a.out, o...)
		for c := 0; c < n; c++ {
			t := delta[int(old)*n+c]
			v := newID[t] * int32(n) << 1
			if len(outs[t]) > 0 {
				v |= 1
			}
			a.delta[i*n+c] = v
		}
		if d := int(depth[old]); d == len(a.depthRow) {
			a.depthRow = append(a.depthRow, int32(i*n))
		}
	}
	a.pairs = a.buildPairs(lits)
	return a
}

// buildPairs returns the first-pair bitmap of lits, or nil when the pair
// test would not pay (too many pairs) or cannot work (a literal shorter
// than two bytes).
func (a *automaton) buildPairs(lits []string) *[1024]uint64 {
	n := a.ncls
	classes := make([]bool, n*n)
	count := 0
	for _, l := range lits {
		if len(l) < 2 {
			return nil
		}
		k := int(a.cls[l[0]])*n + int(a.cls[l[1]])
		if !classes[k] {
			classes[k] = true
			count++
		}
	}
	if count > maxPairs {
		return nil
	}
	// Bytes of class 0 start no literal: only the bytes of the literals'
	// classes (both cases of letters) are paired.
	var in []int
	for c := 0; c < 256; c++ {
		if a.cls[c] != 0 {
			in = append(in, c)
		}
	}
	pairs := new([1024]uint64)
	for _, x := range in {
		for _, y := range in {
			if classes[int(a.cls[x])*n+int(a.cls[y])] {
				k := x<<8 | y
				pairs[k>>6] |= 1 << (k & 63)
			}
		}
	}
	return pairs
}

// scan runs text through the automaton and records the literals found in
// h. It reports whether text holds non-ASCII bytes: their lower case may be
// ASCII (the Kelvin sign is k), so the caller scans the lowered text too.
func (a *automaton) scan(text string, h *hits) (nonASCII bool) {
	if a.pairs != nil {
		return a.scanPairs(text, h)
	}
	row := int32(0)
	n := int32(a.ncls)
	delta := a.delta
	cls := &a.cls
	var acc byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		acc |= c
		v := delta[row+int32(cls[c])]
		row = v >> 1
		if v&1 != 0 {
			s := row / n
			h.add(a.out[a.outIdx[s]:a.outIdx[s+1]])
		}
	}
	return acc >= 0x80
}

// scanPairs is scan for automata with a pair bitmap: the automaton runs
// only from positions whose first two bytes start a literal.
func (a *automaton) scanPairs(text string, h *hits) (nonASCII bool) {
	if len(text) < 2 {
		return len(text) == 1 && text[0] >= 0x80
	}
	pairs := a.pairs
	acc := text[0]
	k := uint16(text[0])
	for i := 1; i < len(text); i++ {
		c := text[i]
		acc |= c
		k = k<<8 | uint16(c)
		if pairs[k>>6]&(1<<(k&63)) != 0 {
			a.startAt(text, i-1, h)
		}
	}
	return acc >= 0x80
}

// startAt runs the automaton from the root over text[i:] while the bytes
// read are a prefix of some literal, recording the literals that end on
// the way (with h nil it only reports whether one does). A literal that
// starts at i is such a path; literals ending there that start later are
// genuine occurrences too, and are found again from their own start.
func (a *automaton) startAt(text string, i int, h *hits) bool {
	row := int32(0)
	n := int32(a.ncls)
	for d := 1; i < len(text) && d < len(a.depthRow); i, d = i+1, d+1 {
		v := a.delta[row+int32(a.cls[text[i]])]
		row = v >> 1
		if row < a.depthRow[d] {
			return false
		}
		if v&1 != 0 {
			if h == nil {
				return true
			}
			s := row / n
			h.add(a.out[a.outIdx[s]:a.outIdx[s+1]])
		}
	}
	return false
}

// contains reports whether text holds any of the literals.
func (a *automaton) contains(text string) bool {
	if a.pairs != nil {
		return a.containsPairs(text)
	}
	row := int32(0)
	for i := 0; i < len(text); i++ {
		v := a.delta[row+int32(a.cls[text[i]])]
		if v&1 != 0 {
			return true
		}
		row = v >> 1
	}
	return false
}

func (a *automaton) containsPairs(text string) bool {
	pairs := a.pairs
	for i := 0; i+1 < len(text); i++ {
		k := uint16(text[i])<<8 | uint16(text[i+1])
		if pairs[k>>6]&(1<<(k&63)) != 0 && a.startAt(text, i, nil) {
			return true
		}
	}
	return false
}

// hits collects the distinct literal ids seen in one event.
type hits struct {
	seen []uint64
	ids  []int32
}

func (h *hits) reset(nlits int) {
	for _, id := range h.ids {
		h.seen[id>>6] = 0
	}
	h.ids = h.ids[:0]
	if w := (nlits + 63) / 64; len(h.seen) < w {
		h.seen = make([]uint64, w)
	}
}

func (h *hits) add(ids []int32) {
	for _, id := range ids {
		w, b := id>>6, uint64(1)<<(id&63)
		if h.seen[w]&b == 0 {
			h.seen[w] |= b
			h.ids = append(h.ids, id)
		}
	}
}

func (a *automaton) states() int { return len(a.delta) / a.ncls }
