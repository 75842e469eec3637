package winmix

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// decode parses one generated line and checks the evtx_dump envelope every
// event shares, returning System and EventData.
func decode(t *testing.T, line []byte) (sys, data map[string]any) {
	t.Helper()
	if bytes.ContainsAny(line, "\n\r") {
		t.Fatalf("raw newline in event: %q", line)
	}
	if bytes.Contains(line, []byte("«")) || bytes.Contains(line, []byte("»")) {
		t.Fatalf("unexpanded template token in %s", line)
	}
	var doc map[string]any
	if err := json.Unmarshal(line, &doc); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, line)
	}
	if len(doc) != 1 {
		t.Fatalf("top level has %d keys, want only Event", len(doc))
	}
	ev := obj(t, doc, "Event")
	if got := obj(t, obj(t, ev, "#attributes"), "xmlns"); got == nil {
		t.Fatal("no xmlns")
	}
	return obj(t, ev, "System").(map[string]any), obj(t, ev, "EventData").(map[string]any)
}

func obj(t *testing.T, m any, k string) any {
	t.Helper()
	mm, ok := m.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", m)
	}
	v, ok := mm[k]
	if !ok {
		t.Fatalf("missing %q in %v", k, mm)
	}
	return v
}

// required lists EventData fields each kind must carry (those Sigma rules
// for its logsource use most).
var required = map[Kind][]string{
	ProcessCreation:     {"UtcTime", "ProcessGuid", "ProcessId", "Image", "OriginalFileName", "CommandLine", "CurrentDirectory", "User", "IntegrityLevel", "Hashes", "ParentImage", "ParentCommandLine", "ParentUser"},
	NetworkConnection:   {"Image", "User", "Protocol", "Initiated", "SourceIp", "SourcePort", "DestinationIp", "DestinationHostname", "DestinationPort"},
	ImageLoad:           {"Image", "ImageLoaded", "Hashes", "Signed", "Signature", "SignatureStatus", "OriginalFileName", "Description", "Company"},
	ProcessAccess:       {"SourceImage", "TargetImage", "GrantedAccess", "CallTrace", "SourceUser", "TargetUser"},
	FileEvent:           {"Image", "TargetFilename", "CreationUtcTime", "User"},
	RegistryEvent:       {"EventType", "Image", "TargetObject", "User"},
	RegistrySet:         {"EventType", "Image", "TargetObject", "Details", "User"},
	DNSQuery:            {"Image", "QueryName", "QueryStatus", "QueryResults", "User"},
	PowerShellScript:    {"MessageNumber", "MessageTotal", "ScriptBlockText", "ScriptBlockId", "Path"},
	SecurityLogon:       {"SubjectUserSid", "TargetUserSid", "TargetUserName", "TargetDomainName", "LogonType", "LogonProcessName", "AuthenticationPackageName", "WorkstationName", "IpAddress", "IpPort", "ProcessName"},
	SecurityFailedLogon: {"TargetUserName", "Status", "SubStatus", "FailureReason", "LogonType", "IpAddress", "WorkstationName"},
	SecurityProcess:     {"SubjectUserName", "NewProcessName", "CommandLine", "ParentProcessName", "TokenElevationType", "MandatoryLabel"},
}

func TestKinds(t *testing.T) {
	for _, k := range Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			g := New(7)
			g.SetMaliciousRate(0.05) // cover the malicious templates too
			var last time.Time
			for i := range 400 {
				sys, data := decode(t, g.Next(k))
				prov := obj(t, obj(t, sys, "Provider"), "#attributes").(map[string]any)
				if prov["Name"] != k.Provider() || prov["Guid"] == "" {
					t.Fatalf("provider %v, want %s", prov, k.Provider())
				}
				if id := obj(t, sys, "EventID"); id != float64(k.EventID()) {
					t.Fatalf("EventID %v, want %d", id, k.EventID())
				}
				if ch := obj(t, sys, "Channel"); ch != k.Channel() {
					t.Fatalf("Channel %v, want %s", ch, k.Channel())
				}
				if c, _ := obj(t, sys, "Computer").(string); !strings.Contains(c, ".") {
					t.Fatalf("Computer %q is not a domain member's FQDN", c)
				}
				if n, _ := obj(t, sys, "EventRecordID").(float64); n <= 0 {
					t.Fatalf("EventRecordID %v", n)
				}
				st := obj(t, obj(t, obj(t, sys, "TimeCreated"), "#attributes"), "SystemTime").(string)
				ts, err := time.Parse(time.RFC3339Nano, st)
				if err != nil {
					t.Fatalf("SystemTime %q: %v", st, err)
				}
				if i > 0 && !ts.After(last) {
					t.Fatalf("time did not advance: %v then %v", last, ts)
				}
				last = ts
				for _, f := range required[k] {
					v, ok := data[f]
					if !ok || v == nil || (v == "" && f != "Path") {
						t.Fatalf("EventData.%s missing or empty in %v", f, data)
					}
				}
			}
		})
	}
}

func TestKindNames(t *testing.T) {
	want := map[Kind]int{ProcessCreation: 1, NetworkConnection: 3, ImageLoad: 7, ProcessAccess: 10,
		FileEvent: 11, RegistryEvent: 12, RegistrySet: 13, DNSQuery: 22, PowerShellScript: 4104,
		SecurityLogon: 4624, SecurityFailedLogon: 4625, SecurityProcess: 4688}
	if len(Kinds()) != len(want) {
		t.Fatalf("%d kinds, want %d", len(Kinds()), len(want))
	}
	for k, id := range want {
		if k.EventID() != id {
			t.Errorf("%v: EventID %d, want %d", k, k.EventID(), id)
		}
	}
	if s := Kind(0).String(); s != "Kind(0)" {
		t.Errorf("invalid kind prints %q", s)
	}
	total := 0
	for _, w := range MixWeights() {
		total += w
	}
	if total != 1000 {
		t.Errorf("mix weights sum to %d per mille", total)
	}
}

func TestDeterministic(t *testing.T) {
	gen := func(seed int64) []byte {
		var b bytes.Buffer
		if err := New(seed).WriteMix(&b, 3000); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	a, b := gen(42), gen(42)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed, different output")
	}
	if bytes.Equal(a, gen(43)) {
		t.Fatal("different seeds, same output")
	}
	// Next and WriteKind draw the same events.
	g1, g2 := New(5), New(5)
	var buf bytes.Buffer
	if err := g2.WriteKind(&buf, DNSQuery, 50); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if want := g1.Next(DNSQuery); !bytes.Equal(sc.Bytes(), want) {
			t.Fatalf("WriteKind and Next differ:\n%s\n%s", sc.Bytes(), want)
		}
	}
}

func TestWriteMixLines(t *testing.T) {
	var buf bytes.Buffer
	g := New(1)
	if err := g.WriteMix(&buf, 2000); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		decode(t, sc.Bytes())
		n++
	}
	if n != 2000 {
		t.Fatalf("%d lines, want 2000", n)
	}
	if err := g.WriteKind(io.Discard, Kind(99), 1); err == nil {
		t.Fatal("WriteKind accepted an invalid kind")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Next accepted an invalid kind")
		}
	}()
	g.Next(0)
}

func TestMixDistribution(t *testing.T) {
	g := New(3)
	const n = 40000
	count := map[Kind]int{}
	byID := map[int]Kind{}
	for _, k := range Kinds() {
		byID[k.EventID()] = k
	}
	for range n {
		var ev struct {
			Event struct{ System struct{ EventID int } }
		}
		if err := json.Unmarshal(g.Mix(), &ev); err != nil {
			t.Fatal(err)
		}
		count[byID[ev.Event.System.EventID]]++
	}
	for k, w := range MixWeights() {
		got := float64(count[k]) / n * 1000
		if d := got - float64(w); d > 5+float64(w)*0.15 || d < -5-float64(w)*0.15 {
			t.Errorf("%v: %.1f per mille, want about %d", k, got, w)
		}
	}
}

func TestMalicious(t *testing.T) {
	g := New(11)
	g.SetMaliciousRate(0)
	for range 5000 {
		g.Mix()
		if l := g.LastMalicious(); l != "" {
			t.Fatalf("malicious event %q at rate 0", l)
		}
	}
	// Every kind has malicious patterns, and they look like what the
	// SigmaHQ rules they target match on.
	g.SetMaliciousRate(1)
	labels := map[string]bool{}
	for _, k := range Kinds() {
		for range 300 {
			line := g.Next(k)
			l := g.LastMalicious()
			if l == "" {
				t.Fatalf("%v: benign event at rate 1", k)
			}
			labels[l] = true
			decode(t, line)
			if l == "shadow_delete" && !bytes.Contains(line, []byte(`delete shadows /all /quiet`)) {
				t.Fatalf("shadow_delete without its command line: %s", line)
			}
			if l == "webshell_whoami" && !bytes.Contains(line, []byte(`w3wp.exe`)) {
				t.Fatalf("webshell_whoami without w3wp: %s", line)
			}
		}
	}
	all := MaliciousPatterns()
	if len(all) < 30 || slices.Contains(all, "") {
		t.Fatalf("MaliciousPatterns() = %v", all)
	}
	for _, want := range all {
		if !labels[want] {
			t.Errorf("pattern %q never drawn", want)
		}
	}
	// The default rate is about 0.1%.
	g = New(12)
	mal := 0
	const n = 50000
	for range n {
		g.Mix()
		if g.LastMalicious() != "" {
			mal++
		}
	}
	if mal < n/3000 || mal > n/300 {
		t.Errorf("%d malicious events in %d at the default rate", mal, n)
	}
}

// TestEncodedCommand checks that the -enc payload is base64 of UTF-16LE.
func TestEncodedCommand(t *testing.T) {
	if got := encodedCommand("IEX"); got != "SQBFAFgA" {
		t.Fatalf("encodedCommand(IEX) = %s", got)
	}
}

func TestJSONString(t *testing.T) {
	for _, s := range []string{`C:\Windows\System32\cmd.exe`, `"quoted" \\server\share`, "tab\tcr\rlf\n\x00\x1f", "Système RÉSEAU ®", ""} {
		var got string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil || got != s {
			t.Errorf("%q round-trips as %q (%v)", s, got, err)
		}
	}
}

// TestTemplates expands every template of every vocabulary on a host of
// every role, so that a typo in a rarely drawn entry fails here rather
// than in a long benchmark run.
func TestTemplates(t *testing.T) {
	g := New(1)
	var all []string
	for _, e := range exes {
		all = append(all, e.path, e.cmd, e.ver, e.cwd)
	}
	for _, s := range append(append([]spawnT{}, spawns...), malSpawns...) {
		all = append(all, s.cmd)
	}
	for _, d := range dlls {
		all = append(all, d.path, d.ver)
	}
	for _, p := range addrPools {
		all = append(all, p.ip, p.name)
	}
	for _, d := range append(append([]dnsT{}, dnss...), malDNSs...) {
		all = append(all, d.name, d.res)
	}
	for _, f := range append(append([]fileT{}, files...), malFiles...) {
		all = append(all, f.path)
	}
	for _, r := range append(append(append(append([]regT{}, regSets...), malRegSets...), regEvents...), malRegEvents...) {
		all = append(all, r.typ, r.target, r.details)
	}
	for _, a := range append(append([]accessT{}, accesses...), malAccesses...) {
		all = append(all, a.tgt, a.access, a.trace)
	}
	for _, s := range append(append([]scriptT{}, scripts...), malScripts...) {
		all = append(all, s.text, s.path)
	}
	for _, h := range g.hosts {
		c := &ctx{g: g, h: h, a: h.interactive, img: `C:\x.exe`, pimg: `C:\y.exe`, ppid: 4}
		for _, s := range all {
			for range 3 {
				if out := c.expand(s); strings.ContainsAny(out, "«»") {
					t.Fatalf("%q expands to %q", s, out)
				}
			}
		}
	}
	// Every exe key a template names exists.
	keys := []string{}
	for _, s := range append(append([]spawnT{}, spawns...), malSpawns...) {
		keys = append(keys, s.parent, s.child)
	}
	for _, n := range append(append([]netT{}, nets...), malNets...) {
		keys = append(keys, n.exe)
	}
	for _, i := range append(append([]imgT{}, imgs...), malImgs...) {
		keys = append(keys, i.exe)
		for _, d := range i.dlls {
			if _, ok := dlls[d]; !ok {
				t.Errorf("unknown dll %q", d)
			}
		}
	}
	for _, k := range keys {
		exeFor(k) // panics on an unknown key
	}
}

// TestRegressionShape compares the generated events with the SigmaHQ
// regression data in shared/ when it is there: the same System members in
// the same order, and EventData fields that the samples of the same event
// id have, with the same JSON types.
func TestRegressionShape(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "sigma", "regression")
	if _, err := os.Stat(root); err != nil {
		t.Skip("no SigmaHQ regression data beside the repository")
	}
	type sample struct {
		system string         // System member order
		data   map[string]any // EventData
	}
	samples := map[int][]sample{} // Sysmon event id -> samples
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var ev struct {
				Event struct {
					System    json.RawMessage
					EventData map[string]any
				}
			}
			if dec.Decode(&ev) != nil {
				return nil
			}
			var sys struct {
				Provider struct {
					Attrs struct{ Name string } `json:"#attributes"`
				}
				EventID int
			}
			if json.Unmarshal(ev.Event.System, &sys) != nil || sys.Provider.Attrs.Name != "Microsoft-Windows-Sysmon" {
				continue
			}
			samples[sys.EventID] = append(samples[sys.EventID], sample{memberOrder(ev.Event.System), ev.Event.EventData})
		}
	})
	g := New(2)
	for _, k := range []Kind{ProcessCreation, ImageLoad, ProcessAccess, FileEvent, RegistryEvent, RegistrySet} {
		ss := samples[k.EventID()]
		if len(ss) == 0 {
			continue
		}
		for range 20 {
			line := g.Next(k)
			var raw struct {
				Event struct {
					System    json.RawMessage
					EventData map[string]any
				}
			}
			if err := json.Unmarshal(line, &raw); err != nil {
				t.Fatal(err)
			}
			if got := memberOrder(raw.Event.System); got != ss[0].system {
				t.Fatalf("%v: System members\n%s\nregression data has\n%s", k, got, ss[0].system)
			}
			for f, v := range raw.Event.EventData {
				found := false
				for _, s := range ss {
					if sv, ok := s.data[f]; ok {
						found = true
						if jsonType(sv) != jsonType(v) {
							t.Errorf("%v: EventData.%s is a %s, regression data has a %s", k, f, jsonType(v), jsonType(sv))
						}
						break
					}
				}
				if !found {
					t.Errorf("%v: EventData.%s is in no regression sample", k, f)
				}
			}
			for f := range ss[len(ss)-1].data {
				if _, ok := raw.Event.EventData[f]; !ok {
					t.Errorf("%v: EventData.%s missing", k, f)
				}
			}
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case nil:
		return "null"
	}
	return "object"
}

// memberOrder returns the member names of a JSON object in document order.
func memberOrder(obj json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.Token()
	var names []string
	depth := 0
	for dec.More() || depth > 0 {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
			continue
		case json.Delim('}'), json.Delim(']'):
			depth--
			continue
		}
		if s, ok := tok.(string); ok && depth == 0 {
			names = append(names, s)
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				break
			}
		}
	}
	return strings.Join(names, ",")
}

func BenchmarkMix(b *testing.B) {
	g := New(1)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n += len(g.Mix())
	}
	b.SetBytes(int64(n / max(b.N, 1)))
}

func BenchmarkWriteMix(b *testing.B) {
	g := New(1)
	b.ReportAllocs()
	for b.Loop() {
		if err := g.WriteMix(io.Discard, 1000); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/event")
}

func BenchmarkNext(b *testing.B) {
	for _, k := range Kinds() {
		b.Run(k.String(), func(b *testing.B) {
			g := New(1)
			b.ReportAllocs()
			for b.Loop() {
				g.Next(k)
			}
		})
	}
}
