package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestHuntFieldMapping: a user's mapping file extends the built-in one: a
// channel of their own gets a service, so a rule on that service applies.
func TestHuntFieldMapping(t *testing.T) {
	dir := t.TempDir()
	rule := writeFile(t, filepath.Join(dir, "rule.yml"), []byte(`title: Payroll export by an unknown tool
id: 5d3f0a1e-1111-4222-8333-944455556666
logsource:
    product: windows
    service: payroll
detection:
    selection:
        EventID: 42
        Tool: export.exe
    condition: selection
level: high
`))
	events := writeFile(t, filepath.Join(dir, "events.json"), []byte(
		`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Payroll"}},"EventID":42,"Channel":"Payroll/Operational","Computer":"paie01","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"Tool":"export.exe"}}}`+"\n"))
	mapping := writeFile(t, filepath.Join(dir, "mapping.yml"), []byte(`services:
  - service: payroll
    channels: [Payroll/Operational]
`))

	without := mustRun(t, 0, nil, "hunt", "--quiet", "--output", "jsonl", "--no-builtin", "--rules", rule, events)
	if strings.TrimSpace(without.out) != "" {
		t.Fatalf("without the mapping the rule should not apply; got %s", without.out)
	}
	with := mustRun(t, 0, nil, "hunt", "--quiet", "--output", "jsonl", "--no-builtin", "--rules", rule, "--field-mapping", mapping, events)
	if !strings.Contains(with.out, `"title":"Payroll export by an unknown tool"`) {
		t.Fatalf("with the mapping the rule should fire; got %q", with.out)
	}

	bad := writeFile(t, filepath.Join(dir, "bad.yml"), []byte("services:\n  - servcie: payroll\n"))
	r := mustRun(t, 2, nil, "hunt", "--no-builtin", "--rules", rule, "--field-mapping", bad, events)
	if !strings.Contains(r.err, "bad.yml") || !strings.Contains(r.err, "2:") {
		t.Errorf("a broken mapping file should be named with its line; stderr: %s", r.err)
	}
}
