// Package winmix generates realistic Windows event logs, deterministically
// from a seed, for benchmarks and end-to-end tests of the Sigma engine.
//
// Events are written the way evtx_dump prints them (the shape of the
// SigmaHQ regression data): {"Event":{"#attributes":…,"System":{…},
// "EventData":{…}}}, one compact JSON object per line. The values imitate
// the telemetry of a small public administration (a few domains of
// workstations, domain controllers, file and IIS servers): Sysmon
// process/network/image/file/registry/DNS/process-access events, PowerShell
// script blocks and Security logons and process creations, with images,
// command lines, users, GUIDs, hashes, paths and addresses drawn from data
// tables of what such machines really run. A prefilter benchmark is only
// meaningful on such values: synthetic noise would never share substrings
// with the rules' literals, real telemetry does all the time.
//
// A small fraction of events (SetMaliciousRate, 0.1% by default) follow a
// known-malicious pattern (a web shell running whoami, shadow copies
// deleted, an encoded PowerShell download cradle, an LSASS dump…) so that a
// few SigmaHQ rules fire; LastMalicious names the pattern of the last event
// and MaliciousPatterns lists them all. Benign events are not silent
// either, as in real life: checked against the SigmaHQ Windows rules, about
// 1% of them match a low or medium rule (net use, a WinRM host, scheduled
// scripts run by SYSTEM, New-PSDrive in a logon script), none a high or
// critical one.
//
// Mix draws the kind of each event from this distribution (per mille),
// close to a Sysmon deployment with a moderate configuration plus
// PowerShell and Security auditing:
//
//	ProcessCreation      290   Sysmon 1
//	ProcessAccess         10   Sysmon 10
//	NetworkConnection    150   Sysmon 3
//	ImageLoad            200   Sysmon 7
//	FileEvent            100   Sysmon 11
//	RegistrySet           70   Sysmon 13
//	RegistryEvent         30   Sysmon 12
//	DNSQuery              50   Sysmon 22
//	PowerShellScript      40   PowerShell 4104
//	SecurityLogon         30   Security 4624
//	SecurityFailedLogon   10   Security 4625
//	SecurityProcess       20   Security 4688
//
// so process creation is 29% (31% counting 4688), registry 10%, Security 6%.
package winmix

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// Kind is the kind of event to generate.
type Kind int

// Event kinds. The zero Kind is invalid so that a forgotten value is caught.
const (
	ProcessCreation     Kind = iota + 1 // Sysmon 1
	NetworkConnection                   // Sysmon 3
	ImageLoad                           // Sysmon 7
	ProcessAccess                       // Sysmon 10
	FileEvent                           // Sysmon 11 (file created)
	RegistryEvent                       // Sysmon 12 (key or value created/deleted)
	RegistrySet                         // Sysmon 13 (value set)
	DNSQuery                            // Sysmon 22
	PowerShellScript                    // PowerShell 4104 (script block logging)
	SecurityLogon                       // Security 4624
	SecurityFailedLogon                 // Security 4625
	SecurityProcess                     // Security 4688
	numKinds
)

// Kinds lists every valid Kind.
func Kinds() []Kind {
	ks := make([]Kind, 0, numKinds-1)
	for k := ProcessCreation; k < numKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// kindInfo is what the System element of a kind's events says.
type kindInfo struct {
	name     string
	eventID  int
	version  int
	level    int
	task     int
	opcode   int
	keywords string
	log      *logDef
}

// logDef is a provider and the channel it writes to.
type logDef struct {
	provider, guid, channel string
}

var (
	sysmonLog   = &logDef{"Microsoft-Windows-Sysmon", "5770385F-C22A-43E0-BF4C-06F5698FFBD9", "Microsoft-Windows-Sysmon/Operational"}
	securityLog = &logDef{"Microsoft-Windows-Security-Auditing", "54849625-5478-4994-A5BA-3E3B0328C30D", "Security"}
	psLog       = &logDef{"Microsoft-Windows-PowerShell", "A0C1853B-5C40-4B15-8766-3CF1C58F985A", "Microsoft-Windows-PowerShell/Operational"}
)

const (
	sysmonKeywords  = "0x8000000000000000"
	auditSuccess    = "0x8020000000000000"
	auditFailure    = "0x8010000000000000"
	sysmonTaskLevel = 4
)

// Versions, tasks and keywords are those Windows 10/11 and Sysmon 15 write.
var kinds = [numKinds]kindInfo{
	ProcessCreation:     {"ProcessCreation", 1, 5, 4, 1, 0, sysmonKeywords, sysmonLog},
	NetworkConnection:   {"NetworkConnection", 3, 5, 4, 3, 0, sysmonKeywords, sysmonLog},
	ImageLoad:           {"ImageLoad", 7, 3, 4, 7, 0, sysmonKeywords, sysmonLog},
	ProcessAccess:       {"ProcessAccess", 10, 3, 4, 10, 0, sysmonKeywords, sysmonLog},
	FileEvent:           {"FileEvent", 11, 2, 4, 11, 0, sysmonKeywords, sysmonLog},
	RegistryEvent:       {"RegistryEvent", 12, 2, 4, 12, 0, sysmonKeywords, sysmonLog},
	RegistrySet:         {"RegistrySet", 13, 2, 4, 13, 0, sysmonKeywords, sysmonLog},
	DNSQuery:            {"DNSQuery", 22, 5, 4, 22, 0, sysmonKeywords, sysmonLog},
	PowerShellScript:    {"PowerShellScript", 4104, 1, 5, 2, 15, "0x0", psLog},
	SecurityLogon:       {"SecurityLogon", 4624, 2, 0, 12544, 0, auditSuccess, securityLog},
	SecurityFailedLogon: {"SecurityFailedLogon", 4625, 0, 0, 12544, 0, auditFailure, securityLog},
	SecurityProcess:     {"SecurityProcess", 4688, 2, 0, 13312, 0, auditSuccess, securityLog},
}

func (k Kind) valid() bool { return k > 0 && k < numKinds }

// String is the kind's name ("ProcessCreation").
func (k Kind) String() string {
	if !k.valid() {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kinds[k].name
}

// EventID is the Windows event id the kind is logged under (0 for an
// invalid Kind).
func (k Kind) EventID() int {
	if !k.valid() {
		return 0
	}
	return kinds[k].eventID
}

// Channel is the event log channel ("Microsoft-Windows-Sysmon/Operational").
func (k Kind) Channel() string {
	if !k.valid() {
		return ""
	}
	return kinds[k].log.channel
}

// Provider is the provider name ("Microsoft-Windows-Sysmon").
func (k Kind) Provider() string {
	if !k.valid() {
		return ""
	}
	return kinds[k].log.provider
}

// mixWeights is the Mix distribution, per mille (see the package comment).
var mixWeights = [numKinds]int{
	ProcessCreation:     290,
	ProcessAccess:       10,
	NetworkConnection:   150,
	ImageLoad:           200,
	FileEvent:           100,
	RegistrySet:         70,
	RegistryEvent:       30,
	DNSQuery:            50,
	PowerShellScript:    40,
	SecurityLogon:       30,
	SecurityFailedLogon: 10,
	SecurityProcess:     20,
}

// MixWeights returns the per-mille weight of each kind in Mix.
func MixWeights() map[Kind]int {
	m := make(map[Kind]int, numKinds)
	for _, k := range Kinds() {
		m[k] = mixWeights[k]
	}
	return m
}

// DefaultMaliciousRate is the fraction of malicious events of a new Generator.
const DefaultMaliciousRate = 0.001

// start is when the log begins: the first event comes a few ms later.
var start = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// Generator produces events. It is deterministic: two Generators made with
// the same seed and called the same way produce the same bytes. It is not
// safe for concurrent use.
type Generator struct {
	r       *rand.Rand
	now     time.Time
	malRate float64
	lastMal string

	hosts []*host
	hostT table[*host] // hosts weighted by how much they log

	w      jw     // the event being written; reused
	scr    []byte // scratch for template expansion
	hashes map[string]string
	tmpls  map[string]tmpl // parsed templates
}

// New returns a Generator for seed. The simulated estate (domains, hosts,
// users) is drawn from the seed too.
func New(seed int64) *Generator {
	g := &Generator{
		r:       rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		now:     start,
		malRate: DefaultMaliciousRate,
		hashes:  make(map[string]string),
		tmpls:   make(map[string]tmpl),
	}
	g.buildEstate()
	return g
}

// SetMaliciousRate sets the fraction (0..1) of events that follow a
// known-malicious pattern.
func (g *Generator) SetMaliciousRate(r float64) {
	g.malRate = min(max(r, 0), 1)
}

// Now is the time of the last event generated (the start of the log,
// 2026-03-02T08:00:00Z, before the first).
func (g *Generator) Now() time.Time { return g.now }

// LastMalicious names the malicious pattern the last event followed
// ("webshell_whoami", …), or is "" when it was benign: the ground truth an
// end-to-end test checks alerts against.
func (g *Generator) LastMalicious() string { return g.lastMal }

// MaliciousPatterns lists the names LastMalicious can return, sorted.
func MaliciousPatterns() []string {
	seen := map[string]bool{}
	add := func(l string) { seen[l] = true }
	for _, t := range malSpawns {
		add(t.label)
	}
	for _, t := range malNets {
		add(t.label)
	}
	for _, t := range malDNSs {
		add(t.label)
	}
	for _, t := range malImgs {
		add(t.label)
	}
	for _, t := range malFiles {
		add(t.label)
	}
	for _, t := range append(append([]regT{}, malRegSets...), malRegEvents...) {
		add(t.label)
	}
	for _, t := range malAccesses {
		add(t.label)
	}
	for _, t := range malScripts {
		add(t.label)
	}
	for _, t := range append(append([]logonScenario{}, malLogons...), malFailedLogons...) {
		add(t.label)
	}
	return slices.Sorted(maps.Keys(seen))
}

// Next returns one event of kind k as compact JSON without a newline. It
// panics on an invalid Kind.
func (g *Generator) Next(k Kind) []byte {
	return append([]byte(nil), g.next(k)...)
}

// Mix returns one event of a kind drawn from the realistic mix.
func (g *Generator) Mix() []byte { return g.Next(g.mixKind()) }

// WriteMix writes n events drawn from the mix, one per line.
func (g *Generator) WriteMix(w io.Writer, n int) error {
	return g.write(w, n, 0)
}

// WriteKind writes n events of kind k, one per line.
func (g *Generator) WriteKind(w io.Writer, k Kind, n int) error {
	if !k.valid() {
		return fmt.Errorf("winmix: invalid kind %d", int(k))
	}
	return g.write(w, n, k)
}

// write writes n events of kind k, or of the mix when k is 0. It writes
// from the internal buffer: no copy per event.
func (g *Generator) write(w io.Writer, n int, k Kind) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for range n {
		kk := k
		if kk == 0 {
			kk = g.mixKind()
		}
		bw.Write(g.next(kk))
		if err := bw.WriteByte('\n'); err != nil { // bufio errors are sticky: one check covers both writes
			return err
		}
	}
	return bw.Flush()
}

var mixTable = func() table[Kind] {
	var t table[Kind]
	for _, k := range Kinds() {
		t.add(k, mixWeights[k])
	}
	return t
}()

func (g *Generator) mixKind() Kind { return mixTable.pick(g.r) }

// next builds an event of kind k into g.w.b and returns it.
func (g *Generator) next(k Kind) []byte {
	if !k.valid() {
		panic(fmt.Sprintf("winmix: invalid kind %d", int(k)))
	}
	g.tick()
	g.lastMal = ""
	mal := g.malRate > 0 && g.r.Float64() < g.malRate
	g.w.b = g.w.b[:0]
	g.w.comma = false
	switch k {
	case ProcessCreation, SecurityProcess:
		g.processCreation(k, mal)
	case NetworkConnection:
		g.networkConnection(mal)
	case ImageLoad:
		g.imageLoad(mal)
	case ProcessAccess:
		g.processAccess(mal)
	case FileEvent:
		g.fileEvent(mal)
	case RegistryEvent, RegistrySet:
		g.registry(k, mal)
	case DNSQuery:
		g.dnsQuery(mal)
	case PowerShellScript:
		g.scriptBlock(mal)
	case SecurityLogon:
		g.logon(mal)
	case SecurityFailedLogon:
		g.failedLogon(mal)
	}
	return g.w.b
}

// tick advances the clock by 1–8 ms, 4.5 ms on average: about 220 events
// per second, what a few dozen hosts with Sysmon send at a busy hour.
func (g *Generator) tick() {
	us := 1000 + g.r.IntN(3000) + g.r.IntN(4000)
	g.now = g.now.Add(time.Duration(us) * time.Microsecond)
}
