// Package swar tests the eight bytes of a 64-bit word at once (SIMD
// within a register): where a loop over bytes would ask of each whether
// it goes on, a branch each, a word's marks answer for eight. Each test
// returns a word with a mark, 0x80, in every byte that passes and 0 in
// the others; words are read little-endian, byte b of a word being the
// b-th byte of the text. The tests are exact: a byte's mark never
// depends on its neighbours.
package swar

import "encoding/binary"

const (
	Ones = 0x0101010101010101 // a 1 in each byte; Ones*c repeats c
	High = 0x8080808080808080 // each byte's top bit, where marks are
)

// Zero marks the zero bytes of x. Adding 0x7F to a byte's low seven bits
// sets its top bit unless they are all zero; that sum never carries into
// the next byte, as a subtraction would borrow.
func Zero(x uint64) uint64 {
	const low = 0x7F7F7F7F7F7F7F7F
	return ^((x&low + low) | x | low)
}

// Equal marks the bytes of w equal to c.
func Equal(w uint64, c byte) uint64 { return Zero(w ^ Ones*uint64(c)) }

// Range marks the bytes of w from lo to hi, both ASCII (lo <= hi <
// 0x80): a byte below 0x80 is in the range when adding 0x80-lo sets its
// top bit and adding 0x80-hi-1 does not.
func Range(w uint64, lo, hi byte) uint64 {
	low := w &^ High
	return (low + (0x80-uint64(lo))*Ones) &^ (low + (0x7F-uint64(hi))*Ones) &^ w & High
}

// Digits marks the ASCII digits of w.
func Digits(w uint64) uint64 { return Range(w, '0', '9') }

// Letters marks the ASCII letters of w: a byte below 0x80 is one when
// its small letter, which setting 0x20 makes, is from 'a' to 'z'.
func Letters(w uint64) uint64 { return Range(w|0x20*Ones, 'a', 'z') }

// Bits gathers marks into a bit a byte: bit b for byte b. One
// multiplication moves the eight marks into the top byte, the products
// of distinct bits never meeting, so nothing carries.
func Bits(marks uint64) uint64 { return (marks >> 7) * 0x0102040810204080 >> 56 }

// Load returns the first 8 bytes of b as a word, byte i of b in byte i;
// a shorter b leaves the bytes past its length zero. Short values are read in at most two
// loads that overlap, the bytes read twice being ORed with themselves.
func Load(b []byte) uint64 {
	n := len(b)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(b)
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4))
	case n > 0:
		return uint64(b[0]) | uint64(b[n/2])<<(8*(n/2)) | uint64(b[n-1])<<(8*(n-1))
	}
	return 0
}
