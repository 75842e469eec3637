package pii

import "golang.org/x/sys/cpu"

// triggerBlocks sets out[k] to the trigger bits of the 64 bytes of block
// k of p, for the len(out) blocks: 32 bytes a compare where the
// processor has AVX2, else 8 at a time.
func triggerBlocks(p []byte, out []uint64) {
	if len(out) > 0 && cpu.X86.HasAVX2 {
		_ = p[64*len(out)-1]
		triggerBlocksAVX2(&p[0], len(out), &out[0])
		return
	}
	triggerBlocksGo(p, out)
}

// triggerBlocksAVX2 is triggerBlocks with AVX2 instructions.
//
//go:noescape
func triggerBlocksAVX2(p *byte, n int, out *uint64)
