package jsonlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"tocsin/internal/event"
)

// fields lists an event's fields as "name=value" (kind suffix for non-strings).
func fields(ev *event.Event) []string {
	var out []string
	for i := range ev.Len() {
		f := ev.At(i)
		s := f.Name + "=" + f.Value
		switch f.Kind {
		case event.Number:
			s += " (number)"
		case event.Bool:
			s += " (bool)"
		case event.Null:
			s += " (null)"
		}
		out = append(out, s)
	}
	return out
}

func TestDecodeFields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"flat", `{"a":"x","n":-1.5e3,"t":true,"f":false,"z":null}`,
			[]string{"a=x", "n=-1.5e3 (number)", "t=true (bool)", "f=false (bool)", "z= (null)"}},
		{"nested", `{"winlog":{"event_data":{"CommandLine":"cmd /c x","Pid":4},"channel":"Security"}}`,
			[]string{"winlog.event_data.CommandLine=cmd /c x", "winlog.event_data.Pid=4 (number)", "winlog.channel=Security"}},
		{"array of scalars", `{"tags":["a","b",3],"x":{"ips":["1.1.1.1","2.2.2.2"]}}`,
			[]string{"tags=a", "tags=b", "tags=3 (number)", "x.ips=1.1.1.1", "x.ips=2.2.2.2"}},
		{"array of objects and arrays", `{"a":[{"b":1},{"b":2,"c":[[3]]}],"d":[]}`,
			[]string{"a.b=1 (number)", "a.b=2 (number)", "a.c=3 (number)"}},
		{"escapes", `{"p":"C:\\Windows\\\"x\"\n\t\u00e9\ud83d\ude00\/","k\u0041":"v"}`,
			[]string{"p=C:\\Windows\\\"x\"\n\té😀/", "kA=v"}},
		{"lone surrogate", `{"s":"a\ud800b\udc00"}`, []string{"s=a\uFFFDb\uFFFD"}},
		{"invalid utf-8 replaced", "{\"s\":\"a\xffb\xc3\",\"\xfe\":1}", []string{"s=a\uFFFDb\uFFFD", "\uFFFD=1 (number)"}},
		{"valid utf-8 kept", `{"é":"ça va 😀"}`, []string{"é=ça va 😀"}},
		{"raw control characters accepted", "{\"s\":\"a\tb\x01\"}", []string{"s=a\tb\x01"}},
		{"duplicate keys keep both", `{"a":1,"a":2}`, []string{"a=1 (number)", "a=2 (number)"}},
		{"whitespace", " \r\n\t{ \"a\" : [ 1 , 2 ] , \"b\" : { } }\n ", []string{"a=1 (number)", "a=2 (number)"}},
		{"reserved keys stay fields", `{"@timestamp":"2024-05-01T10:00:00Z","tenant":"t1","host":"h","message":"m"}`,
			[]string{"@timestamp=2024-05-01T10:00:00Z", "tenant=t1", "host=h", "message=m"}},
		{"logsource is not a field", `{"logsource":{"product":"Windows","definition":"x"},"a":1}`, []string{"a=1 (number)"}},
		{"nested reserved names are plain fields", `{"x":{"logsource":{"product":"p"},"host":"h"}}`,
			[]string{"x.logsource.product=p", "x.host=h"}},
	}
	d := NewDecoder()
	ev := event.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := d.Decode([]byte(tt.in), ev); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := fields(ev); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("fields:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestDecodeMeta(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t.UTC()
	}
	tests := []struct {
		name string
		in   string
		want event.Event
	}{
		{"all", `{"timestamp":"2024-05-01T12:00:00.5+02:00","tenant":"ville-a","host":"srv1","message":"hello",` +
			`"logsource":{"product":"Windows","category":"Process_Creation","service":"sysmon"}}`,
			event.Event{Time: utc("2024-05-01T10:00:00.5Z"), Tenant: "ville-a", Host: "srv1", Message: "hello", HasMessage: true,
				Logsource: event.Logsource{Product: "windows", Category: "process_creation", Service: "sysmon"}}},
		{"@timestamp", `{"@timestamp":"2024-05-01T10:00:00.123456789Z"}`, event.Event{Time: utc("2024-05-01T10:00:00.123456789Z")}},
		{"first timestamp wins", `{"@timestamp":"2024-05-01T10:00:00Z","timestamp":"2025-01-01T00:00:00Z"}`,
			event.Event{Time: utc("2024-05-01T10:00:00Z")}},
		{"epoch seconds", `{"timestamp":1714557600}`, event.Event{Time: utc("2024-05-01T10:00:00Z")}},
		{"epoch milliseconds", `{"timestamp":1714557600250}`, event.Event{Time: utc("2024-05-01T10:00:00.25Z")}},
		{"non-string host is only a field", `{"host":{"name":"h"},"message":["a"]}`, event.Event{}},
		{"empty message", `{"message":""}`, event.Event{HasMessage: true}},
	}
	d := NewDecoder()
	ev := event.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := d.Decode([]byte(tt.in), ev); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got := event.Event{Time: ev.Time, Tenant: ev.Tenant, Host: ev.Host, Logsource: ev.Logsource,
				Message: ev.Message, HasMessage: ev.HasMessage}
			if !got.Time.Equal(tt.want.Time) {
				t.Errorf("Time = %v, want %v", got.Time, tt.want.Time)
			}
			got.Time, tt.want.Time = time.Time{}, time.Time{}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeBadTimestamp(t *testing.T) {
	ev := event.New()
	err := NewDecoder().Decode([]byte(`{"timestamp":"yesterday","a":1}`), ev)
	if !errors.Is(err, ErrTimestamp) || !strings.Contains(err.Error(), `"yesterday"`) {
		t.Fatalf("err = %v, want ErrTimestamp naming the value", err)
	}
	if v, _ := ev.Get("a"); v != "1" || !ev.Time.IsZero() {
		t.Errorf("event not decoded: a=%q time=%v", v, ev.Time)
	}
}

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	deepArr := `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + "}"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "column 1: empty input: expected a JSON object"},
		{"not an object", `[1]`, "column 1: invalid character '[' at the start: expected a JSON object"},
		{"text", `GET / HTTP/1.1`, "column 1: invalid character 'G' at the start: expected a JSON object"},
		{"bad value", `{"a": 1, "b": tru}`, "column 18: invalid character '}' in literal true"},
		{"bad char after value", `{"user": "x" "y"}`, `column 14: invalid character '"' after a value: expected ',' or '}'`},
		{"missing colon", `{"a" 1}`, "column 6: invalid character '1' after a key: expected ':'"},
		{"unquoted key", `{a:1}`, "column 2: invalid character 'a' looking for the beginning of a key"},
		{"trailing comma", `{"a":1,}`, "column 8: invalid character '}' looking for the beginning of a key"},
		{"truncated", `{"a":"abc`, "column 10: unexpected end of input in a string"},
		{"truncated object", `{"a":1`, "column 7: unexpected end of input: expected ',' or '}'"},
		{"bad number", `{"a":01}`, "column 7: invalid character '1' after a value: expected ',' or '}'"},
		{"bad fraction", `{"a":1.}`, "column 8: invalid character '}' in a number"},
		{"bad escape", `{"a":"\q"}`, `column 8: invalid character 'q' in a string escape`},
		{"bad unicode escape", `{"a":"\u12g4"}`, `column 7: invalid \u escape: expected 4 hexadecimal digits`},
		{"data after", `{"a":1} {"b":2}`, "column 9: invalid character '{' after the object"},
		{"binary", "{\"a\":1}\x00", "column 8: invalid character '\\x00' after the object"},
		{"invalid utf-8 outside strings", "{\xff}", "column 2: invalid character byte 0xff looking for the beginning of a key"},
		{"multi-line position", "{\n  \"a\": 1,\n  \"b\": x\n}", "line 3 column 8: invalid character 'x' looking for the beginning of a value"},
		{"logsource not strings", `{"logsource":{"product":["a"]}}`, "column 25: logsource.product: expected a string"},
		{"too deep", deep, fmt.Sprintf("column %d: nesting deeper than %d", 5*MaxDepth+1, MaxDepth)},
		{"too deep arrays", deepArr, fmt.Sprintf("column %d: nesting deeper than %d", 5+MaxDepth, MaxDepth)},
	}
	d := NewDecoder()
	ev := event.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.Decode([]byte(tt.in), ev)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError", err)
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\n want %q", err, tt.want)
			}
		})
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	ok := strings.Repeat(`{"a":`, MaxDepth-1) + `{"leaf":1}` + strings.Repeat("}", MaxDepth-1)
	ev := event.New()
	if err := NewDecoder().Decode([]byte(ok), ev); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if want := strings.Repeat("a.", MaxDepth-1) + "leaf"; ev.At(0).Name != want {
		t.Errorf("name %q", ev.At(0).Name)
	}
}

func TestDecodeLargeValue(t *testing.T) {
	big := strings.Repeat("A", 1<<20)
	in := `{"b64":"` + big + `","esc":"` + strings.Repeat(`\"`, 1<<19) + `"}`
	ev := event.New()
	if err := NewDecoder().Decode([]byte(in), ev); err != nil {
		t.Fatal(err)
	}
	if v, _ := ev.Get("b64"); v != big {
		t.Errorf("b64: %d bytes", len(v))
	}
	if v, _ := ev.Get("esc"); v != strings.Repeat(`"`, 1<<19) {
		t.Errorf("esc: %d bytes", len(v))
	}
}

// TestDecodeReuse: a decoder and an event reused across inputs give each
// input's fields only, and Clone survives the next Decode.
func TestDecodeReuse(t *testing.T) {
	d := NewDecoder()
	ev := event.New()
	if err := d.Decode([]byte(`{"a":{"b":"x\ty"},"host":"h1"}`), ev); err != nil {
		t.Fatal(err)
	}
	keep := ev.Clone()
	if err := d.Decode([]byte(`{"c":{"d":"zzzzzzz"}}`), ev); err != nil {
		t.Fatal(err)
	}
	if got := fields(ev); len(got) != 1 || got[0] != "c.d=zzzzzzz" || ev.Host != "" {
		t.Errorf("second event: %q host %q", got, ev.Host)
	}
	if got := fields(keep); strings.Join(got, "|") != "a.b=x\ty|host=h1" {
		t.Errorf("clone changed: %q", got)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" when invalid
	}{
		{"2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"},
		{"2024-05-01T10:00:00.123456Z", "2024-05-01T10:00:00.123456Z"},
		{"2024-05-01T10:00:00.1234567891Z", "2024-05-01T10:00:00.123456789Z"},
		{"2024-05-01t10:00:00z", "2024-05-01T10:00:00Z"},
		{"2024-05-01T12:30:00+02:30", "2024-05-01T10:00:00Z"},
		{"2024-05-01T08:00:00-0200", "2024-05-01T10:00:00Z"},
		{"2024-05-01T12:00:00+02", "2024-05-01T10:00:00Z"},
		{"2024-05-01T10:00:00", "2024-05-01T10:00:00Z"},
		{"2024-05-01 10:00:00.999", "2024-05-01T10:00:00.999Z"},
		{"2024-05-01 10:00:00,5", "2024-05-01T10:00:00.5Z"},
		{"2024-05-01 10:00:00 +0000", "2024-05-01T10:00:00Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2024-13-01T00:00:00Z", ""},
		{"2024-05-01T24:00:00Z", ""},
		{"2024-05-01T10:00:00.Z", ""},
		{"2024-05-01T10:00:00+2:00", ""},
		{"2024-05-01T10:00:00Zjunk", ""},
		{"2024-05-01", ""},
		{"May  1 10:00:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseTime(tt.in)
			if tt.want == "" {
				if ok {
					t.Errorf("ParseTime(%q) = %v, want failure", tt.in, got)
				}
				return
			}
			if !ok || got.Format(time.RFC3339Nano) != tt.want || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v %v, want %s", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestParseTimeAllocs(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { ParseTime("2024-05-01T12:30:00.123+02:30") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// flattenRef flattens with encoding/json's token stream: the reference
// the fuzz target compares against.
func flattenRef(data []byte) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []string
	var walk func(name string, depth int) error
	walk = func(name string, depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					key := k.(string)
					full := key
					if depth > 0 {
						full = name + "." + key
					}
					if depth == 0 && key == "logsource" {
						var skip json.RawMessage
						if err := dec.Decode(&skip); err != nil {
							return err
						}
						if len(skip) > 0 && skip[0] == '{' {
							continue
						}
						out = append(out, full+"="+strings.Trim(string(skip), `"`))
						continue
					}
					if err := walk(full, depth+1); err != nil {
						return err
					}
				}
			case '[':
				for dec.More() {
					if err := walk(name, depth); err != nil {
						return err
					}
				}
			}
			_, err := dec.Token() // closing delimiter
			return err
		case string:
			out = append(out, name+"="+v)
		case json.Number:
			out = append(out, name+"="+string(v)+" (number)")
		case bool:
			out = append(out, fmt.Sprintf("%s=%v (bool)", name, v))
		case nil:
			out = append(out, name+"= (null)")
		}
		return nil
	}
	if err := walk("", 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return out, nil
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"a":"x","n":-1.5e3,"t":true,"z":null}`,
		`{"winlog":{"event_data":{"CommandLine":"cmd"}},"tags":["a",{"b":1}]}`,
		`{"@timestamp":"2024-05-01T10:00:00Z","tenant":"t","host":"h","message":"m","logsource":{"product":"Windows"}}`,
		`{"p":"C:\\x\"\u00e9\ud83d\ude00"}`,
		"{\"s\":\"a\xffb\"}",
		"{\n  \"Event\": {\n    \"System\": {\"EventID\": 1}\n  }\n}",
		`{"a":[[[[1]]]]}`,
		`{"timestamp":1714557600250}`,
	} {
		f.Add([]byte(s))
	}
	d := NewDecoder()
	ev := event.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		err := d.Decode(data, ev)
		var se *SyntaxError
		if err != nil && !errors.Is(err, ErrTimestamp) {
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Offset < 0 || se.Offset > len(data) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("bad position in %v", se)
			}
		}
		want, refErr := flattenRef(data)
		// encoding/json rejects raw control characters in strings; this
		// decoder accepts them. Compare only where both grammars agree.
		if refErr != nil || !json.Valid(data) || bytes.ContainsFunc(data, func(r rune) bool { return r < 0x20 && r != ' ' && r != '\t' && r != '\n' && r != '\r' }) {
			return
		}
		if se != nil {
			if strings.Contains(se.Msg, "nesting deeper") || strings.Contains(se.Msg, "logsource") || strings.Contains(se.Msg, "at the start") {
				return
			}
			t.Fatalf("valid JSON rejected: %v", err)
		}
		got := fields(ev)
		for i := range got {
			if !utf8.ValidString(got[i]) {
				t.Fatalf("invalid UTF-8 in %q", got[i])
			}
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("fields differ from encoding/json:\n got %q\nwant %q", got, want)
		}
	})
}

// TestMetadataOwned: tenant, host and logsource survive the reuse of the
// input and of the decoder, since callers keep them as map keys.
func TestMetadataOwned(t *testing.T) {
	var d Decoder // the zero value works too
	ev := event.New()
	in := []byte(`{"tenant":"t1","host":"h1","logsource":{"product":"Linux","service":"sshd"}}`)
	if err := d.Decode(in, ev); err != nil {
		t.Fatal(err)
	}
	keep := *ev
	for i := range in {
		in[i] = 'x'
	}
	if err := d.Decode([]byte(`{"tenant":"zz","logsource":{"product":"WINDOWS"}}`), ev); err != nil {
		t.Fatal(err)
	}
	if keep.Tenant != "t1" || keep.Host != "h1" || keep.Logsource != (event.Logsource{Product: "linux", Service: "sshd"}) {
		t.Errorf("metadata changed: %q %q %+v", keep.Tenant, keep.Host, keep.Logsource)
	}
	again := []byte(`{"tenant":"t1","host":"h1","logsource":{"product":"Linux"}}`)
	n := testing.AllocsPerRun(50, func() { d.Decode(again, ev) })
	if n != 0 {
		t.Errorf("%v allocations once interned", n)
	}
}

// The time keys of loggers and web servers stand in for "timestamp".
func TestDecodeSecondaryTimeKeys(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"time":"2025-03-03T10:00:12+00:00","status":404}`, "2025-03-03T10:00:12Z"},
		{`{"ts":1772532000.5,"msg":"zap"}`, "2026-03-03T10:00:00.5Z"},
		{`{"@t":"2026-03-03T10:00:00.1234567Z","@mt":"serilog"}`, "2026-03-03T10:00:00.1234567Z"},
		{`{"time":"2025-01-01T00:00:00Z","timestamp":"2026-03-03T10:00:00Z"}`, "2026-03-03T10:00:00Z"},
		{`{"timestamp":"2026-03-03T10:00:00Z","time":"2025-01-01T00:00:00Z"}`, "2026-03-03T10:00:00Z"},
		{`{"time":"10:00:02","ts":17}`, ""},
		{`{"date":"2026-03-03"}`, ""},
	} {
		ev := event.New()
		if err := NewDecoder().Decode([]byte(c.in), ev); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		got := ""
		if !ev.Time.IsZero() {
			got = ev.Time.Format(time.RFC3339Nano)
		}
		if got != c.want {
			t.Errorf("%s: time %q, want %q", c.in, got, c.want)
		}
	}
}
