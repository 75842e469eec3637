package lzma

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ulzma "github.com/ulikunitz/xz/lzma"

	"tocsin/internal/breach/corpus"
)

// wantSums reads testdata/sha256: what each stream holds.
func wantSums(t testing.TB) map[string]string {
	b, err := os.ReadFile(filepath.Join("testdata", "sha256"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		m[f[1]] = f[0]
	}
	return m
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// readAll reads r in reads of n bytes, as a scan does.
func readAll(r io.Reader, n int) ([]byte, error) {
	var out []byte
	buf := make([]byte, n)
	for {
		k, err := r.Read(buf)
		out = append(out, buf[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// The streams xz-utils wrote (testdata/make.sh) decode to what they
// hold, read in small and large pieces.
func TestXZUtilsStreams(t *testing.T) {
	sums := wantSums(t)
	for name, want := range map[string]string{
		"defaut.lzma2": "texte.txt", "lc0-lp2-pb0.lzma2": "texte.txt", "dict-4k.lzma2": "texte.txt",
		"rapide.lzma2": "texte.txt", "hasard.lzma2": "hasard.bin", "texte.lzma": "texte.txt",
	} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{1, 7, 4096, 1 << 20} {
			var r io.Reader
			if strings.HasSuffix(name, ".lzma2") {
				r = NewReader2(bytes.NewReader(data), 8<<20)
			} else {
				// The .lzma header: properties, dictionary, size (all
				// ones: unknown, the end marker ends the stream).
				props, err := ParseProps(data[0])
				if err != nil {
					t.Fatal(err)
				}
				size := int64(binary.LittleEndian.Uint64(data[5:]))
				r, err = NewReader(bytes.NewReader(data[13:]), props, int(binary.LittleEndian.Uint32(data[1:])), size)
				if err != nil {
					t.Fatal(err)
				}
			}
			got, err := readAll(r, n)
			if err != nil || sum(got) != sums[want] {
				t.Errorf("%s in reads of %d: %d bytes, %v", name, n, len(got), err)
			}
		}
	}
}

// Round trips through ulikunitz/xz's encoder, an implementation apart:
// random texts of few symbols (long matches, repeated distances) and
// random bytes, every choice of properties, LZMA with a known size or
// an end marker, LZMA2; each decodes to what was encoded.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := range 60 {
		data := sample(rng, rng.Intn(200000))
		props := Props{LC: rng.Intn(5), LP: rng.Intn(5), PB: rng.Intn(5)}
		if props.LC+props.LP > 4 {
			props.LP = 4 - props.LC
		}
		// ulikunitz's LZMA2 writer fails on random bytes under 64 KiB
		// of dictionary (xz's 4 KiB is in testdata).
		dict := 1 << (16 + rng.Intn(5))
		if i%3 != 2 {
			dict = 1 << (12 + rng.Intn(9))
		}
		checkRoundTrip(t, data, props, dict, i%3)
	}
}

// sample is random data: words from a small vocabulary, or bytes.
func sample(rng *rand.Rand, n int) []byte {
	if rng.Intn(4) == 0 {
		b := make([]byte, n)
		rng.Read(b)
		return b
	}
	words := []string{"NIR ", "1 85 05 78 006 084 91", "Dupont", "\n", ";", "rue de la Paix ", "renee.faure@exemple.fr", "06 98 76 54 32", "aaaaaaaaaaaaaaaa", "é"}
	var b []byte
	for len(b) < n {
		b = append(b, words[rng.Intn(len(words))]...)
	}
	return b[:n]
}

// checkRoundTrip encodes data (kind 0: LZMA with its size, 1: LZMA with
// an end marker, 2: LZMA2) and decodes it.
func checkRoundTrip(t *testing.T, data []byte, props Props, dict, kind int) {
	t.Helper()
	var buf bytes.Buffer
	uprops := ulzma.Properties{LC: props.LC, LP: props.LP, PB: props.PB}
	var r io.Reader
	switch kind {
	case 0, 1:
		w, err := ulzma.WriterConfig{Properties: &uprops, DictCap: dict, Size: map[bool]int64{true: int64(len(data)), false: -1}[kind == 0], EOSMarker: kind == 1}.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil || w.Close() != nil {
			t.Fatal(err)
		}
		enc := buf.Bytes()
		size := int64(-1)
		if kind == 0 {
			size = int64(len(data))
		}
		r, err = NewReader(bytes.NewReader(enc[13:]), props, dict, size)
		if err != nil {
			t.Fatal(err)
		}
	default:
		w, err := ulzma.Writer2Config{Properties: &uprops, DictCap: dict}.NewWriter2(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil || w.Close() != nil {
			t.Fatal(err)
		}
		r = NewReader2(bytes.NewReader(buf.Bytes()), dict)
	}
	got, err := readAll(r, 1+len(data)%70000)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%d bytes, %+v, dictionary %d, kind %d: got %d bytes, %v", len(data), props, dict, kind, len(got), err)
	}
}

// Damage is reported as an error, never a panic nor an endless read; a
// stream cut short says so.
func TestDamage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "defaut.lzma2"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(NewReader2(bytes.NewReader(data[:len(data)/2]), 1<<20)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut: %v", err)
	}
	bad := append([]byte(nil), data...)
	bad[1000] ^= 0x40
	if _, err := io.ReadAll(NewReader2(bytes.NewReader(bad), 1<<20)); err == nil {
		t.Error("damaged: no error")
	}
	if _, err := io.ReadAll(NewReader2(bytes.NewReader([]byte{0x02, 0, 0}), 1<<20)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("no dictionary reset: %v", err)
	}
}

// FuzzReader2 decodes whatever bytes as LZMA2 and as LZMA: no panic, and
// what ulikunitz/xz decodes of them, ours decodes the same.
func FuzzReader2(f *testing.F) {
	for _, name := range []string{"defaut.lzma2", "dict-4k.lzma2", "hasard.lzma2"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 4096)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, oerr := readAll(NewReader2(bytes.NewReader(b), 1<<16), 4096)
		ur, err := ulzma.Reader2Config{DictCap: 1 << 16}.NewReader2(bytes.NewReader(b))
		if err != nil {
			return
		}
		theirs, terr := io.ReadAll(ur)
		if oerr == nil && terr == nil && !bytes.Equal(ours, theirs) {
			t.Fatalf("%d bytes decoded, ulikunitz %d", len(ours), len(theirs))
		}
		if n := min(len(ours), len(theirs)); !bytes.Equal(ours[:n], theirs[:n]) {
			t.Fatalf("the outputs differ within their first %d bytes", n)
		}
		if len(b) > 1 {
			if p, err := ParseProps(b[0]); err == nil {
				if r, err := NewReader(bytes.NewReader(b[1:]), p, 1<<16, -1); err == nil {
					readAll(r, 4096)
				}
			}
		}
	})
}

// benchStream is 8 MB of the corpus's documents (tickets, logs, JSON,
// SQL, CSV) as LZMA2, encoded once by ulikunitz/xz (xz -6's dictionary).
func benchStream(b *testing.B) (raw, enc []byte) {
	b.Helper()
	var text bytes.Buffer
	for seed := int64(1); text.Len() < 8<<20; seed++ {
		for _, d := range corpus.Generate(seed, 500) {
			text.WriteString(d.Text)
		}
	}
	raw = text.Bytes()[:8<<20]
	var buf bytes.Buffer
	w, err := ulzma.Writer2Config{DictCap: 8 << 20}.NewWriter2(&buf)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil || w.Close() != nil {
		b.Fatal(err)
	}
	return raw, buf.Bytes()
}

// BenchmarkReader2 decodes LZMA2 with this package and, for the ratio in
// the same run, with ulikunitz/xz's reader, which the scan used before.
func BenchmarkReader2(b *testing.B) {
	raw, enc := benchStream(b)
	decoders := []struct {
		name string
		open func() io.Reader
	}{
		{"ours", func() io.Reader { return NewReader2(bytes.NewReader(enc), 8<<20) }},
		{"ulikunitz", func() io.Reader {
			r, err := ulzma.Reader2Config{DictCap: 8 << 20}.NewReader2(bytes.NewReader(enc))
			if err != nil {
				b.Fatal(err)
			}
			return r
		}},
	}
	buf := make([]byte, 64<<10)
	for _, d := range decoders {
		b.Run(d.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				n, err := io.CopyBuffer(io.Discard, d.open(), buf)
				if err != nil || n != int64(len(raw)) {
					b.Fatal(n, err)
				}
			}
		})
	}
}
