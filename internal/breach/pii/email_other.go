//go:build !amd64

package pii

// emailAtCell is emailAt of a table's cell. It also writes v
// lower-cased (ASCII letters) to the start of lower, which has room for
// max(len(v), 64) bytes.
func emailAtCell(v, lower []byte) int {
	appendLower(lower[:0], v)
	return emailAt(v)
}
