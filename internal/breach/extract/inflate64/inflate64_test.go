package inflate64

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// The members 7-Zip packed with Deflate64 (testdata/make.sh) decode to
// their size and CRC-32: a text, and data whose matches reach 40 KB back
// and run past 258 bytes.
func TestSevenZip(t *testing.T) {
	zr, err := zip.OpenReader(filepath.Join("testdata", "deflate64.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	if len(zr.File) != 2 {
		t.Fatalf("%d members", len(zr.File))
	}
	for _, f := range zr.File {
		if f.Method != 9 {
			t.Fatalf("%s: method %d", f.Name, f.Method)
		}
		raw, err := f.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		for _, oneByte := range []bool{false, true} {
			raw, _ = f.OpenRaw()
			var r io.Reader = NewReader(raw)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			got, err := io.ReadAll(r)
			if err != nil || uint64(len(got)) != f.UncompressedSize64 || crc32.ChecksumIEEE(got) != f.CRC32 {
				t.Errorf("%s (one byte a read: %v): %d bytes of %d, %v", f.Name, oneByte, len(got), f.UncompressedSize64, err)
			}
		}
	}
}

// Deflate streams without a match of 258 bytes (whose code Deflate64
// reads otherwise) are Deflate64 streams: stored, Huffman-only, fixed
// and dynamic blocks from compress/flate decode to what it encoded.
func TestDeflateSubset(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := strings.Fields("le la les un une des NIR 1 85 05 78 006 084 91 Dupont rue avenue de la Paix 75001 Paris courriel renee.faure@exemple.fr 06 98 76 54 32 é à ç")
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, flate.BestSpeed, 5, flate.BestCompression} {
		for _, size := range []int{0, 1, 100, 70000, 300000} {
			var text bytes.Buffer
			for text.Len() < size {
				text.WriteString(words[rng.Intn(len(words))])
				text.WriteByte(" \n;"[rng.Intn(3)])
			}
			data := text.Bytes()[:size]
			var enc bytes.Buffer
			w, _ := flate.NewWriter(&enc, level)
			w.Write(data)
			w.Close()
			got, err := io.ReadAll(NewReader(bytes.NewReader(enc.Bytes())))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("level %d, %d bytes: got %d bytes, %v", level, size, len(got), err)
			}
		}
	}
}

// Damage is an error, never a panic nor an endless read.
func TestDamage(t *testing.T) {
	zr, err := zip.OpenReader(filepath.Join("testdata", "deflate64.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	raw, _ := zr.File[0].OpenRaw()
	data, _ := io.ReadAll(raw)
	if _, err := io.ReadAll(NewReader(bytes.NewReader(data[:len(data)/2]))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut: %v", err)
	}
	if _, err := io.ReadAll(NewReader(bytes.NewReader([]byte{0x07}))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("block type 3: %v", err)
	}
}

// FuzzReader decodes whatever bytes: no panic, no endless read (a match
// of at most 65,538 bytes costs at least 11 bits of input).
func FuzzReader(f *testing.F) {
	var enc bytes.Buffer
	w, _ := flate.NewWriter(&enc, 6)
	w.Write([]byte(strings.Repeat("NIR 1 85 05 78 006 084 91, Dupont; ", 20)))
	w.Close()
	f.Add(enc.Bytes())
	f.Add([]byte{0x01, 0x03, 0x00, 0xFC, 0xFF, 'a', 'b', 'c'})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, _ := io.ReadAll(NewReader(bytes.NewReader(b)))
		if len(out) > (len(b)*8/11+1)*65538 {
			t.Fatalf("%d bytes out of %d", len(out), len(b))
		}
	})
}
