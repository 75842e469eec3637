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

// FuzzTimeEnd: the end is within the input and after the date, and
// what it takes is a time's bytes.
func FuzzTimeEnd(f *testing.F) {
	f.Add([]byte("T10:00:00.123456+01:00"))
	f.Add([]byte(" 12:57:24"))
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
	})
}
