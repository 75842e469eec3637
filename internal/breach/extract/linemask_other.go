//go:build !amd64

package extract

import "unsafe"

// maskBlocks: see maskBlocksGo.
func maskBlocks(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int {
	return maskBlocksGo(unsafe.Slice(p, 64*n), n, comma, quote, unsafe.Slice(cm, n), unsafe.Slice(sp, n), unsafe.Slice(u8, n))
}
