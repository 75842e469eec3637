//go:build !amd64

package pii

// triggerBlocks sets out[k] to the trigger bits of the 64 bytes of block
// k of p, for the len(out) blocks.
func triggerBlocks(p []byte, out []uint64) { triggerBlocksGo(p, out) }
