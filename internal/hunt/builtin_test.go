package hunt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"tocsin/internal/ruleset"
)

// TestBuiltinRules runs the embedded pack over events that must and must
// not fire each rule, through the whole hunt pipeline (parsers included).
func TestBuiltinRules(t *testing.T) {
	rs := ruleset.Check(ruleset.Builtin(), nil)
	for _, p := range rs.Problems {
		t.Fatalf("built-in pack: %v", p)
	}
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	syslogAt := func(d time.Duration, msg string) string {
		return t0.Add(d).Format(time.RFC3339) + " srv-mairie sshd[4242]: " + msg
	}
	failures := func(ip string, n int, every time.Duration) []string {
		var out []string
		for i := range n {
			out = append(out, syslogAt(time.Duration(i)*every, fmt.Sprintf("Failed password for root from %s port %d ssh2", ip, 40000+i)))
		}
		return out
	}
	invalid := func(ip string, users ...string) []string {
		var out []string
		for i, u := range users {
			out = append(out, syslogAt(time.Duration(i)*time.Second, fmt.Sprintf("Invalid user %s from %s port %d", u, ip, 50000+i)))
		}
		return out
	}
	sysmon := func(image, cmd string) string {
		return `{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Sysmon"}},"EventID":1,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"srv01","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"Image":` + jsonString(image) + `,"CommandLine":` + jsonString(cmd) + `}}}`
	}
	security := func(id int) string {
		return fmt.Sprintf(`{"Event":{"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Eventlog"}},"EventID":%d,"Channel":"Security","Computer":"dc01","TimeCreated":{"#attributes":{"SystemTime":"2026-03-02T08:00:00Z"}}},"EventData":{"SubjectUserName":"svc"}}}`, id)
	}
	cases := []struct {
		name  string
		file  string
		lines []string
		want  []string // titles of medium+ detections and correlations, sorted
	}{
		{"brute force: 10 failures in 5 minutes", "auth.log", failures("203.0.113.7", 10, 20*time.Second),
			[]string{"SSH Brute Force", "SSH Slow Brute Force"}},
		{"9 failures are not brute force", "auth.log", failures("203.0.113.7", 9, 20*time.Second), nil},
		{"slow brute force: 10 failures in an hour", "auth.log", failures("198.51.100.9", 10, 6*time.Minute),
			[]string{"SSH Slow Brute Force"}},
		{"10 failures over more than an hour", "auth.log", failures("198.51.100.9", 10, 7*time.Minute), nil},
		{"failures from different addresses do not add up", "auth.log",
			append(failures("192.0.2.1", 5, time.Second), failures("192.0.2.2", 5, time.Second)...), nil},
		{"user enumeration: 5 invalid users", "auth.log", invalid("203.0.113.9", "admin", "test", "oracle", "pi", "git"),
			[]string{"SSH User Enumeration"}},
		{"4 invalid users", "auth.log", invalid("203.0.113.9", "admin", "test", "oracle", "pi"), nil},
		{"the same invalid user 5 times", "auth.log", invalid("203.0.113.9", "admin", "admin", "admin", "admin", "admin"), nil},
		{"repeated message counts as many failures", "auth.log",
			[]string{syslogAt(0, "message repeated 10 times: [ Failed password for root from 203.0.113.5 port 4000 ssh2]")},
			[]string{"SSH Brute Force", "SSH Slow Brute Force"}},
		{"shadow copies deleted", "win.jsonl", []string{sysmon(`C:\Windows\System32\vssadmin.exe`, `vssadmin.exe Delete Shadows /All /Quiet`)},
			[]string{"Shadow Copies or Backups Deleted"}},
		{"backup catalog deleted", "win.jsonl", []string{sysmon(`C:\Windows\System32\wbadmin.exe`, `wbadmin delete catalog -quiet`)},
			[]string{"Shadow Copies or Backups Deleted"}},
		{"shadow copies listed", "win.jsonl", []string{sysmon(`C:\Windows\System32\vssadmin.exe`, `vssadmin list shadows`)}, nil},
		{"security log cleared", "win.jsonl", []string{security(1102)}, []string{"Windows Security Event Log Cleared"}},
		{"event log service shut down", "win.jsonl", []string{security(1100)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), c.file)
			if err := os.WriteFile(path, []byte(strings.Join(c.lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errs, _ := hunt(t, rs, "jsonl", 2, path)
			got := alertTitles(t, out)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("fired %q, want %q\nstderr: %s", got, c.want, errs)
			}
		})
	}
}

// alertTitles lists the distinct titles of medium or higher lines.
func alertTitles(t *testing.T, jsonl string) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(jsonl), "\n") {
		if l == "" {
			continue
		}
		var d struct {
			Rule struct{ Title, Level string }
		}
		if err := jsonUnmarshal([]byte(l), &d); err != nil {
			t.Fatalf("bad JSON line %q: %v", l, err)
		}
		if levelRank[d.Rule.Level] >= levelRank["medium"] {
			seen[d.Rule.Title] = true
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
