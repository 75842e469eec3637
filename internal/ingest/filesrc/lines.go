package filesrc

import "bytes"

// line is one record found in a buffer: buf[start:end] with end the
// offset just past its LF (or past the cut, for a cut line).
type line struct {
	start, end int // of the text, LF and CR excluded
	next       int // where the following record starts
	cut        bool
}

// cutter finds lines in the unread bytes of a file, one buffer at a time.
// A line longer than max is cut to max bytes; the rest of it, up to its
// LF, is discarded. Empty lines are skipped. A CR before the LF is trimmed.
type cutter struct {
	max     int
	discard bool // inside the discarded rest of a cut line
}

// lines appends the records of buf to out and returns how many bytes they
// took. The unconsumed rest is an unterminated line of at most max+1 bytes,
// unless flush is set: then it is a record too (a last line that will not
// be finished).
func (c *cutter) lines(buf []byte, flush bool, out []line) ([]line, int) {
	pos := 0
	for pos < len(buf) {
		i := bytes.IndexByte(buf[pos:], '\n')
		if i < 0 {
			rest := len(buf) - pos
			switch {
			case c.discard:
				return out, len(buf)
			case rest > c.max+1: // +1: a CR may still prove to end the line
				out = append(out, line{start: pos, end: pos + c.max, next: pos + c.max, cut: true})
				c.discard = true
				return out, len(buf)
			case flush:
				end := len(buf)
				if buf[end-1] == '\r' {
					end--
				}
				if end-pos > c.max {
					return append(out, line{start: pos, end: pos + c.max, next: len(buf), cut: true}), len(buf)
				}
				return c.add(out, pos, end, len(buf)), len(buf)
			}
			return out, pos
		}
		end, next := pos+i, pos+i+1
		if c.discard {
			c.discard = false
			pos = next
			continue
		}
		if end > pos && buf[end-1] == '\r' {
			end--
		}
		if end-pos > c.max {
			out = append(out, line{start: pos, end: pos + c.max, next: next, cut: true})
		} else {
			out = c.add(out, pos, end, next)
		}
		pos = next
	}
	return out, pos
}

func (c *cutter) add(out []line, start, end, next int) []line {
	if end == start {
		return out
	}
	return append(out, line{start: start, end: end, next: next})
}

// pathHash stands in for an inode where there is none.
func pathHash(path string) uint64 { return dedupKey(path, 0) }
