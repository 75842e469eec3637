package pii

// Eight bytes at a time: a loop over a run of digits or letters asks of
// each byte whether it goes on, a branch each, where a word's masks
// answer for eight.
const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// digits8 marks (0x80 in the byte) the ASCII digits of w, little-endian.
// A byte below 0x80 is a digit when adding 0x80-'0' sets its top bit and
// adding 0x80-'9'-1 does not.
func digits8(w uint64) uint64 {
	low := w &^ hi8
	return (low + (0x80-'0')*lo8) &^ (low + (0x80-'9'-1)*lo8) &^ w & hi8
}

// parse8 reads the eight ASCII digits of w, the first the most
// significant: each step joins neighbours into numbers of twice as many
// digits, with no carry from one into the next.
func parse8(w uint64) uint64 {
	w -= '0' * lo8
	w = (w*10 + w>>8) & 0x00FF00FF00FF00FF
	w = (w*100 + w>>16) & 0x0000FFFF0000FFFF
	return (w*10000 + w>>32) & 0xFFFFFFFF
}

// runDigits8 marks the bytes of w that a NIR's or a card's digits may
// be: ASCII digits, and the 'A' and 'B' of Corsica.
func runDigits8(w uint64) uint64 {
	low := w &^ hi8
	ab := (low + (0x80-'A')*lo8) &^ (low + (0x80-'B'-1)*lo8)
	return digits8(w) | ab&^w&hi8
}

// runSeps8 marks the bytes of w that may join the groups of a NIR or a
// card: spaces, dots and dashes, each an exact zero byte of w XOR it.
func runSeps8(w uint64) uint64 {
	return zeroBytes8(w^' '*lo8) | zeroBytes8(w^'.'*lo8) | zeroBytes8(w^'-'*lo8)
}

// zeroBytes8 marks the zero bytes of x, exactly (no borrow into the next
// byte).
func zeroBytes8(x uint64) uint64 {
	const low = 0x7F7F7F7F7F7F7F7F
	return ^((x&low + low) | x | low)
}

// letters8 marks the ASCII letters of w: a byte below 0x80 is one when
// its small letter, which setting 0x20 makes, is from 'a' to 'z'.
func letters8(w uint64) uint64 {
	folded := w&^hi8 | 0x20*lo8
	return (folded + (0x80-'a')*lo8) &^ (folded + (0x80-'z'-1)*lo8) &^ w & hi8
}

// lower8 lower-cases the ASCII capitals of w. A byte below 0x80 is one
// when adding 0x80-'A' to it sets its top bit and adding 0x80-'Z'-1 does
// not; shifted down, that bit is the case bit 0x20.
func lower8(w uint64) uint64 {
	low := w &^ hi8
	up := (low + (0x80-'A')*lo8) &^ (low + (0x80-'Z'-1)*lo8) &^ w & hi8
	return w | up>>2
}
