package winmix

import (
	"fmt"
	"strings"
	"time"
)

// The simulated estate: a few local-government domains, each with
// workstations, domain controllers, file/application servers and an IIS
// server, their users and their running processes. Events are drawn on
// this estate so that fields agree with each other the way real telemetry
// does: a host keeps its name, address and Sysmon GUID prefix, a process
// its GUID and PID across the events it causes, a user their SID.

type org struct {
	netbios string // NetBIOS domain name, as in DOMAIN\user
	dns     string // DNS domain
	name    string // display name, as in "OneDrive - <name>"
	sid     string // domain SID, users' SIDs extend it
	net     string // first two octets of the domain's addresses
	tenant  string // Microsoft 365 tenant name, as in <tenant>-my.sharepoint.com
	users   []*user
	admins  []*user
	byRole  [numRoleBits][]*host
}

type user struct {
	name string // sAMAccountName
	sid  string
}

type host struct {
	name    string // NetBIOS computer name
	fqdn    string
	org     *org
	role    roles
	ip      string
	fr      bool   // French-localised Windows: well-known account names are translated
	build   string // Windows version of its system binaries, e.g. "10.0.26100.3476"
	prefix  string // first group of Sysmon GUIDs, per machine
	guidTag uint64 // byte Sysmon puts near the end of process GUIDs, per boot
	boot    time.Time

	sysmonPID, lsassPID int
	sysmonTIDs          [3]int
	recSysmon           uint64 // EventRecordID counters, one per channel
	recSecurity         uint64
	recPS               uint64

	system, localSvc, netSvc *account
	interactive              *account // the user at the console (workstations) or an admin's RDP session (servers)
	pool                     *account // IIS application pool identity (web servers)

	procs map[string]*proc // latest running instance of each exe key
}

// account is a logon session a process runs in.
type account struct {
	user      *user  // nil for the built-in service accounts
	display   string // Sysmon's User: DOMAIN\name
	domain    string // Security's SubjectDomainName
	name      string // Security's SubjectUserName
	sid       string
	logonID   uint64
	logonGUID string
	session   int
	integrity string // Sysmon IntegrityLevel of its processes by default
}

type proc struct {
	key       string
	guid      string
	pid       int
	image     string
	cmd       string
	cwd       string
	acct      *account
	integrity string
	parent    *proc
	meta      *exe
}

var (
	orgDefs = []struct {
		netbios, dns, name, sid, net, tenant string
		ws, users                            int
		srv                                  []string // server names and roles
	}{
		{"AGGLO", "agglo-vds.local", "Agglo Val-de-Seine", "S-1-5-21-3623811015-3361044348-30300820", "10.20", "agglovds", 22, 60,
			[]string{"SRV-DC01:dc", "SRV-DC02:dc", "SRV-FICHIERS01:fs", "SRV-APP01:fs", "SRV-WEB01:web"}},
		{"MAIRIE-STM", "mairie-stmartin.local", "Mairie de Saint-Martin", "S-1-5-21-1004336348-1177238915-682003330", "10.30", "mairiestmartin", 12, 35,
			[]string{"SRVDC1:dc", "SRVFIC1:fs", "SRVWEB1:web"}},
		{"CCAS", "ccas-vds.local", "CCAS Val-de-Seine", "S-1-5-21-2555720767-1205513275-3893774561", "10.40", "ccasvds", 5, 12,
			[]string{"CCAS-DC:dc", "CCAS-NAS:fs"}},
	}
	firstNames = []string{"jean", "marie", "pierre", "sophie", "nicolas", "isabelle", "laurent", "nathalie", "thomas",
		"celine", "julien", "sandrine", "francois", "valerie", "olivier", "camille", "mathieu", "aurelie", "david",
		"emilie", "stephane", "claire", "antoine", "helene", "kevin", "lea", "mohamed", "ines", "yannick", "chloe"}
	lastNames = []string{"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand", "leroy",
		"moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "david", "bertrand", "roux", "vincent", "fournier",
		"morel", "girard", "andre", "mercier", "dupont", "lambert", "bonnet", "francois", "martinez", "legrand",
		"garnier", "faure", "rousseau", "blanc", "guerin", "muller", "henry", "roussel", "nicolas", "perrin", "benali"}
	departments = []string{"URBA", "COMPTA", "RH", "ETATCIVIL", "DSI", "CULTURE", "SPORTS", "ACCUEIL", "TECH", "CCAS",
		"ELUS", "DG", "MARCHES", "SCOLAIRE", "POLICE", "COM", "ENV", "JURIDIQUE"}
	wsBuilds  = []string{"10.0.26100.3476", "10.0.26100.4061", "10.0.22631.5189", "10.0.19045.5737"}
	srvBuilds = []string{"10.0.20348.3453", "10.0.17763.7136"}
	appPools  = []string{"DefaultAppPool", "Intranet", "PortailFamille", "GED"}
)

// buildEstate draws the orgs, hosts and users from the generator's seed.
func (g *Generator) buildEstate() {
	for _, d := range orgDefs {
		o := &org{netbios: d.netbios, dns: d.dns, name: d.name, sid: d.sid, net: d.net, tenant: d.tenant}
		seen := map[string]bool{}
		for i := 0; len(o.users) < d.users; i++ {
			name := oneOf(g.r, firstNames)[:1] + oneOf(g.r, lastNames)
			if i%7 == 3 {
				name = oneOf(g.r, firstNames) + "." + oneOf(g.r, lastNames)
			}
			if seen[name] {
				continue
			}
			seen[name] = true
			o.users = append(o.users, &user{name, fmt.Sprintf("%s-%d", o.sid, 1104+len(o.users)*3+g.r.IntN(3))})
		}
		for i := range 3 {
			a := o.users[i*5]
			o.admins = append(o.admins, &user{"adm-" + a.name, fmt.Sprintf("%s-%d", o.sid, 1500+i*7+g.r.IntN(5))})
		}
		for i, s := range d.srv {
			name, role, _ := strings.Cut(s, ":")
			r := map[string]roles{"dc": rDC, "fs": rFS, "web": rWeb}[role]
			g.addHost(o, name, r, fmt.Sprintf("%s.1.%d", o.net, 10+i))
		}
		names := map[string]bool{} // and addresses: both unique in a domain
		for len(o.byRole[roleIndex(rWS)]) < d.ws {
			dep := oneOf(g.r, departments)
			name := fmt.Sprintf("PC-%s-%03d", dep, 1+g.r.IntN(60))
			if g.r.IntN(4) == 0 {
				name = fmt.Sprintf("PORT-%s-%02d", dep, 1+g.r.IntN(30))
			}
			if len(name) > 15 { // NetBIOS names stop at 15 characters
				name = name[:15]
			}
			ip := fmt.Sprintf("%s.%d.%d", o.net, 10+g.r.IntN(4), 20+g.r.IntN(230))
			if names[name] || names[ip] {
				continue
			}
			names[name], names[ip] = true, true
			g.addHost(o, name, rWS, ip)
		}
	}
	for _, h := range g.hosts {
		w := 3 // a workstation logs less than a server, but there are many
		if h.role != rWS {
			w = 5
		}
		g.hostT.add(h, w)
	}
}

func (g *Generator) addHost(o *org, name string, role roles, ip string) {
	h := &host{
		name: name, fqdn: name + "." + o.dns, org: o, role: role, ip: ip,
		fr:      g.r.IntN(4) == 0,
		prefix:  string(g.randChars(nil, 8, hexUpper)),
		boot:    start.Add(-time.Duration(2+g.r.IntN(400)) * time.Hour).Add(-time.Duration(g.r.IntN(3600)) * time.Second),
		procs:   make(map[string]*proc),
		guidTag: uint64(0x07 + g.r.IntN(8)),
	}
	if role == rWS {
		h.build = oneOf(g.r, wsBuilds)
	} else {
		h.build = oneOf(g.r, srvBuilds)
	}
	h.sysmonPID, h.lsassPID = g.randPID(), 600+4*g.r.IntN(150)
	for i := range h.sysmonTIDs {
		h.sysmonTIDs[i] = g.randPID()
	}
	h.recSysmon = uint64(10_000 + g.r.IntN(5_000_000))
	h.recSecurity = uint64(10_000 + g.r.IntN(50_000_000))
	h.recPS = uint64(100 + g.r.IntN(200_000))

	nt, sys, ls, ns := "NT AUTHORITY", "SYSTEM", "LOCAL SERVICE", "NETWORK SERVICE"
	if h.fr {
		nt, sys, ls, ns = "AUTORITE NT", "Système", "SERVICE LOCAL", "SERVICE RÉSEAU"
	}
	h.system = h.builtin(nt, sys, o.netbios, name+"$", "S-1-5-18", 0x3e7)
	h.localSvc = h.builtin(nt, ls, nt, ls, "S-1-5-19", 0x3e5)
	h.netSvc = h.builtin(nt, ns, nt, ns, "S-1-5-20", 0x3e4)

	var u *user
	session := 1
	if role == rWS {
		u = oneOf(g.r, o.users)
		if strings.HasPrefix(name, "PC-DSI") && g.r.IntN(2) == 0 {
			u = oneOf(g.r, o.admins)
		}
	} else {
		u = oneOf(g.r, o.admins)
		session = 2 + g.r.IntN(3)
	}
	logonID := uint64(0x20000 + g.r.IntN(0x3fffffff))
	h.interactive = &account{
		user: u, display: o.netbios + `\` + u.name, domain: o.netbios, name: u.name, sid: u.sid,
		logonID: logonID, logonGUID: sysmonGUID(h.prefix, h.boot.Add(time.Duration(g.r.IntN(7200))*time.Second), logonID),
		session: session, integrity: "Medium",
	}
	if role == rWeb {
		pool := oneOf(g.r, appPools)
		h.pool = &account{display: `IIS APPPOOL\` + pool, domain: "IIS APPPOOL", name: pool,
			sid:     "S-1-5-82-" + fmt.Sprintf("%d-%d-%d-%d-%d", g.r.Uint32(), g.r.Uint32(), g.r.Uint32(), g.r.Uint32(), g.r.Uint32()),
			logonID: uint64(0x10000 + g.r.IntN(0xffff)), session: 0, integrity: "High"}
		h.pool.logonGUID = sysmonGUID(h.prefix, h.boot, h.pool.logonID)
	}
	g.hosts = append(g.hosts, h)
	o.byRole[roleIndex(role)] = append(o.byRole[roleIndex(role)], h)
}

func (h *host) builtin(dom, name, secDom, secName, sid string, id uint64) *account {
	return &account{display: dom + `\` + name, domain: secDom, name: secName, sid: sid, logonID: id,
		logonGUID: sysmonGUID(h.prefix, h.boot, id), integrity: "System"}
}

// pickHost draws the host of a benign event.
func (g *Generator) pickHost() *host { return g.hostT.pick(g.r) }

// hostWith draws a host with one of the roles in on (for malicious
// templates, which need e.g. an IIS server).
func (g *Generator) hostWith(on roles) *host {
	for {
		if h := g.pickHost(); on.has(h.role) {
			return h
		}
	}
}

// peer returns another host of h's domain with the given role, h itself
// when there is none.
func (g *Generator) peer(h *host, role roles) *host {
	hs := h.org.byRole[roleIndex(role)]
	if len(hs) == 0 {
		return h
	}
	return oneOf(g.r, hs)
}

// accountFor returns the account a process of the given kind runs as.
func (h *host) accountFor(a acct, parent *proc) *account {
	switch a {
	case acSystem:
		return h.system
	case acLocalSvc:
		return h.localSvc
	case acNetSvc:
		return h.netSvc
	case acUser, acAdmin:
		return h.interactive
	case acPool:
		if h.pool != nil {
			return h.pool
		}
		return h.netSvc
	}
	if parent != nil {
		return parent.acct
	}
	return h.system
}

// proc returns the running instance of exe key on h, inventing it (and
// its ancestors) when none was seen yet: a long-running process's start
// predates the log.
func (g *Generator) proc(h *host, key string) *proc {
	if p := h.procs[key]; p != nil {
		return p
	}
	e := exeFor(key)
	var parent *proc
	if e.parent != "" {
		parent = g.proc(h, e.parent)
	}
	start := h.boot.Add(time.Duration(g.r.IntN(3600)) * time.Second)
	p := g.newProc(h, key, e, parent, h.accountFor(e.acct, parent), e.il, e.cmd, start)
	h.procs[key] = p
	return p
}

// newProc makes a process from exe e; cmd is a template.
func (g *Generator) newProc(h *host, key string, e *exe, parent *proc, a *account, il, cmd string, start time.Time) *proc {
	p := &proc{key: key, pid: g.randPID(), acct: a, parent: parent, meta: e, integrity: il}
	if key == "system" {
		p.pid = 4
	}
	if key == "lsass" {
		p.pid = h.lsassPID
	}
	c := &ctx{g: g, h: h, a: a}
	p.image = c.expand(e.path)
	c.img = p.image
	if parent != nil {
		c.pimg, c.ppid = parent.image, parent.pid
	}
	if cmd == "" {
		cmd = `"«img»"`
	}
	p.cmd = c.expand(cmd)
	switch {
	case e.cwd != "":
		p.cwd = c.expand(e.cwd)
	case a.user == nil:
		p.cwd = `C:\Windows\system32\`
	default:
		p.cwd = p.image[:strings.LastIndexByte(p.image, '\\')+1]
	}
	if p.integrity == "" {
		p.integrity = a.integrity
		if e.acct == acAdmin {
			p.integrity = "High"
		}
	}
	p.guid = sysmonGUID(h.prefix, start, uint64(g.r.Uint32()&0xffff)|h.guidTag<<48)
	return p
}
