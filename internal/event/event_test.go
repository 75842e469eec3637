package event

import (
	"fmt"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFieldsAndArrays(t *testing.T) {
	e := New()
	e.Add("Image", `C:\Windows\System32\CMD.EXE`, String)
	e.Add("tags", "a", String)
	e.Add("EventID", "4688", Number)
	e.Add("tags", "B", String)
	e.Add("tags", "c", String)

	var got []string
	for i := e.Lookup("tags"); i >= 0; i = e.Next(i) {
		got = append(got, e.At(i).Value)
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "B" || got[2] != "c" {
		t.Fatalf("array values = %q, want a B c in order", got)
	}
	if v, ok := e.Get("EventID"); !ok || v != "4688" {
		t.Errorf("Get(EventID) = %q, %v", v, ok)
	}
	if _, ok := e.Get("missing"); ok {
		t.Error("Get(missing) found something")
	}
	e.Set("tags", "only", String)
	if n := count(e, "tags"); n != 1 {
		t.Errorf("after Set, tags has %d values, want 1", n)
	}
}

func count(e *Event, name string) int {
	n := 0
	for i := e.Lookup(name); i >= 0; i = e.Next(i) {
		n++
	}
	return n
}

func TestLower(t *testing.T) {
	cases := []struct{ in, want string }{
		{"already lower", "already lower"},
		{`C:\Windows\CMD.EXE`, `c:\windows\cmd.exe`},
		{"ÉCOLE Élue", "école élue"},
		{"\u212Aelvin", "kelvin"},                    // the Kelvin sign lowers to ASCII k
		{"bad \xff\xfe UTF-8", "bad \xff\xfe utf-8"}, // invalid bytes kept
		{"", ""},
		{"ABCDEFGHIJKLMNOPQRSTUVWXYZ@[`{", "abcdefghijklmnopqrstuvwxyz@[`{"}, // letters' neighbours kept
		{"12345678ÉCOLE", "12345678école"},                                   // 8 ASCII bytes, then not
		{"lowercase long enough", "lowercase long enough"},
		{"lowercase 8 bytes then UPPER", "lowercase 8 bytes then upper"},
	}
	e := New()
	for _, c := range cases {
		e.Add("f", c.in, String)
	}
	i := 0
	for j := e.Lookup("f"); j >= 0; j = e.Next(j) {
		c := cases[i]
		if got := e.Lower(j); got != c.want {
			t.Errorf("Lower(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := e.Lower(j); got != c.want { // cached
			t.Errorf("second Lower(%q) = %q", c.in, got)
		}
		if got := ToLower(c.in); got != c.want {
			t.Errorf("ToLower(%q) = %q, want %q", c.in, got, c.want)
		}
		i++
	}
	e.Message = "Failed PASSWORD"
	if got := e.LowerMessage(); got != "failed password" {
		t.Errorf("LowerMessage = %q", got)
	}
}

func TestResetAndClone(t *testing.T) {
	e := New()
	e.Add("User", "Alice", String)
	e.Host = "ws01"
	_ = e.Lower(0)
	c := e.Clone()
	e.Reset()
	if e.Len() != 0 || e.Host != "" || e.Lookup("User") >= 0 {
		t.Fatalf("Reset left data: len %d host %q", e.Len(), e.Host)
	}
	e.Add("Other", "x", String)
	if v, _ := c.Get("User"); v != "Alice" || c.Host != "ws01" || c.Lower(0) != "alice" {
		t.Errorf("clone changed after the original was reused: %q %q", v, c.Host)
	}
}

// TestNoAllocSteadyState: a reused event costs no allocation once warm.
func TestNoAllocSteadyState(t *testing.T) {
	e := New()
	fill := func() {
		e.Reset()
		e.Add("Image", `C:\Windows\System32\SVCHOST.EXE`, String)
		e.Add("CommandLine", `svchost.exe -k NetworkService`, String)
		e.Add("tags", "A", String)
		e.Add("tags", "B", String)
		for i := 0; i < e.Len(); i++ {
			_ = e.Lower(i)
		}
	}
	fill()
	if n := testing.AllocsPerRun(100, fill); n != 0 {
		t.Errorf("%.1f allocations per reused event, want 0", n)
	}
}

func TestTruncate(t *testing.T) {
	e := New()
	e.Add("a", "1", String)
	e.Add("t", "x", String)
	n := e.Len()
	e.Add("t", "y", String) // extends an existing chain
	e.Add("b", "2", String) // a new name
	e.Truncate(n)
	if e.Len() != n || e.Lookup("b") >= 0 || count(e, "t") != 1 {
		t.Fatalf("after Truncate: len %d, b at %d, t has %d values", e.Len(), e.Lookup("b"), count(e, "t"))
	}
	e.Add("t", "z", String)
	if count(e, "t") != 2 {
		t.Errorf("t has %d values after a new Add, want 2", count(e, "t"))
	}
}

// The name index against a plain map, over events larger than its first
// table, reused, truncated and with repeated names.
func TestIndexAgainstMap(t *testing.T) {
	e := New()
	for round := range 3 {
		e.Reset()
		want := map[string]int{}
		for i := range 300 {
			name := fmt.Sprintf("f%d", i%(100+round*50))
			if _, ok := want[name]; !ok {
				want[name] = e.Len()
			}
			e.Add(name, fmt.Sprint(i), String)
		}
		for name, first := range want {
			if got := e.Lookup(name); got != first {
				t.Fatalf("round %d: Lookup(%s) = %d, want %d", round, name, got, first)
			}
		}
		if e.Lookup("missing") != -1 {
			t.Fatal("a missing name was found")
		}
		e.Truncate(40)
		for name, first := range want {
			got := e.Lookup(name)
			if first < 40 && got != first || first >= 40 && got != -1 {
				t.Fatalf("round %d after Truncate: Lookup(%s) = %d (first was %d)", round, name, got, first)
			}
		}
		e.Set("f1", "one", String)
		if v, _ := e.Get("f1"); v != "one" || e.Next(e.Lookup("f1")) != -1 {
			t.Fatalf("Set: %q", v)
		}
	}
	var zero Event
	if zero.Lookup("x") != -1 {
		t.Fatal("zero event")
	}
	zero.Add("x", "1", Number)
	if v, ok := zero.Get("x"); !ok || v != "1" {
		t.Fatal("zero event after Add")
	}
}

func TestAddCopy(t *testing.T) {
	e := New()
	e.Add("Event.EventData.Image", `C:\Windows\CMD.exe`, String)
	e.AddCopy("Image", 0)
	e.AddCopy("Image2", 1) // a copy of a copy points at the original
	for i, want := range []int{-1, 0, 0} {
		if got := e.CopyOf(i); got != want {
			t.Errorf("CopyOf(%d) = %d, want %d", i, got, want)
		}
	}
	if v, _ := e.Get("Image"); v != `C:\Windows\CMD.exe` {
		t.Errorf("copy's value %q", v)
	}
	if e.Lower(1) != `c:\windows\cmd.exe` || e.Lower(2) != e.Lower(0) {
		t.Errorf("lower: %q %q %q", e.Lower(0), e.Lower(1), e.Lower(2))
	}
	c := e.Clone()
	if c.CopyOf(1) != 0 || c.Lower(1) != `c:\windows\cmd.exe` {
		t.Errorf("clone lost the copy: CopyOf %d, lower %q", c.CopyOf(1), c.Lower(1))
	}
	// Changing the original ends the copy: its value no longer matches.
	e.Set("Event.EventData.Image", "other", String)
	if e.CopyOf(1) != -1 {
		t.Errorf("copy of a changed original still reported")
	}
	if e.Lower(1) != `c:\windows\cmd.exe` {
		t.Errorf("copy's lower case after Set: %q", e.Lower(1))
	}
	// Setting the copy itself makes it a field of its own.
	e.Set("Image2", "x", String)
	if e.CopyOf(2) != -1 || e.Lower(2) != "x" {
		t.Errorf("set copy: CopyOf %d lower %q", e.CopyOf(2), e.Lower(2))
	}
}

// referenceLower is the byte-by-byte lowering the 8-byte path must equal.
func referenceLower(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, s[i])
		} else {
			b = utf8.AppendRune(b, unicode.ToLower(r))
		}
		i += n
	}
	return string(b)
}

func FuzzLower(f *testing.F) {
	for _, s := range []string{"", "A", "already lower", `C:\Windows\CMD.EXE`, "ÉCOLE Élue", "\u212Aelvin", "bad \xff UTF-8 AND MORE TEXT", "@[`{ABCDEFGHZ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := referenceLower(s)
		if got := ToLower(s); got != want {
			t.Fatalf("ToLower(%q) = %q, want %q", s, got, want)
		}
		e := New()
		e.Add("x", "PREFIX", String)
		e.Lower(0)
		e.Add("f", s, String)
		if got := e.Lower(1); got != want {
			t.Fatalf("Lower(%q) = %q, want %q", s, got, want)
		}
	})
}
