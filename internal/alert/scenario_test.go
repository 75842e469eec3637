package alert

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the expected.golden files of the scenarios")

// step is one line of a scenario's input.jsonl: a detection (no op, or op
// "detect") or an operator action. Every line may carry "error": the
// action must then fail with a message containing it.
type step struct {
	Detection
	Op        string   `json:"op"`
	Tenants   []string `json:"tenants"`
	Alert     string   `json:"alert"`
	Who       string   `json:"who"`
	Text      string   `json:"text"`
	Reason    string   `json:"reason"`
	Level     string   `json:"level"`
	Assignee  string   `json:"assignee"`
	Campaigns *int     `json:"campaigns"`
	Error     string   `json:"error"`
}

// The ops and the fields each one needs besides op.
func (s *step) check() error {
	need := func(ok bool, field string) error {
		if !ok {
			return fmt.Errorf("op %q needs %s", s.Op, field)
		}
		return nil
	}
	switch s.Op {
	case "", "detect":
		return nil
	case "tenants":
		return need(len(s.Tenants) > 0, "tenants")
	case "advance":
		return need(!s.Time.IsZero(), "time")
	case "override", "override_platform":
		return errors.Join(need(s.Level != "", "level"), need(!s.Time.IsZero(), "time"),
			need(s.Op == "override_platform" || s.Tenant != "", "tenant"))
	case "ack", "resolve":
		return errors.Join(need(s.Alert != "", "alert"), need(!s.Time.IsZero(), "time"))
	case "assign":
		return need(s.Alert != "", "alert")
	case "comment":
		return errors.Join(need(s.Alert != "", "alert"), need(!s.Time.IsZero(), "time"))
	case "expect":
		return need(s.Level != "" || s.Campaigns != nil, "level or campaigns")
	}
	return fmt.Errorf("unknown op %q", s.Op)
}

// decodeStep reads one line strictly: an unknown key is an error.
func decodeStep(line []byte) (step, error) {
	var s step
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return step{}, err
	}
	if dec.More() {
		return step{}, errors.New("more than one JSON value on the line")
	}
	return s, s.check()
}

// apply runs one step; expectation failures are errors wrapping errExpect.
func apply(e *Engine, s *step, line int) ([]Change, error) {
	switch s.Op {
	case "", "detect":
		d := s.Detection
		if d.ID == 0 {
			d.ID = int64(line)
		}
		return e.Observe(d)
	case "tenants":
		return nil, e.SetTenants(s.Tenants)
	case "advance":
		return e.Advance(s.Time), nil
	case "override", "override_platform":
		l, err := ParseLevel(s.Level)
		if err != nil {
			return nil, err
		}
		if s.Op == "override" {
			return e.Override(s.Tenant, l, s.Reason, s.Who, s.Time)
		}
		return e.OverridePlatform(l, s.Reason, s.Who, s.Time)
	case "ack":
		return nil, e.Ack(s.Alert, s.Who, s.Time)
	case "resolve":
		return nil, e.Resolve(s.Alert, s.Who, s.Time)
	case "assign":
		return nil, e.Assign(s.Alert, s.Assignee)
	case "comment":
		return nil, e.Comment(s.Alert, s.Who, s.Text, s.Time)
	case "expect":
		return nil, expect(e, s)
	}
	return nil, fmt.Errorf("unknown op %q", s.Op)
}

var errExpect = errors.New("expectation failed")

func expect(e *Engine, s *step) error {
	if s.Campaigns != nil {
		if n := len(e.Campaigns()); n != *s.Campaigns {
			return fmt.Errorf("%w: %d campaigns, want %d", errExpect, n, *s.Campaigns)
		}
	}
	if s.Level == "" {
		return nil
	}
	want, err := ParseLevel(s.Level)
	if err != nil {
		return err
	}
	lv := e.Levels()
	got, who := lv.Platform.Level, "platform"
	if s.Tenant != "" {
		who = s.Tenant
		got = 255
		for _, t := range lv.Tenants {
			if t.Tenant == s.Tenant {
				got = t.Level
			}
		}
	}
	if got != want {
		return fmt.Errorf("%w: %s is %v, want %v", errExpect, who, got, want)
	}
	return nil
}

// runScenario plays a scenario folder and returns its golden output. With
// roundTrip, the engine is snapshotted and restored into a new engine
// after every line: persistence must not change anything.
func runScenario(t *testing.T, dir string, roundTrip bool) []byte {
	t.Helper()
	p := DefaultPolicy()
	if data, err := os.ReadFile(filepath.Join(dir, "policy.yml")); err == nil {
		if p, err = ParsePolicy(data); err != nil {
			t.Fatalf("policy.yml: %v", err)
		}
	}
	e, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	input, err := os.ReadFile(filepath.Join(dir, "input.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	write := func(v any) {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	for i, raw := range bytes.Split(input, []byte("\n")) {
		line := i + 1
		if trimmed := bytes.TrimSpace(raw); len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		s, err := decodeStep(raw)
		if err != nil {
			t.Fatalf("input.jsonl:%d: %v", line, err)
		}
		changes, err := apply(e, &s, line)
		switch {
		case errors.Is(err, errExpect):
			t.Errorf("input.jsonl:%d: %v", line, err)
		case err != nil && s.Error == "":
			t.Errorf("input.jsonl:%d: unexpected error: %v", line, err)
		case err == nil && s.Error != "":
			t.Errorf("input.jsonl:%d: no error, want one containing %q", line, s.Error)
		case err != nil && !strings.Contains(err.Error(), s.Error):
			t.Errorf("input.jsonl:%d: error %q, want one containing %q", line, err, s.Error)
		}
		if err != nil {
			write(map[string]any{"line": line, "error": err.Error()})
		}
		for _, c := range changes {
			write(struct {
				Line   int    `json:"line"`
				Change Change `json:"change"`
			}{line, c})
		}
		if roundTrip {
			snap, err := e.Snapshot()
			if err != nil {
				t.Fatalf("input.jsonl:%d: snapshot: %v", line, err)
			}
			if e, err = New(p); err != nil {
				t.Fatal(err)
			}
			if err := e.Restore(snap); err != nil {
				t.Fatalf("input.jsonl:%d: restore: %v", line, err)
			}
		}
	}
	write(map[string]any{"levels": e.Levels()})
	for _, a := range e.Alerts(AlertFilter{}) {
		write(map[string]any{"alert": a})
	}
	for _, c := range e.Campaigns() {
		write(map[string]any{"campaign": c})
	}
	for _, c := range e.History() {
		write(map[string]any{"history": c})
	}
	return out.Bytes()
}

// TestScenarios plays every folder of testdata/scenarios: input.jsonl
// (detections and operator actions), an optional policy.yml, and
// expected.golden (every change, then the final levels, alerts, campaigns
// and history). go test ./internal/alert -run TestScenarios -update
// rewrites the golden files; "expect" lines and "error" fields in the
// inputs are checked either way.
func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob("testdata/scenarios/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("found %d scenarios", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runScenario(t, dir, false)
			if again := runScenario(t, dir, true); !bytes.Equal(got, again) {
				t.Errorf("snapshot and restore after every line changed the output:\n%s", golden.Diff(got, again))
			}
			golden.Check(t, filepath.Join(dir, "expected.golden"), got, *update)
		})
	}
}
