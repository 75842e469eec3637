package webhook

import (
	"strings"
	"time"

	"tocsin/internal/notify"
)

// GenericMessage is the generic payload (see the package documentation).
type GenericMessage struct {
	Version       string                `json:"version"`
	Receiver      string                `json:"receiver"`
	MessageID     string                `json:"messageId"`
	GroupKey      string                `json:"groupKey"`
	Status        notify.Status         `json:"status"`
	Reason        string                `json:"reason"`
	GroupLabels   map[string]string     `json:"groupLabels"`
	ExternalURL   string                `json:"externalURL,omitempty"`
	Language      notify.Language       `json:"language"`
	Subject       string                `json:"subject"`
	Text          string                `json:"text"`
	Notifications []GenericNotification `json:"notifications"`
}

// GenericNotification is one item of the generic payload.
type GenericNotification struct {
	Kind        notify.Kind       `json:"kind"`
	Status      notify.Status     `json:"status"`
	Tenant      string            `json:"tenant"`
	TenantName  string            `json:"tenantName"`
	Level       string            `json:"level"`
	Previous    string            `json:"previous,omitempty"`
	Severity    string            `json:"severity"`
	Title       string            `json:"title,omitempty"`
	Summary     string            `json:"summary,omitempty"`
	Reasons     []notify.Reason   `json:"reasons"`
	Tags        []string          `json:"tags,omitempty"`
	Since       time.Time         `json:"since"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      *time.Time        `json:"endsAt,omitempty"`
	Labels      map[string]string `json:"labels"`
	URL         string            `json:"url,omitempty"`
	Fingerprint string            `json:"fingerprint"`
	Text        string            `json:"text"`
}

// GenericPayload builds the generic payload of m.
func GenericPayload(m *notify.Message) GenericMessage {
	out := GenericMessage{
		Version: "1", Receiver: m.Receiver, MessageID: m.ID, GroupKey: m.GroupKey,
		Status: m.Status, Reason: m.Reason, GroupLabels: nonNil(m.GroupLabels),
		ExternalURL: m.ExternalURL, Language: m.Language, Subject: m.Subject, Text: m.Text,
		Notifications: make([]GenericNotification, 0, len(m.Items)),
	}
	for i := range m.Items {
		it := &m.Items[i]
		n := GenericNotification{
			Kind: it.Kind, Status: it.Status, Tenant: it.Tenant, TenantName: it.TenantName,
			Level: it.Level.String(), Severity: it.SeverityOrDefault(),
			Title: it.Title, Summary: it.Summary, Reasons: it.Reasons, Tags: it.Tags,
			Since: it.Since, StartsAt: it.StartsAt, Labels: nonNil(it.Labels),
			URL: it.URL, Fingerprint: it.Key(), Text: it.Text,
		}
		if n.Reasons == nil {
			n.Reasons = []notify.Reason{}
		}
		if it.Kind == notify.KindLevel {
			n.Previous = it.Previous.String()
		}
		if !it.EndsAt.IsZero() {
			t := it.EndsAt
			n.EndsAt = &t
		}
		out.Notifications = append(out.Notifications, n)
	}
	return out
}

// AlertmanagerMessage is Alertmanager's webhook payload, version 4
// (notify/webhook/webhook.go Message and template/template.go Data in
// prometheus/alertmanager).
type AlertmanagerMessage struct {
	Version           string              `json:"version"`
	GroupKey          string              `json:"groupKey"`
	TruncatedAlerts   uint64              `json:"truncatedAlerts"`
	Status            notify.Status       `json:"status"`
	Receiver          string              `json:"receiver"`
	GroupLabels       map[string]string   `json:"groupLabels"`
	CommonLabels      map[string]string   `json:"commonLabels"`
	CommonAnnotations map[string]string   `json:"commonAnnotations"`
	ExternalURL       string              `json:"externalURL"`
	Alerts            []AlertmanagerAlert `json:"alerts"`
}

// AlertmanagerAlert is one alert of the version 4 payload.
type AlertmanagerAlert struct {
	Status       notify.Status     `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"` // zero (0001-01-01T00:00:00Z) while firing
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// AlertmanagerPayload builds the version 4 payload of m, keeping at most
// maxAlerts alerts (0: all).
func AlertmanagerPayload(m *notify.Message, maxAlerts int) AlertmanagerMessage {
	items := m.Items
	var truncated uint64
	if maxAlerts > 0 && len(items) > maxAlerts {
		truncated = uint64(len(items) - maxAlerts)
		items = items[:maxAlerts]
	}
	out := AlertmanagerMessage{
		Version: "4", GroupKey: m.GroupKey, TruncatedAlerts: truncated,
		Status: m.Status, Receiver: m.Receiver, GroupLabels: nonNil(m.GroupLabels),
		ExternalURL: m.ExternalURL, Alerts: make([]AlertmanagerAlert, 0, len(items)),
	}
	for i := range items {
		it := &items[i]
		labels := make(map[string]string, len(it.Labels)+1)
		for k, v := range it.Labels {
			labels[k] = v
		}
		labels["alertname"] = alertname(it.Kind)
		out.Alerts = append(out.Alerts, AlertmanagerAlert{
			Status: it.Status, Labels: labels, Annotations: annotations(it),
			StartsAt: it.StartsAt.UTC(), EndsAt: it.EndsAt.UTC(),
			GeneratorURL: it.URL, Fingerprint: it.HexFingerprint(),
		})
	}
	out.CommonLabels = commonOf(out.Alerts, func(a *AlertmanagerAlert) map[string]string { return a.Labels })
	out.CommonAnnotations = commonOf(out.Alerts, func(a *AlertmanagerAlert) map[string]string { return a.Annotations })
	return out
}

func alertname(k notify.Kind) string {
	switch k {
	case notify.KindCampaign:
		return "TocsinCampaign"
	case notify.KindAlert:
		return "TocsinAlert"
	}
	return "TocsinLevel"
}

func annotations(it *notify.Item) map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			a[k] = v
		}
	}
	set("summary", it.Summary)
	set("description", it.Text)
	set("title", it.Title)
	set("tenant_name", it.TenantName)
	if it.Kind == notify.KindLevel {
		set("previous_level", it.Previous.String())
	}
	reasons := make([]string, 0, len(it.Reasons))
	for _, r := range it.Reasons {
		reasons = append(reasons, r.Text)
	}
	set("reasons", strings.Join(reasons, "; "))
	return a
}

func commonOf(alerts []AlertmanagerAlert, get func(*AlertmanagerAlert) map[string]string) map[string]string {
	out := map[string]string{}
	if len(alerts) == 0 {
		return out
	}
	for k, v := range get(&alerts[0]) {
		out[k] = v
	}
	for i := 1; i < len(alerts); i++ {
		m := get(&alerts[i])
		for k, v := range out {
			if m[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
