package pii

import "golang.org/x/sys/cpu"

// emailAtCell is emailAt of a table's cell: from the masks of its bytes
// (emailMaskSet.at) where the processor has AVX2, else byte by byte.
func emailAtCell(v []byte) int {
	if len(v) > 64 || !cpu.X86.HasAVX2 {
		return emailAt(v)
	}
	var buf [64]byte
	copy(buf[:], v)
	var m emailMaskSet
	emailMasksAVX2(&buf, len(v), &m)
	return m.at(len(v))
}

// emailMasksAVX2 sets in m the masks of p's first n bytes (m zero; the
// masks of the next bytes up to 32 or 64 are set too, to be dropped).
//
//go:noescape
func emailMasksAVX2(p *[64]byte, n int, m *emailMaskSet)
