package pii

import (
	"encoding/binary"

	"tocsin/internal/swar"
)

// date reads a calendar date at t: dd/mm/yyyy (or with '.', '-'),
// yyyy-mm-dd (or '/'), or "12 mars 1985" / "1er mai 1990". A date is a
// date of birth only when a context word comes before it; any other date
// is consumed silently.
func (st *scan) date(t int) (int, bool) {
	y, m, d, end, ok := st.s.parseDate(st.b, t)
	if !ok {
		return 0, false
	}
	if end < len(st.b) && isAlnum(st.b[end]) && st.b[end] != 'T' {
		return 0, false
	}
	if birthYear(y) && hasContext(st.window(t), &st.s.ctx.birth) {
		iso := isoDate(y, m, d)
		st.add(DateOfBirth, t, end, confContext, iso[:])
	}
	// A time of day after the date is read with it: its numbers, which
	// cannot be anyone's, are not taken one by one through the readers.
	end = timeEnd(st.b, end)
	st.ctxFrom = end
	return end, true
}

// timeEnd returns the end of a time of day at b[i:], after its date: 'T'
// or a space, hh:mm, then :ss, a fraction and a zone (Z, ±hh, ±hhmm or
// ±hh:mm) if there are; i if there is no time there. The time ends
// where a letter or a digit could not follow it.
func timeEnd(b []byte, i int) int {
	if i+6 > len(b) || b[i] != 'T' && b[i] != ' ' || !digitPair(b, i+1) || b[i+3] != ':' || !digitPair(b, i+4) {
		return i
	}
	j := i + 6
	if j+3 <= len(b) && b[j] == ':' && digitPair(b, j+1) {
		j += 3
		if j+1 < len(b) && (b[j] == '.' || b[j] == ',') && isDigit(b[j+1]) {
			for j++; j < len(b) && isDigit(b[j]); j++ {
			}
		}
	}
	switch {
	case j < len(b) && b[j] == 'Z':
		j++
	case j+3 <= len(b) && (b[j] == '+' || b[j] == '-') && digitPair(b, j+1):
		k := j + 3
		if k+3 <= len(b) && b[k] == ':' && digitPair(b, k+1) {
			k += 3
		} else if digitPair(b, k) {
			k += 2
		}
		j = k
	}
	if j < len(b) && isAlnum(b[j]) {
		return i
	}
	return j
}

// clfEnd returns the end of a web server's date at b[i:] (the common log
// format's 13/Nov/2025:16:36:08 +0100, the time and the zone optional),
// or i if there is none. No one's date of birth is written so, and read
// whole its numbers are not taken one by one through the readers.
func clfEnd(b []byte, i int) int {
	if i+11 > len(b) || !digitPair(b, i) || b[i+2] != '/' || !englishMonth(b[i+3:i+6]) || b[i+6] != '/' ||
		!digitPair(b, i+7) || !digitPair(b, i+9) {
		return i
	}
	j := i + 11
	if j+9 <= len(b) && b[j] == ':' && digitPair(b, j+1) && b[j+3] == ':' && digitPair(b, j+4) && b[j+6] == ':' && digitPair(b, j+7) {
		j += 9
		if j+6 <= len(b) && b[j] == ' ' && (b[j+1] == '+' || b[j+1] == '-') && digitPair(b, j+2) && digitPair(b, j+4) {
			j += 6
		}
	}
	if j < len(b) && isAlnum(b[j]) {
		return i
	}
	return j
}

// syslogEnd returns the end of a syslog line's date at b[i:] (RFC 3164:
// "Mar  3 00:00:07", "Nov 28 10:22:01"), or i if there is none: as
// clfEnd, read whole.
func syslogEnd(b []byte, i int) int {
	if i+15 > len(b) || b[i+3] != ' ' || b[i+6] != ' ' || b[i+9] != ':' || b[i+12] != ':' ||
		!(b[i+4] == ' ' || isDigit(b[i+4])) || !isDigit(b[i+5]) || !digitPair(b, i+7) || !digitPair(b, i+10) ||
		!digitPair(b, i+13) || !englishMonth(b[i:i+3]) || i+15 < len(b) && isAlnum(b[i+15]) {
		return i
	}
	return i + 15
}

// englishMonth reports whether m is an English month's abbreviation,
// capitalised, as web servers and syslog write them.
func englishMonth(m []byte) bool {
	switch string(m) {
	case "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

// digitPair reports whether b[i:i+2] are two ASCII digits.
func digitPair(b []byte, i int) bool {
	return i+2 <= len(b) && isDigit(b[i]) && isDigit(b[i+1])
}

func birthYear(y int) bool { return y >= 1890 && y <= 2030 }

// parseDate reads a date at b[i:] and returns its parts and end.
func (s *Scanner) parseDate(b []byte, i int) (y, m, d, end int, ok bool) {
	// yyyy-mm-dd (or '/'), the most of a log's dates: its first eight
	// bytes checked at once.
	if i+11 <= len(b) {
		const isoDigits = 0x0080800080808080 // yyyy-mm-
		sep := b[i+4]
		if swar.Digits(binary.LittleEndian.Uint64(b[i:i+8])) == isoDigits && (sep == '-' || sep == '/') && b[i+7] == sep &&
			isDigit(b[i+8]) && isDigit(b[i+9]) && !isDigit(b[i+10]) {
			y = int(b[i]-'0')*1000 + int(b[i+1]-'0')*100 + int(b[i+2]-'0')*10 + int(b[i+3]-'0')
			m = int(b[i+5]-'0')*10 + int(b[i+6]-'0')
			d = int(b[i+8]-'0')*10 + int(b[i+9]-'0')
			if !validDate(y, m, d) {
				return 0, 0, 0, 0, false
			}
			return y, m, d, i + 10, true
		}
	}
	return s.parseDateNums(b, i)
}

// parseDateNums is parseDate, its numbers read one by one.
func (s *Scanner) parseDateNums(b []byte, i int) (y, m, d, end int, ok bool) {
	a, j := dateNum(b, i, 1, 4)
	if a < 0 || j >= len(b) {
		return 0, 0, 0, 0, false
	}
	sep := b[j]
	switch {
	case j-i == 4 && (sep == '-' || sep == '/'):
		y = a
		if m, j = dateNum(b, j+1, 2, 2); m < 0 || j >= len(b) || b[j] != sep {
			return 0, 0, 0, 0, false
		}
		if d, j = dateNum(b, j+1, 2, 2); d < 0 {
			return 0, 0, 0, 0, false
		}
	case j-i <= 2 && (sep == '/' || sep == '.' || sep == '-'):
		d = a
		if m, j = dateNum(b, j+1, 1, 2); m < 0 || j >= len(b) || b[j] != sep {
			return 0, 0, 0, 0, false
		}
		if y, j = dateNum(b, j+1, 4, 4); y < 0 {
			return 0, 0, 0, 0, false
		}
	case j-i <= 2 && sep == ' ' || j-i == 1 && sep == 'e':
		d = a
		if sep == 'e' { // 1er
			if j+2 >= len(b) || b[j+1] != 'r' || b[j+2] != ' ' || a != 1 {
				return 0, 0, 0, 0, false
			}
			j += 2
		}
		ms := j + 1
		me := ms
		for me < len(b) && me-ms < 12 {
			if ok, n := letterAt(b, me); ok {
				me += n
				continue
			}
			break
		}
		// Most numbers in prose are followed by other words: look a word
		// up only when its first letter and length fit a month name.
		if me-ms < 3 || me-ms > 10 || !monthInitial(b[ms]) {
			return 0, 0, 0, 0, false
		}
		var buf [16]byte
		mm, found := s.months[string(appendFold(buf[:0], b[ms:me]))]
		if !found {
			return 0, 0, 0, 0, false
		}
		m = mm
		if me < len(b) && b[me] == '.' {
			me++
		}
		if me >= len(b) || b[me] != ' ' {
			return 0, 0, 0, 0, false
		}
		if y, j = dateNum(b, me+1, 4, 4); y < 0 {
			return 0, 0, 0, 0, false
		}
	default:
		return 0, 0, 0, 0, false
	}
	if !validDate(y, m, d) {
		return 0, 0, 0, 0, false
	}
	return y, m, d, j, true
}

// dateNum reads least to most digits at b[j:], not followed by another, and
// returns their value and end; -1 and j if there are none such.
func dateNum(b []byte, j, least, most int) (int, int) {
	v, k := 0, j
	for lim := min(j+most, len(b)); k < lim; k++ {
		c := b[k] - '0'
		if c > 9 {
			break
		}
		v = v*10 + int(c)
	}
	if k-j < least || k < len(b) && isDigit(b[k]) {
		return -1, j
	}
	return v, k
}

// monthInitial reports whether c starts a French month's name.
func monthInitial(c byte) bool {
	switch c | 0x20 {
	case 'j', 'f', 'm', 'a', 's', 'o', 'n', 'd':
		return true
	}
	return false
}

func validDate(y, m, d int) bool {
	if y < 1000 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && (y%4 == 0 && y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func isoDate(y, m, d int) [10]byte {
	return [10]byte{
		byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10),
	}
}
