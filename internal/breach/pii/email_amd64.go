package pii

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// emailAtCell is emailAt of a table's cell: from the masks of its bytes
// (emailMaskSet.at) where the processor has AVX2, else byte by byte. It
// also writes v lower-cased (ASCII letters) to the start of lower, which
// has room for max(len(v), 64) bytes.
func emailAtCell(v, lower []byte) int {
	n := len(v)
	if n == 0 || n > 64 || !cpu.X86.HasAVX2 {
		appendLower(lower[:0], v)
		return emailAt(v)
	}
	lower = lower[:64]
	var m emailMaskSet
	if uintptr(unsafe.Pointer(&v[0]))&4095 <= 4096-64 {
		// The masks read 32 or 64 bytes from v, past its end but within
		// its page, which is mapped; the bits past it are dropped.
		// Copied first, v's bytes were stored a few at a time and read
		// back 32 at a time, which waited for the stores to complete.
		emailMasksAVX2(&v[0], n, &m, &lower[0])
	} else {
		var buf [64]byte
		copy(buf[:], v)
		emailMasksAVX2(&buf[0], n, &m, &lower[0])
	}
	return m.at(n)
}

// emailMasksAVX2 sets in m the masks of the n bytes from p (m zero), and
// writes them lower-cased to lower, reading and writing 32 bytes, or 64
// when n is more than 32; the masks of the bytes past n are set too, to
// be dropped.
//
//go:noescape
func emailMasksAVX2(p *byte, n int, m *emailMaskSet, lower *byte)
