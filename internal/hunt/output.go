package hunt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"tocsin/internal/correlate"
	"tocsin/internal/decode"
	"tocsin/internal/event"
	"tocsin/internal/input"
	"tocsin/internal/sigma"
)

type ruleJSON struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Level  string   `json:"level"`
	Author string   `json:"author"`
	Tags   []string `json:"tags"`
}

func ruleInfo(r *sigma.Rule) ruleJSON {
	tags := r.Tags
	if tags == nil {
		tags = []string{}
	}
	return ruleJSON{ID: r.ID, Title: r.Title, Level: r.Level, Author: r.Author, Tags: tags}
}

type sourceJSON struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

type detectionJSON struct {
	Kind     string            `json:"kind"`
	Rule     ruleJSON          `json:"rule"`
	Time     string            `json:"time"`
	Tenant   string            `json:"tenant"`
	Host     string            `json:"host"`
	Source   sourceJSON        `json:"source"`
	Entities map[string]string `json:"entities"`
	Event    json.RawMessage   `json:"event"`
}

type correlationJSON struct {
	Kind   string            `json:"kind"`
	Rule   ruleJSON          `json:"rule"`
	Time   string            `json:"time"`
	Tenant string            `json:"tenant"`
	Group  map[string]string `json:"group"`
	Count  float64           `json:"count"`
	First  string            `json:"first"`
	Last   string            `json:"last"`
	Events []sourceJSON      `json:"events"`
}

// formatter renders detections and correlations as text or JSON lines.
type formatter struct {
	jsonl  bool
	fields map[*sigma.Rule][]string // per rule, the fields worth showing
	tmp    bytes.Buffer
}

func newFormatter(output string) *formatter {
	return &formatter{jsonl: output == "jsonl", fields: map[*sigma.Rule][]string{}}
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (f *formatter) detection(dst []byte, r *sigma.Rule, ev *event.Event, raw []byte, format input.Format) []byte {
	if f.jsonl {
		d := detectionJSON{
			Kind: "detection", Rule: ruleInfo(r), Time: timeText(ev.Time), Tenant: ev.Tenant, Host: ev.Host,
			Source: sourceJSON{ev.Source.File, ev.Source.Line}, Entities: decode.Entities(ev),
			Event: f.eventJSON(ev, raw, format),
		}
		b, err := json.Marshal(d)
		if err != nil {
			return dst
		}
		dst = append(dst, b...)
		return append(dst, '\n')
	}
	// Text: one header line an analyst scans, then the fields that made
	// the rule fire.
	dst = append(dst, timeOr(ev.Time)...)
	dst = append(dst, "  "...)
	dst = append(dst, fmt.Sprintf("%-8s", strings.ToUpper(levelShort(r.Level)))...)
	dst = append(dst, "  "...)
	dst = append(dst, printable(r.Title)...)
	ents := decode.Entities(ev)
	for _, k := range []string{"host", "src_ip", "user", "vhost"} {
		if v, ok := ents[k]; ok {
			dst = append(dst, "  "+k+"="...)
			dst = append(dst, clip(v, 80)...)
		}
	}
	dst = append(dst, fmt.Sprintf("  (%s:%d)\n", printable(ev.Source.File), ev.Source.Line)...)
	for _, name := range f.keyFields(r) {
		if v, ok := ev.Get(name); ok && v != "" {
			dst = append(dst, "      "+printable(name)+": "...)
			dst = append(dst, clip(v, 200)...)
			dst = append(dst, '\n')
		}
	}
	// A keyword rule fired on the text: show it.
	if ev.HasMessage && ev.Message != "" && hasKeywords(r) {
		dst = append(dst, "      message: "...)
		dst = append(dst, clip(ev.Message, 200)...)
		dst = append(dst, '\n')
	}
	return dst
}

func timeOr(t time.Time) string {
	if t.IsZero() {
		return "-                       "
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func levelShort(l string) string {
	if l == "informational" {
		return "info"
	}
	if l == "" {
		return "-"
	}
	return l
}

// clip makes s safe to print on a terminal (see printable) and cuts it to
// about n bytes.
func clip(s string, n int) string {
	s = printable(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// printable escapes what an attacker could put in a log to act on the
// analyst's terminal or hide text: control characters (ESC sequences, CR
// that rewrites the line), Unicode bidirectional controls, and bytes that
// are not UTF-8. Newlines and tabs are shown as \n and \t.
func printable(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			break
		}
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 || unsafeRune(r) {
			break
		}
		i += w
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	b = append(b, s[:i]...)
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == utf8.RuneError && w == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			b = fmt.Appendf(b, `\x%02x`, r)
		case unsafeRune(r):
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, s[i:i+w]...)
		}
		i += w
	}
	return string(b)
}

// unsafeRune reports C1 control characters and the bidirectional controls
// that can reorder what is displayed.
func unsafeRune(r rune) bool {
	return r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// keyFields are the rule's `fields:` when it lists some, else the fields its
// detection tests.
func (f *formatter) keyFields(r *sigma.Rule) []string {
	if fs, ok := f.fields[r]; ok {
		return fs
	}
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] && len(out) < 6 {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, n := range r.Fields {
		add(n)
	}
	if r.Detection != nil && len(out) == 0 {
		for _, s := range r.Detection.Searches {
			for _, g := range s.Maps {
				for _, it := range g {
					add(it.Field)
				}
			}
		}
	}
	f.fields[r] = out
	return out
}

// hasKeywords reports whether the rule searches keywords, which match the
// event's text rather than a field.
func hasKeywords(r *sigma.Rule) bool {
	if r.Detection == nil {
		return false
	}
	for _, s := range r.Detection.Searches {
		if s.Kind == sigma.SearchKeywords {
			return true
		}
	}
	return false
}

// eventJSON is the event as read: the JSON object compacted, or for text
// lines the message and parsed fields.
func (f *formatter) eventJSON(ev *event.Event, raw []byte, format input.Format) json.RawMessage {
	if format != input.FormatLines {
		f.tmp.Reset()
		if json.Compact(&f.tmp, raw) == nil {
			b := f.tmp.Bytes()
			if !utf8.Valid(b) {
				// Compact keeps bytes that are not UTF-8, which makes
				// the line invalid JSON for strict readers. Outside
				// strings they would not have compacted, so only string
				// contents change.
				return bytes.ToValidUTF8(b, []byte("\uFFFD"))
			}
			return append(json.RawMessage(nil), b...)
		}
	}
	m := map[string]any{}
	for i := 0; i < ev.Len(); i++ {
		fl := ev.At(i)
		if _, dup := m[fl.Name]; dup {
			continue
		}
		m[fl.Name] = fl.Value
	}
	if ev.HasMessage {
		m["message"] = ev.Message
	}
	b, _ := json.Marshal(m)
	return b
}

func (f *formatter) correlation(dst []byte, c *correlate.Result) []byte {
	group := map[string]string{}
	tenant := ""
	for _, kv := range c.Group {
		group[kv.Field] = kv.Value
		if kv.Field == "tenant" {
			tenant = kv.Value
		}
	}
	if f.jsonl {
		evs := make([]sourceJSON, len(c.Events))
		for i, e := range c.Events {
			evs[i] = sourceJSON{e.File, e.Line}
		}
		b, err := json.Marshal(correlationJSON{
			Kind: "correlation", Rule: ruleInfo(c.Rule), Time: timeText(c.Last), Tenant: tenant, Group: group,
			Count: c.Value, First: timeText(c.First), Last: timeText(c.Last), Events: evs,
		})
		if err != nil {
			return dst
		}
		dst = append(dst, b...)
		return append(dst, '\n')
	}
	dst = append(dst, timeOr(c.Last)...)
	dst = append(dst, "  "...)
	dst = append(dst, fmt.Sprintf("%-8s", strings.ToUpper(levelShort(c.Rule.Level)))...)
	dst = append(dst, "  "...)
	dst = append(dst, printable(c.Rule.Title)...)
	dst = append(dst, "  [correlation "...)
	if c.Rule.Correlation != nil {
		dst = append(dst, c.Rule.Correlation.Type...)
	}
	dst = append(dst, ']')
	keys := make([]string, 0, len(group))
	for k := range group {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		dst = append(dst, "  "+printable(k)+"="+clip(group[k], 80)...)
	}
	dst = append(dst, "\n      "...)
	if cr := c.Rule.Correlation; cr != nil && cr.Type == sigma.FirstSeen && cr.Condition != nil {
		dst = append(dst, fmt.Sprintf("new %s (%g known in %s) at %s", printable(cr.Condition.Field), c.Value,
			sigma.FormatTimespan(cr.Timespan), timeOr(c.Last))...)
	} else {
		dst = append(dst, strconv.FormatFloat(c.Value, 'f', -1, 64)...)
		dst = append(dst, fmt.Sprintf(" from %s to %s, %d events", timeOr(c.First), timeOr(c.Last), len(c.Events))...)
	}
	if len(c.Events) > 0 {
		dst = append(dst, fmt.Sprintf(" (first at %s:%d)", printable(c.Events[0].File), c.Events[0].Line)...)
	}
	return append(dst, '\n')
}
