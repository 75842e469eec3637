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
	// A trie whose nodes list their edges (most have one or two): maps
	// per node made building the corpus's long lists slow.
	type edge struct {
		c  byte
		to int32
	}
	type node struct {
		kids  []edge
		final bool
	}
	nodes := []node{{}}
	for _, l := range lits {
		s := int32(0)
		for i := 0; i < len(l); i++ {
			t := int32(-1)
			for _, e := range nodes[s].kids {
				if e.c == l[i] {
					t = e.to
					break
				}
			}
			if t < 0 {
				t = int32(len(nodes))
				nodes[s].kids = append(nodes[s].kids, edge{l[i], t})
				nodes = append(nodes, node{})
			}
			s = t
		}
		nodes[s].final = true
	}
	for i := range nodes {
		sort.Slice(nodes[i].kids, func(a, b int) bool { return nodes[i].kids[a].c < nodes[i].kids[b].c })
	}
	// Breadth-first numbering keeps the edges of a state together.
	a := &sparseAC{}
	order := []int32{0}
	newID := make([]int32, len(nodes))
	for q := 0; q < len(order); q++ {
		for _, e := range nodes[order[q]].kids {
			newID[e.to] = int32(len(order))
			order = append(order, e.to)
		}
	}
	n := len(order)
	a.first = make([]int32, n+1)
	a.fail = make([]int32, n)
	a.final = make([]bool, n)
	a.label = make([]byte, 0, n-1)
	a.to = make([]int32, 0, n-1)
	for i, old := range order {
		for _, e := range nodes[old].kids {
			a.label = append(a.label, e.c)
			a.to = append(a.to, newID[e.to])
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
