package pii_test

import (
	"bytes"
	"testing"

	"tocsin/internal/breach/corpus"
	"tocsin/internal/breach/pii"
)

// textCorpus builds about size bytes of lines of French prose where about
// 1 % of the bytes are personal data.
func textCorpus(size int) [][]byte {
	var lines [][]byte
	for _, l := range corpus.Prose(1, size) {
		lines = append(lines, []byte(l))
	}
	return lines
}

// BenchmarkText scans realistic French free text, one call per line, with
// about 1 % personal data.
func BenchmarkText(b *testing.B) {
	lines := textCorpus(4 << 20)
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	s := pii.New()
	var fs pii.Findings
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			fs.Reset()
			s.Text(l, &fs)
		}
	}
}

// BenchmarkTextProse scans prose without personal data in one call.
func BenchmarkTextProse(b *testing.B) {
	var buf bytes.Buffer
	prose := corpus.ProseSentences()
	for i := 0; buf.Len() < 1<<20; i++ {
		buf.WriteString(prose[i%len(prose)])
		buf.WriteByte('\n')
	}
	s := pii.New()
	var fs pii.Findings
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs.Reset()
		s.Text(buf.Bytes(), &fs)
	}
}

// BenchmarkCell scans every cell of a generated table (19 columns, half of
// them personal data), columns classified from a sample or not at all.
func BenchmarkCell(b *testing.B) {
	header, rows, _ := corpus.Table(2, 5000)
	s := pii.New()
	cols := make([]pii.Column, len(header))
	for j, h := range header {
		var sample [][]byte
		for _, r := range rows[:50] {
			sample = append(sample, []byte(r[j]))
		}
		cols[j] = s.ClassifyColumn(h, sample)
	}
	cells := make([][][]byte, len(rows))
	size := 0
	for i, r := range rows {
		cells[i] = make([][]byte, len(r))
		for j, v := range r {
			cells[i][j] = []byte(v)
			size += len(v) + 1
		}
	}
	for _, mode := range []string{"classified", "unclassified"} {
		b.Run(mode, func(b *testing.B) {
			none := make([]pii.Column, len(cols))
			use := cols
			if mode == "unclassified" {
				use = none
			}
			var fs pii.Findings
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, r := range cells {
					for j, v := range r {
						fs.Reset()
						s.Cell(use[j], v, &fs)
					}
				}
			}
		})
	}
}
