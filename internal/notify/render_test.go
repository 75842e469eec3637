package notify_test

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tocsin/internal/golden"
	"tocsin/internal/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// renderCases are the messages whose rendering is pinned by golden files.
func renderCases(loc *time.Location) map[string]notify.Message {
	now := time.Date(2026, 3, 12, 11, 5, 0, 0, loc)
	rouge := notify.Item{
		Notification: notify.Notification{
			Kind: notify.KindLevel, Tenant: "ville-a", TenantName: "Ville A",
			Level: notify.Rouge, Previous: notify.Orange,
			Summary: "préparation de rançongiciel : suppression des clichés instantanés sur SRV-FILES",
			Reasons: []notify.Reason{
				{Kind: "alert", ID: "a-1842", Text: "Suppression des clichés instantanés (vssadmin delete shadows) sur SRV-FILES"},
				{Kind: "alert", ID: "a-1839", Text: "Force brute SSH réussie depuis 203.0.113.7"},
			},
			Since: time.Date(2026, 3, 12, 10, 42, 0, 0, loc),
			URL:   "https://tocsin.example.org/tenants/ville-a",
		},
		Status: notify.Firing, StartsAt: time.Date(2026, 3, 12, 10, 42, 0, 0, loc),
	}
	lowered := rouge
	lowered.Notification.Level, lowered.Notification.Previous = notify.Orange, notify.Rouge
	lowered.Notification.Summary = "force brute SSH en cours depuis 203.0.113.7"
	lowered.Notification.Reasons = rouge.Reasons[1:]
	vert := notify.Item{
		Notification: notify.Notification{
			Kind: notify.KindLevel, Tenant: "ville-a", TenantName: "Ville A",
			Level: notify.Vert, Previous: notify.Rouge,
			Since: time.Date(2026, 3, 12, 18, 5, 0, 0, loc),
		},
		Status: notify.Resolved, StartsAt: time.Date(2026, 3, 11, 22, 10, 0, 0, loc),
	}
	platform := notify.Item{
		Notification: notify.Notification{
			Kind: notify.KindLevel, Level: notify.Rouge, Previous: notify.Jaune,
			Summary: "trois collectivités à l'orange en même temps",
			Since:   time.Date(2026, 3, 12, 10, 50, 0, 0, loc),
		},
		Status: notify.Firing,
	}
	campaign := notify.Item{
		Notification: notify.Notification{
			Kind: notify.KindCampaign, Level: notify.Rouge,
			Title:   "Force brute SSH depuis 203.0.113.0/24",
			Summary: "Ville A, Ville B et la Communauté d'agglomération visées <script>alert(1)</script>",
			Reasons: []notify.Reason{{Kind: "alert", ID: "a-1", Text: "Ville A : 412 échecs"}, {Kind: "alert", ID: "a-2", Text: "Ville B : 380 échecs"}},
			Since:   time.Date(2026, 3, 11, 23, 58, 0, 0, loc),
		},
		Status: notify.Firing,
	}
	jaune := notify.Item{
		Notification: notify.Notification{
			Kind: notify.KindAlert, Tenant: "ville-b", TenantName: "Ville B", Level: notify.Jaune,
			Title: "Exploration web", Summary: "1 200 requêtes 404 en 5 minutes",
			Since: time.Date(2026, 3, 12, 9, 0, 0, 0, loc),
		},
		Status: notify.Firing,
	}
	msg := func(items ...notify.Item) notify.Message {
		st := notify.Resolved
		for _, it := range items {
			if it.Status == notify.Firing {
				st = notify.Firing
			}
		}
		return notify.Message{Receiver: "soc", GroupKey: "{}:{tenant=\"ville-a\"}", Status: st, Items: items, Time: now}
	}
	group := msg(rouge, jaune)
	group.ExternalURL = "https://tocsin.example.org/"
	return map[string]notify.Message{
		"level-rouge":    msg(rouge),
		"level-lowered":  msg(lowered),
		"level-resolved": msg(vert),
		"platform-rouge": msg(platform),
		"campaign":       msg(campaign),
		"alert-jaune":    msg(jaune),
		"group":          group,
	}
}

func TestRenderGolden(t *testing.T) {
	loc := paris(t)
	r, err := notify.NewRenderer(loc)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range renderCases(loc) {
		for _, lang := range []notify.Language{notify.French, notify.English} {
			t.Run(name+"/"+string(lang), func(t *testing.T) {
				m := m
				m.Items = append([]notify.Item(nil), m.Items...)
				m.Language = lang
				if err := r.Render(&m); err != nil {
					t.Fatal(err)
				}
				if m.Subject == "" || strings.Contains(m.Subject, "\n") {
					t.Errorf("subject %q: want one non-empty line", m.Subject)
				}
				if len(m.Subject) > 120 {
					t.Errorf("subject %q: %d bytes, want a short line", m.Subject, len(m.Subject))
				}
				for i, it := range m.Items {
					if it.Text == "" {
						t.Errorf("item %d: no text", i)
					}
				}
				if strings.Contains(m.HTML, "<script>") {
					t.Errorf("HTML not escaped: %s", m.HTML)
				}
				got := "Subject: " + m.Subject + "\n\n" + m.Text
				checkGolden(t, filepath.Join("testdata", "render", name+"."+string(lang)+".txt"), got)
				checkGolden(t, filepath.Join("testdata", "render", name+"."+string(lang)+".html"), m.HTML)
			})
		}
	}
}

func TestRenderDefaultsToFrench(t *testing.T) {
	loc := paris(t)
	r, err := notify.NewRenderer(loc)
	if err != nil {
		t.Fatal(err)
	}
	m := renderCases(loc)["level-rouge"]
	if err := r.Render(&m); err != nil {
		t.Fatal(err)
	}
	want := "ALERTE ROUGE — Ville A : attaque avec impact (préparation de rançongiciel : suppression des clichés instantanés sur SRV-FILES). Depuis 10:42."
	if !strings.HasPrefix(m.Text, want) {
		t.Errorf("text starts %q, want %q", m.Text, want)
	}
	if !strings.Contains(m.Text, "À faire : isoler du réseau les machines touchées sans les éteindre, prévenir le RSSI") {
		t.Errorf("text lacks what to do now:\n%s", m.Text)
	}
}

func TestRenderErrors(t *testing.T) {
	r, err := notify.NewRenderer(nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		m    notify.Message
	}{
		{"empty group", notify.Message{}},
		{"unknown language", notify.Message{Language: "de", Items: []notify.Item{{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := r.Render(&tc.m); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	golden.Check(t, path, []byte(got), *update)
}
