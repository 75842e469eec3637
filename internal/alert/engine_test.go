package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"tocsin/internal/level"
)

var t0 = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

func newEngine(t testing.TB, edit func(*Policy)) *Engine {
	t.Helper()
	p := DefaultPolicy()
	if edit != nil {
		edit(&p)
	}
	e, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// brute is a high SSH brute force correlation from ip on tenant at t.
func brute(tenant, ip string, t time.Time) Detection {
	return Detection{Kind: "correlation", Tenant: tenant, Time: t, SrcIP: ip, Count: 10,
		Rule: Rule{ID: "ssh-bf", Title: "SSH Brute Force", Level: "high", Tags: []string{"attack.t1110.001"}}}
}

func observe(t testing.TB, e *Engine, d Detection) []Change {
	t.Helper()
	ch, err := e.Observe(d)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func kinds(ch []Change) []ChangeKind {
	var out []ChangeKind
	for _, c := range ch {
		out = append(out, c.Kind)
	}
	return out
}

func levelOf(e *Engine, tenant string) Level {
	lv := e.Levels()
	if tenant == "" {
		return lv.Platform.Level
	}
	for _, t := range lv.Tenants {
		if t.Tenant == tenant {
			return t.Level
		}
	}
	return 255
}

// TestAlertWindow pins the grouping window: both ends included.
func TestAlertWindow(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  ChangeKind
	}{
		{"same time", 0, AlertUpdated},
		{"within", 30 * time.Minute, AlertUpdated},
		{"exactly one window later", time.Hour, AlertUpdated},
		{"one nanosecond past the window", time.Hour + 1, AlertOpened},
		{"a day later", 24 * time.Hour, AlertOpened},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			observe(t, e, brute("a", "203.0.113.7", t0))
			ch := observe(t, e, brute("a", "203.0.113.7", t0.Add(tc.after)))
			if !slices.Contains(kinds(ch), tc.want) {
				t.Fatalf("got %v, want %s", kinds(ch), tc.want)
			}
		})
	}
}

// TestAlertWindowSlides: each detection extends the window from itself.
func TestAlertWindowSlides(t *testing.T) {
	e := newEngine(t, nil)
	for i := range 10 {
		observe(t, e, brute("a", "203.0.113.7", t0.Add(time.Duration(i)*50*time.Minute)))
	}
	as := e.Alerts(AlertFilter{})
	if len(as) != 1 || as[0].Count != 100 || as[0].Detections != 10 {
		t.Fatalf("got %d alerts, first %+v", len(as), as[0])
	}
}

// TestCampaignWindow pins the campaign window: a tenant counts when its
// hit is at most Window before the current one.
func TestCampaignWindow(t *testing.T) {
	for _, tc := range []struct {
		name     string
		after    time.Duration
		campaign bool
	}{
		{"together", 0, true},
		{"exactly one window apart", time.Hour, true},
		{"one nanosecond more", time.Hour + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			observe(t, e, brute("a", "203.0.113.7", t0))
			ch := observe(t, e, brute("b", "203.0.113.7", t0.Add(tc.after)))
			got := slices.Contains(kinds(ch), CampaignOpened)
			if got != tc.campaign {
				t.Fatalf("campaign opened: %v, want %v (%v)", got, tc.campaign, kinds(ch))
			}
		})
	}
}

// TestCampaignClose: an open campaign takes a detection exactly one window
// after its last one, and closes a nanosecond later, dated Last + Window.
func TestCampaignClose(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	observe(t, e, brute("b", "203.0.113.7", t0))
	if ch := e.Advance(t0.Add(time.Hour)); slices.Contains(kinds(ch), CampaignClosed) {
		t.Fatalf("closed at Last + Window: %v", kinds(ch))
	}
	ch := observe(t, e, brute("c", "203.0.113.7", t0.Add(time.Hour)))
	if !slices.Contains(kinds(ch), CampaignJoined) {
		t.Fatalf("a detection at Last + Window did not join: %v", kinds(ch))
	}
	ch = e.Advance(t0.Add(2*time.Hour + 1))
	i := slices.Index(kinds(ch), CampaignClosed)
	if i < 0 {
		t.Fatalf("not closed: %v", kinds(ch))
	}
	if want := t0.Add(2 * time.Hour); !ch[i].At.Equal(want) || !ch[i].Campaign.ClosedAt.Equal(want) {
		t.Fatalf("closed at %v (campaign %v), want %v", ch[i].At, ch[i].Campaign.ClosedAt, want)
	}
}

// TestQuietPeriod: the level holds until exactly last evidence + quiet
// period.
func TestQuietPeriod(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		want  Level
	}{
		{"just before", 24*time.Hour - 1, Orange},
		{"exactly", 24 * time.Hour, Vert},
		{"later", 48 * time.Hour, Vert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			observe(t, e, brute("a", "203.0.113.7", t0))
			ch := e.Advance(t0.Add(tc.after))
			if got := levelOf(e, "a"); got != tc.want {
				t.Fatalf("level %v, want %v", got, tc.want)
			}
			if tc.want == Vert {
				// The drop is dated at the end of the quiet period, whenever
				// Advance is called.
				if len(ch) == 0 || !ch[0].At.Equal(t0.Add(24*time.Hour)) {
					t.Fatalf("changes %+v", ch)
				}
			}
		})
	}
}

// TestQuietPeriodIsPerLevel: a lower reason still held keeps its level.
func TestQuietPeriodIsPerLevel(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	medium := brute("a", "203.0.113.9", t0.Add(6*time.Hour))
	medium.Rule = Rule{ID: "probe", Title: "Web Probing", Level: "medium"}
	observe(t, e, medium)
	e.Advance(t0.Add(25 * time.Hour))
	if got := levelOf(e, "a"); got != Jaune {
		t.Fatalf("level %v, want jaune", got)
	}
	e.Advance(t0.Add(30 * time.Hour))
	if got := levelOf(e, "a"); got != Vert {
		t.Fatalf("level %v, want vert", got)
	}
}

// TestAdvanceCadence: the history does not depend on how often Advance is
// called.
func TestAdvanceCadence(t *testing.T) {
	run := func(step time.Duration) []Change {
		e := newEngine(t, nil)
		observe(t, e, brute("a", "203.0.113.7", t0))
		observe(t, e, brute("b", "203.0.113.7", t0.Add(10*time.Minute)))
		vss := Detection{Tenant: "c", Time: t0.Add(3 * time.Hour), Host: "srv",
			Rule: Rule{ID: "vss", Title: "Shadow Copies Deleted", Level: "critical", Tags: []string{"attack.t1490"}}}
		observe(t, e, vss)
		end := t0.Add(4 * 24 * time.Hour)
		for x := t0; !x.After(end); x = x.Add(step) {
			e.Advance(x)
		}
		e.Advance(end)
		return e.History()
	}
	once, often := run(4*24*time.Hour), run(7*time.Minute)
	if !reflect.DeepEqual(once, often) {
		a, _ := json.Marshal(once)
		b, _ := json.Marshal(often)
		t.Fatalf("history differs:\n once: %s\noften: %s", a, b)
	}
	if len(once) < 6 {
		t.Fatalf("only %d changes", len(once))
	}
}

// TestLateEvidence: a detection already older than the quiet period makes
// an alert but raises nothing.
func TestLateEvidence(t *testing.T) {
	e := newEngine(t, nil)
	e.Advance(t0.Add(48 * time.Hour))
	ch := observe(t, e, brute("a", "203.0.113.7", t0))
	if !reflect.DeepEqual(kinds(ch), []ChangeKind{AlertOpened}) {
		t.Fatalf("changes %v", kinds(ch))
	}
	observe(t, e, brute("a", "203.0.113.7", t0.Add(47*time.Hour)))
	if got := levelOf(e, "a"); got != Orange {
		t.Fatalf("fresh evidence: level %v, want orange", got)
	}
}

// TestStatusTransitions walks the alert state machine.
func TestStatusTransitions(t *testing.T) {
	type op func(e *Engine, id string) error
	ack := func(e *Engine, id string) error { return e.Ack(id, "op", t0) }
	res := func(e *Engine, id string) error { return e.Resolve(id, "op", t0) }
	for _, tc := range []struct {
		name  string
		ops   []op
		want  error
		final Status
	}{
		{"ack open", []op{ack}, nil, StatusAcknowledged},
		{"resolve open", []op{res}, nil, StatusResolved},
		{"resolve acknowledged", []op{ack, res}, nil, StatusResolved},
		{"ack twice", []op{ack, ack}, ErrTransition, StatusAcknowledged},
		{"ack resolved", []op{res, ack}, ErrTransition, StatusResolved},
		{"resolve twice", []op{res, res}, ErrTransition, StatusResolved},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			observe(t, e, brute("a", "203.0.113.7", t0))
			var err error
			for _, o := range tc.ops {
				err = o(e, "A1")
			}
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if a, _ := e.Alert("A1"); a.Status != tc.final {
				t.Fatalf("status %s, want %s", a.Status, tc.final)
			}
		})
	}
}

// TestOperatorErrors: unknown ids and missing fields are refused.
func TestOperatorErrors(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	for _, tc := range []struct {
		name string
		err  error
		want error
		text string
	}{
		{"ack unknown", e.Ack("A2", "op", t0), ErrUnknownAlert, "A2"},
		{"resolve unknown", e.Resolve("Z", "op", t0), ErrUnknownAlert, "Z"},
		{"assign unknown", e.Assign("A9", "x"), ErrUnknownAlert, "A9"},
		{"comment unknown", e.Comment("A9", "x", "y", t0), ErrUnknownAlert, "A9"},
		{"ack without who", e.Ack("A1", " ", t0), ErrInvalid, "who"},
		{"ack without time", e.Ack("A1", "op", time.Time{}), ErrInvalid, "at"},
		{"comment empty", e.Comment("A1", "op", "\n", t0), ErrInvalid, "text"},
		{"comment too long", e.Comment("A1", "op", strings.Repeat("x", maxText+1), t0), ErrInvalid, "text"},
		{"override no reason", func() error { _, err := e.Override("a", Vert, "", "op", t0); return err }(), ErrNoReason, "reason"},
		{"override blank reason", func() error { _, err := e.Override("a", Vert, " \t", "op", t0); return err }(), ErrNoReason, "reason"},
		{"override unknown tenant", func() error { _, err := e.Override("zz", Vert, "r", "op", t0); return err }(), ErrUnknownTenant, "zz"},
		{"override bad level", func() error { _, err := e.Override("a", Level(9), "r", "op", t0); return err }(), ErrInvalid, "level"},
		{"override without who", func() error { _, err := e.Override("a", Vert, "r", "", t0); return err }(), ErrInvalid, "who"},
		{"platform override no reason", func() error { _, err := e.OverridePlatform(Vert, "", "op", t0); return err }(), ErrNoReason, "reason"},
		{"unknown campaign", func() error { _, err := e.Campaign("C1"); return err }(), ErrUnknownCampaign, "C1"},
		{"tenants empty name", e.SetTenants([]string{"x", ""}), ErrInvalid, "tenants[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, tc.want) || !strings.Contains(tc.err.Error(), tc.text) {
				t.Fatalf("error %v, want %v naming %q", tc.err, tc.want, tc.text)
			}
		})
	}
	if got := levelOf(e, "a"); got != Orange {
		t.Fatalf("refused overrides changed the level to %v", got)
	}
}

// TestOverrideCutoff: evidence at the override's time is set aside; one
// nanosecond later it raises again.
func TestOverrideCutoff(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	ov := t0.Add(time.Minute)
	if _, err := e.Override("a", Jaune, "vérifié : test d'intrusion commandé", "rssi", ov); err != nil {
		t.Fatal(err)
	}
	observe(t, e, brute("a", "203.0.113.7", ov))
	if got := levelOf(e, "a"); got != Jaune {
		t.Fatalf("evidence at the override's time: level %v, want jaune", got)
	}
	e.Advance(ov.Add(72 * time.Hour))
	if got := levelOf(e, "a"); got != Jaune {
		t.Fatalf("the override decayed: level %v", got)
	}
	observe(t, e, brute("a", "203.0.113.7", ov.Add(72*time.Hour+1)))
	if got := levelOf(e, "a"); got != Orange {
		t.Fatalf("new evidence: level %v, want orange", got)
	}
}

// TestOverrideInThePast: an override dated before Now happens at Now.
func TestOverrideInThePast(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	ch, err := e.Override("a", Vert, "faux positif", "rssi", t0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !ch[0].At.Equal(t0) {
		t.Fatalf("override at %v, want %v", ch[0].At, t0)
	}
}

// TestDetectionValidation: bad detections are refused with the field
// named, and change nothing.
func TestDetectionValidation(t *testing.T) {
	ok := brute("a", "203.0.113.7", t0)
	for _, tc := range []struct {
		name  string
		edit  func(*Detection)
		field string
	}{
		{"no tenant", func(d *Detection) { d.Tenant = " " }, "tenant"},
		{"long tenant", func(d *Detection) { d.Tenant = strings.Repeat("t", 257) }, "tenant"},
		{"no time", func(d *Detection) { d.Time = time.Time{} }, "time"},
		{"no rule", func(d *Detection) { d.Rule.ID, d.Rule.Title = "", "" }, "rule.id"},
		{"bad level", func(d *Detection) { d.Rule.Level = "HIGH" }, "rule.level"},
		{"negative count", func(d *Detection) { d.Count = -1 }, "count"},
		{"bad kind", func(d *Detection) { d.Kind = "event" }, "kind"},
		{"first after time", func(d *Detection) { d.First = d.Time.Add(1) }, "first"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			d := ok
			tc.edit(&d)
			ch, err := e.Observe(d)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("error %v, want ErrInvalid naming %s", err, tc.field)
			}
			if ch != nil || len(e.Alerts(AlertFilter{})) != 0 || !e.Now().IsZero() {
				t.Fatal("a refused detection changed the engine")
			}
		})
	}
}

// TestEntity: the alert's entity follows the policy's order.
func TestEntity(t *testing.T) {
	for _, tc := range []struct {
		name       string
		d          Detection
		kind, want string
	}{
		{"src_ip field", Detection{SrcIP: "192.0.2.1", Entities: map[string]string{"user": "u"}}, "src_ip", "192.0.2.1"},
		{"src_ip entity", Detection{Entities: map[string]string{"src_ip": "192.0.2.2", "user": "u"}}, "src_ip", "192.0.2.2"},
		{"group-by", Detection{Group: map[string]string{"src_ip": "192.0.2.3"}}, "src_ip", "192.0.2.3"},
		{"dash is none", Detection{SrcIP: "-", Entities: map[string]string{"user": "u"}}, "user", "u"},
		{"user", Detection{Entities: map[string]string{"user": "u", "host": "h"}}, "user", "u"},
		{"host field", Detection{Host: "h"}, "host", "h"},
		{"none", Detection{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, nil)
			d := tc.d
			d.Tenant, d.Time, d.Rule = "a", t0, Rule{ID: "r", Level: "high"}
			observe(t, e, d)
			a, _ := e.Alert("A1")
			if a.EntityKind != tc.kind || a.Entity != tc.want {
				t.Fatalf("entity %s=%q, want %s=%q", a.EntityKind, a.Entity, tc.kind, tc.want)
			}
		})
	}
}

// TestCampaignKeys covers what may and may not link tenants.
func TestCampaignKeys(t *testing.T) {
	for _, tc := range []struct {
		name    string
		a, b    Detection
		private bool
		want    string // the campaign key, "" for none
	}{
		{"same address", brute("a", "203.0.113.7", t0), brute("b", "203.0.113.7", t0), false, "ip 203.0.113.7"},
		{"mapped IPv4", brute("a", "::ffff:203.0.113.7", t0), brute("b", "203.0.113.7", t0), false, "ip 203.0.113.7"},
		{"same /24", brute("a", "203.0.113.7", t0), brute("b", "203.0.113.200", t0), false, "range 203.0.113.0/24"},
		{"other /24", brute("a", "203.0.113.7", t0), brute("b", "203.0.114.7", t0), false, ""},
		{"same /48", brute("a", "2001:db8:5:1::1", t0), brute("b", "2001:db8:5:ffff::2", t0), false, "range 2001:db8:5::/48"},
		{"other /48", brute("a", "2001:db8:5::1", t0), brute("b", "2001:db8:6::1", t0), false, ""},
		{"private address", brute("a", "10.1.2.3", t0), brute("b", "10.1.2.3", t0), false, ""},
		{"private address allowed", brute("a", "10.1.2.3", t0), brute("b", "10.1.2.3", t0), true, "ip 10.1.2.3"},
		{"loopback", brute("a", "127.0.0.1", t0), brute("b", "127.0.0.1", t0), true, ""},
		{"not an address", brute("a", "scanner.example", t0), brute("b", "scanner.example", t0), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, func(p *Policy) { p.Campaigns.PrivateAddresses = tc.private })
			observe(t, e, tc.a)
			observe(t, e, tc.b)
			var got string
			if cs := e.Campaigns(); len(cs) > 0 {
				got = cs[0].Key.Kind + " " + cs[0].Key.Value
			}
			if got != tc.want {
				t.Fatalf("campaign %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTechnique reads ATT&CK technique tags.
func TestTechnique(t *testing.T) {
	for tag, want := range map[string]string{
		"attack.t1110":     "t1110",
		"attack.t1110.001": "t1110",
		"attack.T1490":     "t1490",
		"t1486":            "t1486",
		"attack.ta0001":    "",
		"attack.t111":      "",
		"attack.t11100":    "",
		"attack.t1110.01":  "",
		"attack.t1110.0a1": "",
		"attack.impact":    "",
		"cve.2021-44228":   "",
		"":                 "",
	} {
		t.Run(tag, func(t *testing.T) {
			if got := technique(tag); got != want {
				t.Fatalf("technique(%q) = %q, want %q", tag, got, want)
			}
		})
	}
}

// TestFileHash reads hashes, Sysmon's list included.
func TestFileHash(t *testing.T) {
	for _, tc := range []struct {
		ents map[string]string
		want string
	}{
		{map[string]string{"sha256": "ABC"}, "abc"},
		{map[string]string{"md5": "m", "sha256": "s"}, "s"},
		{map[string]string{"Hashes": "MD5=M1,SHA256=S2,IMPHASH=I3"}, "s2"},
		{map[string]string{"Hashes": "IMPHASH=I3,MD5=M1"}, "m1"},
		{map[string]string{"Hashes": "IMPHASH=I3"}, ""},
		{map[string]string{"Hashes": "garbage"}, ""},
	} {
		t.Run(fmt.Sprint(tc.ents), func(t *testing.T) {
			if got := fileHash(&Detection{Entities: tc.ents}); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRougeTags: the impact tags raise to rouge, sub-techniques included,
// a tag that merely starts alike does not.
func TestRougeTags(t *testing.T) {
	e := newEngine(t, nil)
	for tags, want := range map[string]Level{
		"attack.t1490":     Rouge,
		"attack.t1490.001": Rouge,
		"ATTACK.T1486":     Rouge,
		"attack.t14900":    Vert,
		"attack.t149":      Vert,
	} {
		t.Run(tags, func(t *testing.T) {
			if got := e.raises(&Rule{Level: "low", Tags: []string{"attack.impact", tags}}); got != want {
				t.Fatalf("raises %v, want %v", got, want)
			}
		})
	}
}

// TestPlatformPolicy: the platform's rules, one at a time.
func TestPlatformPolicy(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Policy)
		ds   []Detection
		want Level
	}{
		{"one tenant orange", nil, []Detection{brute("a", "203.0.113.7", t0)}, Orange},
		{"two tenants orange", nil, []Detection{brute("a", "203.0.113.7", t0), brute("b", "198.51.100.1", t0)}, Rouge},
		{"two tenants orange, rule off", func(p *Policy) { p.Levels.Platform.OrangeTenants = 0 },
			[]Detection{brute("a", "203.0.113.7", t0), brute("b", "198.51.100.1", t0)}, Orange},
		{"three needed", func(p *Policy) { p.Levels.Platform.OrangeTenants = 3 },
			[]Detection{brute("a", "203.0.113.7", t0), brute("b", "198.51.100.1", t0)}, Orange},
		{"one tenant may make rouge", func(p *Policy) { p.Levels.Platform.OneTenantMax = Rouge },
			[]Detection{{Tenant: "a", Time: t0, Rule: Rule{ID: "x", Level: "critical"}}}, Rouge},
		{"campaign", func(p *Policy) { p.Levels.Platform.OrangeTenants = 0 },
			[]Detection{brute("a", "203.0.113.7", t0), brute("b", "203.0.113.7", t0)}, Rouge},
		{"campaign below the minimum severity", func(p *Policy) {
			p.Levels.Platform.OrangeTenants = 0
			p.Levels.Platform.CampaignMinSeverity = "critical"
		}, []Detection{brute("a", "203.0.113.7", t0), brute("b", "203.0.113.7", t0)}, Orange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t, tc.edit)
			for _, d := range tc.ds {
				observe(t, e, d)
			}
			if got := levelOf(e, ""); got != tc.want {
				t.Fatalf("platform %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRetention: alerts are dropped after the retention period.
func TestRetention(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	observe(t, e, brute("b", "203.0.113.7", t0))
	e.Advance(t0.Add(7*24*time.Hour - time.Hour))
	if len(e.Alerts(AlertFilter{})) != 2 {
		t.Fatal("dropped before the retention period")
	}
	ch := e.Advance(t0.Add(8 * 24 * time.Hour))
	if n := strings.Count(fmt.Sprint(kinds(ch)), string(AlertExpired)); n != 2 {
		t.Fatalf("changes %v", kinds(ch))
	}
	if !slices.Contains(kinds(ch), CampaignExpired) || len(e.Campaigns()) != 0 {
		t.Fatalf("campaign not dropped: %v", kinds(ch))
	}
	if err := e.Ack("A1", "op", t0); !errors.Is(err, ErrUnknownAlert) {
		t.Fatalf("ack of a dropped alert: %v", err)
	}
	if len(e.index) != 0 {
		t.Fatalf("index not pruned: %d keys", len(e.index))
	}
}

// TestBounds: detection ids and campaign alert lists are capped, counts
// are not.
func TestBounds(t *testing.T) {
	e := newEngine(t, func(p *Policy) {
		p.Alerts.MaxDetectionIDs = 3
		p.Campaigns.MaxAlerts = 2
	})
	for i := range 5 {
		d := brute("a", "203.0.113.7", t0.Add(time.Duration(i)*time.Second))
		d.ID = int64(i + 1)
		observe(t, e, d)
	}
	a, _ := e.Alert("A1")
	if !reflect.DeepEqual(a.DetectionIDs, []int64{1, 2, 3}) || a.Detections != 5 {
		t.Fatalf("ids %v, detections %d", a.DetectionIDs, a.Detections)
	}
	for _, tn := range []string{"b", "c", "d"} {
		observe(t, e, brute(tn, "203.0.113.7", t0.Add(time.Minute)))
	}
	c, _ := e.Campaign("C1")
	if len(c.Alerts) != 2 || c.AlertCount != 4 || len(c.Tenants) != 4 {
		t.Fatalf("campaign %+v", c)
	}
}

// TestLevelsJSON pins the API's shape.
func TestLevelsJSON(t *testing.T) {
	e := newEngine(t, nil)
	if err := e.SetTenants([]string{"b", "a"}); err != nil {
		t.Fatal(err)
	}
	observe(t, e, brute("a", "203.0.113.7", t0))
	data, err := json.Marshal(e.Levels())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	keys := func(v any) []string {
		var ks []string
		for k := range v.(map[string]any) {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	if k := keys(got); !reflect.DeepEqual(k, []string{"platform", "tenants"}) {
		t.Fatalf("top keys %v", k)
	}
	if k := keys(got["platform"]); !reflect.DeepEqual(k, []string{"level", "reasons", "since"}) {
		t.Fatalf("platform keys %v", k)
	}
	tenants := got["tenants"].([]any)
	if len(tenants) != 2 {
		t.Fatalf("tenants %v", tenants)
	}
	if k := keys(tenants[0]); !reflect.DeepEqual(k, []string{"level", "reasons", "since", "tenant"}) {
		t.Fatalf("tenant keys %v", k)
	}
	r := tenants[0].(map[string]any)["reasons"].([]any)[0]
	if k := keys(r); !reflect.DeepEqual(k, []string{"id", "kind", "text"}) {
		t.Fatalf("reason keys %v", k)
	}
	b := tenants[1].(map[string]any)
	if b["tenant"] != "b" || b["level"] != "vert" || b["since"] != nil || len(b["reasons"].([]any)) != 0 {
		t.Fatalf("declared tenant %v", b)
	}
}

// TestCopies: what the engine returns is the caller's to change.
func TestCopies(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	ch := observe(t, e, brute("b", "203.0.113.7", t0))
	for _, c := range ch {
		if c.Level != nil {
			c.Level.Reasons[0].Text = "changed"
		}
		if c.Campaign != nil {
			c.Campaign.Tenants[0] = "changed"
		}
	}
	as := e.Alerts(AlertFilter{})
	as[0].Rule.Tags[0] = "changed"
	for _, h := range e.History() {
		if h.Level.Reasons[0].Text == "changed" {
			t.Fatal("history shares reasons with a returned change")
		}
	}
	if c, _ := e.Campaign("C1"); c.Tenants[0] == "changed" {
		t.Fatal("campaign shared")
	}
	if a, _ := e.Alert("A1"); a.Rule.Tags[0] == "changed" {
		t.Fatal("alert shared")
	}
}

// TestAlertFilter selects alerts.
func TestAlertFilter(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	observe(t, e, brute("b", "203.0.113.7", t0))
	observe(t, e, brute("b", "198.51.100.7", t0))
	if err := e.Resolve("A3", "op", t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    AlertFilter
		want []string
	}{
		{AlertFilter{}, []string{"A1", "A2", "A3"}},
		{AlertFilter{Tenant: "b"}, []string{"A2", "A3"}},
		{AlertFilter{Status: StatusResolved}, []string{"A3"}},
		{AlertFilter{Campaign: "C1"}, []string{"A1", "A2"}},
		{AlertFilter{Tenant: "a", Status: StatusResolved}, nil},
	} {
		t.Run(fmt.Sprint(tc.f), func(t *testing.T) {
			var got []string
			for _, a := range e.Alerts(tc.f) {
				got = append(got, a.ID)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLevelText round-trips level names.
func TestLevelText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Level
		err  bool
	}{
		{"vert", Vert, false}, {"JAUNE", Jaune, false}, {" orange ", Orange, false}, {"rouge", Rouge, false},
		{"green", Vert, false}, {"red", Rouge, false}, {"violet", 0, true}, {"", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLevel(tc.in)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("ParseLevel(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
	if _, err := Level(7).MarshalText(); !errors.Is(err, level.ErrUnknown) {
		t.Fatalf("MarshalText of 7: %v", err)
	}
}

// TestDuration writes quiet periods for people.
func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:   "24 h",
		90 * time.Minute: "1 h 30 min",
		45 * time.Second: "45 s",
		0:                "0 s",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestHuntLines: a line of tocsin hunt --output jsonl decodes into a
// Detection (the keys Detection does not know are ignored).
func TestHuntLines(t *testing.T) {
	lines := []string{
		`{"kind":"detection","rule":{"id":"5b1f0c3e-1a2b-4c3d-8e4f-000000000010","title":"System Restore disabled in the registry","level":"high","author":"Tocsin tests, after frack113","tags":["attack.impact","attack.t1490"]},"time":"2026-03-11T05:55:53.550235Z","tenant":"ville-a","host":"swachchhanda","source":{"file":"x.json","line":1},"entities":{"host":"swachchhanda","process":"C:\\WINDOWS\\system32\\reg.exe","user":"swachchhanda\\xodih"},"event":{"EventID":13}}`,
		`{"kind":"correlation","rule":{"id":"2e9c4b71-8d3a-4f5e-a6b7-1c2d3e4f5a61","title":"SSH Brute Force","level":"high","author":"Tocsin","tags":["attack.credential-access","attack.t1110.001"]},"time":"2026-03-11T06:00:00Z","tenant":"ville-a","group":{"src_ip":"203.0.113.7"},"count":12,"first":"2026-03-11T05:58:00Z","last":"2026-03-11T06:00:00Z","events":[{"file":"auth.log","line":3}]}`,
	}
	e := newEngine(t, nil)
	for _, l := range lines {
		var d Detection
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatal(err)
		}
		observe(t, e, d)
	}
	as := e.Alerts(AlertFilter{})
	if len(as) != 2 {
		t.Fatalf("%d alerts", len(as))
	}
	if a := as[0]; a.EntityKind != "user" || a.Raises != Rouge || a.Rule.Author == "" {
		t.Fatalf("detection alert %+v", a)
	}
	if a := as[1]; a.Kind != "correlation" || a.Entity != "203.0.113.7" || a.Count != 12 || !a.First.Equal(time.Date(2026, 3, 11, 5, 58, 0, 0, time.UTC)) {
		t.Fatalf("correlation alert %+v", a)
	}
}

// TestFarFuture: a detection thousands of years ahead (a sender's broken
// clock) costs one sweep, not one per window in between.
func TestFarFuture(t *testing.T) {
	e := newEngine(t, nil)
	observe(t, e, brute("a", "203.0.113.7", t0))
	observe(t, e, brute("b", "203.0.113.7", t0))
	far := t0.AddDate(10000, 0, 0)
	ch := observe(t, e, brute("c", "198.51.100.1", far))
	if got := levelOf(e, "a"); got != Vert {
		t.Fatalf("level %v after the jump", got)
	}
	if !slices.Contains(kinds(ch), AlertExpired) || len(e.Alerts(AlertFilter{})) != 1 {
		t.Fatalf("changes %v", kinds(ch))
	}
}
