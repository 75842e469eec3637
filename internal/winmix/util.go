package winmix

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// table is a weighted choice: pick returns an item with probability
// weight/total. Built once, picked with one random draw and a binary search.
type table[T any] struct {
	items []T
	cum   []int
}

func (t *table[T]) add(v T, w int) {
	if w <= 0 {
		return
	}
	total := 0
	if n := len(t.cum); n > 0 {
		total = t.cum[n-1]
	}
	t.items = append(t.items, v)
	t.cum = append(t.cum, total+w)
}

func (t *table[T]) empty() bool { return len(t.items) == 0 }

func (t *table[T]) pick(r *rand.Rand) T {
	x := r.IntN(t.cum[len(t.cum)-1])
	i := sort.SearchInts(t.cum, x+1)
	return t.items[i]
}

// roles is a set of host roles a template applies to; 0 means all.
type roles uint8

const (
	rWS         roles = 1 << iota // workstation
	rDC                           // domain controller
	rFS                           // file and application server
	rWeb                          // IIS web server
	numRoleBits = 4

	rSrv = rDC | rFS | rWeb
	rAll = rWS | rSrv
)

func (r roles) has(x roles) bool { return r == 0 || r&x != 0 }

// byRole holds one weighted table per host role, built from templates that
// say which roles they apply to.
type byRole[T any] [numRoleBits]table[*T]

func newByRole[T any](items []T, weight func(*T) int, on func(*T) roles) *byRole[T] {
	var br byRole[T]
	for i := range items {
		it := &items[i]
		for b := range numRoleBits {
			if on(it).has(1 << b) {
				br[b].add(it, weight(it))
			}
		}
	}
	return &br
}

func roleIndex(r roles) int {
	for b := range numRoleBits {
		if r == 1<<b {
			return b
		}
	}
	panic("winmix: host with no single role")
}

func (br *byRole[T]) pick(r *rand.Rand, role roles) *T {
	t := &br[roleIndex(role)]
	if t.empty() {
		t = &br[0]
	}
	return t.pick(r)
}

func oneOf[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

const (
	hexLower = "0123456789abcdef"
	hexUpper = "0123456789ABCDEF"
	alnum    = "abcdefghijklmnopqrstuvwxyz0123456789"
	digits   = "0123456789"
)

func (g *Generator) randChars(b []byte, n int, set string) []byte {
	for range n {
		b = append(b, set[g.r.IntN(len(set))])
	}
	return b
}

// guid appends a random GUID (8-4-4-4-12) in the given digits.
func (g *Generator) guid(b []byte, digits string) []byte {
	for i, n := range [5]int{8, 4, 4, 4, 12} {
		if i > 0 {
			b = append(b, '-')
		}
		b = g.randChars(b, n, digits)
	}
	return b
}

func (g *Generator) guidString(upper bool) string {
	d := hexLower
	if upper {
		d = hexUpper
	}
	return string(g.guid(make([]byte, 0, 36), d))
}

// sysmonGUID is a Sysmon process or logon GUID: the machine's prefix, the
// start time's unix seconds (low word first), then 8 bytes — which for a
// logon GUID are the logon id, little-endian, as Sysmon builds it.
func sysmonGUID(prefix string, t time.Time, tail uint64) string {
	s := uint32(t.Unix())
	b := make([]byte, 0, 36)
	b = append(b, prefix...)
	b = append(b, '-')
	b = appendHex(b, uint64(s&0xffff), 4)
	b = append(b, '-')
	b = appendHex(b, uint64(s>>16), 4)
	b = append(b, '-')
	var le [8]byte
	for i := range le {
		le[i] = byte(tail >> (8 * i))
	}
	for i, c := range le {
		if i == 2 {
			b = append(b, '-')
		}
		b = append(b, hexUpper[c>>4], hexUpper[c&0xf])
	}
	return string(b)
}

func appendHex(b []byte, v uint64, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, hexUpper[(v>>(4*i))&0xf])
	}
	return b
}

// fileHashes is the Sysmon Hashes value of a file. It is derived from the
// path, so a binary keeps the same hashes across events, as it does on a
// real estate; the cache is bounded because malicious payloads get random
// names.
func (g *Generator) fileHashes(path string) string {
	if h, ok := g.hashes[path]; ok {
		return h
	}
	s1 := sha1.Sum([]byte(path))
	m5 := md5.Sum([]byte(path))
	s256 := sha256.Sum256([]byte(path))
	base := path[strings.LastIndexByte(path, '\\')+1:]
	imp := md5.Sum([]byte("imphash:" + strings.ToLower(base)))
	h := "SHA1=" + upperHex(s1[:]) + ",MD5=" + upperHex(m5[:]) +
		",SHA256=" + upperHex(s256[:]) + ",IMPHASH=" + upperHex(imp[:])
	if len(g.hashes) < 4096 {
		g.hashes[path] = h
	}
	return h
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

// Times: the System element carries microseconds (2006-01-02T15:04:05.000000Z),
// Sysmon's UtcTime milliseconds (2006-01-02 15:04:05.000).
func utcTime(t time.Time) string { return string(appendTime(make([]byte, 0, 23), t, ' ', 3)) }

// appendTime formats t as "2006-01-02<sep>15:04:05.<frac digits>", faster
// than time.Format on this hot path.
func appendTime(b []byte, t time.Time, sep byte, frac int) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendDigits(b, y, 4)
	b = append(b, '-')
	b = appendDigits(b, int(mo), 2)
	b = append(b, '-')
	b = appendDigits(b, d, 2)
	b = append(b, sep)
	b = appendDigits(b, h, 2)
	b = append(b, ':')
	b = appendDigits(b, mi, 2)
	b = append(b, ':')
	b = appendDigits(b, s, 2)
	b = append(b, '.')
	ns := t.Nanosecond()
	for range 9 - frac {
		ns /= 10
	}
	return appendDigits(b, ns, frac)
}

func appendDigits(b []byte, v, width int) []byte {
	var d [9]byte
	for i := width - 1; i >= 0; i-- {
		d[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, d[:width]...)
}

// randPID returns a plausible process id: a multiple of 4.
func (g *Generator) randPID() int { return 4 * (100 + g.r.IntN(6000)) }
