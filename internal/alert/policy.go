package alert

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Policy says how detections become alerts, campaigns and levels. Start
// from DefaultPolicy and change what differs: ParsePolicy (and a config
// file embedding a Policy) decodes over the defaults, so a missing key
// keeps its default and an explicit 0 turns a threshold off.
type Policy struct {
	// Lang of the reasons' sentences: "fr" (default) or "en".
	Lang      string         `yaml:"lang"`
	Alerts    AlertPolicy    `yaml:"alerts"`
	Campaigns CampaignPolicy `yaml:"campaigns"`
	Levels    LevelPolicy    `yaml:"levels"`
}

// AlertPolicy groups detections into alerts.
type AlertPolicy struct {
	// Window: a detection joins the latest alert of its (tenant, rule,
	// entity) when it comes at most Window after that alert's last
	// detection (1h).
	Window time.Duration `yaml:"window"`
	// Entities are the fields an alert is about, in order of preference;
	// the first one a detection has a value for is the alert's entity
	// (src_ip, user, host). Empty: one alert per tenant and rule.
	Entities []string `yaml:"entities"`
	// MaxDetectionIDs caps the detection ids an alert lists (the first
	// ones: how it started); Count and Detections keep counting (100).
	MaxDetectionIDs int `yaml:"max_detection_ids"`
	// Retention: an alert or a closed campaign whose last detection is
	// older than this is dropped from the engine (the store keeps it) (7d).
	Retention time.Duration `yaml:"retention"`
}

// CampaignPolicy finds the same attack on several tenants.
type CampaignPolicy struct {
	// Window: tenants count for a key when they hit it at most Window
	// apart; an open campaign closes when nothing joined it for longer (1h).
	Window time.Duration `yaml:"window"`
	// MinTenants opens a campaign for a key when that many distinct
	// tenants hit it within Window; 0 turns that kind of key off.
	MinTenants MinTenants `yaml:"min_tenants"`
	// IPv4Prefix and IPv6Prefix size the address ranges (24 and 48).
	IPv4Prefix int `yaml:"ipv4_prefix"`
	IPv6Prefix int `yaml:"ipv6_prefix"`
	// PrivateAddresses lets private addresses (RFC 1918, fc00::/7) be
	// attacker keys. Off by default: tenants' private networks overlap,
	// so 192.168.1.10 in two tenants is two machines. Loopback,
	// link-local and multicast addresses never are.
	PrivateAddresses bool `yaml:"private_addresses"`
	// MaxAlerts caps the alert ids a campaign lists (1000); AlertCount
	// keeps counting.
	MaxAlerts int `yaml:"max_alerts"`
}

// MinTenants is, per kind of campaign key, how many tenants open a
// campaign. An attacker seen by two tenants is already a signal; a rule
// or a technique firing on two tenants in an hour is everyday noise.
type MinTenants struct {
	IP        int `yaml:"ip"`         // 2
	Range     int `yaml:"range"`      // 2
	UserAgent int `yaml:"user_agent"` // 2
	FileHash  int `yaml:"file_hash"`  // 2
	Rule      int `yaml:"rule"`       // 3
	Technique int `yaml:"technique"`  // 3
}

// LevelPolicy turns alerts and campaigns into levels.
type LevelPolicy struct {
	// Severity maps a rule's level to the tenant level its alert raises:
	// informational and low: vert, medium: jaune, high: orange,
	// critical: rouge. Keys missing from a file keep their default.
	Severity map[string]Level `yaml:"severity"`
	// RougeTags: an alert of a rule with one of these tags (or a
	// sub-technique of one) raises its tenant to rouge whatever its
	// severity: inhibiting recovery (attack.t1490: shadow copies and
	// backups deleted) and encrypting data (attack.t1486).
	RougeTags []string `yaml:"rouge_tags"`
	// QuietPeriod: a reason holds a level for this long after its last
	// detection; the level comes down when every reason for it has been
	// quiet that long (24h).
	QuietPeriod time.Duration `yaml:"quiet_period"`
	// MaxReasons caps the reasons listed per level (10).
	MaxReasons int      `yaml:"max_reasons"`
	Platform   Platform `yaml:"platform"`
}

// Platform decides the level of the shared platform.
type Platform struct {
	// OneTenantMax caps what a single tenant's level does to the
	// platform (orange): ransomware on one commune's server is that
	// commune's rouge; the platform is rouge when the attack spreads.
	OneTenantMax Level `yaml:"one_tenant_max"`
	// OrangeTenants: that many tenants at orange or above at once make the
	// platform rouge (2; 0: off). Raise it on platforms of many tenants.
	OrangeTenants int `yaml:"orange_tenants"`
	// CampaignLevel is the platform's level while a campaign of at least
	// CampaignMinSeverity holds (rouge, high): scanners probe every tenant
	// all day, so a campaign of medium alerts is listed but raises
	// nothing beyond its tenants' own levels.
	CampaignLevel       Level  `yaml:"campaign_level"`
	CampaignMinSeverity string `yaml:"campaign_min_severity"`
}

// DefaultPolicy returns the defaults documented on each field.
func DefaultPolicy() Policy {
	return Policy{
		Lang: "fr",
		Alerts: AlertPolicy{
			Window:          time.Hour,
			Entities:        []string{"src_ip", "user", "host"},
			MaxDetectionIDs: 100,
			Retention:       7 * 24 * time.Hour,
		},
		Campaigns: CampaignPolicy{
			Window:     time.Hour,
			MinTenants: MinTenants{IP: 2, Range: 2, UserAgent: 2, FileHash: 2, Rule: 3, Technique: 3},
			IPv4Prefix: 24,
			IPv6Prefix: 48,
			MaxAlerts:  1000,
		},
		Levels: LevelPolicy{
			Severity: map[string]Level{
				"informational": Vert, "low": Vert, "medium": Jaune, "high": Orange, "critical": Rouge,
			},
			RougeTags:   []string{"attack.t1490", "attack.t1486"},
			QuietPeriod: 24 * time.Hour,
			MaxReasons:  10,
			Platform: Platform{
				OneTenantMax:        Orange,
				OrangeTenants:       2,
				CampaignLevel:       Rouge,
				CampaignMinSeverity: "high",
			},
		},
	}
}

// fieldName reports whether s can name an event field or entity.
func fieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-@()", r)
		if !ok {
			return false
		}
	}
	return true
}

// sortedKeys returns m's keys in order, for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Validate reports every problem, each a *PolicyError naming the field.
func (p *Policy) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &PolicyError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	duration := func(field string, d time.Duration) {
		if d < time.Second {
			bad(field, "must be at least 1s (a Go duration such as 1h or 90m), got %v", d)
		}
	}
	if p.Lang != "fr" && p.Lang != "en" {
		bad("lang", "must be fr or en, got %q", p.Lang)
	}
	a := &p.Alerts
	duration("alerts.window", a.Window)
	seen := map[string]bool{}
	for i, name := range a.Entities {
		switch {
		case !fieldName(name):
			bad(fmt.Sprintf("alerts.entities[%d]", i), "%q is not a field name", name)
		case seen[name]:
			bad(fmt.Sprintf("alerts.entities[%d]", i), "%q is listed twice", name)
		}
		seen[name] = true
	}
	if a.MaxDetectionIDs < 0 {
		bad("alerts.max_detection_ids", "must not be negative, got %d", a.MaxDetectionIDs)
	}
	duration("alerts.retention", a.Retention)
	c := &p.Campaigns
	duration("campaigns.window", c.Window)
	for _, m := range []struct {
		name string
		v    int
	}{{"ip", c.MinTenants.IP}, {"range", c.MinTenants.Range}, {"user_agent", c.MinTenants.UserAgent},
		{"file_hash", c.MinTenants.FileHash}, {"rule", c.MinTenants.Rule}, {"technique", c.MinTenants.Technique}} {
		if m.v != 0 && m.v < 2 {
			bad("campaigns.min_tenants."+m.name, "must be 0 (off) or at least 2, got %d", m.v)
		}
	}
	if c.IPv4Prefix < 8 || c.IPv4Prefix > 32 {
		bad("campaigns.ipv4_prefix", "must be between 8 and 32, got %d", c.IPv4Prefix)
	}
	if c.IPv6Prefix < 16 || c.IPv6Prefix > 128 {
		bad("campaigns.ipv6_prefix", "must be between 16 and 128, got %d", c.IPv6Prefix)
	}
	if c.MaxAlerts < 1 {
		bad("campaigns.max_alerts", "must be at least 1, got %d", c.MaxAlerts)
	}
	l := &p.Levels
	for _, k := range sortedKeys(l.Severity) {
		if _, ok := severityRank(k); !ok || k == "" {
			bad("levels.severity."+k, "not a Sigma level (informational, low, medium, high, critical)")
		} else if !l.Severity[k].Valid() {
			bad("levels.severity."+k, "level out of range")
		}
	}
	for i, tag := range l.RougeTags {
		if strings.TrimSpace(tag) == "" || tag != strings.ToLower(tag) {
			bad(fmt.Sprintf("levels.rouge_tags[%d]", i), "must be a lower-case tag such as attack.t1490, got %q", tag)
		}
	}
	duration("levels.quiet_period", l.QuietPeriod)
	if l.MaxReasons < 1 {
		bad("levels.max_reasons", "must be at least 1, got %d", l.MaxReasons)
	}
	pl := &l.Platform
	if !pl.OneTenantMax.Valid() {
		bad("levels.platform.one_tenant_max", "level out of range")
	}
	if !pl.CampaignLevel.Valid() {
		bad("levels.platform.campaign_level", "level out of range")
	}
	if pl.OrangeTenants < 0 {
		bad("levels.platform.orange_tenants", "must be 0 (off) or more, got %d", pl.OrangeTenants)
	}
	if _, ok := severityRank(pl.CampaignMinSeverity); !ok || pl.CampaignMinSeverity == "" {
		bad("levels.platform.campaign_min_severity", "not a Sigma level (informational, low, medium, high, critical), got %q", pl.CampaignMinSeverity)
	}
	if a.Retention < l.QuietPeriod || a.Retention < a.Window || a.Retention < c.Window {
		bad("alerts.retention", "must be at least the quiet period and both windows, got %v", a.Retention)
	}
	return errors.Join(errs...)
}

// ParsePolicy decodes YAML over DefaultPolicy, strictly (an unknown key is
// an error), and validates it. Errors carry line and column. Durations are
// Go durations (90m, 24h, 168h). Empty input gives the defaults.
func ParsePolicy(data []byte) (Policy, error) {
	p := DefaultPolicy()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && !errors.Is(err, io.EOF) {
		return Policy{}, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	err := p.Validate()
	if err == nil {
		return p, nil
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) == nil {
		var pe *PolicyError
		for _, e := range unjoin(err) {
			if errors.As(e, &pe) {
				pe.Line, pe.Column = position(&root, pe.Field)
			}
		}
	}
	return Policy{}, err
}

// unjoin lists the errors of an errors.Join.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// position finds the line and column of a dotted path (a.b[2].c) in a
// YAML document; the nearest existing ancestor when the key is missing
// (a value left to its default), 0, 0 when there is none.
func position(root *yaml.Node, path string) (line, col int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, part := range strings.Split(path, ".") {
		idx := -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
			part = part[:i]
		}
		next := mapValue(n, part)
		if next == nil {
			break
		}
		n = next
		line, col = n.Line, n.Column
		if idx >= 0 && n.Kind == yaml.SequenceNode && idx < len(n.Content) {
			n = n.Content[idx]
			line, col = n.Line, n.Column
		}
	}
	return line, col
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
