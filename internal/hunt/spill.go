package hunt

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"tocsin/internal/correlate"
	"tocsin/internal/sigma"
)

// defaultHitMemory bounds the correlation hits a hunt holds in memory.
const defaultHitMemory = 64 << 20

// hitStore keeps a hunt's correlation hits and gives them back in event
// time order, ties in arrival order. Correlations need that order and
// files may overlap in time, so every hit must be seen before the first
// is used; a long log has tens of millions. Beyond max bytes (estimated)
// the store sorts what it holds and writes it to a temporary file, a run;
// each then merges the runs. Memory stays bounded whatever the input.
type hitStore struct {
	dir  string // for runs; "" is os.TempDir()
	max  int64
	size int64
	mem  []correlate.Hit
	runs []*os.File

	// Interned on the way out, so a run names each rule, field and
	// file by number.
	rules   []*sigma.Rule
	ruleIdx map[*sigma.Rule]uint64
	strs    []string
	strIdx  map[string]uint64
	buf     []byte
}

func newHitStore(dir string, max int64) *hitStore {
	if max <= 0 {
		max = defaultHitMemory
	}
	return &hitStore{dir: dir, max: max, ruleIdx: map[*sigma.Rule]uint64{}, strIdx: map[string]uint64{}}
}

// hitSize estimates the memory a hit holds: the Hit, its fields and refs.
func hitSize(h *correlate.Hit) int64 {
	n := int64(96 + 24*len(h.Events))
	if kv, ok := h.Fields.(correlate.KVs); ok {
		for _, f := range kv {
			n += int64(32 + len(f.Value))
		}
	}
	return n
}

func (s *hitStore) add(hs []correlate.Hit) error {
	for i := range hs {
		s.mem = append(s.mem, hs[i])
		s.size += hitSize(&hs[i])
	}
	if s.size > s.max {
		return s.spill()
	}
	return nil
}

func sortHits(hs []correlate.Hit) {
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].Time.Before(hs[j].Time) })
}

// spill writes the hits in memory, sorted, to a new run.
func (s *hitStore) spill() error {
	f, err := os.CreateTemp(s.dir, "tocsin-hunt-*.hits")
	if err != nil {
		return fmt.Errorf("correlation hits beyond %d MiB go to a temporary file: %w", s.max>>20, err)
	}
	// Unlinked at once: the run lives as long as the handle, even if
	// the process dies.
	_ = os.Remove(f.Name())
	s.runs = append(s.runs, f)
	sortHits(s.mem)
	w := bufio.NewWriterSize(f, 256<<10)
	for i := range s.mem {
		s.buf = s.encode(s.buf[:0], &s.mem[i])
		if _, err := w.Write(s.buf); err != nil {
			return fmt.Errorf("writing correlation hits to %s: %w", f.Name(), err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing correlation hits to %s: %w", f.Name(), err)
	}
	clear(s.mem)
	s.mem, s.size = s.mem[:0], 0
	return nil
}

func (s *hitStore) intern(v string) uint64 {
	i, ok := s.strIdx[v]
	if !ok {
		i = uint64(len(s.strs))
		s.strs = append(s.strs, v)
		s.strIdx[v] = i
	}
	return i
}

// encode appends h: rule, time, fields (name interned, value), refs
// (file interned, line). A hit holds UTC times: the output prints UTC.
func (s *hitStore) encode(b []byte, h *correlate.Hit) []byte {
	ri, ok := s.ruleIdx[h.Rule]
	if !ok {
		ri = uint64(len(s.rules))
		s.rules = append(s.rules, h.Rule)
		s.ruleIdx[h.Rule] = ri
	}
	b = binary.AppendUvarint(b, ri)
	b = binary.AppendVarint(b, h.Time.Unix())
	b = binary.AppendUvarint(b, uint64(h.Time.Nanosecond()))
	kv, _ := h.Fields.(correlate.KVs)
	b = binary.AppendUvarint(b, uint64(len(kv)))
	for _, f := range kv {
		b = binary.AppendUvarint(b, s.intern(f.Field))
		b = binary.AppendUvarint(b, uint64(len(f.Value)))
		b = append(b, f.Value...)
	}
	b = binary.AppendUvarint(b, uint64(len(h.Events)))
	for _, r := range h.Events {
		b = binary.AppendUvarint(b, s.intern(r.File))
		b = binary.AppendUvarint(b, uint64(r.Line))
	}
	return b
}

// runReader decodes one run.
type runReader struct {
	s   *hitStore
	r   *bufio.Reader
	idx int // run order: breaks time ties, runs being in arrival order
	cur correlate.Hit
	val []byte
}

func (rr *runReader) uvarint(max uint64) (uint64, error) {
	v, err := binary.ReadUvarint(rr.r)
	if err == nil && v >= max {
		err = fmt.Errorf("value %d out of range", v)
	}
	return v, err
}

// next decodes the following hit into cur; io.EOF at the end of the run.
func (rr *runReader) next() error {
	ri, err := binary.ReadUvarint(rr.r)
	if err != nil {
		return err // io.EOF: a clean end
	}
	if ri >= uint64(len(rr.s.rules)) {
		return fmt.Errorf("rule %d out of range", ri)
	}
	sec, err := binary.ReadVarint(rr.r)
	if err != nil {
		return err
	}
	nsec, err := rr.uvarint(1e9)
	if err != nil {
		return err
	}
	nf, err := rr.uvarint(1 << 16)
	if err != nil {
		return err
	}
	h := correlate.Hit{Rule: rr.s.rules[ri], Time: time.Unix(sec, int64(nsec)).UTC()}
	kv := make(correlate.KVs, nf)
	for i := range kv {
		name, err := rr.uvarint(uint64(len(rr.s.strs)))
		if err != nil {
			return err
		}
		n, err := rr.uvarint(1 << 30)
		if err != nil {
			return err
		}
		if uint64(cap(rr.val)) < n {
			rr.val = make([]byte, n)
		}
		rr.val = rr.val[:n]
		if _, err := io.ReadFull(rr.r, rr.val); err != nil {
			return err
		}
		kv[i] = correlate.KV{Field: rr.s.strs[name], Value: string(rr.val)}
	}
	h.Fields = kv
	ne, err := rr.uvarint(1 << 20)
	if err != nil {
		return err
	}
	h.Events = make([]correlate.Ref, ne)
	for i := range h.Events {
		file, err := rr.uvarint(uint64(len(rr.s.strs)))
		if err != nil {
			return err
		}
		line, err := binary.ReadUvarint(rr.r)
		if err != nil {
			return err
		}
		h.Events[i] = correlate.Ref{File: rr.s.strs[file], Line: int(line)}
	}
	rr.cur = h
	return nil
}

// runHeap orders the runs by their current hit: time, then run order.
type runHeap []*runReader

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(i, j int) bool {
	if c := h[i].cur.Time.Compare(h[j].cur.Time); c != 0 {
		return c < 0
	}
	return h[i].idx < h[j].idx
}
func (h runHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runReader)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// each calls fn with every hit in order, then empties the store.
func (s *hitStore) each(fn func(correlate.Hit)) error {
	defer s.close()
	if len(s.runs) == 0 {
		sortHits(s.mem)
		for _, h := range s.mem {
			fn(h)
		}
		return nil
	}
	if len(s.mem) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	var h runHeap
	for i, f := range s.runs {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("reading correlation hits back: %w", err)
		}
		rr := &runReader{s: s, r: bufio.NewReaderSize(f, 64<<10), idx: i}
		if err := rr.next(); err != nil {
			if err == io.EOF {
				continue
			}
			return fmt.Errorf("reading correlation hits back: %w", err)
		}
		h = append(h, rr)
	}
	heap.Init(&h)
	for len(h) > 0 {
		rr := h[0]
		fn(rr.cur)
		switch err := rr.next(); err {
		case nil:
			heap.Fix(&h, 0)
		case io.EOF:
			heap.Pop(&h)
		default:
			return fmt.Errorf("reading correlation hits back: %w", err)
		}
	}
	return nil
}

// close drops the hits and the runs.
func (s *hitStore) close() {
	for _, f := range s.runs {
		f.Close()
	}
	s.runs, s.mem, s.size = nil, nil, 0
}
