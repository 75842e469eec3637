package pii

import (
	"encoding/binary"
	"math/bits"

	"tocsin/internal/swar"
)

// The sets of words a lexicon entry may belong to.
const (
	lexGiven        uint8 = 1 << iota // given names of the embedded list
	lexStreet                         // street types (rue, avenue, bd…)
	lexCivility                       // civilities, without the final dot
	lexParticle                       // surname particles (de, le, da, van…)
	lexNotSurname                     // capitalised words that follow a given name but are no surname
	lexEponym                         // places and institutions named after people (rue, école, stade…)
	lexOrganisation                   // words that start an organisation's name (mairie, société…)
)

// lexicon holds every folded word the text scan looks up, each with the
// sets it belongs to, so that one lookup answers for all of them. Most
// capitalised words of a text (Mozilla, Windows, Facture) are in none:
// a Bloom filter of 2^16 bits, which stays in the processor's cache,
// turns almost all of them away after one hash of the word, before the
// table is probed.
type lexicon struct {
	bloom [1 << 10]uint64
	slots []lexEntry
	mask  uint64
}

type lexEntry struct {
	word string // folded; "" marks an empty slot
	sets uint8
}

// lexWordMax is the longest word looked up, in bytes.
const lexWordMax = 48

// lexASCII folds the ASCII bytes of a word: letters to lower case, '-' and
// '\” kept. Every other byte maps to 0 and sends the word to appendFold.
var lexASCII = func() (t [256]byte) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-0x20] = byte(c), byte(c)
	}
	t['-'], t['\''] = '-', '\''
	return t
}()

func newLexicon(sets map[string]uint8) *lexicon {
	size := 64
	for size < 2*len(sets) {
		size *= 2
	}
	l := &lexicon{slots: make([]lexEntry, size), mask: uint64(size - 1)}
	for w, f := range sets {
		h := lexHash([]byte(w))
		l.bloom[h>>54] |= 1 << (h >> 48 & 63)
		for i := h & l.mask; ; i = (i + 1) & l.mask {
			if l.slots[i].word == "" {
				l.slots[i] = lexEntry{w, f}
				break
			}
		}
	}
	return l
}

// setsIn returns the sets of the word b[i:j], as sets does. A word of
// eight bytes or fewer, of ASCII letters, hyphens and apostrophes, with
// eight bytes of the text ending with it, is folded and hashed in one
// word: the eight bytes are read at once, those before the word shifted
// out.
func (l *lexicon) setsIn(b []byte, i, j int) uint8 {
	n := j - i
	if n <= 0 || n > 8 || j < 8 || j > len(b) {
		return l.sets(b[i:j])
	}
	v := binary.LittleEndian.Uint64(b[j-8:j]) >> (64 - 8*n)
	marks := swar.Letters(v) | swar.Equal(v, '-') | swar.Equal(v, '\'')
	if want := uint64(swar.High) >> (64 - 8*n); marks&want != want {
		return l.sets(b[i:j]) // accents, or other bytes
	}
	f := lower8(v)
	const m = 0x9E3779B97F4A7C15
	h := uint64(n) * m
	t := f
	if n == 8 {
		h, t = bits.RotateLeft64((h^t)*m, 29), 0
	}
	h = (h ^ t) * m
	h ^= h >> 31
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], f)
	return l.probe(h, buf[:n])
}

// sets returns the sets the word w (any case, accents or not) belongs to.
func (l *lexicon) sets(w []byte) uint8 {
	var buf [lexWordMax]byte
	if len(w) == 0 || len(w) > lexWordMax {
		return 0
	}
	// Fold and hash in one pass, as lexHash hashes the folded word.
	const m = 0x9E3779B97F4A7C15
	f := buf[:len(w)]
	h := uint64(len(w)) * m
	var t uint64
	for i, c := range w {
		x := lexASCII[c]
		if x == 0 {
			f = appendFold(buf[:0], w)
			h = lexHash(f)
			goto probe
		}
		f[i] = x
		t |= uint64(x) << (8 * (i & 7))
		if i&7 == 7 {
			h, t = bits.RotateLeft64((h^t)*m, 29), 0
		}
	}
	h = (h ^ t) * m
	h ^= h >> 31
probe:
	return l.probe(h, f)
}

// probe returns the sets of the folded word f of hash h.
func (l *lexicon) probe(h uint64, f []byte) uint8 {
	if l.bloom[h>>54]&(1<<(h>>48&63)) == 0 {
		return 0
	}
	for i := h & l.mask; ; i = (i + 1) & l.mask {
		e := &l.slots[i]
		if e.word == "" {
			return 0
		}
		if e.word == string(f) {
			return e.sets
		}
	}
}

// lexHash hashes a folded word 8 bytes at a time. The words come from
// the text being scanned, but a collision costs only a comparison: the
// entry's word is compared before it counts.
func lexHash(f []byte) uint64 {
	const m = 0x9E3779B97F4A7C15
	h := uint64(len(f)) * m
	for ; len(f) >= 8; f = f[8:] {
		h = bits.RotateLeft64((h^binary.LittleEndian.Uint64(f))*m, 29)
	}
	var t uint64
	for i, c := range f {
		t |= uint64(c) << (8 * i)
	}
	h = (h ^ t) * m
	return h ^ h>>31
}
