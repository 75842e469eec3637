package kv

import (
	"errors"
	"strings"
	"testing"
	"time"

	"tocsin/internal/event"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name, line string
		ls         event.Logsource
		host, time string
		want       map[string]string
	}{
		{"FortiGate SSL VPN login failure",
			`date=2026-03-03 time=10:00:01 devname="FGT-MAIRIE" devid="FGT60FTK2209" eventtime=1772528401000000000 tz="+0100" logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" remip=203.0.113.7 user="bob" group="N/A" reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"`,
			event.Logsource{Product: "fortigate", Service: "event"}, "FGT-MAIRIE", "2026-03-03T09:00:01Z",
			map[string]string{"src_ip": "203.0.113.7", "user": "bob", "event_type": "auth", "outcome": "failure", "logdesc": "SSL VPN login fail", "action": "ssl-login-fail"}},
		{"FortiGate admin login failure",
			`date=2026-03-03 time=10:00:02 devname="FGT-MAIRIE" devid="FGT60FTK2209" logid="0100032002" type="event" subtype="system" level="alert" logdesc="Admin login failed" user="admin" ui="https(203.0.113.8)" method="https" srcip=203.0.113.8 dstip=10.0.0.1 action="login" status="failed" reason="name_invalid"`,
			event.Logsource{Product: "fortigate", Service: "event"}, "FGT-MAIRIE", "2026-03-03T10:00:02Z",
			map[string]string{"src_ip": "203.0.113.8", "outcome": "failure", "status": "failed"}},
		{"FortiGate config change (SigmaHQ's fields)",
			`date=2026-03-03 time=10:00:03 devname="FGT" devid="X" logid="0100044547" type="event" subtype="system" action="Add" cfgpath="system.admin" cfgobj="backdoor" user="admin"`,
			event.Logsource{Product: "fortigate", Service: "event"}, "FGT", "2026-03-03T10:00:03Z",
			map[string]string{"action": "Add", "cfgpath": "system.admin"}},
		{"Stormshield authentication failure",
			`id=firewall time="2026-03-03 10:00:04" fw="SN310-CCAS" tz=+0100 startime="2026-03-03 10:00:04" user="jdupont" src=198.51.100.4 method=PASSWORD error=1 msg="Authentication failed" logtype="auth"`,
			event.Logsource{Product: "stormshield", Service: "auth"}, "SN310-CCAS", "2026-03-03T09:00:04Z",
			map[string]string{"src_ip": "198.51.100.4", "user": "jdupont", "event_type": "auth", "outcome": "failure"}},
		{"auditd execve",
			`type=SYSCALL msg=audit(1772532001.123:4567): arch=c000003e syscall=59 success=yes exit=0 a0=55d0 ppid=1200 pid=1301 auid=1000 uid=0 comm="nc" exe="/usr/bin/nc.openbsd" key="susp_activity"`,
			event.Logsource{Product: "linux", Service: "auditd"}, "", "2026-03-03T10:00:01Z",
			map[string]string{"type": "SYSCALL", "exe": "/usr/bin/nc.openbsd", "comm": "nc", "syscall": "59"}},
		{"auditd user login failure: the pairs inside msg='...'",
			`type=USER_AUTH msg=audit(1772532001.123:100): pid=2211 uid=0 auid=4294967295 ses=4294967295 msg='op=PAM:authentication grantors=? acct="root" exe="/usr/sbin/sshd" hostname=203.0.113.7 addr=203.0.113.7 terminal=ssh res=failed'`,
			event.Logsource{Product: "linux", Service: "auditd"}, "", "2026-03-03T10:00:01Z",
			map[string]string{"op": "PAM:authentication", "acct": "root", "res": "failed", "src_ip": "203.0.113.7", "user": "root", "outcome": "failure", "event_type": "auth"}},
		{"auditd hex-encoded arguments in clear",
			`node=srv01 type=EXECVE msg=audit(1772532003.789:102): argc=3 a0="cat" a1=2F6574632F736861646F77 a2=612062`,
			event.Logsource{Product: "linux", Service: "auditd"}, "srv01", "2026-03-03T10:00:03Z",
			map[string]string{"a0": "cat", "a1": "/etc/shadow", "a2": "a b"}},
		{"auditd proctitle: arguments joined by spaces",
			`type=PROCTITLE msg=audit(1772532003.789:102): proctitle=636174002F6574632F736861646F7700`,
			event.Logsource{Product: "linux", Service: "auditd"}, "", "2026-03-03T10:00:03Z",
			map[string]string{"proctitle": "cat /etc/shadow"}},
		{"auditd SYSCALL pointers stay as they are",
			`type=SYSCALL msg=audit(1772532003.789:102): arch=c000003e syscall=59 a0=55AB a1=ABCD comm=6E63`,
			event.Logsource{Product: "linux", Service: "auditd"}, "", "2026-03-03T10:00:03Z",
			map[string]string{"a0": "55AB", "a1": "ABCD", "comm": "nc", "arch": "c000003e"}},
		{"a FortiGate line cut in a quoted value keeps its pairs",
			`date=2026-03-03 time=10:00:02 devname="FGT" logid="0101039426" action="ssl-login-fail" remip=203.0.113.9 user="bob" msg="SSL user failed to lo`,
			event.Logsource{Product: "fortigate", Service: "event"}, "FGT", "2026-03-03T10:00:02Z",
			map[string]string{"src_ip": "203.0.113.9", "outcome": "failure", "truncated": "true", "msg": "SSL user failed to lo"}},
		{"not an address, not a source",
			`date=2026-03-03 time=10:00:02 devname="FGT" logid="1" srcip=999.1.1.1 action="deny"`,
			event.Logsource{Product: "fortigate", Service: "event"}, "FGT", "2026-03-03T10:00:02Z",
			map[string]string{"srcip": "999.1.1.1"}},
		{"unknown vendor keeps its pairs", `a=1 b="two words" c=3 free text at the end`,
			event.Logsource{}, "", "0001-01-01T00:00:00Z", map[string]string{"a": "1", "b": "two words", "c": "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := event.New()
			if err := Parse(c.line, ev); err != nil {
				t.Fatal(err)
			}
			if ev.Logsource != c.ls || ev.Host != c.host {
				t.Errorf("logsource %+v host %q", ev.Logsource, ev.Host)
			}
			if got := ev.Time.UTC().Format(time.RFC3339); got != c.time {
				t.Errorf("time %s, want %s", got, c.time)
			}
			for k, v := range c.want {
				if got, ok := ev.Get(k); !ok || got != v {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
				}
			}
			if _, ok := c.want["srcip"]; ok {
				if ip, bad := ev.Get("src_ip"); bad {
					t.Errorf("src_ip %q from an invalid address", ip)
				}
			}
		})
	}
	// A 64 KB value and IPv6 addresses.
	long := `date=2026-03-03 time=10:00:01 devname="FGT" logid="1" remip=2001:db8::7 msg="` + strings.Repeat("x", 64<<10) + `"`
	ev := event.New()
	if err := Parse(long, ev); err != nil {
		t.Fatalf("64 KB value: %v", err)
	}
	if ip, _ := ev.Get("src_ip"); ip != "2001:db8::7" {
		t.Errorf("IPv6 src_ip %q", ip)
	}
	for _, bad := range []string{"", "hello world", "a=1 b=2", `a=1 b="unclosed c=3`, "=x y=1 z=2", "\x00\xff=1"} {
		if err := Parse(bad, event.New()); !errors.Is(err, ErrNotKV) {
			t.Errorf("%q: want ErrNotKV, got %v", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`date=2026-03-03 time=10:00:01 devname="FGT" logid="0101039426" action="ssl-login-fail" remip=203.0.113.7 user="bob"`,
		`id=firewall time="2026-03-03 10:00:04" fw="SN" tz=+0100 src=1.2.3.4 error=1 logtype="auth"`,
		`a="x\"y" b=1 c=`, "a=1 b=2 c", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ev := event.New()
		if Parse(s, ev) == nil && ev.Len() < minPairs {
			t.Fatalf("%q accepted with %d fields", s, ev.Len())
		}
	})
}
