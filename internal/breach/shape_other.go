//go:build !amd64

package breach

import "tocsin/internal/breach/extract"

// markExact is markTrusted's loop for a column that shapes exactly.
func markExact(k *shapeSecret, s *shapeSet, rows []extract.LineRow, ci int, marks []cellMarks) {
	markExactGo(k, s, rows, ci, marks)
}
