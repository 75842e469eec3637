package detect

import "sort"

// sparseAC is an Aho-Corasick automaton kept as a trie with failure links:
// memory in proportion to the literals, where the dense automaton of the
// prefilter costs states × byte classes. It serves long `contains` lists,
// hundreds of which would not fit densely in the 150 MB budget. Texts and
// literals are both lower case.
type sparseAC struct {
	first []int32 // per state: its edges are edges[first[s]:first[s+1]]
	label []byte  // per edge: the byte, sorted within a state
	to    []int32 // per edge: the child state
	fail  []int32
	final []bool // a literal ends here or at a state its failure chain reaches
}

func buildSparse(lits []string) *sparseAC {
	type node struct {
		kids  map[byte]int32
		final bool
	}
	nodes := []node{{kids: map[byte]int32{}}}
	for _, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			t, ok := nodes[s].kids[l[i]]
			if !ok {
				t = int32(len(nodes))
				nodes[s].kids[l[i]] = t
				nodes = append(nodes, node{kids: map[byte]int32{}})
			}
			s = t
		}
		nodes[s].final = true
	}
	// Breadth-first numbering keeps the edges of a state together.
	a := &sparseAC{}
	order := []int32{0}
	newID := make([]int32, len(nodes))
	for q := 0; q < len(order); q++ {
		kids := nodes[order[q]].kids
		keys := make([]int, 0, len(kids))
		for b := range kids {
			keys = append(keys, int(b))
		}
		sort.Ints(keys)
		for _, b := range keys {
			newID[kids[byte(b)]] = int32(len(order))
			order = append(order, kids[byte(b)])
		}
	}
	n := len(order)
	a.first = make([]int32, n+1)
	a.fail = make([]int32, n)
	a.final = make([]bool, n)
	for i, old := range order {
		kids := nodes[old].kids
		keys := make([]int, 0, len(kids))
		for b := range kids {
			keys = append(keys, int(b))
		}
		sort.Ints(keys)
		for _, b := range keys {
			a.label = append(a.label, byte(b))
			a.to = append(a.to, newID[kids[byte(b)]])
		}
		a.first[i+1] = int32(len(a.label))
		a.final[i] = nodes[old].final
	}
	// Failure links, breadth-first (states are numbered in that order).
	for s := 0; s < n; s++ {
		for e := a.first[s]; e < a.first[s+1]; e++ {
			t := a.to[e]
			if s == 0 {
				a.fail[t] = 0
			} else {
				a.fail[t] = a.step(a.fail[s], a.label[e])
			}
			if a.final[a.fail[t]] {
				a.final[t] = true
			}
		}
	}
	return a
}

// next returns the child of s on byte c, or -1.
func (a *sparseAC) next(s int32, c byte) int32 {
	lo, hi := a.first[s], a.first[s+1]
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case a.label[m] == c:
			return a.to[m]
		case a.label[m] < c:
			lo = m + 1
		default:
			hi = m
		}
	}
	return -1
}

// step follows failure links until s has an edge on c.
func (a *sparseAC) step(s int32, c byte) int32 {
	for {
		if t := a.next(s, c); t >= 0 {
			return t
		}
		if s == 0 {
			return 0
		}
		s = a.fail[s]
	}
}

// contains reports whether text holds one of the literals.
func (a *sparseAC) contains(text string) bool {
	s := int32(0)
	for i := 0; i < len(text); i++ {
		s = a.step(s, text[i])
		if a.final[s] {
			return true
		}
	}
	return false
}
