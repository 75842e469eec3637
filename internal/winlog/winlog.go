// Package winlog recognises Windows events in their usual JSON shapes
// (evtx_dump, Winlogbeat/ECS, NXLog's flat JSON), gives them Sigma's field
// names and derives their Sigma logsource from channel and event id.
//
// All of it is data: an embedded mapping.yml, which a user file can
// replace (Load) or extend (Mapper.Extend).
package winlog

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"tocsin/internal/event"
	"tocsin/internal/parse/jsonlog"
)

//go:embed mapping.yml
var defaultMapping []byte

// Product is the Sigma product of every Windows event.
const Product = "windows"

// Sigma's names for the fields Apply reads after renaming.
const (
	fieldChannel  = "Channel"
	fieldEventID  = "EventID"
	maxChannelLen = 256 // longer "channels" are not looked up case-insensitively
)

// Mapper applies a mapping. It is safe for concurrent use by any number
// of goroutines.
type Mapper struct {
	spec     *spec
	shapes   []shape
	channels map[string]*service // exact channel name
	folded   map[string]*service // lower-cased channel name
	parents  map[string][]string
	hosts    interner
}

// interner hands out owned copies of host names. Event.Host outlives the
// decode buffer its Computer field points into (callers key maps by it);
// hosts repeat, so after the first event of a host this is a read lock
// and a lookup, not an allocation.
type interner struct {
	mu sync.RWMutex
	m  map[string]string
}

// maxHosts bounds the interned hosts; past it, each event gets a copy.
const maxHosts = 1 << 16

func (in *interner) get(s string) string {
	in.mu.RLock()
	v, ok := in.m[s]
	in.mu.RUnlock()
	if ok {
		return v
	}
	v = strings.Clone(s)
	in.mu.Lock()
	if in.m == nil {
		in.m = map[string]string{}
	}
	if len(in.m) < maxHosts {
		in.m[v] = v
	}
	in.mu.Unlock()
	return v
}

type shape struct {
	name     string
	detect   []string
	trie     *node
	memo     *nameMemo // what trie makes of each name seen
	fallback []pair    // key: source field, value: target
	time     []string
	host     []string
}

type service struct {
	name string
	cats map[int][]*categoryRule // by event id, in file order
}

type categoryRule struct {
	category string
	when     []condSpec
	aliases  []pair // key: Sigma field, value: the event's field
}

// Default returns the built-in mapping. It panics only if the embedded
// file is broken, which the package's tests rule out.
func Default() *Mapper {
	m, err := Load(bytes.NewReader(defaultMapping))
	if err != nil {
		panic("winlog: embedded mapping.yml: " + err.Error())
	}
	return m
}

// DefaultMapping returns the text of the built-in mapping, as a starting
// point for a user's own.
func DefaultMapping() []byte { return bytes.Clone(defaultMapping) }

// Load reads a mapping file (the format of mapping.yml), strictly: unknown
// keys and bad values are errors, each a *LoadError naming line and column.
func Load(r io.Reader) (*Mapper, error) {
	s, err := parseSpec(r)
	if err != nil {
		return nil, err
	}
	return compile(s)
}

// Extend returns a new Mapper: m's mapping extended by the file read from r.
func (m *Mapper) Extend(r io.Reader) (*Mapper, error) {
	ext, err := parseSpec(r)
	if err != nil {
		return nil, err
	}
	return compile(merge(m.spec, ext))
}

func compile(s *spec) (*Mapper, error) {
	m := &Mapper{
		spec:     s,
		channels: map[string]*service{},
		folded:   map[string]*service{},
		parents:  map[string][]string{},
	}
	var errs []error
	fail := func(p pos, format string, args ...any) {
		errs = append(errs, &LoadError{Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]bool{}
	for _, ss := range s.shapes {
		if names[ss.name] {
			fail(ss.pos, "shape %q given twice", ss.name)
		}
		names[ss.name] = true
		sh := shape{name: ss.name, detect: ss.detect, trie: &node{}, memo: &nameMemo{}, fallback: ss.fallback, time: ss.time, host: ss.host}
		for _, f := range ss.fields {
			if err := sh.trie.add(f.key, f.value); err != nil {
				fail(f.pos, "%v", err)
			}
		}
		m.shapes = append(m.shapes, sh)
	}
	services := map[string]bool{}
	for _, ss := range s.services {
		if services[ss.service] {
			fail(ss.pos, "service %q given twice", ss.service)
		}
		services[ss.service] = true
		svc := &service{name: ss.service, cats: map[int][]*categoryRule{}}
		for _, c := range ss.channels {
			low := strings.ToLower(c.s)
			if other, ok := m.folded[low]; ok {
				fail(c.pos, "channel %q already belongs to service %s", c.s, other.name)
				continue
			}
			m.channels[c.s], m.folded[low] = svc, svc
		}
		for _, cs := range ss.categories {
			rule := &categoryRule{category: cs.category, when: cs.when, aliases: cs.aliases}
			for _, id := range cs.eventIDs {
				svc.cats[id] = append(svc.cats[id], rule)
			}
		}
		if len(ss.channels) == 0 {
			fail(ss.pos, "service %s: channels is required", ss.service)
		}
	}
	for _, p := range s.parents {
		m.parents[p.key] = append(m.parents[p.key], p.value)
	}
	// Parents of parents: CategoryParents answers with the whole chain.
	for c := range m.parents {
		seen := map[string]bool{c: true}
		var chain []string
		for todo := m.parents[c]; len(todo) > 0; {
			p := todo[0]
			todo = todo[1:]
			if seen[p] {
				continue
			}
			seen[p] = true
			chain = append(chain, p)
			todo = append(todo, m.parents[p]...)
		}
		m.parents[c] = chain
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// CategoryParents returns the broader categories an event of category
// also belongs to (registry_set → registry_event), for routing rules.
func (m *Mapper) CategoryParents(category string) []string { return m.parents[category] }

// Service returns the Sigma service of a Windows channel ("" if unknown),
// matching the channel name case-insensitively.
func (m *Mapper) Service(channel string) string {
	if s := m.service(channel); s != nil {
		return s.name
	}
	return ""
}

func (m *Mapper) service(channel string) *service {
	if s, ok := m.channels[channel]; ok {
		return s
	}
	if len(channel) > maxChannelLen {
		return nil
	}
	var buf [maxChannelLen]byte
	low := buf[:len(channel)]
	for i := 0; i < len(channel); i++ {
		c := channel[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return m.folded[string(low)] // no allocation: the compiler looks up the bytes
}

// Apply recognises a Windows event already flattened by jsonlog, adds its
// Sigma-named fields (EventID, Channel, Image, CommandLine… at the top
// level, next to the dotted originals), and fills what is still empty of
// its logsource (product windows, service from the channel, category from
// the event id), Host (from Computer) and Time. Logsource and Host are
// owned strings, safe to keep as map keys. It returns false, leaving
// the event alone, when the event has no Windows shape. Call it once per
// event.
func (m *Mapper) Apply(ev *event.Event) bool {
	sh := m.shapeOf(ev)
	if sh == nil {
		return false
	}
	var mt matcher
	for i, n := 0, ev.Len(); i < n; i++ {
		name := ev.At(i).Name
		target, ok := sh.memo.get(name)
		if !ok {
			mt.name, mt.n = name, 0
			t := sh.trie.match(&mt)
			if t != nil && !t.unmapped {
				target = memoTarget{t.render(&mt), true}
			}
			target = sh.memo.put(name, target)
		}
		if target.mapped {
			ev.AddCopy(target.name, i)
		}
	}
	for _, fb := range sh.fallback {
		if ev.Lookup(fb.value) < 0 {
			copyField(ev, fb.key, fb.value)
		}
	}
	if ev.Time.IsZero() {
		for _, name := range sh.time {
			if v, ok := ev.Get(name); ok {
				if t, ok := jsonlog.ParseTime(v); ok {
					ev.Time = t
					break
				}
			}
		}
	}
	if ev.Host == "" {
		for _, name := range sh.host {
			if v, ok := ev.Get(name); ok && v != "" {
				ev.Host = m.hosts.get(v)
				break
			}
		}
	}
	m.logsource(ev)
	return true
}

func (m *Mapper) shapeOf(ev *event.Event) *shape {
	for i := range m.shapes {
		sh := &m.shapes[i]
		ok := true
		for _, name := range sh.detect {
			if ev.Lookup(name) < 0 {
				ok = false
				break
			}
		}
		if ok {
			return sh
		}
	}
	return nil
}

// logsource derives product, service and category, and adds the
// category's field aliases.
func (m *Mapper) logsource(ev *event.Event) {
	ls := &ev.Logsource
	if ls.Product == "" {
		ls.Product = Product
	}
	channel, _ := ev.Get(fieldChannel)
	svc := m.service(channel)
	if svc == nil {
		return
	}
	if ls.Service == "" {
		ls.Service = svc.name
	}
	if ls.Category != "" {
		return
	}
	idText, _ := ev.Get(fieldEventID)
	id, ok := eventID(idText)
	if !ok {
		return
	}
	for _, rule := range svc.cats[id] {
		if !rule.applies(ev) {
			continue
		}
		ls.Category = rule.category
		for _, a := range rule.aliases {
			if ev.Lookup(a.key) < 0 {
				copyField(ev, a.value, a.key)
			}
		}
		return
	}
}

func (r *categoryRule) applies(ev *event.Event) bool {
	for _, c := range r.when {
		found := false
		for i := ev.Lookup(c.field); i >= 0 && !found; i = ev.Next(i) {
			for _, want := range c.values {
				if strings.EqualFold(ev.At(i).Value, want) {
					found = true
					break
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// copyField adds every value of from under the name to.
func copyField(ev *event.Event, from, to string) {
	for i := ev.Lookup(from); i >= 0; i = ev.Next(i) {
		ev.AddCopy(to, i)
	}
}

// eventID reads an event id: digits only, as Windows writes them.
func eventID(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
