package extract

// maskBlocks makes, for each of n blocks of 64 bytes from p, the masks
// of its delimiters (comma) into cm and of its bytes that are quote or
// past ASCII into sp, a bit a byte, stopping after the first block that
// holds a newline; it returns that newline's index from p, or -1. It
// reads 64n bytes from p and writes up to n words to cm and sp. SSE2, in
// every amd64 processor: 16 bytes a compare.
//
//go:noescape
func maskBlocks(p *byte, n int, comma, quote byte, cm, sp *uint64) int
