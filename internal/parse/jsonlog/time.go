package jsonlog

import (
	"math"
	"strconv"
	"time"
)

// ParseTime reads the timestamps logs write: RFC 3339 ("2024-05-01T10:00:00.123Z",
// "…+02:00"), the same without a zone or with a space instead of "T"
// ("2024-05-01 10:00:00.123", as NXLog and Sysmon's UtcTime do), and
// "+0200"-style zones. A time without a zone is taken as UTC. The result
// is in UTC.
//
// It is written by hand because time.Parse allocates a zone for every
// offset that is not the local one, and this runs on every event.
func ParseTime(s string) (time.Time, bool) {
	// YYYY-MM-DD?hh:mm:ss
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return time.Time{}, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	hour, ok4 := digits(s, 11, 2)
	minute, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	i := 19
	nsec := 0
	if i < len(s) && (s[i] == '.' || s[i] == ',') {
		i++
		start := i
		scale := 100000000
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			nsec += int(s[i]-'0') * scale // digits past nanoseconds add 0
			scale /= 10
			i++
		}
		if i == start {
			return time.Time{}, false
		}
	}
	if i < len(s) && s[i] == ' ' {
		i++
	}
	offset := 0
	switch {
	case i == len(s):
	case s[i] == 'Z' || s[i] == 'z':
		i++
	case s[i] == '+' || s[i] == '-':
		zone := s[i+1:]
		var hh, mm int
		var ok bool
		switch {
		case len(zone) == 5 && zone[2] == ':':
			hh, ok = digits(zone, 0, 2)
			if ok {
				mm, ok = digits(zone, 3, 2)
			}
		case len(zone) == 4:
			hh, ok = digits(zone, 0, 2)
			if ok {
				mm, ok = digits(zone, 2, 2)
			}
		case len(zone) == 2:
			hh, ok = digits(zone, 0, 2)
		}
		if !ok || hh > 23 || mm > 59 {
			return time.Time{}, false
		}
		offset = (hh*60 + mm) * 60
		if s[i] == '-' {
			offset = -offset
		}
		i = len(s)
	}
	if i != len(s) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

func digits(s string, at, n int) (int, bool) {
	v := 0
	for _, c := range []byte(s[at : at+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// parseEpoch reads a Unix time in seconds, or in milliseconds when it is
// too large to be seconds (after the year 5000).
func parseEpoch(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	if f >= 1e11 {
		f /= 1000
	}
	if f >= 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}
