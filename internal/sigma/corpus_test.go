package sigma

import (
	"fmt"
	"os"
	"path/filepath"
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

// TestLoadPathsOrder: files parsed on every core come out as if parsed in
// turn, in sorted order, with their problems.
func TestLoadPathsOrder(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i := range 40 {
		name := filepath.Join(dir, fmt.Sprintf("r%02d.yml", i))
		body := fmt.Sprintf("title: rule %d\nlogsource: {product: x}\ndetection: {sel: {F: %d}, condition: sel}\n", i, i)
		if i%7 == 3 {
			body = fmt.Sprintf("title: broken %d\ndetection: {sel: {F: 1}}\n", i)
		}
		if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	got := LoadPaths(dir)
	want := &Set{}
	for _, n := range names {
		want.loadFile(n)
	}
	if got.Files != want.Files || got.Failed != want.Failed || len(got.Rules) != len(want.Rules) || len(got.Problems) != len(want.Problems) {
		t.Fatalf("files %d/%d failed %d/%d rules %d/%d problems %d/%d", got.Files, want.Files, got.Failed, want.Failed,
			len(got.Rules), len(want.Rules), len(got.Problems), len(want.Problems))
	}
	for i := range got.Rules {
		if got.Rules[i].Title != want.Rules[i].Title {
			t.Errorf("rule %d: %q, want %q", i, got.Rules[i].Title, want.Rules[i].Title)
		}
	}
	for i := range got.Problems {
		if got.Problems[i].Error() != want.Problems[i].Error() {
			t.Errorf("problem %d: %v, want %v", i, got.Problems[i], want.Problems[i])
		}
	}
}
