package lzma

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"testing"

	"github.com/ulikunitz/xz"
)

// xz files of ulikunitz/xz's writer, one and two streams (with the zeros
// that may pad them), decode to what was written; damage comes out as an
// XZError of the right kind.
func TestXZ(t *testing.T) {
	data := []byte(bytes.Repeat([]byte("NIR 1 85 05 78 006 084 91, Renée Faure; "), 5000))
	enc := func(b []byte) []byte {
		var out bytes.Buffer
		w, err := xz.NewWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Close()
		return out.Bytes()
	}
	one := enc(data)
	two := append(append(enc(data[:1000]), 0, 0, 0, 0), enc(data[1000:])...)
	for name, in := range map[string][]byte{"one": one, "two": two} {
		got, err := io.ReadAll(NewXZReader(bytes.NewReader(in), 1<<26))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	kind := func(in []byte, max uint64) error {
		_, err := io.ReadAll(NewXZReader(bytes.NewReader(in), max))
		var xe *XZError
		if !errors.As(err, &xe) {
			t.Fatalf("%v is no XZError", err)
		}
		return xe.Kind
	}
	bad := append([]byte(nil), one...)
	bad[len(bad)/2] ^= 0x10
	if k := kind(bad, 1<<26); k != ErrCorrupt {
		t.Errorf("damaged: %v", k)
	}
	if k := kind(one, 1<<20); k != ErrTooLarge { // the writer's dictionary is 8 MiB
		t.Errorf("dictionary past the bound: %v", k)
	}
	if k := kind(one[:len(one)-20], 1<<26); k != ErrCorrupt {
		t.Errorf("cut: %v", k)
	}
	// A block through the x86 filter, as xz-utils writes it.
	if xzCmd, err := exec.LookPath("xz"); err == nil {
		cmd := exec.Command(xzCmd, "--x86", "--lzma2", "-c")
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if k := kind(out, 1<<26); k != ErrUnsupported {
			t.Errorf("x86 filter: %v", k)
		}
	}
}
