package jsonlog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/valyala/fastjson"

	"tocsin/internal/event"
)

// Benchmarks compare this decoder with encoding/json and fastjson doing
// the same job: fill a flat event.Event from one object. Run with
//
//	go test ./internal/parse/jsonlog -run XXX -bench . -benchtime 2s

// benchInputs: a JSONL web-log event and an evtx_dump Sysmon event
// (pretty-printed, as SigmaHQ's regression data has it).
func benchInputs(b *testing.B) map[string][]byte {
	in := map[string][]byte{
		"jsonl": []byte(`{"@timestamp":"2024-05-01T10:00:00.123Z","tenant":"ville-a","host":"web-1","message":"GET /index.php?id=1 HTTP/1.1 200","http":{"request":{"method":"GET","path":"/index.php"},"response":{"status":200,"bytes":512}},"user_agent":{"original":"Mozilla/5.0 (X11; Linux x86_64)"},"source":{"ip":"203.0.113.7","port":51234},"tags":["web","nginx"]}`),
	}
	p := filepath.Join("..", "..", "..", "..", "shared", "sigma", "regression", "rules", "windows", "process_creation",
		"proc_creation_win_susp_eventlog_content_recon", "beaa66d6-aa1b-4e3c-80f5-e0145369bfaf.json")
	if data, err := os.ReadFile(p); err == nil {
		in["evtx"] = data
	}
	return in
}

func BenchmarkDecode(b *testing.B) {
	for name, data := range benchInputs(b) {
		b.Run(name+"/tocsin", func(b *testing.B) {
			d := NewDecoder()
			ev := event.New()
			benchLoop(b, data, func() error { return d.Decode(data, ev) })
		})
		b.Run(name+"/fastjson", func(b *testing.B) {
			var p fastjson.Parser
			ev := event.New()
			var names []byte
			benchLoop(b, data, func() error {
				v, err := p.ParseBytes(data)
				if err != nil {
					return err
				}
				ev.Reset()
				names = names[:0]
				fastjsonFlatten(ev, &names, "", v)
				return nil
			})
		})
		b.Run(name+"/encoding_json", func(b *testing.B) {
			ev := event.New()
			benchLoop(b, data, func() error {
				dec := map[string]any{}
				if err := json.Unmarshal(data, &dec); err != nil {
					return err
				}
				ev.Reset()
				stdFlatten(ev, "", dec)
				return nil
			})
		})
	}
}

func benchLoop(b *testing.B, data []byte, decode func() error) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := decode(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// fastjsonFlatten is the same flattening over fastjson's tree.
func fastjsonFlatten(ev *event.Event, names *[]byte, prefix string, v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, c *fastjson.Value) {
			lo := len(*names)
			if prefix != "" {
				*names = append(append(*names, prefix...), '.')
			}
			*names = append(*names, k...)
			fastjsonFlatten(ev, names, unsafeString((*names)[lo:]), c)
		})
	case fastjson.TypeArray:
		for _, c := range v.GetArray() {
			fastjsonFlatten(ev, names, prefix, c)
		}
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		ev.Add(prefix, unsafeString(s), event.String)
	case fastjson.TypeNumber:
		ev.Add(prefix, v.String(), event.Number) // String allocates: the number's text
	case fastjson.TypeTrue:
		ev.Add(prefix, "true", event.Bool)
	case fastjson.TypeFalse:
		ev.Add(prefix, "false", event.Bool)
	case fastjson.TypeNull:
		ev.Add(prefix, "", event.Null)
	}
}

// stdFlatten flattens encoding/json's map (key order is lost: sorted here).
func stdFlatten(ev *event.Event, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			stdFlatten(ev, name, v[k])
		}
	case []any:
		for _, c := range v {
			stdFlatten(ev, prefix, c)
		}
	case string:
		ev.Add(prefix, v, event.String)
	case float64:
		ev.Add(prefix, strconv.FormatFloat(v, 'g', -1, 64), event.Number)
	case bool:
		ev.Add(prefix, strconv.FormatBool(v), event.Bool)
	case nil:
		ev.Add(prefix, "", event.Null)
	}
}
