package winmix

import (
	"strconv"
	"strings"
)

// Security logon events (4624, 4625). A logon is a record with Windows'
// defaults for every field; a scenario (service start, Kerberos network
// logon to a file server, a typo at the lock screen…) fills in the rest.

type logonRec struct {
	subjSid, subjName, subjDom, subjLogon string
	tgtSid, tgtName, tgtDom               string
	tgtLogon                              uint64
	logonType                             int
	logonProc, auth, workstation          string
	logonGUID                             string
	lmPkg                                 string
	keyLen                                int
	pid                                   uint64
	pname                                 string
	ip, port                              string
	elevated, virtual                     string
	outUser, outDom                       string
	status, subStatus                     string // 4625 only
}

func newLogonRec() logonRec {
	return logonRec{
		subjSid: "S-1-0-0", subjName: "-", subjDom: "-", subjLogon: "0x0",
		logonGUID: "00000000-0000-0000-0000-000000000000", lmPkg: "-", pname: "-",
		ip: "-", port: "-", elevated: "%%1842", virtual: "%%1843", outUser: "-", outDom: "-",
	}
}

func (l *logonRec) subject(a *account) {
	l.subjSid, l.subjName, l.subjDom, l.subjLogon = a.sid, a.name, a.domain, hexStr(a.logonID)
}

// target sets the target from an account as the Security log names it: the
// built-in accounts by their own name, not HOST$.
func (l *logonRec) target(a *account) {
	l.tgtSid, l.tgtName, l.tgtDom, l.tgtLogon = a.sid, a.name, a.domain, a.logonID
	if a.user == nil && strings.HasSuffix(a.name, "$") {
		dom, name, _ := strings.Cut(a.display, `\`)
		l.tgtName, l.tgtDom = name, dom
	}
}

func (l *logonRec) targetUser(o *org, u *user, kerberos bool) {
	l.tgtSid, l.tgtName, l.tgtDom = u.sid, u.name, o.netbios
	if kerberos {
		l.tgtDom = strings.ToUpper(o.dns)
	}
}

type logonScenario struct {
	w     int
	on    roles
	fill  func(g *Generator, h *host, l *logonRec)
	label string
}

func (g *Generator) randPort() string { return strconv.Itoa(49152 + g.r.IntN(16383)) }
func (g *Generator) logonID() uint64  { return uint64(0x100000 + g.r.IntN(0x7fffffff)) }

// serviceLogon: services.exe starting a service, by far the most common 4624.
func serviceLogon(a func(*host) *account) func(*Generator, *host, *logonRec) {
	return func(g *Generator, h *host, l *logonRec) {
		l.subject(h.system)
		l.target(a(h))
		l.logonType, l.logonProc, l.auth = 5, "Advapi  ", "Negotiate"
		l.pid, l.pname = uint64(g.proc(h, "services").pid), sys32+"services.exe"
	}
}

// networkLogon: a workstation or computer account reaching a server.
func networkLogon(kerberos bool) func(*Generator, *host, *logonRec) {
	return func(g *Generator, h *host, l *logonRec) {
		from := g.peer(h, rWS)
		if g.r.IntN(3) == 0 {
			l.tgtSid = h.org.sid + "-" + strconv.Itoa(2100+g.r.IntN(400))
			l.tgtName, l.tgtDom = from.name+"$", h.org.netbios
			if kerberos {
				l.tgtDom = strings.ToUpper(h.org.dns)
			}
		} else {
			l.targetUser(h.org, from.interactive.user, kerberos)
			l.elevated = "%%1843"
		}
		l.tgtLogon = g.logonID()
		l.logonType = 3
		l.ip, l.port = from.ip, g.randPort()
		if kerberos {
			l.logonProc, l.auth = "Kerberos", "Kerberos"
			l.logonGUID = g.guidString(true)
		} else {
			l.logonProc, l.auth, l.workstation, l.lmPkg, l.keyLen = "NtLmSsp ", "NTLM", from.name, "NTLM V2", 128
		}
	}
}

// interactiveLogon: a user at the console (2), unlocking (7), or logging on
// with cached credentials (11); or an admin's RDP session (10).
func interactiveLogon(typ int) func(*Generator, *host, *logonRec) {
	return func(g *Generator, h *host, l *logonRec) {
		l.subject(h.system)
		l.targetUser(h.org, h.interactive.user, false)
		l.tgtLogon = g.logonID()
		l.logonType, l.logonProc, l.auth, l.workstation = typ, "User32 ", "Negotiate", h.name
		l.logonGUID = g.guidString(true)
		l.pid, l.pname = uint64(g.randPID()), sys32+"svchost.exe"
		l.ip, l.port = "127.0.0.1", "0"
		l.elevated = "%%1843"
		if typ == 10 {
			from := g.peer(h, rWS)
			l.workstation, l.ip, l.port = from.name, from.ip, "0"
		}
	}
}

var logons = []logonScenario{
	{w: 10, fill: serviceLogon(func(h *host) *account { return h.system })},
	{w: 2, fill: serviceLogon(func(h *host) *account { return h.localSvc })},
	{w: 2, fill: serviceLogon(func(h *host) *account { return h.netSvc })},
	{w: 1, on: rWS, fill: func(g *Generator, h *host, l *logonRec) {
		l.subject(h.system)
		n := strconv.Itoa(1 + g.r.IntN(3))
		l.tgtSid, l.tgtName, l.tgtDom, l.tgtLogon = "S-1-5-90-0-"+n, "DWM-"+n, "Window Manager", g.logonID()
		l.logonType, l.logonProc, l.auth = 2, "Advapi  ", "Negotiate"
		l.pid, l.pname, l.virtual = uint64(g.proc(h, "winlogon").pid), sys32+"winlogon.exe", "%%1842"
	}},
	{w: 14, on: rDC | rFS, fill: networkLogon(true)},
	{w: 3, on: rWeb, fill: networkLogon(true)},
	{w: 3, on: rSrv, fill: networkLogon(false)},
	{w: 1, on: rWS, fill: networkLogon(true)},
	{w: 1, on: rWS, fill: interactiveLogon(2)},
	{w: 2, on: rWS, fill: interactiveLogon(7)},
	{w: 1, on: rWS, fill: interactiveLogon(11)},
	{w: 1, on: rSrv, fill: interactiveLogon(10)},
}

var malLogons = []logonScenario{
	// Successful Overpass the Hash Attempt / Pass the Hash Activity 2
	{w: 1, fill: func(g *Generator, h *host, l *logonRec) {
		a := h.interactive
		l.subject(a)
		l.target(a)
		l.tgtLogon = g.logonID()
		l.logonType, l.logonProc, l.auth = 9, "seclogo", "Negotiate"
		l.pid, l.pname = uint64(g.randPID()), sys32+"svchost.exe"
		l.ip, l.port = "::1", "0"
		l.outUser, l.outDom = oneOf(g.r, h.org.admins).name, h.org.netbios
	}, label: "overpass_the_hash"},
}

// failedNetwork: a wrong password or unknown user over NTLM from a
// workstation to a server.
func failedNetwork(sub string) func(*Generator, *host, *logonRec) {
	return func(g *Generator, h *host, l *logonRec) {
		from := g.peer(h, rWS)
		l.targetUser(h.org, from.interactive.user, false)
		if sub == "0xc0000064" { // unknown user: a typo in the name
			l.tgtName = from.interactive.user.name + oneOf(g.r, []string{"1", "s", "e", "."})
		}
		l.logonType, l.logonProc, l.auth, l.workstation = 3, "NtLmSsp ", "NTLM", from.name
		l.ip, l.port = from.ip, g.randPort()
		l.status, l.subStatus = "0xc000006d", sub
	}
}

// failedConsole: a wrong password at the console or lock screen.
func failedConsole(status, sub string) func(*Generator, *host, *logonRec) {
	return func(g *Generator, h *host, l *logonRec) {
		l.subject(h.system)
		l.targetUser(h.org, h.interactive.user, false)
		l.logonType, l.logonProc, l.auth, l.workstation = 2, "User32 ", "Negotiate", h.name
		l.pid, l.pname = uint64(g.randPID()), sys32+"svchost.exe"
		l.ip, l.port = "127.0.0.1", "0"
		l.status, l.subStatus = status, sub
	}
}

var internetUsers = []string{"administrator", "Administrateur", "admin", "user", "test", "scanner", "guest", "backup", "sql", "support"}

var failedLogons = []logonScenario{
	{w: 5, on: rSrv, fill: failedNetwork("0xc000006a")},
	{w: 2, on: rSrv, fill: failedNetwork("0xc0000064")},
	{w: 4, on: rWS, fill: failedConsole("0xc000006d", "0xc000006a")},
	{w: 1, on: rWS, fill: failedConsole("0xc0000234", "0x0")},
	{w: 1, on: rWS, fill: failedConsole("0xc0000224", "0x0")},
	// The internet knocking at an exposed web server.
	{w: 3, on: rWeb, fill: func(g *Generator, h *host, l *logonRec) {
		c := &ctx{g: g, h: h}
		l.tgtName, l.tgtDom = oneOf(g.r, internetUsers), ""
		l.logonType, l.logonProc, l.auth = 3, "NtLmSsp ", "NTLM"
		l.workstation = oneOf(g.r, []string{"-", "WIN-" + string(g.randChars(nil, 11, hexUpper)), "kali", "DESKTOP-" + string(g.randChars(nil, 7, hexUpper))})
		l.ip, l.port = c.expand(addrPools["public"].ip), "0"
		l.status, l.subStatus = "0xc000006d", oneOf(g.r, []string{"0xc000006a", "0xc0000064"})
	}},
}

var malFailedLogons = []logonScenario{
	// Failed Logon From Account Disabled By Administrator (Suspicious Failed Logon Reasons)
	{w: 1, on: rWS, fill: failedConsole("0xc000006e", "0xC0000072"), label: "failed_logon_disabled"},
}

func scenarioTables(benign, mal []logonScenario) (*byRole[logonScenario], table[*logonScenario]) {
	br := newByRole(benign, func(s *logonScenario) int { return s.w }, func(s *logonScenario) roles { return s.on })
	var mt table[*logonScenario]
	for i := range mal {
		mt.add(&mal[i], mal[i].w)
	}
	return br, mt
}

var (
	logonTable, malLogonTable   = scenarioTables(logons, malLogons)
	failedTable, malFailedTable = scenarioTables(failedLogons, malFailedLogons)
)

func (g *Generator) pickScenario(mal bool, br *byRole[logonScenario], mt *table[*logonScenario]) (*logonScenario, *host) {
	if mal {
		s := mt.pick(g.r)
		return s, g.hostWith(s.on)
	}
	h := g.pickHost()
	return br.pick(g.r, h.role), h
}

func (g *Generator) logon(mal bool) {
	s, h := g.pickScenario(mal, logonTable, &malLogonTable)
	g.lastMal = s.label
	l := newLogonRec()
	s.fill(g, h, &l)
	g.begin(SecurityLogon, h, h.lsassPID, g.randPID(), "", 0)
	w := &g.w
	l.writeSubjectTarget(w)
	w.str("TargetLogonId", hexStr(l.tgtLogon))
	w.num("LogonType", int64(l.logonType))
	w.str("LogonProcessName", l.logonProc)
	w.str("AuthenticationPackageName", l.auth)
	w.str("WorkstationName", dash(l.workstation))
	w.str("LogonGuid", l.logonGUID)
	w.str("TransmittedServices", "-")
	w.str("LmPackageName", l.lmPkg)
	w.num("KeyLength", int64(l.keyLen))
	w.str("ProcessId", hexStr(l.pid))
	w.str("ProcessName", l.pname)
	w.str("IpAddress", l.ip)
	w.str("IpPort", l.port)
	w.str("ImpersonationLevel", "%%1833")
	w.str("RestrictedAdminMode", "-")
	w.str("TargetOutboundUserName", l.outUser)
	w.str("TargetOutboundDomainName", l.outDom)
	w.str("VirtualAccount", l.virtual)
	w.str("TargetLinkedLogonId", "0x0")
	w.str("ElevatedToken", l.elevated)
	g.end()
}

func (g *Generator) failedLogon(mal bool) {
	s, h := g.pickScenario(mal, failedTable, &malFailedTable)
	g.lastMal = s.label
	l := newLogonRec()
	s.fill(g, h, &l)
	g.begin(SecurityFailedLogon, h, h.lsassPID, g.randPID(), "", 0)
	w := &g.w
	w.str("SubjectUserSid", l.subjSid)
	w.str("SubjectUserName", l.subjName)
	w.str("SubjectDomainName", l.subjDom)
	w.str("SubjectLogonId", l.subjLogon)
	w.str("TargetUserSid", "S-1-0-0") // a failed logon has no token to name
	w.str("TargetUserName", l.tgtName)
	w.str("TargetDomainName", l.tgtDom)
	w.str("Status", l.status)
	w.str("FailureReason", failureReason(l.status))
	w.str("SubStatus", l.subStatus)
	w.num("LogonType", int64(l.logonType))
	w.str("LogonProcessName", l.logonProc)
	w.str("AuthenticationPackageName", l.auth)
	w.str("WorkstationName", dash(l.workstation))
	w.str("TransmittedServices", "-")
	w.str("LmPackageName", l.lmPkg)
	w.num("KeyLength", 0)
	w.str("ProcessId", hexStr(l.pid))
	w.str("ProcessName", l.pname)
	w.str("IpAddress", l.ip)
	w.str("IpPort", l.port)
	g.end()
}

func (l *logonRec) writeSubjectTarget(w *jw) {
	w.str("SubjectUserSid", l.subjSid)
	w.str("SubjectUserName", l.subjName)
	w.str("SubjectDomainName", l.subjDom)
	w.str("SubjectLogonId", l.subjLogon)
	w.str("TargetUserSid", l.tgtSid)
	w.str("TargetUserName", l.tgtName)
	w.str("TargetDomainName", l.tgtDom)
}

// failureReason is the message id 4625 logs for a status.
func failureReason(status string) string {
	switch strings.ToLower(status) {
	case "0xc0000234":
		return "%%2307" // account locked out
	case "0xc000006e":
		return "%%2310" // account currently disabled
	case "0xc0000224":
		return "%%2309" // password must change
	}
	return "%%2313" // unknown user name or bad password
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
