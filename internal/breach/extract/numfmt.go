package extract

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// cellFormat is how a workbook shows a number, reduced to what changes
// what a detector sees: a date (a date of birth kept as an Excel date)
// and digits padded with zeros or cut into groups (a phone number or a
// postcode kept as a number). Any other format shows the number as
// General does: amounts lose their thousands separators and trailing
// zeros, which no detector needs.
type cellFormat struct {
	kind   fmtKind
	toks   []fmtTok
	h12    bool // AM/PM: hours from 1 to 12
	french bool // a French locale ([$-40C]): French month and day names
}

type fmtKind uint8

const (
	fmtGeneral fmtKind = iota
	fmtDate
	fmtDigits
)

// fmtTok is one token of a format: a date part ('y', 'M' month, 'd',
// 'h', 'm' minute, 's', 'a' AM/PM, 'p' A/P) with its run length, a digit
// placeholder ('0', '#', '?') or a literal ('l').
type fmtTok struct {
	op  byte
	n   int
	lit string
}

// builtinFormat is the code of a built-in number format. The short date
// formats, which follow the reader's locale, are read as ISO dates.
func builtinFormat(id int) (string, bool) {
	switch {
	case id == 1:
		return "0", true
	case id == 14, id >= 27 && id <= 36, id >= 50 && id <= 58:
		return "yyyy-mm-dd", true
	case id == 15:
		return "d-mmm-yy", true
	case id == 16:
		return "d-mmm", true
	case id == 17:
		return "mmm-yy", true
	case id == 18:
		return "h:mm AM/PM", true
	case id == 19:
		return "h:mm:ss AM/PM", true
	case id == 20:
		return "h:mm", true
	case id == 21:
		return "h:mm:ss", true
	case id == 22:
		return "yyyy-mm-dd hh:mm", true
	case id == 45:
		return "mm:ss", true
	}
	return "", false
}

// parseFormat reads a number format code; only its first section (that
// of positive numbers) counts.
func parseFormat(code string) cellFormat {
	var f cellFormat
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			f.toks = append(f.toks, fmtTok{op: 'l', lit: string(lit)})
			lit = lit[:0]
		}
	}
	general := cellFormat{}
	punct, dates, digits := false, false, false
	s := code
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ';':
			i = len(s)
			continue
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				j = len(s) - i - 1
			}
			lit = append(lit, s[i+1:i+1+j]...)
			i += j + 2
			continue
		case c == '\\' || c == '_' || c == '*':
			if i+1 >= len(s) {
				i++
				continue
			}
			_, size := utf8.DecodeRuneInString(s[i+1:])
			switch c {
			case '\\':
				lit = append(lit, s[i+1:i+1+size]...)
			case '_':
				lit = append(lit, ' ')
			}
			i += 1 + size
			continue
		case c == '[':
			j := strings.IndexByte(s[i:], ']')
			if j < 0 {
				return general
			}
			in := s[i+1 : i+j]
			i += j + 1
			if strings.HasPrefix(in, "$") {
				sym, lcid, _ := strings.Cut(in[1:], "-")
				lit = append(lit, sym...)
				if n, err := strconv.ParseUint(lcid, 16, 32); err == nil && n&0xff == 0x0c {
					f.french = true
				}
				continue
			}
			if in != "" && strings.Trim(strings.ToLower(in), "hms") == "" {
				return general // elapsed time
			}
			continue // a colour or a condition
		case c == '0' || c == '#' || c == '?':
			flush()
			f.toks = append(f.toks, fmtTok{op: c, n: 1})
			digits = true
		case c == '.' && lastOp(f.toks) == 's' && i+1 < len(s) && s[i+1] == '0':
			// Fractions of a second are not shown.
			i++
			for i < len(s) && s[i] == '0' {
				i++
			}
			continue
		case c == '.' || c == ',' || c == '%' || c == '/':
			// Decimals, thousands, percents and fractions make a number
			// General; in a date they are literals.
			punct = punct || c != '/' || digits
			lit = append(lit, c)
		case c == '@', hasFoldPrefix(s[i:], "general"):
			return general
		case (c == 'e' || c == 'E') && i+1 < len(s) && (s[i+1] == '+' || s[i+1] == '-'):
			return general // scientific
		case hasFoldPrefix(s[i:], "am/pm"):
			flush()
			f.toks = append(f.toks, fmtTok{op: 'a'})
			f.h12, dates = true, true
			i += 5
			continue
		case hasFoldPrefix(s[i:], "a/p"):
			flush()
			f.toks = append(f.toks, fmtTok{op: 'p'})
			f.h12, dates = true, true
			i += 3
			continue
		default:
			op := lowerASCII(c)
			switch op {
			case 'e':
				op = 'y'
			case 'm':
				op = 'M' // a month until told otherwise
			case 'b', 'g':
				return general // Buddhist and era years
			}
			if strings.IndexByte("yMdhs", op) < 0 {
				lit = append(lit, c)
				break
			}
			flush()
			n := 1
			for i+n < len(s) && lowerASCII(s[i+n]) == lowerASCII(c) {
				n++
			}
			f.toks = append(f.toks, fmtTok{op: op, n: n})
			dates = true
			i += n
			continue
		}
		i++
	}
	flush()
	switch {
	case dates && !digits:
		f.kind = fmtDate
		f.minutes()
		f.isoIfNamed()
	case digits && !dates && !punct:
		f.kind = fmtDigits
	default:
		return general
	}
	return f
}

// minutes turns into minutes the "m" and "mm" that follow an hour or
// precede a second, as Excel does.
func (f *cellFormat) minutes() {
	prev := byte(0)
	for i := range f.toks {
		t := &f.toks[i]
		if t.op == 'l' {
			continue
		}
		if t.op == 'M' && t.n <= 2 {
			next := byte(0)
			for _, u := range f.toks[i+1:] {
				if u.op != 'l' {
					next = u.op
					break
				}
			}
			if prev == 'h' || next == 's' {
				t.op = 'm'
			}
		}
		prev = t.op
	}
}

// isoIfNamed turns a full date shown otherwise than in digits with a
// four-digit year (12 May 1985, dimanche 12 mai 1985, 12/05/85) into an
// ISO date, with its hours and minutes if it shows them: the date
// readers know every form of digits, not every language's names or a
// two-digit year, and a date of birth must not be missed for its format.
func (f *cellFormat) isoIfNamed() {
	var year, month, day, weekday, hour, second bool
	plain := true
	for _, t := range f.toks {
		switch t.op {
		case 'y':
			year = true
			plain = plain && t.n > 2
		case 'M':
			month = true
			plain = plain && t.n <= 2
		case 'd':
			day = day || t.n <= 2
			weekday = weekday || t.n > 2
		case 'h':
			hour = true
		case 's':
			second = true
		}
	}
	if !year || !month || !day || plain && !weekday {
		return
	}
	iso := "yyyy-mm-dd"
	switch {
	case second:
		iso += " hh:mm:ss"
	case hour:
		iso += " hh:mm"
	}
	*f = parseFormat(iso)
}

// lastOp is the last token that is not a literal.
func lastOp(toks []fmtTok) byte {
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i].op != 'l' {
			return toks[i].op
		}
	}
	return 0
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// appendNumber appends the number v (a cell's raw value) as the format
// shows it.
func (f *cellFormat) appendNumber(dst, v []byte, date1904 bool) []byte {
	switch f.kind {
	case fmtDate:
		if x, err := strconv.ParseFloat(string(v), 64); err == nil && x >= 0 && x < 2958466 {
			return f.appendDate(dst, x, date1904)
		}
	case fmtDigits:
		if x, err := strconv.ParseFloat(string(v), 64); err == nil && math.Abs(x) < 1e15 {
			return f.appendDigits(dst, x)
		}
	}
	return appendGeneral(dst, v)
}

// appendFloat appends the number x (an .xls cell's value) as the format
// shows it; nil is General.
func (f *cellFormat) appendFloat(dst []byte, x float64, date1904 bool) []byte {
	if f != nil {
		switch f.kind {
		case fmtDate:
			if x >= 0 && x < 2958466 {
				return f.appendDate(dst, x, date1904)
			}
		case fmtDigits:
			if math.Abs(x) < 1e15 {
				return f.appendDigits(dst, x)
			}
		}
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e15 && (x != 0 || !math.Signbit(x)) { // -0 shows as such
		return strconv.AppendInt(dst, int64(x), 10)
	}
	// As appendGeneral shows the shortest text that reads back as x: the
	// same digits, unless there are more than 15.
	start := len(dst)
	dst = strconv.AppendFloat(dst, x, 'f', -1, 64)
	plain := dst[start:]
	if len(plain)-bytes.Count(plain, []byte(".")) > 15 {
		return appendGeneral(dst[:start], strconv.AppendFloat(nil, x, 'g', -1, 64))
	}
	return dst
}

// appendGeneral shows a number as the General format (and excelize) do:
// all its digits up to 15 significant ones, without exponent.
func appendGeneral(dst, v []byte) []byte {
	if len(v) > 0 && len(v) <= 15 && (v[0] != '0' || len(v) == 1) {
		plain := true
		for _, c := range v {
			if c < '0' || c > '9' {
				plain = false
				break
			}
		}
		if plain {
			return append(dst, v...)
		}
	}
	s := string(v)
	if strings.IndexByte(s, '_') >= 0 {
		return append(dst, v...)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return append(dst, v...)
	}
	plain := strconv.FormatFloat(x, 'f', -1, 64)
	if len(plain)-strings.Count(plain, ".") > 15 && !withinPrecision(s) {
		return strconv.AppendFloat(dst, x, 'G', 15, 64)
	}
	return append(dst, plain...)
}

// withinPrecision: an integer whose digits past the 15th are zeros.
func withinPrecision(s string) bool {
	if strings.ContainsAny(s, ".Ee") {
		return false
	}
	s = strings.TrimLeft(s, "+-0")
	return len(strings.TrimRight(s, "0")) <= 15
}

// appendDigits fills the digit placeholders from the right; the leftmost
// one takes the digits left over. A '0' with no digit shows 0, a '?' a
// space, a '#' nothing.
func (f *cellFormat) appendDigits(dst []byte, x float64) []byte {
	n := int64(math.Round(math.Abs(x)))
	if x < 0 && n != 0 {
		dst = append(dst, '-')
	}
	var ds []byte
	if n > 0 {
		ds = strconv.AppendInt(nil, n, 10)
	}
	slots := 0
	for _, t := range f.toks {
		if t.op != 'l' {
			slots++
		}
	}
	// The leftmost slot takes len(ds)-slots+1 digits when they overflow.
	extra := len(ds) - slots
	k := 0 // next digit of ds
	slot := 0
	for _, t := range f.toks {
		if t.op == 'l' {
			dst = append(dst, t.lit...)
			continue
		}
		take := 0
		// Slots are filled from the right: slot i gets a digit when the
		// digits reach it.
		if slot == 0 && extra > 0 {
			take = extra + 1
		} else if slot >= slots-len(ds) {
			take = 1
		}
		slot++
		if take > 0 {
			dst = append(dst, ds[k:k+take]...)
			k += take
			continue
		}
		switch t.op {
		case '0':
			dst = append(dst, '0')
		case '?':
			dst = append(dst, ' ')
		}
	}
	return dst
}

var (
	monthsEN = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	monthsFR = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	shortFR  = [...]string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
	daysEN   = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	daysFR   = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
)

// excelTime is the moment of a serial date, to the nearest second. It
// also reports Excel's 29 February 1900, a day that never was (serial 60).
func excelTime(x float64, date1904 bool) (time.Time, bool) {
	secs := int64(math.Round(x * 86400))
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case secs < 60*86400:
		// Excel counts that day: the serials before it are one day off.
		base = base.AddDate(0, 0, 1)
	case secs < 61*86400:
		return base.Add(time.Duration(secs) * time.Second), true
	}
	return base.Add(time.Duration(secs) * time.Second), false
}

func (f *cellFormat) appendDate(dst []byte, x float64, date1904 bool) []byte {
	t, feb29 := excelTime(x, date1904)
	day, weekday := t.Day(), int(t.Weekday())
	if feb29 {
		day, weekday = 29, 3
	}
	pad := func(dst []byte, v, n int) []byte {
		if n >= 2 && v < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(v), 10)
	}
	for _, k := range f.toks {
		switch k.op {
		case 'l':
			dst = append(dst, k.lit...)
		case 'y':
			if k.n <= 2 {
				dst = pad(dst, t.Year()%100, 2)
			} else {
				dst = strconv.AppendInt(dst, int64(t.Year()), 10)
			}
		case 'M':
			m := int(t.Month()) - 1
			switch {
			case k.n <= 2:
				dst = pad(dst, m+1, k.n)
			case k.n == 3 && f.french:
				dst = append(dst, shortFR[m]...)
			case k.n == 3:
				dst = append(dst, monthsEN[m][:3]...)
			case k.n == 4 && f.french:
				dst = append(dst, monthsFR[m]...)
			case k.n == 4:
				dst = append(dst, monthsEN[m]...)
			case f.french:
				dst = append(dst, monthsFR[m][0])
			default:
				dst = append(dst, monthsEN[m][0])
			}
		case 'd':
			w := weekday
			switch {
			case k.n <= 2:
				dst = pad(dst, day, k.n)
			case k.n == 3 && f.french:
				dst = append(dst, daysFR[w][:3]...)
				dst = append(dst, '.')
			case k.n == 3:
				dst = append(dst, daysEN[w][:3]...)
			case f.french:
				dst = append(dst, daysFR[w]...)
			default:
				dst = append(dst, daysEN[w]...)
			}
		case 'h':
			h := t.Hour()
			if f.h12 {
				h %= 12
				if h == 0 {
					h = 12
				}
			}
			dst = pad(dst, h, k.n)
		case 'm':
			dst = pad(dst, t.Minute(), k.n)
		case 's':
			dst = pad(dst, t.Second(), k.n)
		case 'a':
			if t.Hour() < 12 {
				dst = append(dst, "AM"...)
			} else {
				dst = append(dst, "PM"...)
			}
		case 'p':
			if t.Hour() < 12 {
				dst = append(dst, 'A')
			} else {
				dst = append(dst, 'P')
			}
		}
	}
	return dst
}
