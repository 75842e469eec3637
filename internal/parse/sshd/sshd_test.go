package sshd

import (
	"testing"

	"tocsin/internal/event"
)

func TestParse(t *testing.T) {
	cases := []struct {
		msg    string
		repeat int
		want   map[string]string
	}{
		{"Failed password for root from 203.0.113.7 port 40312 ssh2", 1,
			map[string]string{"action": "auth", "outcome": "failure", "auth_method": "password", "user": "root", "src_ip": "203.0.113.7", "src_port": "40312"}},
		{"Failed password for invalid user admin from 192.0.2.1 port 22 ssh2", 1,
			map[string]string{"action": "auth", "outcome": "failure", "user": "admin", "invalid_user": "true", "src_ip": "192.0.2.1"}},
		{"Failed publickey for git from 2001:db8::7 port 5122 ssh2: ED25519 SHA256:abc", 1,
			map[string]string{"auth_method": "publickey", "user": "git", "src_ip": "2001:db8::7", "src_port": "5122"}},
		{"Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2: RSA SHA256:xyz", 1,
			map[string]string{"action": "auth", "outcome": "success", "auth_method": "publickey", "user": "deploy"}},
		{"Accepted password for alice from 10.123.241.68 port 39780 ssh2", 1,
			map[string]string{"outcome": "success", "auth_method": "password", "user": "alice", "src_ip": "10.123.241.68"}},
		{"Invalid user oracle from 198.51.100.4 port 4444", 1,
			map[string]string{"action": "invalid_user", "outcome": "failure", "user": "oracle", "src_ip": "198.51.100.4"}},
		{"Invalid user  from 198.51.100.4 port 4444", 1, map[string]string{"action": "invalid_user", "user": ""}},
		{"Invalid user john smith from 198.51.100.4 port 4444", 1, map[string]string{"user": "john smith"}},
		{"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.56.89.208  user=dave", 1,
			map[string]string{"action": "pam_failure", "src_ip": "10.56.89.208", "user": "dave"}},
		{"PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.7  user=root", 1,
			map[string]string{"action": "pam_failure", "src_ip": "203.0.113.7", "user": "root"}},
		{"error: maximum authentication attempts exceeded for root from 203.0.113.7 port 4000 ssh2 [preauth]", 1,
			map[string]string{"action": "max_auth_exceeded", "outcome": "failure", "user": "root", "preauth": "true"}},
		{"error: maximum authentication attempts exceeded for invalid user pi from 203.0.113.7 port 4000 ssh2 [preauth]", 1,
			map[string]string{"action": "max_auth_exceeded", "user": "pi", "invalid_user": "true"}},
		{"Disconnected from invalid user zabbix 203.0.113.7 port 4000 [preauth]", 1,
			map[string]string{"action": "disconnect", "user": "zabbix", "invalid_user": "true", "src_ip": "203.0.113.7"}},
		{"Disconnected from authenticating user root 203.0.113.7 port 4000 [preauth]", 1,
			map[string]string{"action": "disconnect", "user": "root"}},
		{"Disconnected from user alice 10.0.0.9 port 4000", 1, map[string]string{"action": "disconnect", "user": "alice"}},
		{"Connection closed by 203.0.113.7 port 40312 [preauth]", 1, map[string]string{"action": "connection_closed", "src_ip": "203.0.113.7"}},
		{"Connection closed by invalid user steam 203.0.113.7 port 1 [preauth]", 1, map[string]string{"user": "steam", "invalid_user": "true"}},
		{"Connection reset by 203.0.113.7 port 40312 [preauth]", 1, map[string]string{"action": "connection_closed"}},
		{"Received disconnect from 203.0.113.7 port 40312:11: Bye Bye [preauth]", 1,
			map[string]string{"action": "disconnect", "src_ip": "203.0.113.7", "src_port": "40312"}},
		{"Did not receive identification string from 203.0.113.7 port 40312", 1, map[string]string{"action": "no_identification"}},
		{"Disconnecting invalid user admin 203.0.113.7 port 22: Too many authentication failures [preauth]", 1,
			map[string]string{"action": "disconnect", "user": "admin"}},
		{"message repeated 3 times: [ Failed password for root from 203.0.113.7 port 40312 ssh2]", 3,
			map[string]string{"action": "auth", "outcome": "failure", "user": "root"}},
		// Not known, or broken: nothing is added.
		{"Server listening on 0.0.0.0 port 22.", 0, nil},
		{"Failed password for root from 999.1.1.1 port 1 ssh2", 0, nil},
		{"Failed password for root from a_b port 1 ssh2", 0, nil},
		{"Failed password for root from client.mairie.example port 40312 ssh2", 1,
			map[string]string{"action": "auth", "outcome": "failure", "user": "root", "src_host": "client.mairie.example", "src_port": "40312"}},
		{"Failed password for root from 203.0.113.7 port 99999 ssh2", 1,
			map[string]string{"action": "auth", "outcome": "failure", "user": "root", "src_ip": "203.0.113.7"}},
		{"message repeated 1000000 times: [ Failed password for root from 203.0.113.7 port 2 ssh2]", MaxRepeat,
			map[string]string{"action": "auth", "src_ip": "203.0.113.7"}},
		{"Failed password for root from 203.0.113.7", 0, nil},
		{"message repeated x times: [ Failed password for root from 203.0.113.7 port 1 ssh2]", 0, nil},
		{"Failed", 0, nil},
		{"", 0, nil},
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			ev := event.New()
			if n := Parse(c.msg, ev); n != c.repeat {
				t.Fatalf("repeat %d, want %d", n, c.repeat)
			}
			if c.want == nil && ev.Len() != 0 {
				t.Errorf("fields added to an unknown message: %d", ev.Len())
			}
			for k, v := range c.want {
				if got, ok := ev.Get(k); !ok || got != v {
					t.Errorf("%s = %q (%v), want %q", k, got, ok, v)
				}
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Failed password for invalid user admin from 192.0.2.1 port 22 ssh2",
		"Accepted publickey for deploy from 10.0.0.5 port 50022 ssh2: RSA SHA256:xyz",
		"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=10.56.89.208  user=dave",
		"message repeated 3 times: [ Failed password for root from 203.0.113.7 port 40312 ssh2]",
		"Received disconnect from 203.0.113.7 port 40312:11: Bye Bye [preauth]",
		"Connection closed by invalid user  1.2.3.4 port 1 [preauth]", "Invalid user from", "Failed x for", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		ev := event.New()
		n := Parse(msg, ev)
		if n < 0 || n == 0 && ev.Len() != 0 {
			t.Fatalf("%q: repeat %d with %d fields", msg, n, ev.Len())
		}
		if n > 0 {
			if _, ok := ev.Get("action"); !ok {
				t.Fatalf("%q parsed without an action", msg)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	msg := "Failed password for invalid user admin from 192.0.2.1 port 22 ssh2"
	ev := event.New()
	b.ReportAllocs()
	for b.Loop() {
		ev.Reset()
		Parse(msg, ev)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "messages/s")
}
