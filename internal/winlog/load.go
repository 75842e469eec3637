package winlog

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadError is one problem in a mapping file, at its line and column.
type LoadError struct {
	Line, Column int
	Msg          string
}

func (e *LoadError) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg) }

// spec is a mapping file as written, kept so that Extend can merge.
type spec struct {
	shapes   []shapeSpec
	services []serviceSpec
	parents  []pair
}

type shapeSpec struct {
	name     string
	detect   []string
	fields   []pair
	fallback []pair
	time     []string
	host     []string
	pos      pos
}

type serviceSpec struct {
	service    string
	channels   []posString
	categories []categorySpec
	pos        pos
}

type categorySpec struct {
	category string
	eventIDs []int
	when     []condSpec
	aliases  []pair
}

type condSpec struct {
	field  string
	values []string
}

// pair is one "key: value" of a mapping, with the key's position.
type pair struct {
	key, value string
	pos        pos
}

type posString struct {
	s   string
	pos pos
}

type pos struct{ line, col int }

// parser decodes a yaml.Node tree strictly, collecting every problem.
type parser struct{ errs []error }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, &LoadError{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

func parseSpec(r io.Reader) (*spec, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &LoadError{Line: 1, Column: 1, Msg: "empty mapping file"}
		}
		return nil, yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		if err != nil {
			return nil, yamlError(err)
		}
		return nil, &LoadError{Line: extra.Line, Column: extra.Column, Msg: "a mapping file holds one YAML document"}
	}
	p := &parser{}
	s := &spec{}
	root := doc.Content[0]
	p.fields(root, "mapping file", map[string]func(*yaml.Node){
		"shapes": func(v *yaml.Node) {
			for _, n := range p.seq(v, "shapes") {
				s.shapes = append(s.shapes, p.shape(n))
			}
		},
		"services": func(v *yaml.Node) {
			for _, n := range p.seq(v, "services") {
				s.services = append(s.services, p.service(n))
			}
		},
		"category_parents": func(v *yaml.Node) { s.parents = p.pairs(v, "category_parents") },
	})
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return s, nil
}

// yamlError gives a YAML syntax error the LoadError form. The parser
// reports a line only: the column is given as 1.
func yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return &LoadError{Line: line, Column: 1, Msg: text}
			}
		}
	}
	return &LoadError{Line: 1, Column: 1, Msg: msg}
}

// fields walks a mapping node, calling the handler of each known key;
// unknown and repeated keys are errors.
func (p *parser) fields(n *yaml.Node, what string, handlers map[string]func(*yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := handlers[k.Value]
		switch {
		case !ok:
			keys := slices.Sorted(maps.Keys(handlers))
			p.errorf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(keys, ", "))
		case seen[k.Value]:
			p.errorf(k, "%s: %q given twice", what, k.Value)
		default:
			seen[k.Value] = true
			h(v)
		}
	}
}

func (p *parser) seq(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "%s: expected a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errorf(n, "%s: expected a string", what)
		return ""
	}
	return n.Value
}

// strs accepts a list of strings, or one string.
func (p *parser) strs(n *yaml.Node, what string) []posString {
	if n.Kind == yaml.ScalarNode {
		return []posString{{p.str(n, what), pos{n.Line, n.Column}}}
	}
	var out []posString
	for _, c := range p.seq(n, what) {
		out = append(out, posString{p.str(c, what), pos{c.Line, c.Column}})
	}
	return out
}

func plain(ps []posString) []string {
	out := make([]string, len(ps))
	for i, s := range ps {
		out[i] = s.s
	}
	return out
}

// pairs reads a mapping of strings to strings, in order.
func (p *parser) pairs(n *yaml.Node, what string) []pair {
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "%s: expected a mapping", what)
		return nil
	}
	var out []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := p.str(k, what+" key")
		if seen[key] {
			p.errorf(k, "%s: %q given twice", what, key)
		}
		seen[key] = true
		val := ""
		if v.Tag != "!!null" {
			val = p.str(v, what+"."+key)
		}
		out = append(out, pair{key, val, pos{k.Line, k.Column}})
	}
	return out
}

func (p *parser) shape(n *yaml.Node) shapeSpec {
	s := shapeSpec{pos: pos{n.Line, n.Column}}
	p.fields(n, "shape", map[string]func(*yaml.Node){
		"name":     func(v *yaml.Node) { s.name = p.str(v, "shape name") },
		"detect":   func(v *yaml.Node) { s.detect = plain(p.strs(v, "detect")) },
		"fields":   func(v *yaml.Node) { s.fields = p.pairs(v, "fields") },
		"fallback": func(v *yaml.Node) { s.fallback = p.pairs(v, "fallback") },
		"time":     func(v *yaml.Node) { s.time = plain(p.strs(v, "time")) },
		"host":     func(v *yaml.Node) { s.host = plain(p.strs(v, "host")) },
	})
	switch {
	case s.name == "":
		p.errorf(n, "shape: name is required")
	case len(s.detect) == 0:
		p.errorf(n, "shape %s: detect is required", s.name)
	}
	for _, f := range s.fallback {
		if strings.Contains(f.key, "*") {
			p.errs = append(p.errs, &LoadError{f.pos.line, f.pos.col, "fallback: exact names only, no wildcard"})
		}
	}
	return s
}

func (p *parser) service(n *yaml.Node) serviceSpec {
	s := serviceSpec{pos: pos{n.Line, n.Column}}
	p.fields(n, "service", map[string]func(*yaml.Node){
		"service":  func(v *yaml.Node) { s.service = p.str(v, "service") },
		"channels": func(v *yaml.Node) { s.channels = p.strs(v, "channels") },
		"categories": func(v *yaml.Node) {
			for _, c := range p.seq(v, "categories") {
				s.categories = append(s.categories, p.category(c))
			}
		},
	})
	if s.service == "" {
		p.errorf(n, "service: the service name is required")
	} else if s.service != strings.ToLower(s.service) {
		p.errorf(n, "service %q: Sigma names are lower case", s.service)
	}
	return s
}

func (p *parser) category(n *yaml.Node) categorySpec {
	c := categorySpec{}
	p.fields(n, "category", map[string]func(*yaml.Node){
		"category": func(v *yaml.Node) { c.category = p.str(v, "category") },
		"event_ids": func(v *yaml.Node) {
			for _, id := range p.strs(v, "event_ids") {
				x, err := strconv.Atoi(id.s)
				if err != nil || x < 0 || x > 65535 {
					p.errs = append(p.errs, &LoadError{id.pos.line, id.pos.col, fmt.Sprintf("event_ids: %q is not an event id (0-65535)", id.s)})
					continue
				}
				c.eventIDs = append(c.eventIDs, x)
			}
		},
		"when": func(v *yaml.Node) {
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "when: expected a mapping of field: value(s)")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				field := p.str(v.Content[i], "when field")
				c.when = append(c.when, condSpec{field, plain(p.strs(v.Content[i+1], "when."+field))})
			}
		},
		"aliases": func(v *yaml.Node) { c.aliases = p.pairs(v, "aliases") },
	})
	switch {
	case c.category == "":
		p.errorf(n, "category: the category name is required")
	case c.category != strings.ToLower(c.category):
		p.errorf(n, "category %q: Sigma names are lower case", c.category)
	case len(c.eventIDs) == 0:
		p.errorf(n, "category %s: event_ids is required", c.category)
	}
	return c
}

// merge returns base extended by ext (see mapping.yml's header).
func merge(base, ext *spec) *spec {
	out := &spec{}
	replaced := map[string]bool{}
	for _, s := range ext.shapes {
		replaced[s.name] = true
	}
	out.shapes = append(out.shapes, ext.shapes...)
	for _, s := range base.shapes {
		if !replaced[s.name] {
			out.shapes = append(out.shapes, s)
		}
	}

	moved := map[string]bool{}
	for _, s := range ext.services {
		for _, c := range s.channels {
			moved[strings.ToLower(c.s)] = true
		}
	}
	extByName := map[string]serviceSpec{}
	for _, s := range ext.services {
		extByName[s.service] = s
	}
	for _, s := range base.services {
		var keep []posString
		for _, c := range s.channels {
			if !moved[strings.ToLower(c.s)] {
				keep = append(keep, c)
			}
		}
		s.channels = keep
		if e, ok := extByName[s.service]; ok {
			s.channels = append(e.channels, s.channels...)
			s.categories = append(e.categories, s.categories...)
			delete(extByName, s.service)
		}
		if len(s.channels) > 0 { // a service whose channels all moved is gone
			out.services = append(out.services, s)
		}
	}
	for _, s := range ext.services {
		if _, ok := extByName[s.service]; ok {
			out.services = append(out.services, s)
		}
	}

	out.parents = append(out.parents, ext.parents...)
	overridden := map[string]bool{}
	for _, p := range ext.parents {
		overridden[p.key] = true
	}
	for _, p := range base.parents {
		if !overridden[p.key] {
			out.parents = append(out.parents, p)
		}
	}
	return out
}
