package detect_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"tocsin/internal/detect"
	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/parse/jsonlog"
	"tocsin/internal/sigma"
	"tocsin/internal/winlog"
)

const shared = "../../../shared/sigma/"

var corpusDirs = []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder", "rules-compliance"}

func loadCorpus(t testing.TB) []*sigma.Rule {
	t.Helper()
	if _, err := os.Stat(shared + "rules"); err != nil {
		t.Skip("SigmaHQ corpus not found beside the project")
	}
	var paths []string
	for _, d := range corpusDirs {
		paths = append(paths, shared+d)
	}
	return sigma.LoadPaths(paths...).Rules
}

type regressionInfo struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		MatchCount *int   `yaml:"match_count"`
		Path       string `yaml:"path"`
	} `yaml:"regression_tests_info"`
}

// readEvents decodes every event of an evtx_dump JSON file (one object, or
// several concatenated pretty-printed objects) the way `tocsin hunt` does.
func readEvents(t *testing.T, path string) []*event.Event {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sp := input.NewSplitter(bytes.NewReader(data), path, input.Options{})
	dec := jsonlog.NewDecoder()
	win := winlog.Default()
	var out []*event.Event
	for {
		rec, err := sp.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ev := event.New()
		if err := dec.Decode(rec.Data, ev); err != nil {
			t.Fatalf("%s:%d: %v", path, rec.Line, err)
		}
		win.Apply(ev)
		out = append(out, ev.Clone())
	}
	return out
}

// TestSigmaRegression runs every case of SigmaHQ's regression data: each
// rule must match at least match_count of its events (1 when not given),
// with the whole corpus loaded and the prefilter on, as in production.
func TestSigmaRegression(t *testing.T) {
	rules := loadCorpus(t)
	eng, _ := detect.Compile(rules, detect.Options{CategoryParents: winlog.Default().CategoryParents})
	byID := map[string]*sigma.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	var infos []string
	_ = filepath.WalkDir(shared+"regression", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return nil
	})
	if len(infos) < 200 {
		t.Fatalf("found %d regression cases, expected over 200", len(infos))
	}
	cases := 0
	for _, info := range infos {
		raw, err := os.ReadFile(info)
		if err != nil {
			t.Fatal(err)
		}
		var ri regressionInfo
		if err := yaml.Unmarshal(raw, &ri); err != nil {
			t.Fatalf("%s: %v", info, err)
		}
		if len(ri.RuleMetadata) == 0 || len(ri.Tests) == 0 {
			continue // the one case whose test block is commented out
		}
		id := ri.RuleMetadata[0].ID
		for _, tc := range ri.Tests {
			jsonPath := filepath.Join(filepath.Dir(info), strings.TrimSuffix(filepath.Base(tc.Path), filepath.Ext(tc.Path))+".json")
			if _, err := os.Stat(jsonPath); err != nil {
				continue
			}
			cases++
			want := 1
			if tc.MatchCount != nil {
				want = *tc.MatchCount
			}
			t.Run(ri.RuleMetadata[0].Title, func(t *testing.T) {
				r := byID[id]
				if r == nil {
					t.Fatalf("rule %s is not in the corpus", id)
				}
				m := eng.NewMatcher()
				got := 0
				for _, ev := range readEvents(t, jsonPath) {
					for _, mr := range m.Match(ev) {
						if mr == r {
							got++
						}
					}
				}
				if got < want {
					t.Errorf("%s: rule %s (%s) matched %d events, want at least %d", jsonPath, r.Title, r.File, got, want)
				}
			})
		}
	}
	t.Logf("%d regression cases", cases)
	if cases < 202 {
		t.Errorf("ran %d regression cases, expected 202", cases)
	}
}
