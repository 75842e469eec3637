package breach

import (
	"unsafe"

	"tocsin/internal/breach/extract"
)

// markExact is markTrusted's loop for a column that shapes exactly. The
// values of up to 24 bytes, most of a table's codes, are shaped, hashed
// and looked up in assembly (markShort), which the Go compiler's loop
// took three times the instructions to do: its constants and the row's
// slices did not fit its registers beside the hash. A longer value stops
// the assembly; markExactGo takes it, and the assembly goes on after it.
func markExact(k *shapeSecret, s *shapeSet, rows []extract.LineRow, ci int, marks []cellMarks) {
	marks = marks[:len(rows)]
	bit := uint64(1) << ci
	for r := 0; r < len(rows); r++ {
		r += markShort(rows[r:], ci, marks[r:], s, k, bit)
		if r < len(rows) {
			markExactGo(k, s, rows[r:r+1], ci, marks[r:r+1])
		}
	}
}

// markShort marks the rows of trusted shape from the first, as
// markExactGo does, until a value longer than 24 bytes, and returns how
// many rows it went through. Short rows are passed over.
//
//go:noescape
func markShort(rows []extract.LineRow, ci int, marks []cellMarks, s *shapeSet, k *shapeSecret, bit uint64) int

// The assembly reads these structures at fixed offsets.
var _ = [1]struct{}{}[unsafe.Sizeof(extract.LineRow{})-56]
var _ = [1]struct{}{}[unsafe.Offsetof(extract.LineRow{}.Line)-8]
var _ = [1]struct{}{}[unsafe.Offsetof(extract.LineRow{}.Bounds)-32]
var _ = [1]struct{}{}[unsafe.Sizeof(cellMarks{})-16]
var _ = [1]struct{}{}[unsafe.Offsetof(shapeSet{}.state)-8*shapeSlots]
var _ = [1]struct{}{}[shapeSlots-256]
var _ = [1]struct{}{}[shapeTrust-32]
