// Package demo is the attack `tocsin demo` replays on a shared platform of
// three fictional tenants: scanning of their websites, then SSH and web
// login brute force against all three from one address, then ransomware
// preparation (shadow copies and backups deleted) on one tenant's Windows
// file server. Lines are realistic (nginx access logs, sshd syslog, Sysmon
// events as evtx_dump JSON) and go through the server's real decoding,
// detection and correlation; their times are the replay's.
package demo

import (
	"encoding/json"
	"fmt"
	"time"

	"tocsin/internal/ingest"
)

// Tenant is one fictional tenant of the demo.
type Tenant struct {
	ID, Name string
	Website  string // virtual host of its public site
	SSHHost  string // its Linux server
	Windows  string // its Windows file server
}

// Tenants are the demo's three communes sharing one platform.
func Tenants() []Tenant {
	return []Tenant{
		{ID: "mairie-arles", Name: "Mairie d'Arles-sur-Tocsin", Website: "www.arles-sur-tocsin.example", SSHHost: "arl-web01", Windows: "ARL-FICHIERS"},
		{ID: "mairie-belval", Name: "Mairie de Belval", Website: "www.belval.example", SSHHost: "bel-web01", Windows: "BEL-FICHIERS"},
		{ID: "agglo-tocsin", Name: "Communauté d'agglomération du Tocsin", Website: "www.agglo-tocsin.example", SSHHost: "agg-web01", Windows: "AGG-FICHIERS"},
	}
}

// The attackers (documentation ranges, RFC 5737).
const (
	Scanner  = "198.51.100.23"
	Attacker = "203.0.113.66"
)

// Step is what the replay sends at one moment.
type Step struct {
	After time.Duration // from the start of the replay
	What  string        // for the operator watching
	Msgs  []ingest.Message
}

// Script returns the replay. start is the wall-clock start: event times
// follow it, so correlations see the attack as it unfolds.
func Script(start time.Time) []Step {
	ts := Tenants()
	var steps []Step
	at := func(d time.Duration, what string, msgs []ingest.Message) {
		steps = append(steps, Step{After: d, What: what, Msgs: msgs})
	}
	// 1. Scanning: every website probed for secrets, with a scanner's UA.
	var scan []ingest.Message
	for _, t := range ts {
		for i, path := range []string{"/.env", "/.git/config", "/wp-config.php.bak", "/backup.sql", "/admin/", "/phpmyadmin/", "/.aws/credentials", "/server-status"} {
			scan = append(scan, line(t, access(t, Scanner, start.Add(time.Duration(i)*200*time.Millisecond), "GET", path, 404, "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)")))
		}
	}
	at(0, "reconnaissance : le site de chaque commune est sondé (fichiers sensibles)", scan)
	// 2. SSH brute force from one address against the three tenants.
	var ssh []ingest.Message
	users := []string{"root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "deploy", "user", "guest", "pi", "ftp"}
	for _, t := range ts {
		for i, u := range users {
			when := start.Add(5*time.Second + time.Duration(i)*300*time.Millisecond)
			ssh = append(ssh, line(t, fmt.Sprintf("<38>1 %s %s sshd %d - - Failed password for invalid user %s from %s port %d ssh2",
				when.UTC().Format(time.RFC3339Nano), t.SSHHost, 4000+i, u, Attacker, 50000+i)))
		}
	}
	at(5*time.Second, "force brute SSH depuis "+Attacker+" contre les trois collectivités", ssh)
	// 3. WordPress login brute force, same address.
	var wp []ingest.Message
	for _, t := range ts {
		for i := range 8 {
			wp = append(wp, line(t, access(t, Attacker, start.Add(10*time.Second+time.Duration(i)*250*time.Millisecond), "POST", "/wp-login.php", 200, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)")))
		}
	}
	at(10*time.Second, "force brute sur les formulaires de connexion des sites", wp)
	// 4. Ransomware preparation on the agglomeration's file server.
	agg := ts[2]
	var win []ingest.Message
	for i, c := range []struct{ image, cmd string }{
		{`C:\Windows\System32\whoami.exe`, `whoami /all`},
		{`C:\Windows\System32\net.exe`, `net group "Domain Admins" /domain`},
		{`C:\Windows\System32\vssadmin.exe`, `vssadmin.exe Delete Shadows /All /Quiet`},
		{`C:\Windows\System32\wbadmin.exe`, `wbadmin delete catalog -quiet`},
		{`C:\Windows\System32\bcdedit.exe`, `bcdedit /set {default} recoveryenabled No`},
	} {
		win = append(win, sysmon(agg, start.Add(20*time.Second+time.Duration(i)*time.Second), 9000+i, c.image, c.cmd))
	}
	at(20*time.Second, "préparation de rançongiciel sur "+agg.Windows+" : clichés instantanés et sauvegardes supprimés", win)
	return steps
}

func line(t Tenant, text string) ingest.Message {
	return ingest.Message{Data: []byte(text), Format: "lines", Transport: "demo", Listener: "demo", Tenant: t.ID}
}

// access is an nginx access line with the virtual host first, as a shared
// reverse proxy logs it.
func access(t Tenant, ip string, when time.Time, method, path string, status int, ua string) string {
	return fmt.Sprintf(`%s %s - - [%s] "%s %s HTTP/1.1" %d %d "-" "%s"`,
		t.Website, ip, when.UTC().Format("02/Jan/2006:15:04:05 -0700"), method, path, status, 153+len(path), ua)
}

// sysmon is a Sysmon process creation as evtx_dump writes it.
func sysmon(t Tenant, when time.Time, record int, image, cmd string) ingest.Message {
	ev := map[string]any{"Event": map[string]any{
		"System": map[string]any{
			"Provider":      map[string]any{"#attributes": map[string]string{"Name": "Microsoft-Windows-Sysmon"}},
			"EventID":       1,
			"TimeCreated":   map[string]any{"#attributes": map[string]string{"SystemTime": when.UTC().Format(time.RFC3339Nano)}},
			"EventRecordID": record,
			"Channel":       "Microsoft-Windows-Sysmon/Operational",
			"Computer":      t.Windows + ".agglo.local",
		},
		"EventData": map[string]any{
			"Image": image, "CommandLine": cmd,
			"ParentImage": `C:\Windows\System32\cmd.exe`, "User": `AGGLO\svc_sauvegarde`, "IntegrityLevel": "High",
		},
	}}
	b, _ := json.Marshal(ev)
	return ingest.Message{Data: b, Format: "jsonl", Transport: "demo", Listener: "demo", Tenant: t.ID}
}
