package breach

import (
	"unsafe"

	"tocsin/internal/breach/extract"
)

// markExact is markTrusted's loop for a column that shapes exactly, in
// assembly: the Go compiler's loop took three times the instructions,
// its constants and the row's slices not fitting its registers beside
// the hash. markExactGo is its oracle (TestMarkExact).
//
//go:noescape
func markExact(k *shapeSecret, s *shapeSet, rows []extract.LineRow, ci int, marks []cellMarks)

// The assembly reads these structures at fixed offsets.
var _ = [1]struct{}{}[unsafe.Sizeof(extract.LineRow{})-56]
var _ = [1]struct{}{}[unsafe.Offsetof(extract.LineRow{}.Line)-8]
var _ = [1]struct{}{}[unsafe.Offsetof(extract.LineRow{}.Bounds)-32]
var _ = [1]struct{}{}[unsafe.Sizeof(cellMarks{})-16]
var _ = [1]struct{}{}[unsafe.Offsetof(shapeSet{}.state)-8*shapeSlots]
var _ = [1]struct{}{}[shapeSlots-256]
var _ = [1]struct{}{}[shapeTrust-32]
var _ = [1]struct{}{}[shapeMaxLen-64]
