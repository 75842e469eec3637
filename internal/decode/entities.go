package decode

import "tocsin/internal/event"

// entityFields name, for each entity, the event fields it is read from, in
// order of preference: the parsers' normalised names first, then Windows and
// web-server field names.
var entityFields = []struct {
	name   string
	fields []string
}{
	{"src_ip", []string{"src_ip", "IpAddress", "SourceIp", "SourceAddress", "c-ip", "ClientIP", "source.ip", "client.ip"}},
	{"dst_ip", []string{"dst_ip", "DestinationIp", "DestAddress", "destination.ip"}},
	{"user", []string{"user", "TargetUserName", "User", "SubjectUserName", "user.name", "cs-username"}},
	{"vhost", []string{"vhost", "cs-host", "url.domain"}},
	{"process", []string{"Image", "NewProcessName", "process.executable"}},
}

// Entities returns what an event is about: source IP, user, host, ...
func Entities(ev *event.Event) map[string]string {
	out := map[string]string{}
	for _, e := range entityFields {
		if v := entity(ev, e.fields); v != "" {
			out[e.name] = v
		}
	}
	if ev.Host != "" {
		out["host"] = ev.Host
	}
	return out
}

// Entity returns one entity of an event ("src_ip", "user", "host", ...),
// as Entities would, without building the map.
func Entity(ev *event.Event, name string) string {
	if name == "host" {
		return ev.Host
	}
	for _, e := range entityFields {
		if e.name == name {
			return entity(ev, e.fields)
		}
	}
	return ""
}

func entity(ev *event.Event, fields []string) string {
	for _, f := range fields {
		if v, ok := ev.Get(f); ok && v != "" && v != "-" {
			return v
		}
	}
	return ""
}
