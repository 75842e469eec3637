package winmix

import (
	"strconv"
	"time"
)

// begin writes the event up to the opening of EventData: the System
// element as evtx_dump renders it. Sysmon runs as SYSTEM in its own
// service process and has no correlation id; Security and PowerShell
// events carry an ActivityID.
func (g *Generator) begin(k Kind, h *host, execPID, execTID int, userID string, level int) {
	ki := &kinds[k]
	w := &g.w
	w.open("")
	w.open("Event")
	w.open("#attributes")
	w.str("xmlns", "http://schemas.microsoft.com/win/2004/08/events/event")
	w.close()
	w.open("System")
	w.open("Provider")
	w.open("#attributes")
	w.str("Name", ki.log.provider)
	w.str("Guid", ki.log.guid)
	w.close()
	w.close()
	w.num("EventID", int64(ki.eventID))
	w.num("Version", int64(ki.version))
	w.num("Level", int64(level))
	w.num("Task", int64(ki.task))
	w.num("Opcode", int64(ki.opcode))
	w.str("Keywords", ki.keywords)
	w.open("TimeCreated")
	w.open("#attributes")
	w.key("SystemTime")
	w.b = append(w.b, '"')
	w.b = appendTime(w.b, g.now, 'T', 6)
	w.b = append(w.b, 'Z', '"')
	w.comma = true
	w.close()
	w.close()
	var rec *uint64
	switch ki.log {
	case sysmonLog:
		rec = &h.recSysmon
	case securityLog:
		rec = &h.recSecurity
	default:
		rec = &h.recPS
	}
	*rec++
	w.num("EventRecordID", int64(*rec))
	if ki.log == sysmonLog || k == SecurityProcess {
		w.null("Correlation")
	} else {
		w.open("Correlation")
		w.open("#attributes")
		w.str("ActivityID", g.guidString(true))
		w.close()
		w.close()
	}
	w.open("Execution")
	w.open("#attributes")
	w.num("ProcessID", int64(execPID))
	w.num("ThreadID", int64(execTID))
	w.close()
	w.close()
	w.str("Channel", ki.log.channel)
	w.str("Computer", h.fqdn)
	if userID == "" {
		w.null("Security")
	} else {
		w.open("Security")
		w.open("#attributes")
		w.str("UserID", userID)
		w.close()
		w.close()
	}
	w.close() // System
	w.open("EventData")
}

// end closes EventData, Event and the document.
func (g *Generator) end() {
	g.w.close()
	g.w.close()
	g.w.close()
}

// sysmon begins a Sysmon event and writes its RuleName and UtcTime. The
// UtcTime (when Sysmon saw the activity) precedes the SystemTime (when the
// record was written) by a few milliseconds.
func (g *Generator) sysmon(k Kind, h *host) time.Time {
	g.begin(k, h, h.sysmonPID, h.sysmonTIDs[g.r.IntN(len(h.sysmonTIDs))], "S-1-5-18", sysmonTaskLevel)
	g.w.str("RuleName", "-")
	t := g.seen()
	g.w.str("UtcTime", utcTime(t))
	return t
}

// seen is when Sysmon saw the activity being logged now.
func (g *Generator) seen() time.Time {
	return g.now.Add(-time.Duration(g.r.IntN(15000)) * time.Microsecond)
}

// meta writes a PE version-info value, "-" when the file has none.
func (g *Generator) meta(c *ctx, k, v string) {
	if v == "" {
		v = "-"
	}
	g.w.str(k, c.expand(v))
}

func hexStr(v uint64) string { return "0x" + strconv.FormatUint(v, 16) }

// processCreation writes a Sysmon 1 or Security 4688 event.
func (g *Generator) processCreation(k Kind, mal bool) {
	var t *spawnT
	var h *host
	if mal {
		t = malSpawnTable.pick(g.r)
		h = g.hostWith(t.on)
		g.lastMal = t.label
	} else {
		h = g.pickHost()
		t = spawnTable.pick(g.r, h.role)
	}
	parent := g.proc(h, t.parent)
	e := exeFor(t.child)
	a := h.accountFor(t.acct, parent)
	if t.acct == acInherit && parent.acct.user == nil && (e.acct == acUser || e.acct == acAdmin) {
		// A per-user exe (RuntimeBroker, dllhost…) started by a service
		// host runs as the interactive user, not as the service.
		a = h.accountFor(e.acct, parent)
	}
	cmd := t.cmd
	if cmd == "" {
		cmd = e.cmd
	}
	il := t.il
	if il == "" && t.acct == acAdmin {
		il = "High"
	}
	child := g.newProc(h, t.child, e, parent, a, il, cmd, g.now)
	if !mal {
		// An attacker's processes are not reused by benign events, so the
		// benign stream stays benign.
		h.procs[t.child] = child
	}
	if k == SecurityProcess {
		g.securityProcess(h, child)
		return
	}
	g.sysmon(k, h)
	w := &g.w
	c := &ctx{g: g, h: h, a: a}
	w.str("ProcessGuid", child.guid)
	w.num("ProcessId", int64(child.pid))
	w.str("Image", child.image)
	g.meta(c, "FileVersion", e.ver)
	g.meta(c, "Description", e.desc)
	g.meta(c, "Product", e.product)
	g.meta(c, "Company", e.company)
	g.meta(c, "OriginalFileName", e.orig)
	w.str("CommandLine", child.cmd)
	w.str("CurrentDirectory", child.cwd)
	w.str("User", a.display)
	w.str("LogonGuid", a.logonGUID)
	w.str("LogonId", hexStr(a.logonID))
	w.num("TerminalSessionId", int64(a.session))
	w.str("IntegrityLevel", child.integrity)
	w.str("Hashes", g.fileHashes(child.image))
	w.str("ParentProcessGuid", parent.guid)
	w.num("ParentProcessId", int64(parent.pid))
	w.str("ParentImage", parent.image)
	w.str("ParentCommandLine", parent.cmd)
	w.str("ParentUser", parent.acct.display)
	g.end()
}

// mandatoryLabel maps Sysmon's integrity level to the SID 4688 logs.
var mandatoryLabel = map[string]string{
	"Untrusted": "S-1-16-0", "Low": "S-1-16-4096", "Medium": "S-1-16-8192",
	"High": "S-1-16-12288", "System": "S-1-16-16384",
}

// securityProcess writes a Security 4688 for a process creation. The
// subject is the creator; the target fields name the new process's account
// only when it differs (a service started as LOCAL SERVICE by services.exe).
func (g *Generator) securityProcess(h *host, p *proc) {
	g.begin(SecurityProcess, h, 4, g.randPID(), "", 0)
	w := &g.w
	subj := p.parent.acct
	subject(w, h, subj)
	w.str("NewProcessId", hexStr(uint64(p.pid)))
	w.str("NewProcessName", p.image)
	elev := "%%1938" // limited token: a standard user's process
	switch {
	case p.acct.user == nil:
		elev = "%%1936" // full token: service accounts
	case p.integrity == "High":
		elev = "%%1937" // elevated
	}
	w.str("TokenElevationType", elev)
	w.str("ProcessId", hexStr(uint64(p.parent.pid)))
	w.str("CommandLine", p.cmd)
	if p.acct != subj {
		w.str("TargetUserSid", p.acct.sid)
		w.str("TargetUserName", p.acct.name)
		w.str("TargetDomainName", p.acct.domain)
		w.str("TargetLogonId", hexStr(p.acct.logonID))
	} else {
		w.str("TargetUserSid", "S-1-0-0")
		w.str("TargetUserName", "-")
		w.str("TargetDomainName", "-")
		w.str("TargetLogonId", "0x0")
	}
	w.str("ParentProcessName", p.parent.image)
	w.str("MandatoryLabel", mandatoryLabel[p.integrity])
	g.end()
}

// subject writes the Subject* fields of a Security event.
func subject(w *jw, h *host, a *account) {
	w.str("SubjectUserSid", a.sid)
	w.str("SubjectUserName", a.name)
	w.str("SubjectDomainName", a.domain)
	w.str("SubjectLogonId", hexStr(a.logonID))
}
