package winmix

import "time"

// Emitters of the Sysmon events other than process creation. Each draws a
// template and its host, finds the acting process on that host and writes
// the fields in Sysmon's order.

// actor writes the ProcessGuid/ProcessId/Image triple most Sysmon events
// start with.
func (g *Generator) actor(p *proc) {
	g.w.str("ProcessGuid", p.guid)
	g.w.num("ProcessId", int64(p.pid))
	g.w.str("Image", p.image)
}

func (g *Generator) networkConnection(mal bool) {
	t, h := pickT(g, mal, netTable, &malNetTable)
	g.lastMal = t.label
	p := g.proc(h, t.exe)
	c := &ctx{g: g, h: h, a: p.acct}
	remoteIP, remoteName := g.address(c, t.dst)
	srcIP, srcName, srcPort := h.ip, h.fqdn, 49152+g.r.IntN(16383)
	dstIP, dstName, dstPort := remoteIP, remoteName, t.port
	srcPortName, dstPortName := "-", t.portName
	if t.inbound {
		srcIP, srcName, dstIP, dstName = remoteIP, remoteName, h.ip, h.fqdn
	}
	g.sysmon(NetworkConnection, h)
	w := &g.w
	g.actor(p)
	w.str("User", p.acct.display)
	w.str("Protocol", t.proto)
	w.boolean("Initiated", !t.inbound)
	w.boolean("SourceIsIpv6", false)
	w.str("SourceIp", srcIP)
	w.str("SourceHostname", srcName)
	w.num("SourcePort", int64(srcPort))
	w.str("SourcePortName", srcPortName)
	w.boolean("DestinationIsIpv6", false)
	w.str("DestinationIp", dstIP)
	w.str("DestinationHostname", dstName)
	w.num("DestinationPort", int64(dstPort))
	w.str("DestinationPortName", dstPortName)
	g.end()
}

// address draws a remote address and its name ("-" when Sysmon would not
// have one) from a pool or a role of the host's domain.
func (g *Generator) address(c *ctx, pool string) (ip, name string) {
	h := c.h
	switch pool {
	case "dc":
		p := g.peer(h, rDC)
		return p.ip, p.fqdn
	case "fs":
		p := g.peer(h, rFS)
		return p.ip, p.fqdn
	case "web":
		p := g.peer(h, rWeb)
		return p.ip, p.fqdn
	case "ws":
		p := g.peer(h, rWS)
		return p.ip, p.fqdn
	case "bad":
		return oneOf(g.r, badIPs), "-"
	}
	ap := addrPools[pool]
	ip = c.expand(ap.ip)
	name = "-"
	if ap.name != "" && g.r.IntN(3) == 0 {
		name = c.expand(ap.name)
	}
	return ip, name
}

func (g *Generator) dnsQuery(mal bool) {
	t, h := pickT(g, mal, dnsTable, &malDNSTable)
	g.lastMal = t.label
	p := g.proc(h, t.exe)
	c := &ctx{g: g, h: h, a: p.acct}
	name := c.expand(t.name)
	status, res := "0", c.expand(t.res)
	if res == "-" {
		status = "9003" // NXDOMAIN: wpad and the like
	}
	g.sysmon(DNSQuery, h)
	w := &g.w
	w.str("ProcessGuid", p.guid)
	w.num("ProcessId", int64(p.pid))
	w.str("QueryName", name)
	w.str("QueryStatus", status)
	w.str("QueryResults", res)
	w.str("Image", p.image)
	w.str("User", p.acct.display)
	g.end()
}

// signers maps a dll's signer to its version info and signature.
var signers = map[string]struct{ product, company, ver, signature, status string }{
	"win":    {winProd, msCorp, winVer, "Microsoft Windows", "Valid"},
	"ms":     {"", msCorp, "", "Microsoft Corporation", "Valid"},
	"google": {"Google Chrome", "Google LLC", "", "Google LLC", "Valid"},
	"dotnet": {"Microsoft® .NET Framework", msCorp, "4.8.9290.0 built by: NET481REL1LAST_C", "Microsoft Corporation", "Valid"},
	"none":   {"", "", "", "-", "Unavailable"},
}

func (g *Generator) imageLoad(mal bool) {
	t, h := pickT(g, mal, imgTable, &malImgTable)
	g.lastMal = t.label
	p := g.proc(h, t.exe)
	c := &ctx{g: g, h: h, a: p.acct}
	key := oneOf(g.r, commonDLLs)
	if len(t.dlls) > 0 && (mal || g.r.IntN(5) < 2) {
		key = oneOf(g.r, t.dlls)
	}
	d := dlls[key]
	s := signers[d.signer]
	product, ver := s.product, s.ver
	if d.ver != "" {
		ver = d.ver
	}
	if product == "" {
		product = d.desc
	}
	path := c.expand(d.path)
	g.sysmon(ImageLoad, h)
	w := &g.w
	g.actor(p)
	w.str("ImageLoaded", path)
	g.meta(c, "FileVersion", ver)
	g.meta(c, "Description", d.desc)
	g.meta(c, "Product", product)
	g.meta(c, "Company", s.company)
	g.meta(c, "OriginalFileName", d.orig)
	w.str("Hashes", g.fileHashes(path))
	signed := "true"
	if d.signer == "none" {
		signed = "false"
	}
	w.str("Signed", signed)
	w.str("Signature", s.signature)
	w.str("SignatureStatus", s.status)
	w.str("User", p.acct.display)
	g.end()
}

func (g *Generator) fileEvent(mal bool) {
	t, h := pickT(g, mal, fileTable, &malFileTable)
	g.lastMal = t.label
	p := g.proc(h, t.exe)
	c := &ctx{g: g, h: h, a: p.acct}
	path := c.expand(t.path)
	ct := g.sysmon(FileEvent, h)
	w := &g.w
	g.actor(p)
	w.str("TargetFilename", path)
	// A new file's creation time is when it was seen; a rewritten one's is older.
	if g.r.IntN(3) == 0 {
		ct = ct.Add(-g.ago())
	}
	w.str("CreationUtcTime", utcTime(ct))
	w.str("User", p.acct.display)
	g.end()
}

func (g *Generator) registry(k Kind, mal bool) {
	var t *regT
	var h *host
	if k == RegistrySet {
		t, h = pickT(g, mal, regSetTable, &malRegSetTable)
	} else {
		t, h = pickT(g, mal, regEvtTable, &malRegEvtTable)
	}
	g.lastMal = t.label
	p := g.proc(h, t.exe)
	c := &ctx{g: g, h: h, a: p.acct}
	typ := "SetValue"
	if k == RegistryEvent {
		typ = c.expand(t.typ)
	}
	target := c.expand(t.target)
	var details string
	if k == RegistrySet {
		details = c.expand(t.details)
	}
	// Sysmon's ProcessId/Image precede TargetObject; EventType comes first.
	w := &g.w
	g.begin(k, h, h.sysmonPID, h.sysmonTIDs[g.r.IntN(len(h.sysmonTIDs))], "S-1-5-18", sysmonTaskLevel)
	w.str("RuleName", "-")
	w.str("EventType", typ)
	w.str("UtcTime", utcTime(g.seen()))
	g.actor(p)
	w.str("TargetObject", target)
	if k == RegistrySet {
		w.str("Details", details)
	}
	w.str("User", p.acct.display)
	g.end()
}

func (g *Generator) processAccess(mal bool) {
	t, h := pickT(g, mal, accessTable, &malAccessTable)
	g.lastMal = t.label
	src := g.proc(h, t.src)
	c := &ctx{g: g, h: h, a: src.acct}
	tgt := g.proc(h, c.expand(t.tgt))
	access := c.expand(t.access)
	trace := `C:\Windows\SYSTEM32\ntdll.dll+` + string(g.randChars(nil, 5, hexLower)) +
		`|C:\Windows\System32\KERNELBASE.dll+` + string(g.randChars(nil, 5, hexLower)) + "|" +
		c.expand(t.trace) +
		`|C:\Windows\System32\KERNEL32.DLL+17374|C:\Windows\SYSTEM32\ntdll.dll+4cc91`
	g.sysmon(ProcessAccess, h)
	w := &g.w
	w.str("SourceProcessGUID", src.guid)
	w.num("SourceProcessId", int64(src.pid))
	w.num("SourceThreadId", int64(g.randPID()))
	w.str("SourceImage", src.image)
	w.str("TargetProcessGUID", tgt.guid)
	w.num("TargetProcessId", int64(tgt.pid))
	w.str("TargetImage", tgt.image)
	w.str("GrantedAccess", access)
	w.str("CallTrace", trace)
	w.str("SourceUser", src.acct.display)
	w.str("TargetUser", tgt.acct.display)
	g.end()
}

// ago is how long before now an existing file was created: minutes to months.
func (g *Generator) ago() time.Duration {
	return time.Duration(g.r.Int64N(int64(90 * 24 * time.Hour)))
}
