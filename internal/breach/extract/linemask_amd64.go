package extract

import "golang.org/x/sys/cpu"

// maskBlocks makes, for each of n blocks of 64 bytes from p, the masks
// of its delimiters (comma) into cm and of its bytes that are quote or
// past ASCII into sp, a bit a byte, stopping after the first block that
// holds a newline; it returns that newline's index from p, or -1. It
// reads 64n bytes from p and writes up to n words to cm and sp: with
// AVX2, 32 bytes a compare, else with SSE2, in every amd64 processor, 16.
func maskBlocks(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int {
	if cpu.X86.HasAVX2 {
		return maskBlocksAVX2(p, n, comma, quote, cm, sp, u8)
	}
	return maskBlocksSSE2(p, n, comma, quote, cm, sp, u8)
}

// maskBlocksAVX2 is maskBlocks with AVX2 instructions.
//
//go:noescape
func maskBlocksAVX2(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int

// maskBlocksSSE2 is maskBlocks with SSE2 instructions.
//
//go:noescape
func maskBlocksSSE2(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int
