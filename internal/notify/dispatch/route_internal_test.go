package dispatch

import (
	"slices"
	"testing"

	"tocsin/internal/notify"
)

func TestRouteMatch(t *testing.T) {
	cfg := RouteConfig{
		Receivers: []string{"soc"},
		Routes: []RouteConfig{
			{Matchers: []string{"level >= orange"}, Receivers: []string{"elus"}, Continue: true},
			{Matchers: []string{`tags =~ "attack\\.t14(86|90)"`}, Receivers: []string{"cert"}},
			{Matchers: []string{"scope = platform"}, Receivers: []string{"dg"}, Routes: []RouteConfig{
				{Matchers: []string{"kind = campaign"}, Receivers: []string{"csirt", "dg"}},
			}},
		},
	}
	root := compileRoute(&cfg, nil, "{}")
	tests := []struct {
		name string
		n    notify.Notification
		want []string
	}{
		{"jaune tenant falls to the root", notify.Notification{Kind: notify.KindLevel, Tenant: "a", Level: notify.Jaune}, []string{"soc"}},
		{"orange continues to nothing else", notify.Notification{Kind: notify.KindLevel, Tenant: "a", Level: notify.Orange}, []string{"elus"}},
		{"rouge ransomware: elus and cert", notify.Notification{Kind: notify.KindAlert, Tenant: "a", Level: notify.Rouge, Tags: []string{"attack.t1490"}}, []string{"elus", "cert"}},
		{"jaune ransomware tag: cert only", notify.Notification{Kind: notify.KindAlert, Tenant: "a", Level: notify.Jaune, Tags: []string{"attack.t1486"}}, []string{"cert"}},
		{"platform level", notify.Notification{Kind: notify.KindLevel, Level: notify.Jaune}, []string{"dg"}},
		{"platform campaign at rouge", notify.Notification{Kind: notify.KindCampaign, Level: notify.Rouge}, []string{"elus", "csirt", "dg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range root.match(tc.n.LabelSet()) {
				got = append(got, r.receivers...)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("receivers %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRouteInheritance(t *testing.T) {
	wait := DefaultUrgentWait + 5e9
	cfg := RouteConfig{Receivers: []string{"soc"}, GroupWait: &wait, Routes: []RouteConfig{
		{Matchers: []string{"tenant = a"}, GroupBy: []string{"..."}},
	}}
	root := compileRoute(&cfg, nil, "{}")
	c := root.children[0]
	if c.groupWait != wait || c.groupInterval != DefaultGroupInterval || !slices.Equal(c.receivers, []string{"soc"}) || !c.groupByAll {
		t.Errorf("child %+v", c)
	}
	if c.key != `{}/0{tenant="a"}` {
		t.Errorf("key %q", c.key)
	}
	if !slices.Equal(root.groupBy, []string{"tenant"}) || root.urgentLevel != notify.Rouge {
		t.Errorf("root defaults %+v", root)
	}
}
