package relpsrc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

type parsed struct {
	txnr int
	cmd  string
	data string
}

// parseAll reads every frame of data, up to the first error.
func parseAll(data []byte, maxData int) ([]parsed, error) {
	fr := newFrameReader(bytes.NewReader(data), 16, maxData, func(n int) []byte { return make([]byte, n) })
	var out []parsed
	for {
		f, err := fr.next()
		if err != nil {
			return out, err
		}
		out = append(out, parsed{f.txnr, string(f.cmd), string(f.data)})
	}
}

// FuzzFrameReader checks that any input gives frames within the limits or
// a FrameError that points inside the input, and that frames re-encode
// to what they were read from.
func FuzzFrameReader(f *testing.F) {
	for _, s := range []string{
		"1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n",
		"2 syslog 10 <134>1 x\n\n3 close 0\n",
		"1 rsp 55 200 OK\nrelp_version=0\nrelp_software=cap\ncommands=syslog\n",
		"0 serverclose 0\n", "2 syslog 9 <13>a\n3 ", "x2 syslog 3 abc\n", "2 sys1og 0\n", "1234567890 a 0\n",
	} {
		f.Add([]byte(s), uint8(64))
	}
	f.Fuzz(func(t *testing.T, data []byte, maxData uint8) {
		m := int(maxData) + 1
		frames, err := parseAll(data, m)
		var fe *FrameError
		switch {
		case errors.Is(err, io.EOF):
		case errors.As(err, &fe):
			if !errors.Is(err, ErrFrame) || fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Fatalf("bad error %v", err)
			}
		default:
			t.Fatalf("error %v is neither EOF nor a FrameError", err)
		}
		var again []byte
		for _, p := range frames {
			if p.txnr > 999999999 || len(p.cmd) == 0 || len(p.cmd) > maxCommand || len(p.data) > m {
				t.Fatalf("frame out of limits: %+v", p)
			}
			again = appendFrame(again, p.txnr, p.cmd, []byte(p.data))
		}
		// Frames whose data was not cut re-encode to an equivalent stream.
		if re, err := parseAll(again, m); !errors.Is(err, io.EOF) || len(re) != len(frames) {
			t.Fatalf("re-encoded frames do not read back: %v, %d of %d", err, len(re), len(frames))
		} else {
			for i := range re {
				if re[i] != frames[i] {
					t.Fatalf("frame %d: %+v read back as %+v", i, frames[i], re[i])
				}
			}
		}
	})
}
