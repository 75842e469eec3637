package correlate

import (
	"strings"

	"tocsin/internal/event"
)

// KVs is a hit's own copy of the few fields its correlations read, so the
// event it came from can be reused.
type KVs []KV

// Get returns the value of a field.
func (f KVs) Get(name string) (string, bool) {
	for _, kv := range f {
		if kv.Field == name {
			return kv.Value, true
		}
	}
	return "", false
}

// Slim copies the named fields of ev (Engine.Fields tells which). The
// event's tenant and host stand for fields of those names when it has
// none, so a correlation can group by them.
func Slim(ev *event.Event, names []string) KVs {
	out := make(KVs, 0, len(names))
	for _, n := range names {
		v, ok := ev.Get(n)
		if !ok {
			switch n {
			case "tenant":
				v, ok = ev.Tenant, ev.Tenant != ""
			case "host":
				v, ok = ev.Host, ev.Host != ""
			}
		}
		if ok {
			out = append(out, KV{Field: n, Value: strings.Clone(v)})
		}
	}
	return out
}
