// Package loadgen sends realistic syslog traffic to a running tocsin serve
// over TCP (octet counting), RELP or HTTP batches, at a set rate, and reads
// the server's metrics to tell how fast it stored it end to end.
package loadgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Lines makes n RFC 5424 sshd messages of about 200 bytes: mostly
// ordinary traffic, with a brute force from one address in every 1,000
// lines, so detection and correlation do real work.
func Lines(n int, seed uint64, start time.Time) [][]byte {
	r := rand.New(rand.NewPCG(seed, 7))
	users := []string{"alice", "bob", "carol", "dave", "erin", "mallory", "admin", "root", "deploy", "backup"}
	out := make([][]byte, n)
	for i := range out {
		ts := start.Add(time.Duration(i) * time.Millisecond).UTC().Format("2006-01-02T15:04:05.000000Z")
		host := fmt.Sprintf("web%02d", r.IntN(40))
		var msg string
		switch k := i % 1000; {
		case k < 15:
			// The brute force: 15 failures from one address.
			msg = fmt.Sprintf("Failed password for invalid user %s from 203.0.113.%d port %d ssh2", users[r.IntN(len(users))], i/1000%250+1, 30000+r.IntN(30000))
		case k%3 == 0:
			msg = fmt.Sprintf("Accepted publickey for %s from 10.%d.%d.%d port %d ssh2: ED25519 SHA256:Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA", users[r.IntN(len(users))], r.IntN(4), r.IntN(256), r.IntN(256), 30000+r.IntN(30000))
		case k%3 == 1:
			msg = fmt.Sprintf("pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)", users[r.IntN(len(users))], 1000+r.IntN(50))
		default:
			msg = fmt.Sprintf("Connection closed by authenticating user %s 10.%d.%d.%d port %d [preauth]", users[r.IntN(len(users))], r.IntN(4), r.IntN(256), r.IntN(256), 30000+r.IntN(30000))
		}
		out[i] = fmt.Appendf(nil, "<38>1 %s %s sshd %d - - %s", ts, host, 1000+r.IntN(60000), msg)
	}
	return out
}
