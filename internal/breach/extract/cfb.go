package extract

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// Compound files ([MS-CFB]): the container of Office 97-2003 documents
// (an .xls workbook's "Workbook" stream) and of password-protected
// Office 2007 ones. A file of fixed-size sectors: a file allocation
// table (FAT) chains the sectors of each stream, a directory names the
// streams. Streams under the cutoff (4 KiB) live in the mini stream, in
// 64-byte sectors chained by the mini FAT.

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

const (
	cfbFree       = 0xFFFFFFFF // FREESECT, and NOSTREAM in the directory
	cfbEndOfChain = 0xFFFFFFFE
	cfbMaxSector  = 0xFFFFFFFA // sector numbers above it are markers
	cfbDirEntry   = 128
)

// cfb is an open compound file.
type cfb struct {
	r          io.ReaderAt
	size       int64
	shift      uint // sector size = 1 << shift
	fat        []uint32
	miniFAT    []uint32
	miniCutoff uint32
	dir        []cfbEntry
	mini       []uint32 // the mini stream's sectors, read when first needed
}

type cfbEntry struct {
	name               string
	kind               byte // 1 storage, 2 stream, 5 root
	left, right, child uint32
	start              uint32
	size               uint64
}

// openCFB reads a compound file's header, FAT and directory. Its errors
// name the structure that is broken, never the file's content.
func openCFB(r io.ReaderAt, size int64) (*cfb, error) {
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("compound file header: %v", err)
	}
	le := binary.LittleEndian
	if string(h[:8]) != string(cfbMagic) {
		return nil, errors.New("not a compound file")
	}
	major, shift := le.Uint16(h[26:]), le.Uint16(h[30:])
	switch {
	case major == 3 && shift == 9, major == 4 && shift == 12:
	default:
		return nil, fmt.Errorf("compound file header: version %d with sectors of 2^%d bytes", major, shift)
	}
	if le.Uint16(h[28:]) != 0xFFFE {
		return nil, errors.New("compound file header: byte order mark is not 0xFFFE")
	}
	c := &cfb{r: r, size: size, shift: uint(shift), miniCutoff: le.Uint32(h[56:])}
	sectors := uint64(size) >> c.shift // an upper bound of every count below
	perSector := uint32(1) << c.shift / 4

	// The FAT's own sectors: 109 in the header, the rest in DIFAT sectors.
	nFAT := le.Uint32(h[44:])
	if uint64(nFAT)*uint64(perSector) > sectors+uint64(perSector) {
		return nil, fmt.Errorf("compound file header: %d FAT sectors for a file of %d sectors", nFAT, sectors)
	}
	fatSectors := make([]uint32, 0, nFAT)
	for i := 0; i < 109 && uint32(len(fatSectors)) < nFAT; i++ {
		fatSectors = append(fatSectors, le.Uint32(h[76+4*i:]))
	}
	buf := make([]byte, 1<<c.shift)
	for next, n := le.Uint32(h[68:]), 0; uint32(len(fatSectors)) < nFAT; n++ {
		if next > cfbMaxSector || uint64(n) > sectors {
			return nil, fmt.Errorf("compound file: the DIFAT ends after %d of %d FAT sectors", len(fatSectors), nFAT)
		}
		if err := c.readSector(next, buf); err != nil {
			return nil, fmt.Errorf("compound file DIFAT: %v", err)
		}
		for i := uint32(0); i < perSector-1 && uint32(len(fatSectors)) < nFAT; i++ {
			fatSectors = append(fatSectors, le.Uint32(buf[4*i:]))
		}
		next = le.Uint32(buf[4*(perSector-1):])
	}
	c.fat = make([]uint32, 0, int(nFAT)*int(perSector))
	for _, s := range fatSectors {
		if err := c.readSector(s, buf); err != nil {
			return nil, fmt.Errorf("compound file FAT: %v", err)
		}
		for i := uint32(0); i < perSector; i++ {
			c.fat = append(c.fat, le.Uint32(buf[4*i:]))
		}
	}

	// The directory, then the mini FAT: both are chains of the FAT.
	dirData, err := c.chain(le.Uint32(h[48:]), -1)
	if err != nil {
		return nil, fmt.Errorf("compound file directory: %v", err)
	}
	for off := 0; off+cfbDirEntry <= len(dirData); off += cfbDirEntry {
		c.dir = append(c.dir, parseCFBEntry(dirData[off:off+cfbDirEntry]))
	}
	if len(c.dir) == 0 || c.dir[0].kind != 5 {
		return nil, errors.New("compound file directory: no root entry")
	}
	if major == 3 {
		c.dir[0].size &= 0xFFFFFFFF // version 3 files may leave junk in the high half
		for i := range c.dir {
			c.dir[i].size &= 0xFFFFFFFF
		}
	}
	if n := le.Uint32(h[64:]); n > 0 {
		if uint64(n) > sectors {
			return nil, fmt.Errorf("compound file header: %d mini FAT sectors for a file of %d sectors", n, sectors)
		}
		mf, err := c.chain(le.Uint32(h[60:]), int64(n)<<c.shift)
		if err != nil {
			return nil, fmt.Errorf("compound file mini FAT: %v", err)
		}
		c.miniFAT = make([]uint32, len(mf)/4)
		for i := range c.miniFAT {
			c.miniFAT[i] = le.Uint32(mf[4*i:])
		}
	}
	return c, nil
}

func parseCFBEntry(b []byte) cfbEntry {
	le := binary.LittleEndian
	n := int(le.Uint16(b[64:]))
	if n > 64 {
		n = 64
	}
	u := make([]uint16, 0, n/2)
	for i := 0; i+1 < n; i += 2 {
		if c := le.Uint16(b[i:]); c != 0 {
			u = append(u, c)
		}
	}
	return cfbEntry{
		name: string(utf16.Decode(u)), kind: b[66],
		left: le.Uint32(b[68:]), right: le.Uint32(b[72:]), child: le.Uint32(b[76:]),
		start: le.Uint32(b[116:]), size: le.Uint64(b[120:]),
	}
}

// readSector reads sector s whole.
func (c *cfb) readSector(s uint32, buf []byte) error {
	off := int64(s+1) << c.shift
	if s > cfbMaxSector || off+int64(len(buf)) > c.size {
		return fmt.Errorf("sector %d lies past the end of the file", s)
	}
	_, err := c.r.ReadAt(buf, off)
	return err
}

// next follows the FAT from sector s; a chain may not be longer than
// the file has sectors, which stops the loops a broken FAT makes.
func (c *cfb) next(s uint32) (uint32, error) {
	if int64(s) >= int64(len(c.fat)) {
		return 0, fmt.Errorf("sector %d has no FAT entry", s)
	}
	return c.fat[s], nil
}

// chain reads a whole chain of the FAT (the directory, the mini FAT, a
// mini stream), at most limit bytes when limit >= 0.
func (c *cfb) chain(start uint32, limit int64) ([]byte, error) {
	var out []byte
	buf := make([]byte, 1<<c.shift)
	for s, n := start, int64(0); s != cfbEndOfChain; n++ {
		if limit >= 0 && int64(len(out)) >= limit {
			break
		}
		if n > c.size>>c.shift {
			return nil, errors.New("a sector chain loops")
		}
		if err := c.readSector(s, buf); err != nil {
			return nil, err
		}
		out = append(out, buf...)
		var err error
		if s, err = c.next(s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// find returns the stream of the root storage named name (compared
// without case, as the format does).
func (c *cfb) find(name string) (cfbEntry, bool) {
	return c.child(0, name, 2)
}

// child returns the entry of kind (1 storage, 2 stream) named name in
// storage i.
func (c *cfb) child(i uint32, name string, kind byte) (cfbEntry, bool) {
	k, ok := c.lookup(i, name, kind)
	if !ok {
		return cfbEntry{}, false
	}
	return c.dir[k], true
}

// lookup returns the index of that entry.
func (c *cfb) lookup(i uint32, name string, kind byte) (uint32, bool) {
	for _, k := range c.children(i) {
		if e := c.dir[k]; e.kind == kind && strings.EqualFold(e.name, name) {
			return k, true
		}
	}
	return 0, false
}

// children lists the entries of storage i, in the order of their names
// in the tree (a broken tree's cycles are cut).
func (c *cfb) children(i uint32) []uint32 {
	if i >= uint32(len(c.dir)) {
		return nil
	}
	// In order, without recursion: a writer may chain every entry to
	// the right of the one before.
	var out, stack []uint32
	seen := make(map[uint32]bool)
	valid := func(k uint32) bool { return k < uint32(len(c.dir)) && !seen[k] }
	for k := c.dir[i].child; valid(k) || len(stack) > 0; {
		for ; valid(k); k = c.dir[k].left {
			seen[k] = true
			stack = append(stack, k)
		}
		k = stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, k)
		k = c.dir[k].right
	}
	return out
}

// open returns a reader of a stream.
func (c *cfb) open(e cfbEntry) (io.Reader, error) {
	if e.size < uint64(c.miniCutoff) {
		data, err := c.miniStream(e)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(string(data)), nil
	}
	if e.size > uint64(c.size) {
		return nil, fmt.Errorf("stream %q of %d bytes in a file of %d", e.name, e.size, c.size)
	}
	return &cfbStream{c: c, cur: e.start, left: int64(e.size)}, nil
}

// miniStream reads a stream of the mini stream (under 4 KiB).
func (c *cfb) miniStream(e cfbEntry) ([]byte, error) {
	if c.mini == nil {
		root := c.dir[0]
		for s, n := root.start, int64(0); s != cfbEndOfChain; n++ {
			if n > c.size>>c.shift {
				return nil, errors.New("the mini stream's chain loops")
			}
			c.mini = append(c.mini, s)
			var err error
			if s, err = c.next(s); err != nil {
				return nil, fmt.Errorf("mini stream: %v", err)
			}
		}
	}
	out := make([]byte, 0, e.size)
	perSector := uint32(1) << c.shift / 64
	for s, n := e.start, 0; uint64(len(out)) < e.size; n++ {
		if s >= uint32(len(c.miniFAT)) || n > len(c.miniFAT) {
			return nil, fmt.Errorf("stream %q: mini sector %d is not in the mini FAT", e.name, s)
		}
		if s/perSector >= uint32(len(c.mini)) {
			return nil, fmt.Errorf("stream %q: mini sector %d lies past the mini stream", e.name, s)
		}
		var b [64]byte
		off := int64(c.mini[s/perSector]+1)<<c.shift + int64(s%perSector)*64
		if off+64 > c.size {
			return nil, fmt.Errorf("stream %q: mini sector %d lies past the end of the file", e.name, s)
		}
		if _, err := c.r.ReadAt(b[:], off); err != nil {
			return nil, fmt.Errorf("stream %q: %v", e.name, err)
		}
		out = append(out, b[:min(64, int(e.size-uint64(len(out))))]...)
		s = c.miniFAT[s]
	}
	return out, nil
}

// cfbStream reads a stream of the FAT, runs of consecutive sectors (how
// writers lay streams out) in one read.
type cfbStream struct {
	c    *cfb
	cur  uint32 // the sector being read
	at   int    // bytes of it already read
	left int64  // bytes of the stream not yet read
	n    int64  // sectors passed, against loops
}

func (s *cfbStream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	c := s.c
	sector := 1 << c.shift
	first, from := s.cur, s.at
	want := int(min(int64(len(p)), s.left))
	n := 0 // bytes of the run from first+from
	for n < want && s.cur == first+uint32((from+n)>>c.shift) {
		if s.cur > cfbMaxSector {
			break
		}
		take := min(sector-s.at, want-n)
		n += take
		if s.at += take; s.at < sector {
			break
		}
		if s.n++; s.n > c.size>>c.shift {
			return 0, errors.New("compound file: a stream's sector chain loops")
		}
		next, err := c.next(s.cur)
		if err != nil {
			return 0, fmt.Errorf("compound file: %v", err)
		}
		s.cur, s.at = next, 0
	}
	if n == 0 {
		return 0, fmt.Errorf("compound file: a stream's sector chain ends %d bytes short of its size", s.left)
	}
	off := int64(first+1)<<c.shift + int64(from)
	if off+int64(n) > c.size {
		return 0, fmt.Errorf("compound file: sector %d lies past the end of the file", first)
	}
	m, err := c.r.ReadAt(p[:n], off)
	s.left -= int64(m)
	if err == io.EOF && m == n {
		err = nil
	}
	return m, err
}
