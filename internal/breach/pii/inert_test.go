package pii

import "testing"

// TestInert: the cells skipped as inert are the ones Text finds nothing
// in, and every value that holds personal data is scanned.
func TestInert(t *testing.T) {
	s := New()
	tests := []struct {
		in    string
		inert bool
	}{
		{"", true},
		{"1234,56", true},
		{"20,0", true},
		{"12/03/2024", true},
		{"3", true},
		{"1 234 567,89", true},
		{"14:22:01", true},
		{"0612345678", false},     // phone
		{"06 12 34 56 78", false}, // phone with spaces
		{"06.12.34.56.78", false}, // phone with dots
		{"0033 (0)1 23 45 67 89", false},
		{"+33 6 12 34 56 78", false},
		{"1 85 05 78 006 084 36", false}, // NIR
		{"4970 1012 3456 7890", false},   // card
		{"192.168.10.20", false},         // IPv4
		{"2001:0:0:1::5", false},         // IPv6 with "::"
		{"2001:0:0:1:0:0:0:5", false},    // IPv6 in full
		{"jean@exemple.fr", false},
		{"né le 12/03/1980", false},
		{"Dupont", false},
		{"payée", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := s.inert([]byte(tc.in)); got != tc.inert {
				t.Fatalf("inert = %v, want %v", got, tc.inert)
			}
			if tc.inert {
				if fs := s.Text([]byte(tc.in), nil); len(fs) > 0 {
					t.Fatalf("inert, but Text finds %d values", len(fs))
				}
			}
		})
	}
}

// FuzzInert: whatever the input, an inert value yields no finding.
func FuzzInert(f *testing.F) {
	for _, seed := range []string{"1234,56", "06 12 34 56 78", "2001:0:0:1::5", "192.168.1.1", "0033 (0)1 23 45 67 89", "12/03/2024 14:22:01"} {
		f.Add([]byte(seed))
	}
	s := New()
	f.Fuzz(func(t *testing.T, in []byte) {
		if s.inert(in) {
			if fs := s.Text(in, nil); len(fs) > 0 {
				t.Fatalf("inert, but Text finds a %s value at [%d,%d)", fs[0].Category, fs[0].Start, fs[0].End)
			}
		}
	})
}
