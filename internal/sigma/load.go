package sigma

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Set is the result of loading rule files: the rules that loaded and every
// problem found, in file order.
type Set struct {
	Rules    []*Rule
	Problems []*Error
	// Files is the number of rule files read; Failed the number of
	// documents refused.
	Files  int
	Failed int
}

// AddFile parses one file's content into the set.
func (s *Set) AddFile(name string, data []byte) {
	s.Files++
	rules, errs, failed := parse(name, data)
	s.Rules = append(s.Rules, rules...)
	s.Problems = append(s.Problems, errs...)
	s.Failed += failed
}

// LoadPaths reads rule files and folders (recursively, *.yml and *.yaml, in
// sorted order). An unreadable path is recorded as a problem; loading goes on.
func LoadPaths(paths ...string) *Set {
	s := &Set{}
	for _, p := range paths {
		s.loadPath(p)
	}
	return s
}

// LoadFS reads every *.yml/*.yaml file of an fs.FS (the embedded rule pack).
func LoadFS(fsys fs.FS, root string) *Set {
	s := &Set{}
	_ = fs.WalkDir(fsys, root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			s.Problems = append(s.Problems, &Error{File: path, Line: 1, Column: 1, Msg: err.Error()})
			return nil
		}
		if d.IsDir() || !isRuleFile(path) {
			return nil
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			s.Problems = append(s.Problems, &Error{File: path, Line: 1, Column: 1, Msg: err.Error()})
			return nil
		}
		s.AddFile(path, data)
		return nil
	})
	return s
}

func isRuleFile(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	return ext == ".yml" || ext == ".yaml"
}

func (s *Set) loadPath(root string) {
	info, err := os.Stat(root)
	if err != nil {
		s.Problems = append(s.Problems, &Error{File: root, Line: 1, Column: 1, Msg: "cannot read: " + errText(err)})
		s.Failed++
		return
	}
	if !info.IsDir() {
		s.loadFile(root)
		return
	}
	var files []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			s.Problems = append(s.Problems, &Error{File: path, Line: 1, Column: 1, Msg: "cannot read: " + errText(err)})
			return nil
		}
		if !d.IsDir() && isRuleFile(path) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	// Parsing YAML is most of loading a corpus (3,700 files): files are
	// parsed on every core, then added in sorted order, so the set is the
	// same as one parsed in turn.
	parsed := make([]*Set, len(files))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				one := &Set{}
				one.loadFile(files[i])
				parsed[i] = one
			}
		})
	}
	wg.Wait()
	for _, one := range parsed {
		s.Rules = append(s.Rules, one.Rules...)
		s.Problems = append(s.Problems, one.Problems...)
		s.Files += one.Files
		s.Failed += one.Failed
	}
}

func (s *Set) loadFile(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		s.Problems = append(s.Problems, &Error{File: path, Line: 1, Column: 1, Msg: "cannot read: " + errText(err)})
		s.Failed++
		return
	}
	s.AddFile(path, data)
}

func errText(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}
