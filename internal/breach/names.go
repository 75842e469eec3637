package breach

import (
	"sort"
	"strings"
	"unicode/utf8"

	"tocsin/internal/breach/pii"
)

// Names that reach a report — paths, archive members, table, sheet and
// column names, JSON keys — come from the data, and data may name things
// after people (exports/jean.dupont@example.fr.csv, a sheet called after
// a client, a JSON object keyed by e-mail). Each name is scanned like text
// and what the detectors find in it is replaced by its mask.

// redactor masks personal data found in names. It caches its answers: a
// folder repeats the same prefixes, a table the same column names.
type redactor struct {
	s     *pii.Scanner
	cache map[string]string
	fs    pii.Findings
	buf   []pii.Finding
}

const maxRedactCache = 1 << 14

func newRedactor(s *pii.Scanner) *redactor {
	return &redactor{s: s, cache: map[string]string{}}
}

func (r *redactor) name(n string) string {
	if n == "" {
		return n
	}
	if out, ok := r.cache[n]; ok {
		return out
	}
	out := r.redact(n)
	if len(r.cache) >= maxRedactCache {
		clear(r.cache)
	}
	r.cache[n] = out
	return out
}

// path redacts each element of a path on its own ("/", "!/" kept).
func (r *redactor) path(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		parts[i] = r.name(part)
	}
	return strings.Join(parts, "/")
}

func (r *redactor) redact(n string) string {
	if !utf8.ValidString(n) {
		n = strings.ToValidUTF8(n, "\uFFFD")
	}
	// Control characters in a name could drive the terminal that shows
	// the text report (escape sequences in a crafted file name).
	n = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 {
			return '\uFFFD'
		}
		return c
	}, n)
	// Separators of file names read as spaces, so that
	// "dupont_jean_0612345678.csv" is seen as words.
	spaced := []byte(n)
	for i, c := range spaced {
		if c == '_' || c == '.' && !inEmail(spaced, i) {
			spaced[i] = ' '
		}
	}
	r.fs.Reset()
	r.buf = append(r.buf[:0], r.s.Text(spaced, &r.fs)...)
	r.buf = r.validTokens(n, r.buf)
	if len(r.buf) == 0 {
		return n
	}
	sort.Slice(r.buf, func(i, j int) bool { return r.buf[i].Start < r.buf[j].Start })
	var b strings.Builder
	last := 0
	for _, f := range r.buf {
		if f.Start < last || f.End > len(n) {
			continue
		}
		b.WriteString(n[last:f.Start])
		m := pii.Mask(f.Category, string(f.Norm))
		if m == "" {
			m = "***"
		}
		b.WriteString("[" + m + "]")
		last = f.End
	}
	b.WriteString(n[last:])
	return b.String()
}

// validTokens adds the runs of letters and digits that validate as a NIR,
// an IBAN or a card number: in free text the detectors want a context word
// for a bare number, in a name the number alone is reason enough.
func (r *redactor) validTokens(n string, found []pii.Finding) []pii.Finding {
	covered := func(s, e int) bool {
		for _, f := range found {
			if s < f.End && e > f.Start {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(n); {
		if !isAlnum(n[i]) {
			i++
			continue
		}
		j := i
		for j < len(n) && isAlnum(n[j]) {
			j++
		}
		tok := n[i:j]
		if len(tok) >= 13 && !covered(i, j) {
			if norm, ok, _ := pii.ValidNIR(tok); ok {
				found = append(found, pii.Finding{Category: pii.NIR, Start: i, End: j, Norm: []byte(norm)})
			} else if norm, ok := pii.ValidIBAN(tok); ok {
				found = append(found, pii.Finding{Category: pii.IBAN, Start: i, End: j, Norm: []byte(norm)})
			} else if norm, ok := pii.ValidCard(tok); ok {
				found = append(found, pii.Finding{Category: pii.Card, Start: i, End: j, Norm: []byte(norm)})
			}
		}
		i = j
	}
	return found
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// inEmail tells whether the dot at i sits inside something@something.
func inEmail(b []byte, i int) bool {
	start, end := i, i
	for start > 0 && b[start-1] != ' ' && b[start-1] != '_' && b[start-1] != '/' {
		start--
	}
	for end < len(b) && b[end] != ' ' && b[end] != '_' && b[end] != '/' {
		end++
	}
	return strings.IndexByte(string(b[start:end]), '@') >= 0
}
