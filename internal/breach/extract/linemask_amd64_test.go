package extract

import "golang.org/x/sys/cpu"

// archMaskBlocks are maskBlocks' versions for this processor's
// instructions, each held to the oracle whichever maskBlocks chooses.
func archMaskBlocks(p []byte, n int, comma, quote byte) []maskImpl {
	u8 := make([]uint64, n+1)
	impls := []maskImpl{{"maskBlocksSSE2", func(cm, sp []uint64) int { return maskBlocksSSE2(&p[0], n, comma, quote, &cm[0], &sp[0], &u8[0]) }}}
	if cpu.X86.HasAVX2 {
		impls = append(impls, maskImpl{"maskBlocksAVX2", func(cm, sp []uint64) int { return maskBlocksAVX2(&p[0], n, comma, quote, &cm[0], &sp[0], &u8[0]) }})
	}
	return impls
}

// vouches tells whether u8 marks fewer bytes than sp.
func vouches() bool { return cpu.X86.HasAVX2 }
