package pii

import "testing"

// TestTimeEnd: the time of day a date's reader takes with it, and the
// text it leaves to the other readers.
func TestTimeEnd(t *testing.T) {
	tests := []struct {
		after string // what follows a date
		time  string // the part read as its time
	}{
		{"T01:26:35Z level=info", "T01:26:35Z"},
		{" 12:57:24;Bonnet", " 12:57:24"},
		{"T10:00", "T10:00"},
		{"T10:00:00.123456+01:00 x", "T10:00:00.123456+01:00"},
		{"T10:00:00,5-0530", "T10:00:00,5-0530"},
		{"T10:00:00+02", "T10:00:00+02"},
		{" 14:30, appeler le 0612345678", " 14:30"},
		{" 0612345678", ""},
		{" 12:3456789012", ""},     // digits go on: no time
		{"T10:00+33612345678", ""}, // a phone, not a zone
		{" 14h30", ""},
		{"T1:00", ""},
		{" 12:30Z9", ""},
		{"", ""},
		{" 12:3", ""},
		{":12:30", ""},
	}
	for _, tc := range tests {
		b := []byte("2024-10-17" + tc.after)
		if got := string(b[10:timeEnd(b, 10)]); got != tc.time {
			t.Errorf("after %q: time %q, want %q", tc.after, got, tc.time)
		}
	}
}

// TestLogDateEnds: a web server's date (clfEnd) and a syslog line's
// (syslogEnd), read whole, and what they leave.
func TestLogDateEnds(t *testing.T) {
	clf, syslog := clfEnd, syslogEnd
	tests := []struct {
		end      func([]byte, int) int
		in, date string
	}{
		{clf, "13/Nov/2025:16:36:08 +0100] \"GET", "13/Nov/2025:16:36:08 +0100"},
		{clf, "13/Nov/2025:16:36:08] x", "13/Nov/2025:16:36:08"},
		{clf, "01/Jan/1999 0612345678", "01/Jan/1999"},
		{clf, "13/Nov/2025:16:36:08 +010", "13/Nov/2025:16:36:08"},
		{clf, "13/Nov/2025:16:36", "13/Nov/2025"},
		{clf, "13/Nov/20251", ""},
		{clf, "13/nov/2025", ""},
		{clf, "13/Nox/2025", ""},
		{clf, "1/Nov/2025", ""},
		{clf, "13/Nov/2025a", ""},
		{clf, "13/Nov/2025:16:36:08 +0100a", ""},
		{clf, "13/Nov/202", ""},
		{syslog, "Mar  3 00:00:07 gov-srv01 sshd[162149]:", "Mar  3 00:00:07"},
		{syslog, "Nov 28 10:22:01", "Nov 28 10:22:01"},
		{syslog, "Nov 28 10:22:01.5", "Nov 28 10:22:01"},
		{syslog, "Nov 28 10:22:015", ""},
		{syslog, "Mon 28 10:22:01", ""},
		{syslog, "Nov  x 10:22:01", ""},
		{syslog, "Nov 28 10:22", ""},
		{syslog, "Nov 28 1:22:01 x", ""},
	}
	for _, tc := range tests {
		b := []byte(tc.in)
		if got := string(b[:tc.end(b, 0)]); got != tc.date {
			t.Errorf("%q: date %q, want %q", tc.in, got, tc.date)
		}
	}
}

// FuzzTimeEnd: the end is within the input and after the date, and
// what it takes is a time's bytes; so for the dates of web servers and
// syslog.
func FuzzTimeEnd(f *testing.F) {
	f.Add([]byte("T10:00:00.123456+01:00"))
	f.Add([]byte(" 12:57:24"))
	f.Add([]byte("13/Nov/2025:16:36:08 +0100]"))
	f.Add([]byte("Mar  3 00:00:07 host"))
	f.Fuzz(func(t *testing.T, after []byte) {
		b := append([]byte("2024-10-17"), after...)
		end := timeEnd(b, 10)
		if end < 10 || end > len(b) {
			t.Fatalf("end %d outside [10, %d]", end, len(b))
		}
		for _, c := range b[10:end] {
			if !isDigit(c) && c != 'T' && c != ' ' && c != ':' && c != '.' && c != ',' && c != 'Z' && c != '+' && c != '-' {
				t.Fatalf("time %q holds %q", b[10:end], c)
			}
		}
		// The same bytes as a web server's or a syslog line's date,
		// from anywhere.
		for i := range after {
			for _, end := range []int{clfEnd(after, i), syslogEnd(after, i)} {
				if end < i || end > len(after) || end > i && end-i < 11 {
					t.Fatalf("date at %d of %q ends at %d", i, after, end)
				}
				for _, c := range after[i:end] {
					if !isDigit(c) && !isAlpha(c) && c != '/' && c != ':' && c != ' ' && c != '+' && c != '-' {
						t.Fatalf("date %q holds %q", after[i:end], c)
					}
				}
			}
		}
	})
}
