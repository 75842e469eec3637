package syslogsrc

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzFramer checks that framing never panics, never yields an empty or
// oversize message, and does not depend on how the stream is cut into
// reads.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		"<13>a\n", "5 <13>a", "6 <13>a\n<13>b\r\n", "40 xxxx", "12abc\n", "\x00\n\r\n",
		"2026-11-26T10:00:01Z h p: m\n", "999999999 ", "1234567890 x\n",
	} {
		f.Add([]byte(s), uint8(3), uint16(16))
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8, maxMsg uint16) {
		m := int(maxMsg)%512 + 1
		whole, pw := cutStream(t, data, m, len(data)+1)
		parts, pp := cutStream(t, data, m, int(chunk)%17+1)
		if !slices.Equal(whole, parts) || pw != pp {
			t.Fatalf("framing depends on read sizes:\nwhole %q %+v\nparts %q %+v", whole, pw, parts, pp)
		}
		for _, msg := range whole {
			if len(msg) == 0 || len(msg) > m {
				t.Fatalf("message of %d bytes (max %d): %q", len(msg), m, msg)
			}
			if !bytes.Contains(data, []byte(msg)) {
				t.Fatalf("message %q is not in the input", msg)
			}
		}
	})
}

// FuzzUDPDrops checks the /proc/net/udp reader on any input.
func FuzzUDPDrops(f *testing.F) {
	f.Add([]byte(procSample), uint64(4242))
	f.Add([]byte("h\n1: a b c d e f g h 7 j k x\n"), uint64(7))
	f.Fuzz(func(t *testing.T, data []byte, inode uint64) {
		_, _, _ = udpDrops(bytes.NewReader(data), inode)
	})
}
