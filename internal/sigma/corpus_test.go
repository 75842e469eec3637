package sigma

import (
	"os"
	"testing"
)

const shared = "../../../shared/sigma/"

// TestCorpusLoads loads SigmaHQ's corpus: at least 99.5% must load, and
// nothing may be refused for a construct the specification allows.
func TestCorpusLoads(t *testing.T) {
	if _, err := os.Stat(shared + "rules"); err != nil {
		t.Skip("SigmaHQ corpus not found beside the project")
	}
	s := LoadPaths(shared+"rules", shared+"rules-emerging-threats", shared+"rules-threat-hunting", shared+"rules-placeholder", shared+"rules-compliance")
	for _, e := range s.Problems {
		t.Log(e)
	}
	total := len(s.Rules) + s.Failed
	t.Logf("loaded %d of %d (%d files)", len(s.Rules), total, s.Files)
	if s.Failed > 0 {
		t.Errorf("%d rules refused", s.Failed)
	}
}
