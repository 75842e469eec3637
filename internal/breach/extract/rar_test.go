package extract

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"tocsin/internal/breach/extract/rarwrite"
)

// rarFiles converts entries for rarwrite.
func rarFiles(entries []entry) []rarwrite.File {
	var out []rarwrite.File
	for _, e := range entries {
		out = append(out, rarwrite.File{Name: e.name, Data: e.data})
	}
	return out
}

func rar5Bytes(entries ...entry) []byte { return rarwrite.RAR5(rarFiles(entries)...) }
func rar4Bytes(entries ...entry) []byte { return rarwrite.RAR4(rarFiles(entries)...) }

// rarEntries are personal data in the forms a leak holds them, with a
// zip inside.
func rarEntries(t testing.TB) []entry {
	return []entry{
		{"export/clients.csv", []byte("nom;courriel;tel\nDupont;jean.dupont@example.fr;0612345678\nMartin;lea.martin@example.fr;0698765432\n")},
		{"notes.txt", []byte("Rappeler Mme Durand au 06 11 22 33 44.\n")},
		{"vide.txt", nil},
		{"dedans.zip", zipBytes(t, entry{"agents.ndjson", []byte("{\"email\":\"agent@example.fr\"}\n")})},
	}
}

// TestRarMembers: both RAR formats are opened, their members read as the
// documents they are, an archive inside included.
func TestRarMembers(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{"fuite5.rar": rar5Bytes(rarEntries(t)...), "fuite4.rar": rar4Bytes(rarEntries(t)...)} {
		t.Run(name, func(t *testing.T) {
			p := writeFile(t, dir, name, data)
			rec := extractFile(t, p, testOptions())
			if len(rec.problems) > 0 {
				t.Fatalf("problems %v", rec.problemText())
			}
			want := []string{
				p + " (rar)",
				p + "!/dedans.zip (zip)",
				p + "!/dedans.zip!/agents.ndjson (json)",
				p + "!/export/clients.csv (csv)",
				p + "!/notes.txt (text)",
				p + "!/vide.txt (text)",
			}
			if got := rec.paths(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("documents\n got %q\nwant %q", got, want)
			}
			rows := strings.Join(rec.allRows(), "\n")
			for _, w := range []string{"clients.csv#:2|nom=Dupont|courriel=jean.dupont@example.fr|tel=0612345678", "agents.ndjson#:1|email=agent@example.fr"} {
				if !strings.Contains(rows, w) {
					t.Errorf("no row %q in\n%s", w, rows)
				}
			}
			if d := rec.doc(p + "!/notes.txt"); d == nil || len(d.lines) != 1 || !strings.Contains(d.lines[0], "06 11 22 33 44") {
				t.Errorf("notes.txt: %+v", d)
			}
		})
	}
}

// TestRarDamage: a member whose bytes were changed is reported by its
// checksum, the others are read; a cut archive and a broken header end
// in a problem, not a panic or a silence.
func TestRarDamage(t *testing.T) {
	dir := t.TempDir()
	good := rar5Bytes(entry{"a.txt", []byte("premier membre\n")}, entry{"b.txt", []byte("second membre\n")})
	flipped := bytes.Clone(good)
	i := bytes.Index(flipped, []byte("premier"))
	flipped[i] = 'P'
	cut := good[:len(good)-30]
	header := bytes.Clone(good)
	header[len("Rar!\x1A\x07\x01\x00")+5] ^= 0xFF // in the main header, under its CRC
	for _, c := range []struct {
		name  string
		data  []byte
		want  string
		paths int
	}{
		{"flipped.rar", flipped, "flipped.rar!/a.txt: byte 15: syntax error: RAR member: rardecode: bad file checksum", 3},
		{"cut.rar", cut, "syntax error", 0},
		{"header.rar", header, "header.rar: syntax error: RAR archive: rardecode: bad header crc", 1},
	} {
		p := writeFile(t, dir, c.name, c.data)
		rec := extractFile(t, p, testOptions())
		probs := strings.Join(rec.problemText(), "\n")
		if !strings.Contains(probs, c.want) {
			t.Errorf("%s: problems %q, want %q", c.name, probs, c.want)
		}
		if c.paths > 0 && len(rec.paths()) != c.paths {
			t.Errorf("%s: documents %v", c.name, rec.paths())
		}
	}
}

// TestRarLimit: the budget of uncompressed bytes stops a RAR archive as
// it stops the others.
func TestRarLimit(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("ligne sans rien\n"), 4096)
	p := writeFile(t, dir, "gros.rar", rar5Bytes(entry{"a.txt", big}, entry{"b.txt", big}, entry{"c.txt", big}))
	o := testOptions()
	o.MaxArchiveBytes = int64(len(big)) + 100
	rec := extractFile(t, p, o)
	probs := strings.Join(rec.problemText(), "\n")
	if !strings.Contains(probs, "the rest of the archive is not scanned") || rec.doc(p+"!/c.txt") != nil {
		t.Errorf("documents %v, problems %q", rec.paths(), probs)
	}
}

// FuzzRar reads archives whatever their bytes after the magic: no panic
// from the reader or the decoder under it, and what is read is UTF-8.
func FuzzRar(f *testing.F) {
	f.Add(rar5Bytes(rarEntries(f)...))
	f.Add(rar4Bytes(rarEntries(f)...))
	f.Add(rarwrite.RAR5(rarwrite.File{Name: "a.csv", Data: []byte("nom;tel\nDupont;0612345678\n"), Password: "x"}))
	f.Add(rarwrite.RAR5Hidden("x", rarwrite.File{Name: "a.txt", Data: []byte("0612345678\n")}))
	f.Add(rarwrite.RAR5Split(rarwrite.File{Name: "a.txt", Data: []byte("0612345678\n")}, 2)[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		if !bytes.HasPrefix(b, rarMagic) {
			b = append(append([]byte(nil), rarMagic...), b...)
		}
		o := fuzzOptions(t)
		o.Passwords = []string{"faux", "x"} // the seeds' password second: the pass again from the start
		rec := &recorder{}
		if err := New(o).Reader(context.Background(), "x.rar", bytes.NewReader(b), rec); err != nil {
			t.Fatal(err)
		}
		checkCellText(t, rec, o.MaxValue)
	})
}

// TestRarPassword: members encrypted with rar -p are read with the
// password given, whichever of several it is, each once; without it they
// are reported, by name, as locked.
func TestRarPassword(t *testing.T) {
	dir := t.TempDir()
	csv := []byte("nom;courriel\nDupont;jean.dupont@example.fr\n")
	p := writeFile(t, dir, "fuite.rar", rarwrite.RAR5(
		rarwrite.File{Name: "lisezmoi.txt", Data: []byte("Archive de la mairie\n")},
		rarwrite.File{Name: "clients.csv", Data: csv, Password: "Secret1"},
		rarwrite.File{Name: "notes.txt", Data: []byte("Rappeler au 0612345678\n"), Password: "Secret1"},
	))
	all := []string{p + " (rar)", p + "!/clients.csv (csv)", p + "!/lisezmoi.txt (text)", p + "!/notes.txt (text)"}
	clear := []string{p + " (rar)", p + "!/lisezmoi.txt (text)"} // the member not encrypted
	for _, c := range []struct {
		name      string
		passwords []string
		docs      []string
		problem   string
	}{
		{"none given", nil, clear, "protected by a password; not scanned (give it with --password)"},
		{"the right one", []string{"Secret1"}, all, ""},
		{"the second of two", []string{"faux", "Secret1"}, all, ""},
		{"wrong ones", []string{"faux", "autre"}, clear, "protected by a password that none of those given opens"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := testOptions()
			o.Passwords = c.passwords
			rec := extractFile(t, p, o)
			if docs := rec.paths(); strings.Join(docs, "\n") != strings.Join(c.docs, "\n") {
				t.Errorf("documents %q, want %q", docs, c.docs)
			}
			probs := rec.problemText()
			if c.problem == "" && len(probs) > 0 {
				t.Errorf("problems %q", probs)
			}
			if c.problem != "" {
				if len(probs) != 2 || !strings.Contains(probs[0], "clients.csv: encrypted: RAR member "+c.problem) || !strings.Contains(probs[1], "notes.txt: encrypted") {
					t.Errorf("problems %q", probs)
				}
				for _, pr := range rec.problems {
					if !pr.Skipped {
						t.Errorf("%v not marked skipped", pr)
					}
				}
			}
			if c.problem == "" && !strings.Contains(strings.Join(rec.allRows(), "\n"), "jean.dupont@example.fr") {
				t.Errorf("rows %q", rec.allRows())
			}
		})
	}
}

// TestRarHiddenNames: an archive whose names are encrypted too (rar -hp)
// is read with its password, the first or the second given; without it,
// the archive is reported as locked, names unknown.
func TestRarHiddenNames(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "cache.rar", rarwrite.RAR5Hidden("Secret1",
		rarwrite.File{Name: "clients.csv", Data: []byte("nom;courriel\nDupont;jean.dupont@example.fr\n")},
		rarwrite.File{Name: "notes.txt", Data: []byte("Rappeler au 0612345678\n")}))
	for _, c := range []struct {
		name      string
		passwords []string
		docs      int
		problem   string
	}{
		{"none given", nil, 1, p + ": encrypted: RAR archive protected by a password; not scanned (give it with --password)"},
		{"the right one", []string{"Secret1"}, 3, ""},
		{"the second of two", []string{"faux", "Secret1"}, 3, ""},
		{"a wrong one", []string{"faux"}, 1, p + ": encrypted: RAR archive protected by a password that none of those given opens; not scanned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := testOptions()
			o.Passwords = c.passwords
			rec := extractFile(t, p, o)
			if probs := strings.Join(rec.problemText(), "\n"); probs != c.problem || len(rec.paths()) != c.docs {
				t.Errorf("documents %q, problems %q, want %d documents and %q", rec.paths(), probs, c.docs, c.problem)
			}
		})
	}
}

// TestRarVolumes: a split archive on disk is read whole from its first
// volume, whichever file of the folder comes first; the later volumes
// say they were read with it.
func TestRarVolumes(t *testing.T) {
	dir := t.TempDir()
	csv := []byte("nom;courriel;tel\n" + strings.Repeat("Dupont;jean.dupont@example.fr;0612345678\n", 300))
	vols := rarwrite.RAR5Split(rarwrite.File{Name: "clients.csv", Data: csv}, 3)
	for i, v := range vols {
		writeFile(t, dir, fmt.Sprintf("fuite.part%d.rar", i+1), v)
	}
	first := filepath.Join(dir, "fuite.part1.rar")
	rec := extractFile(t, first, testOptions())
	if len(rec.problems) > 0 || len(rec.allRows()) != 300 {
		t.Fatalf("%d rows, problems %v", len(rec.allRows()), rec.problemText())
	}
	for _, later := range []string{"fuite.part2.rar", "fuite.part3.rar"} {
		rec := extractFile(t, filepath.Join(dir, later), testOptions())
		if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "a later volume of a split RAR archive: read with its first volume") || len(rec.allRows()) != 0 {
			t.Errorf("%s: problems %q, %d rows", later, probs, len(rec.allRows()))
		}
	}
	// Alone, the first volume reads as far as it goes, and says why not
	// further.
	alone := writeFile(t, t.TempDir(), "seul.part1.rar", vols[0])
	rec = extractFile(t, alone, testOptions())
	if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, "the next volume of this split RAR archive is missing beside it") || len(rec.allRows()) == 0 {
		t.Errorf("a first volume alone: problems %q, %d rows", probs, len(rec.allRows()))
	}
}

// FuzzRarVolume: the volume flags are read from any first bytes without
// a panic, and from the archives rarwrite writes as they are.
func FuzzRarVolume(f *testing.F) {
	vols := rarwrite.RAR5Split(rarwrite.File{Name: "a.txt", Data: []byte("0612345678\n")}, 2)
	for k, c := range []struct {
		b             []byte
		volume, first bool
	}{
		{vols[0], true, true}, {vols[1], true, false},
		{rar5Bytes(entry{"a", []byte("x")}), false, true}, {rar4Bytes(entry{"a", []byte("x")}), false, false},
	} {
		if v, first := rarVolume(c.b); v != c.volume || v && first != c.first {
			f.Errorf("archive %d: volume %v first %v, want %v %v", k, v, first, c.volume, c.first)
		}
		f.Add(c.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { rarVolume(b) })
}
