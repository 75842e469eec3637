package detect

// Table tests taken from the text of the Sigma specification v2.1
// (sigma-rules-specification.md, sigma-appendix-modifiers.md,
// sigma-filters-specification.md) and from pySigma's documented outputs.
// Every case is run twice: with the literal prefilter and without it.

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"tocsin/internal/event"
	"tocsin/internal/sigma"
)

// numV marks an event value that came from a JSON number.
type numV string

// msgKey sets the event's Message instead of adding a field.
const msgKey = "$message"

// testProduct is the logsource product of every test rule and event.
const testProduct = "test"

// ev builds an event from name/value pairs: a string is a string field, a
// numV a number, a bool a boolean, nil a JSON null.
func ev(kv ...any) *event.Event {
	e := event.New()
	e.Logsource.Product = testProduct
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		switch v := kv[i+1].(type) {
		case string:
			if name == msgKey {
				e.Message, e.HasMessage = v, true
				continue
			}
			e.Add(name, v, event.String)
		case numV:
			e.Add(name, string(v), event.Number)
		case bool:
			if v {
				e.Add(name, "true", event.Bool)
			} else {
				e.Add(name, "false", event.Bool)
			}
		case nil:
			e.Add(name, "", event.Null)
		default:
			panic(fmt.Sprintf("ev: bad value %T", v))
		}
	}
	return e
}

func dumpEvent(e *event.Event) string {
	var b strings.Builder
	if e.HasMessage {
		fmt.Fprintf(&b, "message=%q ", e.Message)
	}
	kinds := [...]string{"str", "num", "bool", "null"}
	for i := 0; i < e.Len(); i++ {
		f := e.At(i)
		fmt.Fprintf(&b, "%s=%s:%q ", f.Name, kinds[f.Kind], f.Value)
	}
	return strings.TrimSpace(b.String())
}

const testRuleID = "11111111-2222-4333-8444-555555555555"

// wrap turns a detection section into a whole rule (5 header lines: the
// detection's first line is line 6, its keys at column 5). A text starting
// with "title:" or "#" is taken as a whole file.
func wrap(det string) string {
	if d := strings.TrimLeft(det, "\n"); strings.HasPrefix(d, "title:") || strings.HasPrefix(d, "#") {
		return strings.TrimLeft(det, "\n")
	}
	var b strings.Builder
	b.WriteString("title: t\nid: " + testRuleID + "\nlogsource:\n    product: " + testProduct + "\ndetection:\n")
	for _, l := range strings.Split(strings.Trim(det, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

func parseOK(t *testing.T, text string) []*sigma.Rule {
	t.Helper()
	rs, errs := sigma.Parse("rule.yml", []byte(text))
	for _, e := range errs {
		if !e.Warning {
			t.Fatalf("rule does not parse: %v\n%s", e, text)
		}
	}
	if len(rs) == 0 {
		t.Fatalf("no rule loaded from\n%s", text)
	}
	return rs
}

// matchBoth evaluates with and without the prefilter; it fails when the two
// disagree and returns the titles matched by the default engine.
func matchBoth(t *testing.T, rules []*sigma.Rule, opts Options, e *event.Event) []string {
	t.Helper()
	var res [2][]string
	for i, np := range []bool{false, true} {
		o := opts
		o.NoPrefilter = np
		eng, errs := Compile(rules, o)
		for _, pe := range errs {
			if !pe.Warning {
				t.Fatalf("compile (NoPrefilter=%v): %v", np, pe)
			}
		}
		for _, r := range eng.NewMatcher().Match(e) {
			res[i] = append(res[i], r.Title)
		}
	}
	if strings.Join(res[0], ",") != strings.Join(res[1], ",") {
		t.Errorf("prefilter changes the result: with %v, without %v; event %s", res[0], res[1], dumpEvent(e))
	}
	return res[0]
}

type specCase struct {
	name string
	det  string // detection section, or a whole file (see wrap)
	ev   *event.Event
	want bool
	opts Options
}

func runSpecCases(t *testing.T, cases []specCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := wrap(c.det)
			rules := parseOK(t, text)
			got := len(matchBoth(t, rules, c.opts, c.ev)) > 0
			if got != c.want {
				t.Errorf("match = %v, want %v\nrule:\n%s\nevent: %s", got, c.want, text, dumpEvent(c.ev))
			}
		})
	}
}

func stdB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func u16le(s string) string {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return string(b)
}

func u16be(s string) string {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c>>8), byte(c))
	}
	return string(b)
}

// sel is a one-item rule: `sel: {key: value}`, condition sel.
func sel(key, value string) string {
	return "sel:\n    " + key + ": " + value + "\ncondition: sel"
}

func TestSpecModifiers(t *testing.T) {
	cases := []specCase{
		// contains / startswith / endswith
		{name: "contains/middle", det: sel("CommandLine|contains", "' -enc '"), ev: ev("CommandLine", "powershell.exe -enc SQBFAFgA"), want: true},
		{name: "contains/absent", det: sel("CommandLine|contains", "' -enc '"), ev: ev("CommandLine", "powershell.exe -encodedcommand"), want: false},
		{name: "contains/case-insensitive", det: sel("CommandLine|contains", "' -ENC '"), ev: ev("CommandLine", "x -enc y"), want: true},
		{name: "contains/with own star", det: sel("CommandLine|contains", "'*foo'"), ev: ev("CommandLine", "afoob"), want: true},
		{name: "startswith/yes", det: sel("User|startswith", "'adm_'"), ev: ev("User", "ADM_bob"), want: true},
		{name: "startswith/not at start", det: sel("User|startswith", "'adm_'"), ev: ev("User", "xadm_bob"), want: false},
		{name: "endswith/yes", det: sel("Image|endswith", `'\rundll32.exe'`), ev: ev("Image", `C:\Windows\System32\RUNDLL32.EXE`), want: true},
		{name: "endswith/not at end", det: sel("Image|endswith", `'\rundll32.exe'`), ev: ev("Image", `C:\Windows\System32\rundll32.exe.bak`), want: false},
		{name: "endswith/number value", det: sel("EventID|endswith", "24"), ev: ev("EventID", numV("4624")), want: true},

		// all
		{name: "all/both present", det: sel("CommandLine|contains|all", "[' -w hidden', ' -enc ']"), ev: ev("CommandLine", "powershell -enc AA -w hidden x"), want: true},
		{name: "all/one missing", det: sel("CommandLine|contains|all", "[' -w hidden', ' -enc ']"), ev: ev("CommandLine", "powershell -enc AA"), want: false},
		{name: "all/over array values", det: sel("Tag|all", "[a, b]"), ev: ev("Tag", "a", "Tag", "b"), want: true},
		{name: "all/over array values missing", det: sel("Tag|all", "[a, b]"), ev: ev("Tag", "a", "Tag", "c"), want: false},

		// base64
		{name: "base64/exact", det: sel("CommandLine|base64", "'IEX'"), ev: ev("CommandLine", "SUVY"), want: true},
		{name: "base64/contains", det: sel("CommandLine|base64|contains", "'http://'"), ev: ev("CommandLine", "x aHR0cDovLw== y"), want: true},
		{name: "base64/plain text does not match", det: sel("CommandLine|base64|contains", "'http://'"), ev: ev("CommandLine", "x http:// y"), want: false},
	}
	// base64offset: pySigma's outputs for 'http://' are aHR0cDovL, h0dHA6Ly
	// and odHRwOi8v; the Base64 of the URL behind 0..5 bytes must match.
	for _, want := range []string{"aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"} {
		cases = append(cases, specCase{name: "base64offset/pysigma output " + want, det: sel("CommandLine|base64offset|contains", "'http://'"), ev: ev("CommandLine", "-e "+want+"Zz"), want: true})
	}
	for n := 0; n < 6; n++ {
		enc := stdB64(strings.Repeat("x", n) + "http://evil.example/a")
		cases = append(cases, specCase{name: fmt.Sprintf("base64offset/offset %d", n), det: sel("CommandLine|base64offset|contains", "'http://'"), ev: ev("CommandLine", "powershell -e "+enc), want: true})
	}
	cases = append(cases,
		specCase{name: "base64offset/other text", det: sel("CommandLine|base64offset|contains", "'http://'"), ev: ev("CommandLine", "powershell -e "+stdB64("xhttps://evil")), want: false},
		specCase{name: "base64offset/foobar offset 1", det: sel("CommandLine|base64offset|contains", "'foobar'"), ev: ev("CommandLine", stdB64("1foobar2")), want: true},
		specCase{name: "base64offset/foobar offset 2", det: sel("CommandLine|base64offset|contains", "'foobar'"), ev: ev("CommandLine", stdB64("12foobar")), want: true},
	)

	// utf16 encodings, alone and with base64
	cases = append(cases,
		specCase{name: "wide/base64", det: sel("CommandLine|wide|base64", "'cmd'"), ev: ev("CommandLine", "YwBtAGQA"), want: true},
		specCase{name: "utf16le/base64", det: sel("CommandLine|utf16le|base64", "'cmd'"), ev: ev("CommandLine", "YwBtAGQA"), want: true},
		specCase{name: "utf16be/base64", det: sel("CommandLine|utf16be|base64", "'cmd'"), ev: ev("CommandLine", "AGMAbQBk"), want: true},
		specCase{name: "utf16/base64 with BOM", det: sel("CommandLine|utf16|base64", "'cmd'"), ev: ev("CommandLine", "//5jAG0AZAA="), want: true},
		specCase{name: "wide/raw bytes contains", det: sel("Data|wide|contains", "'cmd'"), ev: ev("Data", "xx"+u16le("CMD.exe")), want: true},
		specCase{name: "utf16be/raw bytes contains", det: sel("Data|utf16be|contains", "'cmd'"), ev: ev("Data", "xx"+u16be("cmd.exe")), want: true},
		specCase{name: "wide/raw bytes non-ASCII", det: sel("Data|wide|contains", "'é'"), ev: ev("Data", "x"+u16le("café")+"y"), want: true},
	)
	for n := 0; n < 3; n++ {
		enc := stdB64(u16le(strings.Repeat("z", n) + "powershell -nop"))
		cases = append(cases, specCase{name: fmt.Sprintf("wide|base64offset/offset %d", n), det: sel("CommandLine|wide|base64offset|contains", "'ping'"), ev: ev("CommandLine", stdB64(u16le(strings.Repeat("z", n)+"ping 8.8.8.8"))), want: true})
		cases = append(cases, specCase{name: fmt.Sprintf("wide|base64offset/offset %d other", n), det: sel("CommandLine|wide|base64offset|contains", "'ping'"), ev: ev("CommandLine", enc), want: false})
	}

	// windash: all five dash characters; a dash inside a word is kept.
	for _, d := range []string{"-", "/", "\u2013", "\u2014", "\u2015"} {
		cases = append(cases, specCase{name: "windash/" + d, det: sel("CommandLine|windash|contains", "' -decode '"), ev: ev("CommandLine", "certutil "+d+"decode a b"), want: true})
	}
	cases = append(cases,
		specCase{name: "windash/no dash", det: sel("CommandLine|windash|contains", "' -decode '"), ev: ev("CommandLine", "certutil decode a b"), want: false},
		specCase{name: "windash/contains first", det: sel("CommandLine|contains|windash", "'-decode'"), ev: ev("CommandLine", "certutil /decode a"), want: true},
		specCase{name: "windash/at start of value", det: sel("CommandLine|windash|startswith", "'-f'"), ev: ev("CommandLine", "\u2014f x"), want: true},
		specCase{name: "windash/inside a word kept", det: sel("CommandLine|windash|contains", "'foo-bar'"), ev: ev("CommandLine", "x foo/bar"), want: false},
		specCase{name: "windash/inside a word matches itself", det: sel("CommandLine|windash|contains", "'foo-bar'"), ev: ev("CommandLine", "x foo-bar"), want: true},
		specCase{name: "windash/en dash inside a word kept", det: sel("CommandLine|windash|contains", "'foo-bar'"), ev: ev("CommandLine", "x foo\u2013bar"), want: false},
		specCase{name: "windash/two flags mixed", det: sel("CommandLine|windash|contains", "' -a -b'"), ev: ev("CommandLine", "x /a \u2015b"), want: true},
		// pySigma: the values a modifier expands one value into stay
		// OR-linked under `all`; only the rule's own values are AND-linked.
		specCase{name: "windash/with all", det: sel("CommandLine|windash|contains|all", "['-foo', '-bar']"), ev: ev("CommandLine", "x /foo -bar"), want: true},
		specCase{name: "windash/with all missing", det: sel("CommandLine|windash|contains|all", "['-foo', '-bar']"), ev: ev("CommandLine", "x /foo"), want: false},
		specCase{name: "base64offset/with all", det: sel("CommandLine|base64offset|contains|all", "['http://', 'evil']"), ev: ev("CommandLine", stdB64("x http://evil.example")), want: true},
	)

	// re with flags
	cases = append(cases,
		specCase{name: "re/spec example", det: sel("CommandLine|re", `'\s-[eE][nN][cC]\s'`), ev: ev("CommandLine", "powershell -EnC AAA"), want: true},
		specCase{name: "re/unanchored", det: sel("CommandLine|re", "'b.d'"), ev: ev("CommandLine", "abcde"), want: true},
		specCase{name: "re/anchored by the rule", det: sel("CommandLine|re", "'^b'"), ev: ev("CommandLine", "abc"), want: false},
		specCase{name: "re/case-sensitive by default", det: sel("CommandLine|re", "'whoami'"), ev: ev("CommandLine", "WHOAMI"), want: false},
		specCase{name: "re/i", det: sel("Url|re|i", "'cmd=whoami'"), ev: ev("Url", "/x?CMD=WhoAmI"), want: true},
		specCase{name: "re/ignorecase", det: sel("Url|re|ignorecase", "'cmd=whoami'"), ev: ev("Url", "/x?CMD=WhoAmI"), want: true},
		specCase{name: "re/without m", det: sel("Text|re", "'^foo$'"), ev: ev("Text", "a\nfoo\nb"), want: false},
		specCase{name: "re/m", det: sel("Text|re|m", "'^foo$'"), ev: ev("Text", "a\nfoo\nb"), want: true},
		specCase{name: "re/multiline", det: sel("Text|re|multiline", "'^foo$'"), ev: ev("Text", "a\nfoo\nb"), want: true},
		specCase{name: "re/without s", det: sel("Text|re", "'a.b'"), ev: ev("Text", "a\nb"), want: false},
		specCase{name: "re/s", det: sel("Text|re|s", "'a.b'"), ev: ev("Text", "a\nb"), want: true},
		specCase{name: "re/dotall", det: sel("Text|re|dotall", "'a.b'"), ev: ev("Text", "a\nb"), want: true},
		specCase{name: "re/i and s", det: sel("Text|re|i|s", "'A.B'"), ev: ev("Text", "a\nb"), want: true},
		specCase{name: "re/no wildcard meaning", det: sel("Text|re", "'a*b'"), ev: ev("Text", "xaaab"), want: true},
		specCase{name: "re/not on null", det: sel("Text|re", "'.*'"), ev: ev("Text", nil), want: false},
		specCase{name: "re/not on absent", det: sel("Text|re", "'.*'"), ev: ev("Other", "x"), want: false},
	)

	// cidr
	cases = append(cases,
		specCase{name: "cidr/ipv4 inside", det: sel("DestinationIp|cidr", "'10.0.0.0/8'"), ev: ev("DestinationIp", "10.1.2.3"), want: true},
		specCase{name: "cidr/ipv4 outside", det: sel("DestinationIp|cidr", "'10.0.0.0/8'"), ev: ev("DestinationIp", "11.1.2.3"), want: false},
		specCase{name: "cidr/ipv4 /32 edge", det: sel("DestinationIp|cidr", "'192.168.1.0/24'"), ev: ev("DestinationIp", "192.168.1.255"), want: true},
		specCase{name: "cidr/ipv6 inside", det: sel("DestinationIp|cidr", "'fc00::/7'"), ev: ev("DestinationIp", "fd12:3456::1"), want: true},
		specCase{name: "cidr/ipv6 outside", det: sel("DestinationIp|cidr", "'fc00::/7'"), ev: ev("DestinationIp", "fe80::1"), want: false},
		specCase{name: "cidr/list", det: sel("DestinationIp|cidr", "['10.0.0.0/8', 'fc00::/7']"), ev: ev("DestinationIp", "fc00::5"), want: true},
		specCase{name: "cidr/ipv4 rule ipv6 event", det: sel("DestinationIp|cidr", "'10.0.0.0/8'"), ev: ev("DestinationIp", "fd00::1"), want: false},
		specCase{name: "cidr/not an address", det: sel("DestinationIp|cidr", "'10.0.0.0/8'"), ev: ev("DestinationIp", "10.example"), want: false},
	)

	// exists
	cases = append(cases,
		specCase{name: "exists true/present", det: sel("PasswordLastSet|exists", "true"), ev: ev("PasswordLastSet", "x"), want: true},
		specCase{name: "exists true/empty", det: sel("PasswordLastSet|exists", "true"), ev: ev("PasswordLastSet", ""), want: true},
		specCase{name: "exists true/null", det: sel("PasswordLastSet|exists", "true"), ev: ev("PasswordLastSet", nil), want: true},
		specCase{name: "exists true/absent", det: sel("PasswordLastSet|exists", "true"), ev: ev("Other", "x"), want: false},
		specCase{name: "exists false/absent", det: sel("PasswordLastSet|exists", "false"), ev: ev("Other", "x"), want: true},
		specCase{name: "exists false/present", det: sel("PasswordLastSet|exists", "false"), ev: ev("PasswordLastSet", "x"), want: false},
	)

	// cased
	cases = append(cases,
		specCase{name: "cased/same case", det: sel("CommandLine|contains|cased", "'IEX'"), ev: ev("CommandLine", "x IEX y"), want: true},
		specCase{name: "cased/other case", det: sel("CommandLine|contains|cased", "'IEX'"), ev: ev("CommandLine", "x iex y"), want: false},
		specCase{name: "cased/plain", det: sel("User|cased", "'Admin'"), ev: ev("User", "admin"), want: false},
		specCase{name: "cased/windash", det: sel("CommandLine|windash|contains|cased", "'-Enc'"), ev: ev("CommandLine", "x /Enc"), want: true},
	)

	// neq
	cases = append(cases,
		specCase{name: "neq/number equal", det: sel("LogonType|neq", "3"), ev: ev("LogonType", numV("3")), want: false},
		specCase{name: "neq/number differs", det: sel("LogonType|neq", "3"), ev: ev("LogonType", numV("2")), want: true},
		specCase{name: "neq/string equal other case", det: sel("User|neq", "'admin'"), ev: ev("User", "ADMIN"), want: false},
		specCase{name: "neq/list differs from all", det: sel("User|neq", "[a, b]"), ev: ev("User", "c"), want: true},
		specCase{name: "neq/list equals one", det: sel("User|neq", "[a, b]"), ev: ev("User", "b"), want: false},
		// Unspecified by the spec; pySigma negates the whole item, so an
		// absent field is "not equal".
		specCase{name: "neq/absent field", det: sel("LogonType|neq", "3"), ev: ev("Other", "x"), want: true},
		specCase{name: "neq/contains", det: sel("CommandLine|contains|neq", "'foo'"), ev: ev("CommandLine", "xfoox"), want: false},
		specCase{name: "neq/contains differs", det: sel("CommandLine|contains|neq", "'foo'"), ev: ev("CommandLine", "xbarx"), want: true},
	)

	// gt gte lt lte
	cases = append(cases,
		specCase{name: "gt/greater", det: sel("ProcessId|gt", "4"), ev: ev("ProcessId", numV("5")), want: true},
		specCase{name: "gt/equal", det: sel("ProcessId|gt", "4"), ev: ev("ProcessId", numV("4")), want: false},
		specCase{name: "gt/number as string", det: sel("ProcessId|gt", "4"), ev: ev("ProcessId", "40"), want: true},
		specCase{name: "gt/not a number", det: sel("ProcessId|gt", "4"), ev: ev("ProcessId", "abc"), want: false},
		specCase{name: "gte/equal", det: sel("ProcessId|gte", "4"), ev: ev("ProcessId", numV("4")), want: true},
		specCase{name: "gte/less", det: sel("ProcessId|gte", "4"), ev: ev("ProcessId", numV("3")), want: false},
		specCase{name: "lt/less", det: sel("ProcessId|lt", "4"), ev: ev("ProcessId", numV("3.5")), want: true},
		specCase{name: "lt/equal", det: sel("ProcessId|lt", "4"), ev: ev("ProcessId", numV("4")), want: false},
		specCase{name: "lte/equal", det: sel("ProcessId|lte", "4"), ev: ev("ProcessId", numV("4")), want: true},
		specCase{name: "lte/greater", det: sel("ProcessId|lte", "4"), ev: ev("ProcessId", numV("4.01")), want: false},
		specCase{name: "lt/negative", det: sel("Delta|lt", "0"), ev: ev("Delta", numV("-2")), want: true},
		specCase{name: "gt/absent", det: sel("ProcessId|gt", "4"), ev: ev("Other", numV("5")), want: false},
	)

	// fieldref
	cases = append(cases,
		specCase{name: "fieldref/equal", det: sel("SubjectUserName|fieldref", "TargetUserName"), ev: ev("SubjectUserName", "bob", "TargetUserName", "bob"), want: true},
		specCase{name: "fieldref/equal other case", det: sel("SubjectUserName|fieldref", "TargetUserName"), ev: ev("SubjectUserName", "Bob", "TargetUserName", "BOB"), want: true},
		specCase{name: "fieldref/different", det: sel("SubjectUserName|fieldref", "TargetUserName"), ev: ev("SubjectUserName", "bob", "TargetUserName", "alice"), want: false},
		specCase{name: "fieldref/other absent", det: sel("SubjectUserName|fieldref", "TargetUserName"), ev: ev("SubjectUserName", "bob"), want: false},
		specCase{name: "fieldref/contains", det: sel("CommandLine|fieldref|contains", "Image"), ev: ev("CommandLine", `"C:\x\a.exe" -y`, "Image", `C:\x\a.exe`), want: true},
		specCase{name: "fieldref/contains not", det: sel("CommandLine|fieldref|contains", "Image"), ev: ev("CommandLine", `b.exe -y`, "Image", `C:\x\a.exe`), want: false},
		specCase{name: "fieldref/startswith", det: sel("CommandLine|fieldref|startswith", "Image"), ev: ev("CommandLine", `a.exe -y`, "Image", `a.exe`), want: true},
		specCase{name: "fieldref/endswith", det: sel("CommandLine|fieldref|endswith", "Image"), ev: ev("CommandLine", `x a.exe -y`, "Image", `a.exe`), want: false},
		specCase{name: "fieldref/neq", det: sel("SubjectUserName|fieldref|neq", "TargetUserName"), ev: ev("SubjectUserName", "bob", "TargetUserName", "alice"), want: true},
		specCase{name: "fieldref/neq equal", det: sel("SubjectUserName|fieldref|neq", "TargetUserName"), ev: ev("SubjectUserName", "bob", "TargetUserName", "bob"), want: false},
		specCase{name: "fieldref/no wildcard meaning", det: sel("A|fieldref", "B"), ev: ev("A", "abc", "B", "a*"), want: false},
	)

	// expand
	ph := Options{Placeholders: map[string][]string{"Administrators": {"admin", "root*"}, "DomainControllers": {"10.0.0.1", "10.0.0.2"}}}
	cases = append(cases,
		specCase{name: "expand/first value", det: sel("User|expand", "'%Administrators%'"), ev: ev("User", "ADMIN"), want: true, opts: ph},
		specCase{name: "expand/value with wildcard", det: sel("User|expand", "'%Administrators%'"), ev: ev("User", "rootkit"), want: true, opts: ph},
		specCase{name: "expand/other value", det: sel("User|expand", "'%Administrators%'"), ev: ev("User", "bob"), want: false, opts: ph},
		specCase{name: "expand/inside a value", det: sel("Host|expand", "'dc-%DomainControllers%'"), ev: ev("Host", "dc-10.0.0.2"), want: true, opts: ph},
		specCase{name: "expand/not without the modifier", det: sel("User", "'%Administrators%'"), ev: ev("User", "%administrators%"), want: true, opts: ph},
		specCase{name: "expand/not without the modifier 2", det: sel("User", "'%Administrators%'"), ev: ev("User", "admin"), want: false, opts: ph},
		specCase{name: "expand/escaped percent", det: sel("User|expand", `'\%plain%Administrators%'`), ev: ev("User", "%plainadmin"), want: true, opts: ph},
		specCase{name: "expand/escaped backslash then placeholder", det: sel("User|expand", `'DOM\\%Administrators%'`), ev: ev("User", `DOM\admin`), want: true, opts: ph},
	)

	// time modifiers (2024-03-05 is a Tuesday of ISO week 10)
	const ts = "2024-03-05T23:17:42Z"
	cases = append(cases,
		specCase{name: "hour/gte", det: sel("TimeCreated|hour|gte", "22"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "hour/gte early", det: sel("TimeCreated|hour|gte", "22"), ev: ev("TimeCreated", "2024-03-05T08:17:42Z"), want: false},
		specCase{name: "hour/equal", det: sel("TimeCreated|hour", "23"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "minute/equal", det: sel("TimeCreated|minute", "17"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "minute/lt", det: sel("TimeCreated|minute|lt", "17"), ev: ev("TimeCreated", ts), want: false},
		specCase{name: "day/equal", det: sel("TimeCreated|day", "5"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "week/equal", det: sel("TimeCreated|week", "10"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "month/equal", det: sel("TimeCreated|month", "3"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "month/other", det: sel("TimeCreated|month", "4"), ev: ev("TimeCreated", ts), want: false},
		specCase{name: "year/lte", det: sel("TimeCreated|year|lte", "2024"), ev: ev("TimeCreated", ts), want: true},
		specCase{name: "year/gt", det: sel("TimeCreated|year|gt", "2024"), ev: ev("TimeCreated", ts), want: false},
		specCase{name: "hour/no timezone conversion", det: sel("TimeCreated|hour", "23"), ev: ev("TimeCreated", "2024-03-05T23:17:42+05:00"), want: true},
		specCase{name: "hour/windows fraction", det: sel("TimeCreated|hour", "23"), ev: ev("TimeCreated", "2024-03-05T23:17:42.1234567Z"), want: true},
		specCase{name: "hour/space separated", det: sel("TimeCreated|hour", "23"), ev: ev("TimeCreated", "2024-03-05 23:17:42.123"), want: true},
		specCase{name: "hour/not a date", det: sel("TimeCreated|hour", "23"), ev: ev("TimeCreated", "yesterday"), want: false},
	)
	runSpecCases(t, cases)
}

func TestSpecExpandMissingPlaceholder(t *testing.T) {
	text := wrap(sel("User|expand", "'%Administrators%'"))
	rules := parseOK(t, text)
	eng, errs := Compile(rules, Options{Placeholders: map[string][]string{"Servers": {"srv*"}}})
	if eng.Rules() != 0 {
		t.Errorf("a rule with an unresolved placeholder must be left out (spec: the tool must reject it); %d rules compiled", eng.Rules())
	}
	if len(errs) != 1 {
		t.Fatalf("want one problem, got %v", errs)
	}
	e := errs[0]
	if !e.Warning {
		t.Errorf("missing placeholder: want a warning (Options.Placeholders: \"left out, with a warning\"), got an error: %v", e)
	}
	if !strings.Contains(e.Msg, "%Administrators%") || e.Line != 7 || e.Column != 9 {
		t.Errorf("problem = %d:%d %q, want 7:9 naming %%Administrators%%", e.Line, e.Column, e.Msg)
	}
	// The other rules still compile.
	other := parseOK(t, strings.Replace(wrap(sel("User", "x")), testRuleID, "22222222-2222-4333-8444-555555555555", 1))
	eng, _ = Compile(append(rules, other...), Options{})
	if eng.Rules() != 1 {
		t.Errorf("the rule without placeholder must still compile; got %d rules", eng.Rules())
	}
}

func TestSpecWildcardsAndEscapes(t *testing.T) {
	cases := []specCase{
		// plain value = whole value
		{name: "plain/whole value", det: sel("Image", `'C:\Windows\System32\whoami.exe'`), ev: ev("Image", `c:\windows\system32\WHOAMI.EXE`), want: true},
		{name: "plain/not a substring", det: sel("Image", `'C:\Windows\System32\whoami.exe'`), ev: ev("Image", `C:\Windows\System32\whoami.exe.bak`), want: false},
		{name: "plain/not a prefix", det: sel("Image", `'whoami.exe'`), ev: ev("Image", `C:\Windows\System32\whoami.exe`), want: false},
		{name: "plain/empty rule value vs text", det: sel("Image", `'x'`), ev: ev("Image", ``), want: false},
		// * any sequence, ? one character
		{name: "star/any sequence", det: sel("Image", `'C:*\cmd.exe'`), ev: ev("Image", `C:\Windows\System32\cmd.exe`), want: true},
		{name: "star/empty sequence", det: sel("Image", `'ab*c'`), ev: ev("Image", `abc`), want: true},
		{name: "star/two stars", det: sel("Image", `'*a*b*'`), ev: ev("Image", `xxaxxbxx`), want: true},
		{name: "star/order", det: sel("Image", `'*a*b*'`), ev: ev("Image", `xxbxxaxx`), want: false},
		{name: "star/backtracking", det: sel("Image", `'*ab*abc'`), ev: ev("Image", `ababcabc`), want: true},
		{name: "question/one char", det: sel("Image", `'c?d'`), ev: ev("Image", `cmd`), want: true},
		{name: "question/not zero chars", det: sel("Image", `'c?d'`), ev: ev("Image", `cd`), want: false},
		{name: "question/not two chars", det: sel("Image", `'c?d'`), ev: ev("Image", `cmmd`), want: false},
		{name: "question/multi-byte char", det: sel("Image", `'c?d'`), ev: ev("Image", `cüd`), want: true},
		{name: "question/four-byte char", det: sel("Image", `'c?d'`), ev: ev("Image", "c\U0001F600d"), want: true},
		{name: "question/in contains", det: sel("Image|contains", `'a?c'`), ev: ev("Image", `xxAbCxx`), want: true},
		{name: "question/star then question", det: sel("Image", `'*.?s'`), ev: ev("Image", `x.ps`), want: true},
		// escaping table
		{name: `escape/\* literal star`, det: sel("Image", `'a\*b'`), ev: ev("Image", `a*b`), want: true},
		{name: `escape/\* not a wildcard`, det: sel("Image", `'a\*b'`), ev: ev("Image", `axxb`), want: false},
		{name: `escape/\? literal question`, det: sel("Image", `'a\?b'`), ev: ev("Image", `a?b`), want: true},
		{name: `escape/\? not a wildcard`, det: sel("Image", `'a\?b'`), ev: ev("Image", `axb`), want: false},
		{name: `escape/\\ one backslash`, det: sel("Image", `'C:\\Windows'`), ev: ev("Image", `C:\Windows`), want: true},
		{name: `escape/\\ is not two`, det: sel("Image", `'C:\\Windows'`), ev: ev("Image", `C:\\Windows`), want: false},
		{name: `escape/\\* backslash then wildcard`, det: sel("Image", `'C:\\*'`), ev: ev("Image", `C:\Windows\x`), want: true},
		{name: `escape/\\* needs the backslash`, det: sel("Image", `'C:\\*'`), ev: ev("Image", `C:Windows`), want: false},
		{name: `escape/\\\* backslash and literal star`, det: sel("Image", `'a\\\*'`), ev: ev("Image", `a\*`), want: true},
		{name: `escape/\\\* not a wildcard`, det: sel("Image", `'a\\\*'`), ev: ev("Image", `a\xyz`), want: false},
		{name: `escape/\\\\ two backslashes`, det: sel("Image", `'\\\\server\share'`), ev: ev("Image", `\\server\share`), want: true},
		{name: `escape/\\\ two backslashes`, det: sel("Image", `'a\\\'`), ev: ev("Image", `a\\`), want: true},
		{name: `escape/plain backslashes literal`, det: sel("Image", `'C:\Windows\System32'`), ev: ev("Image", `C:\Windows\System32`), want: true},
		{name: `escape/backslash before letter`, det: sel("Image|endswith", `'\cmd.exe'`), ev: ev("Image", `C:\x\cmd.exe`), want: true},
		{name: `escape/trailing backslash`, det: sel("Image", `'C:\'`), ev: ev("Image", `C:\`), want: true},
		{name: `escape/escaped star with contains`, det: sel("Image|contains", `'\*'`), ev: ev("Image", `abc`), want: false},
		{name: `escape/escaped star with contains matches`, det: sel("Image|contains", `'\*'`), ev: ev("Image", `a*c`), want: true},
		// Double-quoted YAML unescapes first: "\\*" is Sigma's \*, a literal star.
		{name: `escape/double-quoted YAML \*`, det: sel("Image", `"C:\\Windows\\*"`), ev: ev("Image", `C:\Windows\x`), want: false},
		{name: `escape/double-quoted YAML \* literal`, det: sel("Image", `"C:\\Windows\\*"`), ev: ev("Image", `C:\Windows*`), want: true},
		{name: `escape/double-quoted YAML \\*`, det: sel("Image", `"C:\\Windows\\\\*"`), ev: ev("Image", `C:\Windows\x`), want: true},
		// case-insensitivity, also beyond ASCII
		{name: "case/ascii", det: sel("User", `'Administrator'`), ev: ev("User", `ADMINISTRATOR`), want: true},
		{name: "case/É rule é event", det: sel("User", `'ÉCOLE'`), ev: ev("User", `école`), want: true},
		{name: "case/é rule É event", det: sel("User|contains", `'café'`), ev: ev("User", `LE CAFÉ`), want: true},
		{name: "case/É with question", det: sel("User", `'?cole'`), ev: ev("User", `École`), want: true},
		{name: "case/Kelvin sign folds to k", det: sel("User|contains", `'kelvin'`), ev: ev("User", "\u212Aelvin"), want: true},
		{name: "case/windash expansion", det: sel("CommandLine|windash|contains", `' -DECODE'`), ev: ev("CommandLine", "x /decode"), want: true},
	}
	runSpecCases(t, cases)
}

func TestSpecValues(t *testing.T) {
	cases := []specCase{
		// numbers match numbers and strings
		{name: "number/number", det: sel("EventID", "4624"), ev: ev("EventID", numV("4624")), want: true},
		{name: "number/string", det: sel("EventID", "4624"), ev: ev("EventID", "4624"), want: true},
		{name: "number/other", det: sel("EventID", "4624"), ev: ev("EventID", numV("4625")), want: false},
		{name: "number/prefix is not equal", det: sel("EventID", "4624"), ev: ev("EventID", "46245"), want: false},
		{name: "number/string rule number event", det: sel("EventID", "'4624'"), ev: ev("EventID", numV("4624")), want: true},
		{name: "number/list", det: sel("EventID", "[529, 4625]"), ev: ev("EventID", numV("4625")), want: true},
		{name: "number/list miss", det: sel("EventID", "[529, 4625]"), ev: ev("EventID", numV("4624")), want: false},
		{name: "number/float event", det: sel("EventID", "4624"), ev: ev("EventID", numV("4624.0")), want: true},
		{name: "number/rule written 4624.0", det: sel("EventID", "4624.0"), ev: ev("EventID", numV("4624")), want: true},
		{name: "number/hex rule value 16", det: sel("Flags", "0x10"), ev: ev("Flags", numV("16")), want: true},
		{name: "number/hex rule value is not 0", det: sel("Flags", "0x10"), ev: ev("Flags", numV("0")), want: false},
		{name: "number/spec hex string", det: sel("TicketOptions", "'0x40810000'"), ev: ev("TicketOptions", "0x40810000"), want: true},
		{name: "number/not a null", det: sel("EventID", "0"), ev: ev("EventID", nil), want: false},
		{name: "bool/value", det: sel("Enabled", "true"), ev: ev("Enabled", true), want: true},
		{name: "bool/other", det: sel("Enabled", "true"), ev: ev("Enabled", false), want: false},
		// null and ''
		{name: "null/absent", det: sel("PasswordLastSet", "null"), ev: ev("Other", "x"), want: true},
		{name: "null/JSON null", det: sel("PasswordLastSet", "null"), ev: ev("PasswordLastSet", nil), want: true},
		{name: "null/empty string", det: sel("PasswordLastSet", "null"), ev: ev("PasswordLastSet", ""), want: false},
		{name: "null/value", det: sel("PasswordLastSet", "null"), ev: ev("PasswordLastSet", "x"), want: false},
		{name: "null/list of one", det: sel("PasswordLastSet", "[null]"), ev: ev("Other", "x"), want: true},
		{name: "empty/empty string", det: sel("PasswordLastSet", "''"), ev: ev("PasswordLastSet", ""), want: true},
		{name: "empty/absent", det: sel("PasswordLastSet", "''"), ev: ev("Other", "x"), want: false},
		{name: "empty/JSON null", det: sel("PasswordLastSet", "''"), ev: ev("PasswordLastSet", nil), want: false},
		{name: "empty/value", det: sel("PasswordLastSet", "''"), ev: ev("PasswordLastSet", "x"), want: false},
		{name: "not null/spec example", det: "selection:\n    EventID: 4738\nfilter:\n    PasswordLastSet: null\ncondition: selection and not filter", ev: ev("EventID", numV("4738"), "PasswordLastSet", "2024"), want: true},
		{name: "not null/spec example null", det: "selection:\n    EventID: 4738\nfilter:\n    PasswordLastSet: null\ncondition: selection and not filter", ev: ev("EventID", numV("4738"), "PasswordLastSet", nil), want: false},
		{name: "not null/spec example absent", det: "selection:\n    EventID: 4738\nfilter:\n    PasswordLastSet: null\ncondition: selection and not filter", ev: ev("EventID", numV("4738")), want: false},
		{name: "null/neq", det: sel("PasswordLastSet|neq", "null"), ev: ev("PasswordLastSet", "x"), want: true},
		{name: "null/neq absent", det: sel("PasswordLastSet|neq", "null"), ev: ev("Other", "x"), want: false},
		{name: "string/not on null", det: sel("User|contains", "''"), ev: ev("User", nil), want: false},
		{name: "string/contains empty on present", det: sel("User|contains", "''"), ev: ev("User", "x"), want: true},
		{name: "string/absent field", det: sel("User", "'*'"), ev: ev("Other", "x"), want: false},
		{name: "string/star on empty", det: sel("User", "'*'"), ev: ev("User", ""), want: true},
		// arrays: a field added twice matches when one value matches
		{name: "array/one value", det: sel("Tag", "b"), ev: ev("Tag", "a", "Tag", "b"), want: true},
		// maps, lists of values, lists of maps
		{name: "map/AND both", det: "sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: ' /c '\ncondition: sel", ev: ev("Image", `C:\cmd.exe`, "CommandLine", "cmd /c x"), want: true},
		{name: "map/AND one", det: "sel:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: ' /c '\ncondition: sel", ev: ev("Image", `C:\cmd.exe`, "CommandLine", "cmd /k x"), want: false},
		{name: "value list/OR", det: sel("CommandLine|contains", "[' /c ', ' /k ']"), ev: ev("CommandLine", "cmd /k x"), want: true},
		{name: "value list/none", det: sel("CommandLine|contains", "[' /c ', ' /k ']"), ev: ev("CommandLine", "cmd /r x"), want: false},
		{name: "list of maps/first", det: "sel:\n    - ParentImage|endswith: '\\winword.exe'\n    - Description: 'Windows Command Processor'\ncondition: sel", ev: ev("ParentImage", `C:\x\WINWORD.EXE`), want: true},
		{name: "list of maps/second", det: "sel:\n    - ParentImage|endswith: '\\winword.exe'\n    - Description: 'Windows Command Processor'\ncondition: sel", ev: ev("Description", "windows command processor"), want: true},
		{name: "list of maps/neither", det: "sel:\n    - ParentImage|endswith: '\\winword.exe'\n    - Description: 'Windows Command Processor'\ncondition: sel", ev: ev("Description", "cmd"), want: false},
		{name: "list of maps/AND inside a map", det: "sel:\n    - A: 1\n      B: 2\n    - C: 3\ncondition: sel", ev: ev("A", numV("1"), "C", numV("4")), want: false},
		{name: "list of maps/AND inside a map both", det: "sel:\n    - A: 1\n      B: 2\n    - C: 3\ncondition: sel", ev: ev("A", numV("1"), "B", numV("2")), want: true},
	}
	runSpecCases(t, cases)
}

func TestSpecKeywords(t *testing.T) {
	kw := "keywords:\n    - 'Failed password for invalid user'\n    - 'Did not receive identification string'\ncondition: keywords"
	wild := "keywords:\n    - 'Trojan*FOUND'\ncondition: keywords"
	all := "keywords_all:\n    '|all':\n        - 'OabVirtualDirectory'\n        - ' -ExternalUrl '\ncondition: keywords_all"
	cases := []specCase{
		{name: "message/whole message", det: kw, ev: ev(msgKey, "Failed password for invalid user"), want: true},
		{name: "message/inside the message", det: kw, ev: ev(msgKey, "Mar  5 10:00:01 host sshd[42]: Failed password for invalid user bob from 10.0.0.1 port 22 ssh2"), want: true},
		{name: "message/second keyword", det: kw, ev: ev(msgKey, "sshd[42]: Did not receive identification string from 10.0.0.1"), want: true},
		{name: "message/case-insensitive", det: kw, ev: ev(msgKey, "sshd[42]: FAILED PASSWORD FOR INVALID USER bob"), want: true},
		{name: "message/none", det: kw, ev: ev(msgKey, "sshd[42]: Accepted password for bob"), want: false},
		{name: "message/wildcard", det: wild, ev: ev(msgKey, "clamd: /tmp/x: Trojan.Linux.X FOUND"), want: true},
		{name: "message/wildcard whole", det: wild, ev: ev(msgKey, "Trojan.X FOUND"), want: true},
		{name: "message/fields not searched", det: kw, ev: ev(msgKey, "other text", "Note", "Failed password for invalid user"), want: false},
		{name: "no message/any string field", det: kw, ev: ev("A", "x", "B", "sshd: Failed password for invalid user bob"), want: true},
		{name: "no message/whole field", det: kw, ev: ev("A", "x", "B", "Failed password for invalid user"), want: true},
		{name: "no message/none", det: kw, ev: ev("A", "x", "B", "y"), want: false},
		{name: "no message/not numbers", det: "keywords:\n    - '4624'\ncondition: keywords", ev: ev("EventID", numV("4624")), want: false},
		{name: "no message/number keyword in string", det: "keywords:\n    - 4624\ncondition: keywords", ev: ev("Text", "event 4624 logged"), want: true},
		{name: "all/both", det: all, ev: ev(msgKey, "Set-OabVirtualDirectory -Identity x -ExternalUrl 'http://x'"), want: true},
		{name: "all/one", det: all, ev: ev(msgKey, "Set-OabVirtualDirectory -Identity x"), want: false},
		{name: "all/in two fields", det: all, ev: ev("A", "Set-OabVirtualDirectory", "B", "x -ExternalUrl y"), want: true},
		{name: "single keyword scalar", det: "kw: 'mimikatz'\ncondition: kw", ev: ev(msgKey, "running MIMIKATZ now"), want: true},
		{name: "spec mimikatz example", det: "mimikatz_keywords:\n    - 'event::clear'\n    - 'event::drop'\ncondition: mimikatz_keywords", ev: ev(msgKey, "mimikatz # event::drop"), want: true},
		{name: "keyword with field in condition", det: "sel:\n    EventID: 1\nkw:\n    - 'evil'\ncondition: sel and kw", ev: ev(msgKey, "very evil", "EventID", numV("1")), want: true},
	}
	runSpecCases(t, cases)
}

// withCopy is an event whose fields are an original and its mapped copy,
// as the Windows mapping makes them: a keyword search reads the value once.
func withCopy(name, copyName, value string) *event.Event {
	e := ev("Other", "x")
	e.Add(name, value, event.String)
	e.AddCopy(copyName, e.Len()-1)
	return e
}

func TestSpecKeywordsOverCopies(t *testing.T) {
	kw := "kw:\n    - 'mimikatz'\ncondition: kw"
	// A field rule on the copy's name gives it a scan of its own: the
	// keyword must still be found there, and through the original.
	withField := "kw:\n    - 'mimikatz'\nsel:\n    Image|contains: 'zzz'\ncondition: kw or sel"
	withOrig := "kw:\n    - 'mimikatz'\nsel:\n    Event.EventData.Image|contains: 'zzz'\ncondition: kw or sel"
	cases := []specCase{
		{name: "no plan", det: kw, ev: withCopy("Event.EventData.Image", "Image", `C:\t\Mimikatz.exe`), want: true},
		{name: "plan on the copy", det: withField, ev: withCopy("Event.EventData.Image", "Image", `C:\t\Mimikatz.exe`), want: true},
		{name: "plan on the original", det: withOrig, ev: withCopy("Event.EventData.Image", "Image", `C:\t\Mimikatz.exe`), want: true},
		{name: "none", det: withField, ev: withCopy("Event.EventData.Image", "Image", `C:\t\cmd.exe`), want: false},
	}
	runSpecCases(t, cases)
}

func TestSpecConditions(t *testing.T) {
	// Three identifiers a, b, c on fields A, B, C: field value "1" makes
	// the identifier true.
	three := func(cond string) string {
		return "a:\n    A: 1\nb:\n    B: 1\nc:\n    C: 1\ncondition: " + cond
	}
	abc := func(a, b, c bool) *event.Event {
		var kv []any
		for i, on := range []bool{a, b, c} {
			v := "0"
			if on {
				v = "1"
			}
			kv = append(kv, string(rune('A'+i)), v)
		}
		return ev(kv...)
	}
	type tc struct {
		cond    string
		a, b, c bool
		want    bool
	}
	var cases []specCase
	for _, x := range []tc{
		{"a or b and c", true, false, false, true},  // a or (b and c)
		{"a or b and c", false, true, false, false}, // not (a or b) and c
		{"a and b or c", false, false, true, true},
		{"a and b or c", true, false, false, false},
		{"not a and b", false, true, false, true}, // (not a) and b
		{"not a and b", true, false, false, false},
		{"not a or b", true, true, false, true},
		{"not a or b", true, false, false, false},
		{"not (a or b)", false, false, true, true},
		{"not (a or b)", false, true, true, false},
		{"not not a", true, false, false, true},
		{"(a or b) and c", true, false, false, false},
		{"(a or b) and c", false, true, true, true},
		{"a and (b or c)", true, false, true, true},
		{"((a))", true, false, false, true},
		{"a and not b and not c", true, false, false, true},
		{"a and not b and not c", true, false, true, false},
		{"1 of them", false, false, true, true},
		{"1 of them", false, false, false, false},
		{"all of them", true, true, true, true},
		{"all of them", true, true, false, false},
		{"any of them", false, true, false, true},
		{"not 1 of them", false, false, false, true},
		{"not all of them and a", true, true, false, true}, // (not (all of them)) and a
		{"a and 1 of them", true, false, false, true},
	} {
		cases = append(cases, specCase{name: fmt.Sprintf("%s/%v%v%v", x.cond, x.a, x.b, x.c), det: three(x.cond), ev: abc(x.a, x.b, x.c), want: x.want})
	}
	pat := func(cond string) string {
		return "selection_img:\n    Image: x\nselection_cmd:\n    CommandLine: x\nfilter_main:\n    User: x\n_private:\n    Secret: x\ncondition: " + cond
	}
	for _, x := range []struct {
		cond string
		kv   []any
		want bool
	}{
		{"1 of selection_*", []any{"CommandLine", "x"}, true},
		{"1 of selection_*", []any{"User", "x"}, false},
		{"any of selection_*", []any{"Image", "x"}, true},
		{"all of selection_*", []any{"Image", "x"}, false},
		{"all of selection_*", []any{"Image", "x", "CommandLine", "x"}, true},
		{"all of sel*img*", []any{"Image", "x"}, true},
		{"1 of *_main", []any{"User", "x"}, true},
		{"1 of selection_* and not 1 of filter_*", []any{"Image", "x"}, true},
		{"1 of selection_* and not 1 of filter_*", []any{"Image", "x", "User", "x"}, false},
		// them leaves out identifiers starting with '_'
		{"all of them", []any{"Image", "x", "CommandLine", "x", "User", "x"}, true},
		{"1 of them", []any{"Secret", "x"}, false},
		{"1 of _*", []any{"Secret", "x"}, true},
		{"1 of * and _private", []any{"Secret", "x", "User", "x"}, true},
		{"1 of *", []any{"Secret", "x"}, false},
	} {
		cases = append(cases, specCase{name: fmt.Sprintf("pattern/%s/%v", x.cond, x.kv), det: pat(x.cond), ev: ev(x.kv...), want: x.want})
	}
	// a condition given as a list is the OR of its entries
	list := "a:\n    A: 1\nb:\n    B: 1\ncondition:\n    - a\n    - b"
	cases = append(cases,
		specCase{name: "list/first", det: list, ev: ev("A", "1"), want: true},
		specCase{name: "list/second", det: list, ev: ev("B", "1"), want: true},
		specCase{name: "list/neither", det: list, ev: ev("C", "1"), want: false},
		specCase{name: "spec example/map+list+keywords", det: `selection_img:
    Image|endswith: '\cmd.exe'
    CommandLine|contains:
        - ' /c '
        - ' /k '
selection_alt:
    - ParentImage|endswith: '\winword.exe'
    - Description: 'Windows Command Processor'
keywords:
    - 'Failed password for invalid user'
keywords_all:
    '|all':
        - 'OabVirtualDirectory'
        - ' -ExternalUrl '
condition: (selection_img or selection_alt) and not 1 of keywords*`, ev: ev("Image", `C:\Windows\cmd.exe`, "CommandLine", "cmd /c whoami"), want: true},
	)
	runSpecCases(t, cases)
}

// TestSpecFilters checks Sigma filters (sigma-filters-specification.md,
// with pySigma's semantics: the rule's condition AND the filter's).
func TestSpecFilters(t *testing.T) {
	rule := `title: Rule A
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
name: rule_a
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\rar.exe'
    condition: selection
---
title: Rule B
id: df0841c0-9846-4e9f-ad8a-7df91571771b
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\rar.exe'
    condition: selection
`
	filter := func(rules, logsource, cond string) string {
		return `---
title: Filter Administrator account
logsource:
` + logsource + `
filter:
    rules:` + rules + `
    selection:
        User|startswith: 'adm_'
    condition: ` + cond + "\n"
	}
	winPC := "    category: process_creation\n    product: windows"
	mk := func(user string) *event.Event {
		e := ev("Image", `C:\Program Files\WinRAR\Rar.exe`, "User", user)
		e.Logsource = event.Logsource{Product: "windows", Category: "process_creation"}
		return e
	}
	for _, c := range []struct {
		name string
		text string
		user string
		want string
	}{
		{"no filter", rule, "adm_bob", "Rule A,Rule B"},
		{"by id/filtered", rule + filter("\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095", winPC, "not selection"), "adm_bob", "Rule B"},
		{"by id/kept", rule + filter("\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095", winPC, "not selection"), "bob", "Rule A,Rule B"},
		{"by name", rule + filter("\n        - rule_a", winPC, "not selection"), "adm_bob", "Rule B"},
		{"two rules", rule + filter("\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n        - df0841c0-9846-4e9f-ad8a-7df91571771b", winPC, "not selection"), "adm_x", ""},
		{"any", rule + filter(" any", winPC, "not selection"), "adm_bob", ""},
		{"logsource differs", rule + filter(" any", "    product: linux", "not selection"), "adm_bob", "Rule A,Rule B"},
		{"broader logsource", rule + filter(" any", "    product: windows", "not selection"), "adm_bob", ""},
		{"positive filter condition", rule + filter(" any", winPC, "selection"), "bob", ""},
		{"positive filter condition keeps", rule + filter(" any", winPC, "selection"), "adm_bob", "Rule A,Rule B"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rules := parseOK(t, c.text)
			got := strings.Join(matchBoth(t, rules, Options{}, mk(c.user)), ",")
			if got != c.want {
				t.Errorf("matched %q, want %q", got, c.want)
			}
		})
	}
}

func TestSpecLogsourceRouting(t *testing.T) {
	rules := parseOK(t, `title: win
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4624
    condition: sel
`)
	for _, c := range []struct {
		ls   event.Logsource
		want bool
	}{
		{event.Logsource{Product: "windows", Service: "security"}, true},
		{event.Logsource{Product: "windows", Service: "security", Category: "x"}, true},
		{event.Logsource{Product: "windows", Service: "system"}, false},
		{event.Logsource{Product: "linux", Service: "security"}, false},
		{event.Logsource{Product: "windows"}, false},
	} {
		e := ev("EventID", numV("4624"))
		e.Logsource = c.ls
		if got := len(matchBoth(t, rules, Options{}, e)) > 0; got != c.want {
			t.Errorf("logsource %+v: match %v, want %v", c.ls, got, c.want)
		}
	}
}

// parseErrCase is a broken rule with where and what the problem is.
type parseErrCase struct {
	name      string
	text      string // detection section (see wrap) or a whole file
	line, col int    // 0: not checked
	phrase    string
}

func TestSpecParseErrors(t *testing.T) {
	cases := []parseErrCase{
		{"unknown modifier", sel("CommandLine|contans", "x"), 7, 9, "unknown modifier"},
		{"empty modifier", sel("CommandLine||contains", "x"), 7, 9, "empty modifier"},
		{"modifier twice", sel("CommandLine|contains|contains", "x"), 7, 9, "given twice"},
		{"bad regex", sel("F|re", "'(abc'"), 7, 15, "does not compile"},
		{"re flag without re", sel("F|i", "'abc'"), 7, 9, "must follow `re`"},
		{"re with contains", sel("F|re|contains", "'abc'"), 7, 9, "cannot be combined"},
		{"cidr with base64", sel("F|cidr|base64", "'10.0.0.0/8'"), 7, 9, "cannot be combined"},
		{"contains with startswith", sel("F|contains|startswith", "'abc'"), 7, 9, "cannot be combined"},
		{"gt with lt", sel("F|gt|lt", "5"), 7, 9, "cannot be combined"},
		{"gt with contains", sel("F|gt|contains", "5"), 7, 9, "cannot be combined"},
		{"gt with a string", sel("F|gt", "'abc'"), 7, 15, "needs a number"},
		{"gt with a bool", sel("F|gt", "true"), 7, 15, "needs a number"},
		{"bad cidr prefix", sel("F|cidr", "'10.0.0.0/33'"), 7, 17, "not an IPv4 or IPv6 network"},
		{"bad cidr address", sel("F|cidr", "'10.0.0/8'"), 7, 17, "not an IPv4 or IPv6 network"},
		{"exists with a string", sel("F|exists", "'yes'"), 7, 9, "`exists` needs true or false"},
		{"exists with a list", sel("F|exists", "[true, false]"), 7, 9, "`exists` needs true or false"},
		{"exists with another modifier", sel("F|exists|neq", "true"), 7, 9, "takes no other modifier"},
		{"base64 with a wildcard", sel("F|base64", "'a*'"), 7, 19, "wildcard"},
		{"base64offset with a wildcard", sel("F|base64offset|contains", "'a?b'"), 7, 34, "wildcard"},
		{"time modifier with a text", sel("TimeCreated|hour", "'late'"), 7, 27, "needs a number"},
		{"time modifier with a text and gte", sel("TimeCreated|hour|gte", "'late'"), 7, 31, "needs a number"},
		{"fieldref with a number", sel("F|fieldref", "5"), 7, 21, "`fieldref` needs the name"},
		{"null in a list", sel("F", "[a, null]"), 7, 16, "null cannot be one value of a list"},
		{"null with a modifier", sel("F|contains", "null"), 7, 21, "null takes no modifier"},
		{"keyword null", "kw:\n    - null\ncondition: kw", 7, 11, "keyword cannot be null"},
		{"mixed keywords and maps", "sel:\n    - a\n    - F: b\ncondition: sel", 7, 9, "mixes field maps and plain keywords"},
		{"empty value list", sel("F", "[]"), 7, 12, "empty value list"},
		{"empty search", "sel:\ncondition: sel", 6, 9, "is empty"},
		{"nested map value", "sel:\n    F:\n        G: x\ncondition: sel", 8, 13, "a value must be text"},
		{"duplicate identifier", "sel:\n    F: a\nsel:\n    F: b\ncondition: sel", 8, 5, "defined twice"},
		{"condition unknown identifier", "sel:\n    F: a\ncondition: sel and nope", 8, 24, "\"nope\" is not a search identifier"},
		{"condition unknown identifier quoted", "sel:\n    F: a\ncondition: 'sel and nope'", 8, 25, "\"nope\" is not a search identifier"},
		{"condition unknown identifier in list", "sel:\n    F: a\ncondition:\n    - sel\n    - sel or nope", 10, 18, "\"nope\" is not a search identifier"},
		{"condition '(' never closed", "sel:\n    F: a\ncondition: (sel", 8, 16, "'(' is never closed"},
		{"condition extra ')'", "sel:\n    F: a\ncondition: sel)", 8, 19, "unbalanced ')'"},
		{"condition nested unclosed", "sel:\n    F: a\ncondition: (sel and (sel or sel)", 8, 16, "'(' is never closed"},
		{"condition legacy count", "sel:\n    F: a\ncondition: sel | count() by User > 5", 8, 20, "aggregation"},
		{"condition legacy near", "sel:\n    F: a\ncondition: sel | near sel", 8, 20, "aggregation"},
		{"condition ends early", "sel:\n    F: a\ncondition: sel and", 8, 23, "ends too early"},
		{"condition starts with and", "sel:\n    F: a\ncondition: and sel", 8, 16, "needs something on its left"},
		{"condition two identifiers", "sel:\n    F: a\nsel2:\n    F: b\ncondition: sel sel2", 10, 20, "expected 'and' or 'or'"},
		{"condition 2 of", "sel:\n    F: a\ncondition: 2 of sel*", 8, 16, "only '1 of'"},
		{"condition 1 of nothing", "sel:\n    F: a\ncondition: 1 of filter*", 8, 21, "matches no search identifier"},
		{"condition 1 of without pattern", "sel:\n    F: a\ncondition: 1 of", 8, 18, "needs a pattern"},
		{"condition empty", "sel:\n    F: a\ncondition: ''", 8, 17, "condition is empty"},
		{"condition not text", "sel:\n    F: a\ncondition:\n    x: y", 9, 9, "condition"},
		{"missing condition", "sel:\n    F: a", 6, 5, "no `condition:`"},
		{"timeframe", "sel:\n    F: a\ntimeframe: 5m\ncondition: sel", 8, 5, "timeframe"},
		{"no title", "# no title\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 1, "no title"},
		{"title: no logsource", "title: t\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 1, 1, "no `logsource:`"},
		{"title: no detection", "title: t\nlogsource:\n    product: x\n", 1, 1, "no `detection:`"},
		{"title: detection not a map", "title: t\nlogsource:\n    product: x\ndetection: sel\n", 4, 12, "detection must be a mapping"},
		{"title: bad level", "title: t\nlevel: severe\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 8, "level"},
		{"title: bad id", "title: t\nid: 1234\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 5, "not a UUID"},
		{"title: bad date", "title: t\ndate: 2024/01/02\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 7, "YYYY-MM-DD"},
		{"title: bad tag in list", "title: t\ntags:\n    - Attack.T1059\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 3, 7, "tag"},
		{"title: bad tag as single text", "title: t\ntags: Attack.T1059\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 7, "tag"},
		{"title: duplicate key", "title: t\ntitle: u\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n    condition: sel\n", 2, 1, "appears twice"},
		{"title: YAML syntax", "title: t\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: a\n       G: b\n    condition: sel\n", 0, 0, "YAML syntax"}, // yaml.v3 names line 4, where the block began
		{"title: YAML unclosed quote", "title: t\nlogsource:\n    product: x\ndetection:\n    sel:\n        F: 'abc\n    condition: sel\n", 0, 0, "YAML syntax"},
		{"title: not a mapping", "title: t\n---\n- a\n- b\n", 3, 1, "must be a YAML mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := wrap(c.text)
			var rules []*sigma.Rule
			var errs []*sigma.Error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("sigma.Parse panics: %v\n%s", r, text)
					}
				}()
				rules, errs = sigma.Parse("bad.yml", []byte(text))
			}()
			var hard []*sigma.Error
			for _, e := range errs {
				if !e.Warning {
					hard = append(hard, e)
				}
			}
			if len(hard) == 0 {
				t.Fatalf("no error; want %q\n%s", c.phrase, text)
			}
			if len(rules) != 0 {
				t.Errorf("the broken document still loaded: %+v", rules[0])
			}
			found := false
			for _, e := range hard {
				if e.Line < 1 || e.Column < 1 {
					t.Errorf("error without a position: %v", e)
				}
				if strings.Contains(e.Msg, c.phrase) && (c.line == 0 || e.Line == c.line) && (c.col == 0 || e.Column == c.col) {
					found = true
				}
			}
			if !found {
				t.Errorf("want %d:%d %q; got %v\n%s", c.line, c.col, c.phrase, hard, text)
			}
		})
	}
}

// TestSpecMultiDocument: a broken document does not stop the others.
func TestSpecMultiDocument(t *testing.T) {
	text := `title: first
logsource:
    product: test
detection:
    sel:
        F: a
    condition: sel
---
title: broken
logsource:
    product: test
detection:
    sel:
        F|nosuchmod: b
    condition: sel
---
title: third
logsource:
    product: test
detection:
    sel:
        F: c
    condition: sel and nope
---
title: fourth
logsource:
    product: test
detection:
    sel:
        F: d
    condition: sel
`
	rules, errs := sigma.Parse("multi.yml", []byte(text))
	var titles []string
	for _, r := range rules {
		titles = append(titles, fmt.Sprintf("%s@%d:%d/doc%d", r.Title, r.Pos.Line, r.Pos.Column, r.Doc))
	}
	if got, want := strings.Join(titles, ","), "first@1:1/doc0,fourth@25:1/doc3"; got != want {
		t.Errorf("loaded %s, want %s", got, want)
	}
	var where []string
	for _, e := range errs {
		where = append(where, fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column))
	}
	if got, want := strings.Join(where, ","), "multi.yml:14:9,multi.yml:23:24"; got != want {
		t.Errorf("problems at %s, want %s (%v)", got, want, errs)
	}
	for _, c := range []struct {
		v    string
		want string
	}{{"a", "first"}, {"b", ""}, {"d", "fourth"}} {
		if got := strings.Join(matchBoth(t, rules, Options{}, ev("F", c.v)), ","); got != c.want {
			t.Errorf("F=%s matched %q, want %q", c.v, got, c.want)
		}
	}

	// A YAML syntax error ends the file, but the documents before it load.
	rules, errs = sigma.Parse("multi.yml", []byte(text[:strings.Index(text, "---\ntitle: fourth")]+"---\ntitle: [unclosed\n"))
	if len(rules) != 1 || rules[0].Title != "first" {
		t.Errorf("before a YAML syntax error: loaded %d rules", len(rules))
	}
	last := errs[len(errs)-1]
	if !strings.Contains(last.Msg, "YAML") || last.Line < 24 {
		t.Errorf("YAML error = %v, want it on line 24 or after", last)
	}

	// LoadPaths goes on after a bad file.
	dir := t.TempDir()
	writeFile(t, dir+"/a.yml", text)
	writeFile(t, dir+"/b.yml", "title: [\n")
	writeFile(t, dir+"/c.yaml", wrap(sel("F", "z")))
	set := sigma.LoadPaths(dir, dir+"/missing.yml")
	if len(set.Rules) != 3 || set.Files != 3 || set.Failed != 4 {
		t.Errorf("LoadPaths: %d rules, %d files, %d failed; want 3, 3, 4 (%v)", len(set.Rules), set.Files, set.Failed, set.Problems)
	}
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSpecContainsBeforeBase64offset: modifiers apply in the order written,
// so `contains|base64offset` would encode the wildcards `contains` adds;
// pySigma refuses that. The engine must refuse it too, or treat it like
// base64offset|contains -- never silently compare the whole value.
func TestSpecContainsBeforeBase64offset(t *testing.T) {
	text := wrap(sel("CommandLine|contains|base64offset", "'http://'"))
	rules, errs := sigma.Parse("rule.yml", []byte(text))
	for _, e := range errs {
		if !e.Warning {
			return // refused at load: fine
		}
	}
	eng, cerrs := Compile(rules, Options{})
	if len(cerrs) > 0 || eng.Rules() == 0 {
		return // refused at compile: fine
	}
	e := ev("CommandLine", "powershell -e "+stdB64("xhttp://evil.example"))
	if len(eng.NewMatcher().Match(e)) == 0 {
		t.Errorf("`contains|base64offset` loads but neither refuses nor finds the encoded text: %s", dumpEvent(e))
	}
}
