package pii

import "tocsin/internal/swar"

// Eight bytes at a time (internal/swar): a loop over a run of digits or
// letters asks of each byte whether it goes on, a branch each, where a
// word's marks answer for eight.

// parse8 reads the eight ASCII digits of w, the first the most
// significant: each step joins neighbours into numbers of twice as many
// digits, with no carry from one into the next.
func parse8(w uint64) uint64 {
	w -= '0' * swar.Ones
	w = (w*10 + w>>8) & 0x00FF00FF00FF00FF
	w = (w*100 + w>>16) & 0x0000FFFF0000FFFF
	return (w*10000 + w>>32) & 0xFFFFFFFF
}

// runDigits8 marks the bytes of w that a NIR's or a card's digits may
// be: ASCII digits, and the 'A' and 'B' of Corsica.
func runDigits8(w uint64) uint64 { return swar.Digits(w) | swar.Range(w, 'A', 'B') }

// runSeps8 marks the bytes of w that may join the groups of a NIR or a
// card: spaces, dots and dashes.
func runSeps8(w uint64) uint64 {
	return swar.Equal(w, ' ') | swar.Equal(w, '.') | swar.Equal(w, '-')
}

// lower8 lower-cases the ASCII capitals of w: a capital's mark, shifted
// down, is the case bit 0x20.
func lower8(w uint64) uint64 { return w | swar.Range(w, 'A', 'Z')>>2 }
