package breach

import "testing"

// BuildCorpus writes the test corpus into dir for the external tests and
// returns every raw value it planted.
func BuildCorpus(t testing.TB, dir string, seed int64) []string {
	return buildCorpus(t, dir, seed).raw
}

// ZipOf builds a zip archive in memory.
var ZipOf = zipOf
