package breach

import (
	"bytes"
	"strings"
	"testing"
)

// Credentials are split by kind in every human format, in both languages.
func TestRenderCredentialKinds(t *testing.T) {
	r := &Report{Schema: Schema, Categories: []CategoryStat{
		{Category: "email", Values: 3, Distinct: 3, DistinctExact: true, Records: 3, Samples: []string{"j***@e***.fr"}},
		{Category: "credential", Values: 42, Distinct: 40, DistinctExact: true, Records: 42, Samples: []string{"$2y$10$****", "********"},
			Kinds: map[string]int64{"plaintext": 2, "weak_hash": 0, "strong_hash": 40}},
	}}
	r.Risk = rate(r)
	for _, c := range []struct{ format, lang, want string }{
		{FormatText, "en", "in plain text 2, strong hashes 40"},
		{FormatMarkdown, "en", "Password or password hash (`credential`, contextual): in plain text 2, strong hashes 40"},
		{FormatHTML, "fr", "<small>en clair 2, empreintes robustes 40</small>"},
	} {
		var b bytes.Buffer
		if err := Render(&b, r, c.format, c.lang); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), c.want) || strings.Contains(b.String(), "unsalted) 0") || strings.Contains(b.String(), "sel) 0") {
			t.Errorf("%s %s: no %q, or a kind of none:\n%s", c.format, c.lang, c.want, b.String())
		}
	}
}
