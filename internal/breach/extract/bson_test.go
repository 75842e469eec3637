package extract

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc64"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What mongodump writes, as Debian's python3-bson (pymongo 3.11) encodes
// it (testdata/bson/make.py), and its gzipped copy: every type a document
// may hold, read as the fixture's own values.
func TestBSON(t *testing.T) {
	want := "1|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91|dateNaissance=1985-05-12|" +
		"adresse.rue=12 rue de la Paix|adresse.cp=75002|adresse.ville=Paris|enfants.prenom=Lucie|enfants.age=7|enfants.prenom=Hugo|enfants.age=4|" +
		"tags=famille|tags=cantine|solde=-12.50|commentaire=Rappeler Mme Faure au 06 98 76 54 32|creeLe=2024-03-14T09:26:53.589Z|score=12.75\n" +
		"2|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=612345678|nir=2 92 05 70 858 151 89|dateNaissance=1992-05-03|" +
		"adresse.rue=3 avenue Foch|adresse.cp=69003|adresse.ville=Lyon|iban=FR76 3000 6000 0112 3456 7890 189|solde=1234567.891|score=3"
	for _, name := range []string{"usagers.bson", "usagers.bson.gz"} {
		p := filepath.Join("testdata", "bson", name)
		rec := extractFile(t, p, testOptions())
		d := rec.doc(p)
		if len(rec.problems) > 0 || d == nil || d.format != FormatBSON || len(d.tables) != 1 || d.tables[0].name != "usagers" {
			t.Fatalf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
		if got := strings.Join(d.tables[0].rows, "\n"); got != want {
			t.Errorf("%s: rows\n%s\nwant\n%s", name, got, want)
		}
	}
}

// bsonDoc builds a document from its elements.
func bsonDoc(elems ...[]byte) []byte {
	body := bytes.Join(elems, nil)
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(body)+5))
	return append(append(out, body...), 0)
}

func bsonElem(typ byte, key string, val []byte) []byte {
	return append(append(append([]byte{typ}, key...), 0), val...)
}

func bsonStr8(s string) []byte {
	return append(append(binary.LittleEndian.AppendUint32(nil, uint32(len(s)+1)), s...), 0)
}

func bsonInt(n int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }

// Documents built by hand: what a broken dump still gives, and how each
// problem is told, by document number and byte, without a value.
func TestBSONBuilt(t *testing.T) {
	person := func(name string) []byte {
		return bsonDoc(bsonElem(bsonString, "nom", bsonStr8(name)), bsonElem(bsonInt64, "tel", bsonInt(612345678)))
	}
	latin1 := bsonDoc(bsonElem(bsonString, "nom", bsonStr8("Ren\xe9e")))
	badType := bsonDoc(bsonElem(bsonString, "nom", bsonStr8("Avant")), bsonElem(0x42, "x", nil), bsonElem(bsonString, "apres", bsonStr8("Perdu")))
	deep := bsonDoc(bsonElem(bsonString, "a", bsonStr8("x")))
	for range maxBSONDepth + 1 {
		deep = bsonDoc(bsonElem(bsonDocument, "d", deep))
	}
	noEnd := person("Sans Fin")
	noEnd[len(noEnd)-1] = 'x'
	arrays := bsonDoc(bsonElem(bsonArray, "tels", bsonDoc(bsonElem(bsonString, "0", bsonStr8("06 12 34 56 78")),
		bsonElem(bsonArray, "1", bsonDoc(bsonElem(bsonString, "0", bsonStr8("01 23 45 67 89")))))))
	others := bsonDoc(
		bsonElem(bsonBinary, "photo", append(append(binary.LittleEndian.AppendUint32(nil, 3), 0), 0xFF, 0xD8, 0xFF)),
		bsonElem(bsonBinary, "uuid", append(append(binary.LittleEndian.AppendUint32(nil, 4), 4), "abcd"...)),
		bsonElem(bsonBinary, "note", append(append(binary.LittleEndian.AppendUint32(nil, 5), 0), "notes"...)),
		bsonElem(bsonDouble, "nan", binary.LittleEndian.AppendUint64(nil, math.Float64bits(math.NaN()))),
		bsonElem(bsonDouble, "grand", binary.LittleEndian.AppendUint64(nil, math.Float64bits(6.02e23))),
		bsonElem(bsonInt32, "n", binary.LittleEndian.AppendUint32(nil, uint32(0xFFFFFFFF))),
		bsonElem(bsonDate, "ne", bsonInt(-86_400_000)),
		bsonElem(bsonTimestamp, "ts", bsonInt(1)),
		bsonElem(bsonDBPointer, "ptr", append(bsonStr8("coll"), make([]byte, 12)...)),
		bsonElem(bsonCodeScope, "cws", append(binary.LittleEndian.AppendUint32(nil, 15), append(bsonStr8("f"), bsonDoc()...)...)),
		bsonElem(bsonSymbol, "sym", bsonStr8("Symbole")),
		bsonElem(bsonMinKey, "min", nil),
	)
	for _, c := range []struct {
		name     string
		data     []byte
		rows     string
		problems string
	}{
		{"whole", bytes.Join([][]byte{person("Jean Dupont"), person("Marie Curie")}, nil), "1|nom=Jean Dupont|tel=612345678\n2|nom=Marie Curie|tel=612345678", ""},
		{"latin1", latin1, "1|nom=Renée", ""},
		{"arrays", arrays, "1|tels=06 12 34 56 78|tels=01 23 45 67 89", ""},
		{"types", others, "1|note=notes|grand=6.02e+23|n=-1|ne=1969-12-31|sym=Symbole", ""},
		{"bad type", append(badType, person("Suite")...), "1|nom=Avant\n2|nom=Suite|tel=612345678",
			"dump.bson:1: syntax error: document 1 at byte 0: an unknown element type; the rest of it is not read"},
		{"too deep", append(deep, person("Suite")...), "2|nom=Suite|tel=612345678", "documents nested more than 128 deep"},
		{"no end", append(noEnd, person("Suite")...), "1|nom=Sans Fin|tel=612345678\n2|nom=Suite|tel=612345678",
			"dump.bson:1: syntax error: document 1 at byte 0 does not end where its length says"},
		{"cut", append(person("Jean Dupont"), person("Marie Curie")[:30]...), "1|nom=Jean Dupont|tel=612345678\n2|nom=Marie Curie",
			"dump.bson: byte 69: syntax error: the file ends inside document 2 (byte 39)"},
		{"cut length", append(person("Jean Dupont"), 0x10, 0), "1|nom=Jean Dupont|tel=612345678",
			"syntax error: the file ends inside the length of document 2"},
		{"bad length", append(person("Jean Dupont"), 0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3), "1|nom=Jean Dupont|tel=612345678",
			"syntax error: document 2 at byte 39: a length of 2147483647 bytes cannot be a document's; the rest is not read"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, probs := readOneTable(t, "dump.bson", c.data, FormatBSON)
			if got != c.rows {
				t.Errorf("rows\n%s\nwant\n%s", got, c.rows)
			}
			if c.problems == "" && probs != "" || !strings.Contains(probs, c.problems) || strings.Contains(probs, "Dupont") || strings.Contains(probs, "Perdu") {
				t.Errorf("problems %q, want %q", probs, c.problems)
			}
		})
	}
}

// A dump is told by its name and first length, or, whatever its name, by
// a first document that parses whole.
func TestSniffBSON(t *testing.T) {
	doc := bsonDoc(bsonElem(bsonString, "nom", bsonStr8("Dupont")))
	big := binary.LittleEndian.AppendUint32(nil, 1<<20) // a first document longer than the head
	for _, c := range []struct {
		name string
		head []byte
		want bool
	}{
		{"export", doc, true},
		{"users.bson", doc, true},
		{"users.BSON", append(big, 2, 'a', 0), true},
		{"users.dat", append(big, 2, 'a', 0), false},
		{"users.bson", []byte{4, 0, 0, 0}, false},
		{"empty", bsonDoc(), false},
		{"garbage", append(binary.LittleEndian.AppendUint32(nil, 9), 0x42, 'a', 0, 0, 0), false},
		{"text", []byte("nom;prenom\nDupont;Jean\n"), false},
	} {
		if got := Sniff(c.name, c.head) == FormatBSON; got != c.want {
			t.Errorf("Sniff(%q, % x) bson = %v, want %v", c.name, c.head, got, c.want)
		}
	}
}

// Decimal128 as BSON stores it (binary integer decimal): known answers,
// the first two as pymongo encodes them in the fixture.
func TestDecimal128(t *testing.T) {
	enc := func(neg bool, coef uint64, exp int) (lo, hi uint64) {
		hi = uint64(exp+6176) << 49
		if neg {
			hi |= 1 << 63
		}
		return coef, hi
	}
	for _, c := range []struct {
		neg  bool
		coef uint64
		exp  int
		want string
	}{
		{true, 1250, -2, "-12.50"},
		{false, 1234567891, -3, "1234567.891"},
		{false, 5, -3, "0.005"},
		{false, 42, 3, "42000"},
		{false, 0, 5, "0"},
		{true, 0, 0, "0"},
		{false, 7, 60, "7E60"},
		{false, 7, -60, "7E-60"},
	} {
		lo, hi := enc(c.neg, c.coef, c.exp)
		if got := string(appendDecimal128(nil, lo, hi)); got != c.want {
			t.Errorf("decimal128(%v, %d, %d) = %q, want %q", c.neg, c.coef, c.exp, got, c.want)
		}
	}
	// A coefficient past 64 bits.
	if got := string(appendDecimal128(nil, 0, uint64(6176)<<49|1)); got != "18446744073709551616" {
		t.Errorf("2^64 = %q", got)
	}
	// Infinity and NaN: no number.
	if got := appendDecimal128(nil, 0, 0x7800000000000000); len(got) != 0 {
		t.Errorf("infinity = %q", got)
	}
}

// Dates: the day when it is midnight in UTC or in Paris, else the instant.
func TestBSONTime(t *testing.T) {
	for ms, want := range map[int64]string{
		0:                       "1970-01-01",
		-86_400_000:             "1969-12-31",
		485_474_400_000:         "1985-05-21", // 1985-05-20T22:00Z: midnight in Paris in summer
		1_710_370_800_000:       "2024-03-14", // 2024-03-13T23:00Z: midnight in Paris in winter
		1_710_363_600_000:       "2024-03-13T21:00:00.000Z",
		1_710_408_413_589:       "2024-03-14T09:26:53.589Z",
		-1_262_304_000_000 + 1:  "1930-01-01T00:00:00.001Z",
		-1_262_304_000_000 - 36: "1929-12-31T23:59:59.964Z",
	} {
		if got := string(bsonTime(nil, ms)); got != want {
			t.Errorf("bsonTime(%d) = %q, want %q", ms, got, want)
		}
	}
}

// FuzzBSON reads dumps whatever their bytes: no panic, every cell UTF-8.
func FuzzBSON(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "bson", "usagers.bson"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	archive, err := os.ReadFile(filepath.Join("testdata", "bson", "usagers.archive"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(archive)
	f.Fuzz(func(t *testing.T, b []byte) {
		Sniff("x", b)
		rec := &recorder{}
		d := rec.Begin("x.bson", FormatBSON)
		readBSON(context.Background(), bufio.NewReader(bytes.NewReader(b)), d, "x", "x.bson", 1<<10)
		checkCellText(t, rec, 1<<10)
		// As an archive: the bytes after the magic number.
		rec = &recorder{}
		d = rec.Begin("x.archive", FormatMongoArchive)
		b = bytes.TrimPrefix(b, mongoArchiveMagic)
		readMongoArchive(context.Background(), bufio.NewReader(io.MultiReader(bytes.NewReader(mongoArchiveMagic), bytes.NewReader(b))), d, "x.archive", 1<<10)
		checkCellText(t, rec, 1<<10)
		for _, tb := range rec.docs[0].tables {
			if !tb.ended {
				t.Fatalf("table %q never ended", tb.name)
			}
		}
	})
}

// BenchmarkReadBSON: the reader alone on the fixture's documents repeated
// to about 32 MB.
func BenchmarkReadBSON(b *testing.B) {
	benchFixture(b, filepath.Join("bson", "usagers.bson"), 32<<20, func(r io.Reader) error {
		return readBSON(context.Background(), bufio.NewReaderSize(r, 64<<10), &discard{}, "x", "x", 1<<20)
	})
}

// What mongodump --archive writes (testdata/bson/make.py, after the
// archive format's specification): two collections whose segments
// interleave, read as a table each, the documents as a .bson dump's; and
// the same gzipped (--archive --gzip).
func TestMongoArchive(t *testing.T) {
	usagers := []string{
		"1|nom=Faure|prenom=Renée|courriel=renee.faure@exemple.fr|telephone=06 98 76 54 32|nir=1 85 05 78 006 084 91|dateNaissance=1985-05-12|" +
			"adresse.rue=12 rue de la Paix|adresse.cp=75002|adresse.ville=Paris|enfants.prenom=Lucie|enfants.age=7|enfants.prenom=Hugo|enfants.age=4|" +
			"tags=famille|tags=cantine|solde=-12.50|commentaire=Rappeler Mme Faure au 06 98 76 54 32|creeLe=2024-03-14T09:26:53.589Z|score=12.75",
		"2|nom=Martin|prenom=Jean|courriel=jean.martin@exemple.fr|telephone=612345678|nir=2 92 05 70 858 151 89|dateNaissance=1992-05-03|" +
			"adresse.rue=3 avenue Foch|adresse.cp=69003|adresse.ville=Lyon|iban=FR76 3000 6000 0112 3456 7890 189|solde=1234567.891|score=3",
	}
	agents := []string{"1|nom=Petit|prenom=Claire|courriel=claire.petit@mairie-exemple.fr|poste=accueil"}
	for _, name := range []string{"usagers.archive", "usagers.archive.gz"} {
		p := filepath.Join("testdata", "bson", name)
		rec := extractFile(t, p, testOptions())
		d := rec.doc(p)
		if len(rec.problems) > 0 || d == nil || d.format != FormatMongoArchive || len(d.tables) != 2 {
			t.Fatalf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
		for _, tb := range d.tables {
			want := map[string][]string{"mairie.usagers": usagers, "mairie.agents": agents}[tb.name]
			if got := strings.Join(tb.rows, "\n"); got != strings.Join(want, "\n") || !tb.ended {
				t.Errorf("%s: table %q (ended %v) rows\n%s\nwant\n%s", name, tb.name, tb.ended, got, strings.Join(want, "\n"))
			}
		}
	}
}

// TestMongoArchiveDamage: a document changed since the dump is told by
// its collection's CRC, the documents still read; an archive cut short,
// or whose framing breaks, ends in a problem that says where.
func TestMongoArchiveDamage(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "bson", "usagers.archive"))
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(data, []byte("Martin"), []byte("Marten"), 1)
	frame := bytes.Clone(data)
	i := bytes.Index(frame, []byte("\xff\xff\xff\xff"))
	frame[i+1] = 0x00 // the prelude's terminator becomes a length
	dir := t.TempDir()
	for _, c := range []struct {
		name, want string
		rows       int
	}{
		{"changed.archive", "collection mairie.usagers damaged (its CRC does not match its documents)", 3},
		{"cut.archive", "the file ends inside document 2", 3}, // what it held before the cut is read
		{"frame.archive", "cannot be a document's", 0},
	} {
		b := map[string][]byte{"changed.archive": changed, "cut.archive": data[:len(data)-200], "frame.archive": frame}[c.name]
		p := writeFile(t, dir, c.name, b)
		rec := extractFile(t, p, testOptions())
		if probs := strings.Join(rec.problemText(), "\n"); !strings.Contains(probs, c.want) || len(rec.allRows()) != c.rows {
			t.Errorf("%s: problems %q, rows %d, want %q and %d rows", c.name, probs, len(rec.allRows()), c.want, c.rows)
		}
	}
}

// BenchmarkReadMongoArchive: the same documents as BenchmarkReadBSON in
// an archive, in segments of 64 documents of one collection, with the
// CRC of each collection: what the archive's framing adds.
func BenchmarkReadMongoArchive(b *testing.B) {
	one, err := os.ReadFile(filepath.Join("testdata", "bson", "usagers.bson"))
	if err != nil {
		b.Fatal(err)
	}
	docs := bytes.Repeat(one, (32<<20)/len(one))
	header := func(eof bool, crc uint64) []byte {
		return bsonDoc(bsonElem(bsonString, "db", bsonStr8("mairie")), bsonElem(bsonString, "collection", bsonStr8("usagers")),
			bsonElem(bsonBool, "EOF", []byte{map[bool]byte{false: 0, true: 1}[eof]}), bsonElem(bsonInt64, "CRC", bsonInt(int64(crc))))
	}
	term := []byte{0xFF, 0xFF, 0xFF, 0xFF}
	archive := append(append(bytes.Clone(mongoArchiveMagic), bsonDoc(bsonElem(bsonString, "version", bsonStr8("0.1")))...), term...)
	for p := docs; len(p) > 0; {
		seg := p
		for k, n := 0, 0; k < 64 && n < len(p); k++ {
			n += int(binary.LittleEndian.Uint32(p[n:]))
			seg = p[:n]
		}
		archive = append(append(append(archive, header(false, 0)...), seg...), term...)
		p = p[len(seg):]
	}
	archive = append(append(archive, header(true, crc64.Checksum(docs, crc64ECMA))...), term...)
	b.SetBytes(int64(len(archive)))
	for b.Loop() {
		rec := &discard{}
		if err := readMongoArchive(context.Background(), bufio.NewReaderSize(bytes.NewReader(archive), 64<<10), rec, "x", 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}
