package extract

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		rows     []string
		lines    []string
		problems []string
	}{
		{"array", `[{"nom":"Dupont","tel":"0612345678","age":42},{"nom":"Durand","adresse":{"ville":"Lyon"}}]`,
			[]string{":1|nom=Dupont|tel=0612345678|age=42", ":1|nom=Durand|adresse.ville=Lyon"}, nil, nil},
		{"ndjson", "{\"email\":\"a@b.fr\"}\n{\"email\":\"c@d.fr\",\"tags\":[\"x\",\"y\"]}\n",
			[]string{":1|email=a@b.fr", ":2|email=c@d.fr|tags=x|tags=y"}, nil, nil},
		{"pretty with table", "{\n  \"users\": [\n    {\n      \"nom\": \"L\\u00e9a\",\n      \"note\": \"a\\\"b\\\\c\\n\"\n    }\n  ]\n}\n",
			[]string{"users:3|nom=Léa|note=a\"b\\c\n"}, nil, nil},
		{"nested records", `[{"nom":"A","enfants":[{"nom":"B"}],"ville":"Paris"}]`,
			[]string{":1|nom=A|ville=Paris", "enfants:1|nom=B"}, nil, nil},
		{"scalars outside records", `["a@b.fr", 12]`, nil, []string{"1:2:a@b.fr", "1:11:12"}, nil},
		{"surrogate pair", `{"x":"\ud83d\ude00"}`, []string{":1|x=😀"}, nil, nil},
		{"broken line then good", "{\"a\":\"1\"}\n{\"a\": oops}\n{\"a\":\"3\"}\n",
			[]string{":1|a=1", ":3|a=3"}, nil, []string{"x.json:2: syntax error: column 7: unexpected character"}},
		{"broken pretty object", "{\n  \"a\": \"1\",\n  \"b\" \"2\",\n  \"c\": \"3\"\n}\n{\"d\":\"4\"}\n",
			[]string{":1|a=1", ":6|d=4"}, []string{"4:2:\"c\": \"3\"", "5:0:}"}, []string{"x.json:3: syntax error: column 7: expected ':'"}},
		{"truncated", `[{"a":"1"},{"b":"2`, []string{":1|a=1"}, nil, []string{"x.json:1: syntax error: column 19: unexpected end of input"}},
		{"bom", "\xef\xbb\xbf{\"a\":\"1\"}", []string{":1|a=1"}, nil, nil},
		// Each record's keys named as the last record's at the same rank,
		// or not: moved, missing, new, nested, repeated in an array.
		{"keys that move", "{\"a\":\"1\",\"b\":\"2\"}\n{\"b\":\"3\",\"a\":\"4\"}\n{\"b\":\"5\"}\n{\"c\":{\"a\":\"6\"},\"a\":\"7\",\"t\":[\"8\",\"9\"]}\n{\"a\":\"10\",\"b\":\"11\"}\n",
			[]string{":1|a=1|b=2", ":2|b=3|a=4", ":3|b=5", ":4|c.a=6|a=7|t=8|t=9", ":5|a=10|b=11"}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := readCSVString(t, "x.json", tc.in, testOptions())
			var rows []string
			for _, d := range rec.docs {
				for _, tb := range d.tables {
					for _, r := range tb.rows {
						rows = append(rows, tb.name+":"+r)
					}
				}
			}
			if strings.Join(rows, "\n") != strings.Join(tc.rows, "\n") {
				t.Errorf("rows\n got %q\nwant %q", rows, tc.rows)
			}
			if got := rec.docs[0].lines; strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
				t.Errorf("lines\n got %q\nwant %q", got, tc.lines)
			}
			if got := rec.problemText(); strings.Join(got, "\n") != strings.Join(tc.problems, "\n") {
				t.Errorf("problems\n got %q\nwant %q", got, tc.problems)
			}
		})
	}
}

// TestJSONOffsets: a cell's offset is from the start of its record's
// first line.
func TestJSONOffsets(t *testing.T) {
	in := "[\n {\"nom\": \"Dupont\",\n  \"tel\": \"0612345678\"}\n]"
	rec := readCSVString(t, "x.json", in, testOptions())
	cells := rec.docs[0].tables[0].cells
	recStart := strings.Index(in, " {")
	for _, c := range cells {
		at := recStart + c.Orig(0)
		if got := in[at : at+len(c.Value)]; got != string(c.Value) {
			t.Errorf("offset %d gives %q, want %q", c.Off, got, c.Value)
		}
	}
}

func TestIsNDJSON(t *testing.T) {
	for in, want := range map[string]bool{
		"{\"a\":1}\n{\"b\":2}\n":    true,
		"\xef\xbb\xbf{}\r\n{}\r\n":  true,
		"[{\"a\":1},\n{\"b\":2}]\n": false,
		"{\n  \"a\": 1\n}\n":        false,
		"{\"a\":1}":                 false,
	} {
		if got := IsNDJSON([]byte(in)); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}

// What mongoexport writes (Extended JSON v2, here from pymongo's
// bson.json_util, testdata/bson/make.py): the type wrappers are not part
// of the column names, a date in milliseconds (canonical mode, or any
// date before 1970) is read as a date, binary data that is text decoded.
func TestJSONExtended(t *testing.T) {
	for name, dates := range map[string]string{
		"usagers-relaxed.json":   "1985-05-11T22:00:00Z 1952-05-03",
		"usagers-canonical.json": "1985-05-12 1952-05-03",
	} {
		p := filepath.Join("testdata", "bson", name)
		rec := extractFile(t, p, testOptions())
		d := rec.doc(p)
		if len(rec.problems) > 0 || d == nil || len(d.tables) == 0 {
			t.Fatalf("%s: documents %v, problems %v", name, rec.paths(), rec.problemText())
		}
		got := map[string][]string{}
		tb := d.tables[0]
		for _, c := range tb.cells {
			got[tb.cols[c.Col]] = append(got[tb.cols[c.Col]], string(c.Value))
		}
		for col, want := range map[string]string{
			"dateNaissance": dates,
			"telephone":     "06 98 76 54 32 612345678",
			"_id":           "65a1b2c3d4e5f60718293a4b 65a1b2c3d4e5f60718293a4c",
			"solde":         "-12.50 1234567.891",
			"commentaire":   "Rappeler Mme Faure au 06 98 76 54 32", // binary data that is text
			"photo":         "",                                     // binary data that is not
		} {
			if g := strings.Join(got[col], " "); g != want {
				t.Errorf("%s: %s = %q, want %q", name, col, g, want)
			}
		}
		for col := range got {
			if strings.Contains(col, "$") || strings.Contains(col, "subType") || strings.Contains(col, "base64") {
				t.Errorf("%s: column %q", name, col)
			}
		}
	}
}
