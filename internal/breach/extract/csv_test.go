package extract

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// headerWords stands in for the detector's list of column names.
func headerWords(f []byte) bool {
	switch strings.ToLower(strings.TrimSpace(string(f))) {
	case "nom", "prenom", "prénom", "email", "courriel", "telephone", "tel", "nir", "iban", "name", "phone", "ville", "adresse":
		return true
	}
	return false
}

func testOptions() Options {
	return Options{IsHeaderWord: headerWords}.withDefaults()
}

func readCSVString(t *testing.T, name, in string, o Options) *recorder {
	t.Helper()
	rec := &recorder{}
	if err := New(o).Reader(context.Background(), name, strings.NewReader(in), rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestCSVDialects(t *testing.T) {
	latin1 := "nom;ville\nL\xe9a;Orl\xe9ans\n"
	tests := []struct {
		name  string
		in    string
		comma byte
		rows  []string
	}{
		{"semicolon", "nom;prenom;ville\nDupont;Jean;Paris, 15e\nMartin;Léa;Lyon\n", ';',
			[]string{"2|nom=Dupont|prenom=Jean|ville=Paris, 15e", "3|nom=Martin|prenom=Léa|ville=Lyon"}},
		{"comma", "name,phone,email\nJohn,0612345678,j@x.fr\nAnn,0712345678,a@x.fr\n", ',',
			[]string{"2|name=John|phone=0612345678|email=j@x.fr", "3|name=Ann|phone=0712345678|email=a@x.fr"}},
		{"tab", "nom\ttel\nDupont\t01 23 45 67 89\nDurand\t02 23 45 67 89\n", '\t',
			[]string{"2|nom=Dupont|tel=01 23 45 67 89", "3|nom=Durand|tel=02 23 45 67 89"}},
		{"pipe", "nom|tel|ville\nDupont|0123456789|Paris\nDurand|0223456789|Nice\n", '|',
			[]string{"2|nom=Dupont|tel=0123456789|ville=Paris", "3|nom=Durand|tel=0223456789|ville=Nice"}},
		{"quoted newline", "nom;adresse\n\"Dupont\";\"12 rue X\n75001 Paris\"\n\"Durand\";\"3 \"\"bis\"\" rue Y\"\n", ';',
			[]string{"2|nom=Dupont|adresse=12 rue X\n75001 Paris", "4|nom=Durand|adresse=3 \"bis\" rue Y"}},
		{"bom and crlf", "\xef\xbb\xbfnom;tel\r\nDupont;0123456789\r\nDurand;0223456789\r\n", ';',
			[]string{"2|nom=Dupont|tel=0123456789", "3|nom=Durand|tel=0223456789"}},
		{"latin-1", latin1, ';', []string{"2|nom=Léa|ville=Orléans"}},
		{"windows-1252 quotes", "nom;note\nDupont;\x93ok\x94 \x80\nDurand;x\n", ';', []string{"2|nom=Dupont|note=“ok” €", "3|nom=Durand|note=x"}},
		{"no header", "Dupont;0123456789;Paris\nDurand;0223456789;Nice\nMartin;0323456789;Lille\n", ';',
			[]string{"1|#1=Dupont|#2=0123456789|#3=Paris", "2|#1=Durand|#2=0223456789|#3=Nice", "3|#1=Martin|#2=0323456789|#3=Lille"}},
		{"header by shape", "client;code\nabc;12345\ndef;67890\nghi;13579\n", ';',
			[]string{"2|client=abc|code=12345", "3|client=def|code=67890", "4|client=ghi|code=13579"}},
		{"ragged rows", "nom;tel\nDupont\nDurand;0223456789;extra\n", ';',
			[]string{"2|nom=Dupont", "3|nom=Durand|tel=0223456789|#3=extra"}},
		// Every row has two decimal commas: ',' would split them alike.
		{"trailing empty fields left out", "nom;prenom;ht;tva;note\nDupont;Jean;12,50;2,50\nDurand;Léa;3,20;0,64;vu\nMartin;Paul;7,00;1,40\n", ';',
			[]string{"2|nom=Dupont|prenom=Jean|ht=12,50|tva=2,50", "3|nom=Durand|prenom=Léa|ht=3,20|tva=0,64|note=vu", "4|nom=Martin|prenom=Paul|ht=7,00|tva=1,40"}},
		{"empty lines", "nom;tel\n\nDupont;1\n\n", ';', []string{"3|nom=Dupont|tel=1"}},
		{"no final newline", "nom;tel\nDupont;0123456789", ';', []string{"2|nom=Dupont|tel=0123456789"}},
		{"single column", "email\na@b.fr\nc@d.fr\n", ',', []string{"2|email=a@b.fr", "3|email=c@d.fr"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions()
			d, _ := SniffCSV([]byte(tc.in), true, o)
			if d.Comma != tc.comma {
				t.Errorf("delimiter %q, want %q", d.Comma, tc.comma)
			}
			rec := readCSVString(t, "x.csv", tc.in, o)
			got := rec.allRows()
			want := make([]string, len(tc.rows))
			for i, r := range tc.rows {
				want[i] = "x.csv#:" + r
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rows\n got %q\nwant %q", got, want)
			}
			if p := rec.problemText(); len(p) > 0 {
				t.Errorf("problems: %v", p)
			}
		})
	}
}

// TestCSVOffsets: a cell's Off plus a position in its value gives the
// byte offset in the line as stored, recoded or not.
func TestCSVOffsets(t *testing.T) {
	in := "nom;ville;tel\nL\xe9a;Orl\xe9ans;0612345678\n\"Du;pont\";\"Lyon\";\"0712345678\"\n"
	rec := readCSVString(t, "x.csv", in, testOptions())
	cells := rec.docs[0].tables[0].cells
	lines := strings.Split(in, "\n")
	for _, c := range cells {
		if c.Col != 2 {
			continue
		}
		var line string
		if c.Value[1] == '6' {
			line = lines[1]
		} else {
			line = lines[2]
		}
		start, end := c.Orig(0), c.Orig(len(c.Value))
		if got := line[start:end]; got != string(c.Value) {
			t.Errorf("offsets %d..%d give %q, want %q", start, end, got, c.Value)
		}
	}
	// The recoded cell maps back to its stored bytes.
	c := cells[1] // Orléans
	if got := lines[1][c.Orig(0):c.Orig(len(c.Value))]; got != "Orl\xe9ans" {
		t.Errorf("recoded offsets give %q", got)
	}
}

func TestCSVUnclosedQuote(t *testing.T) {
	rec := readCSVString(t, "x.csv", "nom;tel\nDupont;\"0123\nDurand;1\n", testOptions())
	p := rec.problemText()
	if len(p) != 1 || !strings.Contains(p[0], "x.csv:2:") || !strings.Contains(p[0], "not closed") {
		t.Fatalf("problems %q", p)
	}
	if strings.Contains(p[0], "0123") || strings.Contains(p[0], "Dupont") {
		t.Fatalf("a problem quotes the content: %q", p[0])
	}
}

// TestCSVReadSizes: the result does not depend on how reads are cut.
func TestCSVReadSizes(t *testing.T) {
	var b strings.Builder
	b.WriteString("nom;adresse;tel\n")
	for i := 0; i < 3000; i++ {
		if i%7 == 0 {
			b.WriteString("\"Nom " + strings.Repeat("x", i%50) + "\";\"12 rue\nde la Paix\";0612345678\n")
		} else {
			b.WriteString("Nom;1 rue X;0612345678\n")
		}
	}
	in := b.String()
	whole := readCSVString(t, "x.csv", in, testOptions()).allRows()
	for _, r := range []func(io.Reader) io.Reader{iotest.OneByteReader, iotest.HalfReader, iotest.DataErrReader} {
		rec := &recorder{}
		d, _ := SniffCSV([]byte(in), true, testOptions())
		tab := (&recDoc{r: rec}).Table("")
		if err := ReadCSV(context.Background(), r(strings.NewReader(in)), d, 1, d.Header, tab, func(Problem) {}, "x", testOptions()); err != nil {
			t.Fatal(err)
		}
		got := tab.(*recTable).rows
		if len(got) != len(whole) {
			t.Fatalf("%d rows, want %d", len(got), len(whole))
		}
		for i := range got {
			if "x.csv#:"+got[i] != whole[i] {
				t.Fatalf("row %d: %q, want %q", i, got[i], whole[i])
			}
		}
	}
}

// TestSplitterKeepsQuotedNewlines: chunks cut a file only between
// records, and reading the chunks gives the rows of the whole file.
func TestSplitterKeepsQuotedNewlines(t *testing.T) {
	var b strings.Builder
	b.WriteString("nom;adresse\n")
	for i := 0; i < 5000; i++ {
		b.WriteString("\"N\"\"x\";\"1 rue\n\n2e étage\"\n")
		b.WriteString("M;plain\n")
	}
	in := b.String()
	d, _ := SniffCSV([]byte(in), true, testOptions())
	whole := &recTable{cols: map[int]string{}, header: map[int]bool{}}
	if err := ReadCSV(context.Background(), strings.NewReader(in), d, 1, true, whole, func(Problem) {}, "x", testOptions()); err != nil {
		t.Fatal(err)
	}
	chunks := splitAll(t, NewSplitter(strings.NewReader(in), '"', 4096))
	var rows []string
	for _, c := range chunks {
		if c.Forced {
			t.Fatal("forced cut")
		}
		part := &recTable{cols: map[int]string{}, header: map[int]bool{}}
		if err := ReadCSV(context.Background(), bytes.NewReader(c.Data), d, c.Line, c.First && d.Header, part, func(Problem) {}, "x", testOptions()); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, part.rows...)
	}
	if len(chunks) < 10 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	if strings.Join(rows, "\n") != strings.Join(whole.rows, "\n") {
		t.Fatalf("chunked rows differ from whole-file rows (%d vs %d)", len(rows), len(whole.rows))
	}
}

// splitAll returns every chunk of sp, each in its own storage; a read
// error fails t.
func splitAll(t testing.TB, sp *Splitter) []Chunk {
	t.Helper()
	var chunks []Chunk
	for {
		c, err := sp.Next(nil)
		if err == io.EOF {
			return chunks
		}
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
	}
}

// TestSplitterReadError: what was read before a reader's error comes as
// the last chunks, then the error, whose offset is the bytes read.
func TestSplitterReadError(t *testing.T) {
	in := strings.Repeat("Dupont;0612345678\n", 1000)
	broken := errors.New("disk error")
	sp := NewSplitter(io.MultiReader(strings.NewReader(in), iotest.ErrReader(broken)), 0, 4096)
	var got strings.Builder
	for {
		c, err := sp.Next(nil)
		if err != nil {
			if !errors.Is(err, broken) {
				t.Fatalf("error %v, want %v", err, broken)
			}
			break
		}
		got.Write(c.Data)
	}
	if got.String() != in || sp.Offset() != int64(len(in)) {
		t.Fatalf("%d bytes in chunks, offset %d, want %d", got.Len(), sp.Offset(), len(in))
	}
	if _, err := sp.Next(nil); !errors.Is(err, broken) {
		t.Fatalf("after the error: %v", err)
	}
}

// TestCSVUnbalancedQuote: a stray quote does not hide the rest of the file
// from the scan: past MaxValue the quoted field ends and what follows is
// read as records again.
func TestCSVUnbalancedQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString("nom;tel\nDupont;\"oops\n")
	for i := 0; i < 200; i++ {
		b.WriteString("Martin;0612345678\n")
	}
	o := testOptions()
	o.MaxValue = 256
	rec := readCSVString(t, "x.csv", b.String(), o)
	rows := rec.allRows()
	last := rows[len(rows)-1]
	if !strings.HasSuffix(last, "|nom=Martin|tel=0612345678") {
		t.Fatalf("the end of the file was not read as records: %q", last)
	}
	if len(rows) < 150 {
		t.Fatalf("only %d rows", len(rows))
	}
	p := rec.problemText()
	if len(p) != 1 || !strings.Contains(p[0], "x.csv:2:") || !strings.Contains(p[0], "unbalanced quote") {
		t.Fatalf("problems %q", p)
	}
}
