package xlswrite

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

const (
	free       = 0xFFFFFFFF
	endOfChain = 0xFFFFFFFE
	dirEntry   = 128
)

var magic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Stream is a stream of a compound file, named by its path.
type Stream struct {
	Name string
	Data []byte
}

// Compound writes a version 3 compound file (512-byte sectors) holding
// the streams, in storages by the folders of their names
// ("__attach_version1.0_#00000000/__substg1.0_37010102"); streams under
// 4096 bytes are in the mini stream, as writers do.
func Compound(streams ...Stream) []byte {
	const sec = 512
	le := binary.LittleEndian
	var sectors [][]byte
	var fat []uint32
	chain := func(data []byte) uint32 {
		n := (len(data) + sec - 1) / sec
		if n == 0 {
			return endOfChain
		}
		start := uint32(len(sectors))
		for i := 0; i < n; i++ {
			s := make([]byte, sec)
			copy(s, data[i*sec:])
			sectors = append(sectors, s)
			next := uint32(len(sectors))
			if i == n-1 {
				next = endOfChain
			}
			fat = append(fat, next)
		}
		return start
	}
	var mini, miniFAT []byte
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		if len(s.Data) >= 4096 {
			starts[i] = chain(s.Data)
			continue
		}
		n := (len(s.Data) + 63) / 64
		starts[i] = uint32(len(mini) / 64)
		if n == 0 {
			starts[i] = endOfChain
		}
		for k := 0; k < n; k++ {
			next := uint32(len(mini)/64 + 1)
			if k == n-1 {
				next = endOfChain
			}
			miniFAT = le.AppendUint32(miniFAT, next)
			block := make([]byte, 64)
			copy(block, s.Data[k*64:])
			mini = append(mini, block...)
		}
	}
	miniStart := chain(mini)
	miniFATStart := chain(miniFAT)
	entry := func(name string, kind byte, child, right, start uint32, size int) []byte {
		e := make([]byte, dirEntry)
		u := utf16.Encode([]rune(name))
		for i, c := range u {
			le.PutUint16(e[2*i:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = kind, 1
		le.PutUint32(e[68:], free)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], start)
		le.PutUint64(e[120:], uint64(size))
		return e
	}
	// The directory: the root, then a storage for each folder of the
	// streams' names ("a/b/name"), each storage's entries chained to the
	// right of one another.
	type node struct {
		name     string
		kind     byte
		start    uint32
		size     int
		children []int
	}
	nodes := []*node{{name: "Root Entry", kind: 5, start: miniStart, size: len(mini)}}
	storages := map[string]int{"": 0}
	var storage func(p string) int
	storage = func(p string) int {
		if i, ok := storages[p]; ok {
			return i
		}
		parent, name := "", p
		if j := strings.LastIndexByte(p, '/'); j >= 0 {
			parent, name = p[:j], p[j+1:]
		}
		pi := storage(parent)
		nodes = append(nodes, &node{name: name, kind: 1, start: endOfChain})
		i := len(nodes) - 1
		nodes[pi].children = append(nodes[pi].children, i)
		storages[p] = i
		return i
	}
	for i, s := range streams {
		parent, name := "", s.Name
		if j := strings.LastIndexByte(s.Name, '/'); j >= 0 {
			parent, name = s.Name[:j], s.Name[j+1:]
		}
		pi := storage(parent)
		nodes = append(nodes, &node{name: name, kind: 2, start: starts[i], size: len(s.Data)})
		nodes[pi].children = append(nodes[pi].children, len(nodes)-1)
	}
	right := make([]uint32, len(nodes))
	for i := range right {
		right[i] = free
	}
	var dir []byte
	for _, n := range nodes {
		for k := 0; k+1 < len(n.children); k++ {
			right[n.children[k]] = uint32(n.children[k+1])
		}
	}
	for i, n := range nodes {
		child := uint32(free)
		if len(n.children) > 0 {
			child = uint32(n.children[0])
		}
		dir = append(dir, entry(n.name, n.kind, child, right[i], n.start, n.size)...)
	}
	for len(dir)%sec != 0 {
		dir = append(dir, entry("", 0, free, free, free, 0)...)
	}
	dirStart := chain(dir)
	// The FAT covers every sector, its own and the DIFAT's; the header
	// lists 109 FAT sectors, each DIFAT sector 127 more and the next one.
	per := sec / 4
	nFAT, nDIF := 1, 0
	for {
		nDIF = max(0, (nFAT-109+per-2)/(per-1))
		if (len(sectors)+nFAT+nDIF)*4 <= nFAT*sec {
			break
		}
		nFAT++
	}
	var fatSectors, difSectors []uint32
	for i := 0; i < nFAT; i++ {
		fatSectors = append(fatSectors, uint32(len(sectors)))
		fat = append(fat, 0xFFFFFFFD)
		sectors = append(sectors, nil)
	}
	for i := 0; i < nDIF; i++ {
		difSectors = append(difSectors, uint32(len(sectors)))
		fat = append(fat, 0xFFFFFFFC)
		sectors = append(sectors, nil)
	}
	for len(fat)%per != 0 {
		fat = append(fat, free)
	}
	for i, s := range fatSectors {
		b := make([]byte, sec)
		for k := 0; k < per; k++ {
			le.PutUint32(b[4*k:], fat[i*per+k])
		}
		sectors[s] = b
	}
	for i, s := range difSectors {
		b := make([]byte, sec)
		for k := 0; k < per-1; k++ {
			v := uint32(free)
			if j := 109 + i*(per-1) + k; j < len(fatSectors) {
				v = fatSectors[j]
			}
			le.PutUint32(b[4*k:], v)
		}
		next := uint32(endOfChain)
		if i+1 < len(difSectors) {
			next = difSectors[i+1]
		}
		le.PutUint32(b[4*(per-1):], next)
		sectors[s] = b
	}
	h := make([]byte, sec)
	copy(h, magic)
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], 3)
	le.PutUint16(h[28:], 0xFFFE)
	le.PutUint16(h[30:], 9)
	le.PutUint16(h[32:], 6)
	le.PutUint32(h[44:], uint32(nFAT))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], miniFATStart)
	le.PutUint32(h[64:], uint32((len(miniFAT)+sec-1)/sec))
	le.PutUint32(h[68:], endOfChain)
	if nDIF > 0 {
		le.PutUint32(h[68:], difSectors[0])
		le.PutUint32(h[72:], uint32(nDIF))
	}
	for i := 0; i < 109; i++ {
		v := uint32(free)
		if i < len(fatSectors) {
			v = fatSectors[i]
		}
		le.PutUint32(h[76+4*i:], v)
	}
	out := h
	for _, s := range sectors {
		out = append(out, s...)
	}
	return out
}
