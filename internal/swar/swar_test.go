package swar

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// check holds a test to a byte loop on w.
func check(t *testing.T, name string, w, got uint64, want func(c byte) bool) {
	t.Helper()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], w)
	var exp uint64
	for i, c := range b {
		if want(c) {
			exp |= 0x80 << (8 * i)
		}
	}
	if got != exp {
		t.Fatalf("%s(%q) = %#x, want %#x", name, b, got, exp)
	}
}

func checkAll(t *testing.T, w uint64) {
	check(t, "Zero", w, Zero(w), func(c byte) bool { return c == 0 })
	check(t, "Equal", w, Equal(w, ';'), func(c byte) bool { return c == ';' })
	check(t, "Digits", w, Digits(w), func(c byte) bool { return c >= '0' && c <= '9' })
	check(t, "Range", w, Range(w, 'A', 'Z'), func(c byte) bool { return c >= 'A' && c <= 'Z' })
	check(t, "Range", w, Range(w, 0, 0x7F), func(c byte) bool { return c < 0x80 })
	check(t, "Letters", w, Letters(w), func(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' })
	m := Digits(w)
	var bits uint64
	for i := 0; i < 8; i++ {
		if m>>(8*i+7)&1 == 1 {
			bits |= 1 << i
		}
	}
	if Bits(m) != bits {
		t.Fatalf("Bits(%#x) = %#b, want %#b", m, Bits(m), bits)
	}
}

// TestWords holds each test to a byte loop on words of the bytes at the
// edges of its ranges, and on random words.
func TestWords(t *testing.T) {
	edges := []byte{0, 1, '/', '0', '9', ':', ';', '@', 'A', 'Z', '[', '`', 'a', 'z', '{', 0x7F, 0x80, 0xB0, 0xC1, 0xDA, 0xE1, 0xFA, 0xFF}
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 200000; k++ {
		var b [8]byte
		for i := range b {
			if r.IntN(2) == 0 {
				b[i] = edges[r.IntN(len(edges))]
			} else {
				b[i] = byte(r.UintN(256))
			}
		}
		checkAll(t, binary.LittleEndian.Uint64(b[:]))
	}
}

func FuzzWords(f *testing.F) {
	f.Add(uint64(0x3930392f3a402f30))
	f.Fuzz(func(t *testing.T, w uint64) { checkAll(t, w) })
}

// TestLoad: every length up to 9 gives the bytes of b and zeros past them.
func TestLoad(t *testing.T) {
	b := []byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99}
	for n := 0; n <= len(b); n++ {
		var want [8]byte
		copy(want[:], b[:n])
		if got := Load(b[:n]); got != binary.LittleEndian.Uint64(want[:]) {
			t.Errorf("Load of %d bytes = %#x, want % x", n, got, want)
		}
	}
}
