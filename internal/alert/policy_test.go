package alert

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := New(p); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyValidate: each problem names its field.
func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*Policy)
	}{
		{"lang", func(p *Policy) { p.Lang = "de" }},
		{"alerts.window", func(p *Policy) { p.Alerts.Window = 0 }},
		{"alerts.window", func(p *Policy) { p.Alerts.Window = 3600 }}, // nanoseconds: a forgotten unit
		{"alerts.entities[1]", func(p *Policy) { p.Alerts.Entities = []string{"src_ip", "src_ip"} }},
		{"alerts.entities[0]", func(p *Policy) { p.Alerts.Entities = []string{"a b"} }},
		{"alerts.max_detection_ids", func(p *Policy) { p.Alerts.MaxDetectionIDs = -1 }},
		{"alerts.retention", func(p *Policy) { p.Alerts.Retention = time.Hour }},
		{"campaigns.window", func(p *Policy) { p.Campaigns.Window = -time.Hour }},
		{"campaigns.min_tenants.ip", func(p *Policy) { p.Campaigns.MinTenants.IP = 1 }},
		{"campaigns.min_tenants.technique", func(p *Policy) { p.Campaigns.MinTenants.Technique = -2 }},
		{"campaigns.ipv4_prefix", func(p *Policy) { p.Campaigns.IPv4Prefix = 33 }},
		{"campaigns.ipv6_prefix", func(p *Policy) { p.Campaigns.IPv6Prefix = 8 }},
		{"campaigns.max_alerts", func(p *Policy) { p.Campaigns.MaxAlerts = 0 }},
		{"levels.severity.severe", func(p *Policy) { p.Levels.Severity["severe"] = Rouge }},
		{"levels.severity.high", func(p *Policy) { p.Levels.Severity["high"] = Level(5) }},
		{"levels.rouge_tags[0]", func(p *Policy) { p.Levels.RougeTags = []string{"Attack.T1490"} }},
		{"levels.quiet_period", func(p *Policy) { p.Levels.QuietPeriod = 0 }},
		{"levels.max_reasons", func(p *Policy) { p.Levels.MaxReasons = 0 }},
		{"levels.platform.one_tenant_max", func(p *Policy) { p.Levels.Platform.OneTenantMax = Level(4) }},
		{"levels.platform.campaign_level", func(p *Policy) { p.Levels.Platform.CampaignLevel = Level(4) }},
		{"levels.platform.orange_tenants", func(p *Policy) { p.Levels.Platform.OrangeTenants = -1 }},
		{"levels.platform.campaign_min_severity", func(p *Policy) { p.Levels.Platform.CampaignMinSeverity = "" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			p := DefaultPolicy()
			tc.edit(&p)
			err := p.Validate()
			var pe *PolicyError
			if !errors.Is(err, ErrPolicy) || !errors.As(err, &pe) || pe.Field != tc.field {
				t.Fatalf("error %v, want a PolicyError on %s", err, tc.field)
			}
			if _, err := New(p); !errors.Is(err, ErrPolicy) {
				t.Fatalf("New accepted it: %v", err)
			}
		})
	}
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy([]byte(`
lang: en
alerts:
  window: 90m
levels:
  severity:
    medium: orange
  quiet_period: 48h
  platform:
    orange_tenants: 0
`))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultPolicy()
	want.Lang = "en"
	want.Alerts.Window = 90 * time.Minute
	want.Levels.Severity["medium"] = Orange
	want.Levels.QuietPeriod = 48 * time.Hour
	want.Levels.Platform.OrangeTenants = 0
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
	if p, err := ParsePolicy(nil); err != nil || !reflect.DeepEqual(p, DefaultPolicy()) {
		t.Fatalf("empty input: %+v, %v", p, err)
	}
}

// TestParsePolicyErrors: errors carry line and column.
func TestParsePolicyErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown key", "alerts:\n  windw: 1h\n", "line 2: field windw not found"},
		{"bad duration", "alerts:\n  window: soon\n", "line 2"},
		{"bad level", "levels:\n  platform:\n    campaign_level: violet\n", "unknown level"},
		{"invalid value", "campaigns:\n  min_tenants:\n    rule: 1\n", "3:11: campaigns.min_tenants.rule: must be 0 (off) or at least 2"},
		{"invalid list item", "levels:\n  rouge_tags:\n    - attack.t1490\n    - ''\n", "4:7: levels.rouge_tags[1]"},
		{"default left invalid", "alerts:\n  window: 1h\nlevels:\n  quiet_period: 720h\n", "2:3: alerts.retention"},
		{"not a mapping", "- a\n", "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tc.yaml))
			if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrPolicy containing %q", err, tc.want)
			}
		})
	}
}
