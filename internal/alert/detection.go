package alert

import (
	"net/netip"
	"strings"
	"time"
)

// Rule is what an alert keeps of the rule that fired. Author is kept as
// the Detection Rule License asks.
type Rule struct {
	ID     string   `json:"id"`
	Title  string   `json:"title"`
	Level  string   `json:"level"` // informational, low, medium, high, critical; "" is informational
	Author string   `json:"author,omitempty"`
	Tags   []string `json:"tags,omitempty"`
}

// key identifies the rule: its id, else its title.
func (r *Rule) key() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Title
}

// name is how sentences call the rule.
func (r *Rule) name() string {
	if r.Title != "" {
		return r.Title
	}
	return r.ID
}

// Detection is the engine's input: one detection or correlation result, as
// stored (store.Alert) or printed by tocsin hunt --output jsonl (a hunt
// line decodes into it). The engine reads it during Observe only.
type Detection struct {
	// ID of the stored detection; 0 when unknown (not listed by the alert).
	ID     int64  `json:"id,omitempty"`
	Kind   string `json:"kind,omitempty"` // detection (default) or correlation
	Tenant string `json:"tenant"`
	// Time is the event time: the event's, or a correlation's last event's.
	Time time.Time `json:"time"`
	// First is a correlation's first event time; zero: Time.
	First time.Time `json:"first,omitzero"`
	Rule  Rule      `json:"rule"`
	Host  string    `json:"host,omitempty"`
	// SrcIP is the attacker when known; else Entities or Group src_ip.
	SrcIP    string            `json:"src_ip,omitempty"`
	Entities map[string]string `json:"entities,omitempty"`
	Group    map[string]string `json:"group,omitempty"` // correlations' group-by values
	// Count of events behind it (a correlation's count, or "message
	// repeated N times"); 0 counts as 1.
	Count int `json:"count,omitempty"`
}

// maxText bounds the strings the engine keeps from input or operators.
const maxText = 4096

func (d *Detection) validate() error {
	switch {
	case strings.TrimSpace(d.Tenant) == "":
		return invalid("tenant", "required")
	case len(d.Tenant) > 256:
		return invalid("tenant", "longer than 256 bytes")
	case d.Time.IsZero():
		return invalid("time", "required (the event time)")
	case d.Rule.ID == "" && d.Rule.Title == "":
		return invalid("rule.id", "required (or rule.title)")
	case len(d.Rule.ID) > maxText || len(d.Rule.Title) > maxText:
		return invalid("rule", "id or title longer than %d bytes", maxText)
	case d.Count < 0:
		return invalid("count", "negative (%d)", d.Count)
	case d.Kind != "" && d.Kind != "detection" && d.Kind != "correlation":
		return invalid("kind", "must be detection or correlation, got %q", d.Kind)
	case !d.First.IsZero() && d.First.After(d.Time):
		return invalid("first", "after time")
	}
	if _, ok := severityRank(d.Rule.Level); !ok {
		return invalid("rule.level", "not a Sigma level (informational, low, medium, high, critical), got %q", d.Rule.Level)
	}
	return nil
}

// lookup reads an entity: src_ip from SrcIP first, then Entities, then
// Group, and host from Host last. "" and "-" are no value.
func (d *Detection) lookup(name string) string {
	if name == "src_ip" && d.SrcIP != "" && d.SrcIP != "-" {
		return d.SrcIP
	}
	if v := d.Entities[name]; v != "" && v != "-" {
		return v
	}
	if v := d.Group[name]; v != "" && v != "-" {
		return v
	}
	if name == "host" && d.Host != "-" {
		return d.Host
	}
	return ""
}

// lookupAny returns the first value of names.
func (d *Detection) lookupAny(names ...string) string {
	for _, n := range names {
		if v := d.lookup(n); v != "" {
			return v
		}
	}
	return ""
}

// keyKind is the kind of a campaign key, in order of precedence: the most
// specific first.
type keyKind uint8

const (
	kindIP keyKind = iota
	kindRange
	kindUserAgent
	kindFileHash
	kindRule
	kindTechnique
)

func (k keyKind) String() string {
	switch k {
	case kindIP:
		return "ip"
	case kindRange:
		return "range"
	case kindUserAgent:
		return "user_agent"
	case kindFileHash:
		return "file_hash"
	case kindRule:
		return "rule"
	case kindTechnique:
		return "technique"
	}
	return "unknown"
}

// attacker reports whether the key names the attacker rather than what
// was done.
func (k keyKind) attacker() bool { return k <= kindFileHash }

// campaignKey is comparable and built without allocating: addresses and
// ranges as prefixes, other keys as strings.
type campaignKey struct {
	kind   keyKind
	prefix netip.Prefix
	value  string
}

// CampaignKey is what a campaign's tenants have in common.
type CampaignKey struct {
	// Kind: ip, range, user_agent, file_hash, rule or technique.
	Kind string `json:"kind"`
	// Value: the address, the range (203.0.113.0/24), the user agent,
	// the hash, the rule id (or title), the technique (t1110).
	Value string `json:"value"`
}

func (k campaignKey) public() CampaignKey {
	switch k.kind {
	case kindIP:
		return CampaignKey{Kind: k.kind.String(), Value: k.prefix.Addr().String()}
	case kindRange:
		return CampaignKey{Kind: k.kind.String(), Value: k.prefix.String()}
	}
	return CampaignKey{Kind: k.kind.String(), Value: k.value}
}

// parseCampaignKey is the inverse of public, for Restore.
func parseCampaignKey(k CampaignKey) (campaignKey, bool) {
	switch k.Kind {
	case "ip":
		a, err := netip.ParseAddr(k.Value)
		if err != nil {
			return campaignKey{}, false
		}
		return campaignKey{kind: kindIP, prefix: netip.PrefixFrom(a, a.BitLen())}, true
	case "range":
		p, err := netip.ParsePrefix(k.Value)
		if err != nil || p != p.Masked() {
			return campaignKey{}, false
		}
		return campaignKey{kind: kindRange, prefix: p}, true
	case "user_agent":
		return campaignKey{kind: kindUserAgent, value: k.Value}, k.Value != ""
	case "file_hash":
		return campaignKey{kind: kindFileHash, value: k.Value}, k.Value != ""
	case "rule":
		return campaignKey{kind: kindRule, value: k.Value}, k.Value != ""
	case "technique":
		return campaignKey{kind: kindTechnique, value: k.Value}, technique(k.Value) == k.Value
	}
	return campaignKey{}, false
}

// Field names read for user agents and file hashes.
func userAgent(d *Detection) string {
	return d.lookupAny("user_agent", "cs-user-agent", "cs(User-Agent)", "user_agent.original", "http_user_agent")
}

// fileHash reads a file hash: sha256, sha1, md5, a generic hash field, or
// Sysmon's Hashes list (SHA256 preferred; IMPHASH is not a file's hash).
func fileHash(d *Detection) string {
	if h := d.lookupAny("sha256", "file.hash.sha256", "sha1", "file.hash.sha1", "md5", "file.hash.md5", "file_hash", "hash"); h != "" {
		return strings.ToLower(h)
	}
	list := d.lookupAny("Hashes", "hashes")
	if list == "" {
		return ""
	}
	var best string
	rank := 0
	for part := range strings.SplitSeq(list, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || val == "" {
			continue
		}
		r := 0
		switch strings.ToUpper(name) {
		case "MD5":
			r = 1
		case "SHA1":
			r = 2
		case "SHA256":
			r = 3
		}
		if r > rank {
			best, rank = val, r
		}
	}
	return strings.ToLower(best)
}

// technique returns the parent ATT&CK technique of a tag, lower case
// ("attack.t1110.001" → "t1110"), or "" when the tag names none. Sub-
// techniques are grouped under their parent: password guessing and
// spraying against several tenants are one campaign. A bare "t1110" is
// accepted too (for Restore).
func technique(tag string) string {
	t := strings.TrimPrefix(tag, "attack.")
	if len(t) < 5 || (t[0] != 't' && t[0] != 'T') {
		return ""
	}
	for i := 1; i < 5; i++ {
		if t[i] < '0' || t[i] > '9' {
			return ""
		}
	}
	rest := t[5:]
	if rest != "" {
		if len(rest) != 4 || rest[0] != '.' {
			return ""
		}
		for i := 1; i < 4; i++ {
			if rest[i] < '0' || rest[i] > '9' {
				return ""
			}
		}
	}
	if t[0] == 'T' {
		return "t" + t[1:5]
	}
	return t[:5]
}

// attackerAddr reports whether an address may identify an attacker across
// tenants: a global unicast address, private ones only when allowed.
// Loopback, link-local, multicast and unspecified addresses never do.
func attackerAddr(a netip.Addr, private bool) bool {
	return a.IsGlobalUnicast() && (private || !a.IsPrivate())
}
