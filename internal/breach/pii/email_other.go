//go:build !amd64

package pii

// emailAtCell is emailAt of a table's cell.
func emailAtCell(v []byte) int { return emailAt(v) }
