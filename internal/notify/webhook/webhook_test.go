package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/notifytest"
	"tocsin/internal/notify/webhook"
)

// capture is a real HTTPS endpoint that keeps what it receives.
type capture struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
	status  func(n int, r *http.Request, w http.ResponseWriter) int
}

func newCapture(t *testing.T) *capture {
	c := &capture{}
	c.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.bodies = append(c.bodies, b)
		c.headers = append(c.headers, r.Header.Clone())
		n, status := len(c.bodies), c.status
		c.mu.Unlock()
		code := http.StatusOK
		if status != nil {
			code = status(n, r, w)
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *capture) last(t *testing.T) ([]byte, http.Header) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) == 0 {
		t.Fatal("nothing received")
	}
	return c.bodies[len(c.bodies)-1], c.headers[len(c.headers)-1]
}

func message(t testing.TB) notify.Message {
	t.Helper()
	since := time.Date(2026, 3, 12, 9, 42, 0, 0, time.UTC)
	rouge := notify.Notification{
		Kind: notify.KindLevel, Tenant: "ville-a", TenantName: "Ville A", Level: notify.Rouge, Previous: notify.Orange,
		Summary: "préparation de rançongiciel", Since: since, URL: "https://tocsin.example.org/tenants/ville-a",
		Reasons: []notify.Reason{{Kind: "alert", ID: "a-1", Text: "vssadmin delete shadows sur SRV-FILES"}},
		Tags:    []string{"attack.impact", "attack.t1490"},
	}
	closed := notify.Notification{
		Kind: notify.KindAlert, Tenant: "ville-a", TenantName: "Ville A", Level: notify.Jaune,
		Title: "Exploration web", Since: since.Add(-time.Hour), Resolved: true, Fingerprint: "alert/web-probe",
	}
	m := notify.Message{
		ID: "MSG1", Receiver: "soc", GroupKey: `{}:{tenant="ville-a"}`, GroupLabels: map[string]string{"tenant": "ville-a"},
		Status: notify.Firing, Reason: "first", ExternalURL: "https://tocsin.example.org/", Language: notify.French,
		Time: since.Add(time.Minute),
		Items: []notify.Item{
			{Notification: rouge, Status: notify.Firing, StartsAt: since, Labels: rouge.LabelSet()},
			{Notification: closed, Status: notify.Resolved, StartsAt: since.Add(-time.Hour), EndsAt: since, Labels: closed.LabelSet()},
		},
	}
	r, err := notify.NewRenderer(time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Render(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func newReceiver(t *testing.T, c *capture, cfg webhook.Config) *webhook.Receiver {
	t.Helper()
	if cfg.URL == "" {
		cfg.URL = notify.SecretURL(c.URL + "/hook")
	}
	cfg.TLS.CAFile = notifytest.WriteCA(t, c.Certificate())
	r, err := webhook.New("soc", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestAlertmanagerV4 checks the payload against the fields Alertmanager's
// webhook documents for version 4, no more and no less.
func TestAlertmanagerV4(t *testing.T) {
	c := newCapture(t)
	r := newReceiver(t, c, webhook.Config{Format: webhook.Alertmanager,
		BasicAuth: &webhook.BasicAuth{Username: "am", Password: "s3cret-basic"}})
	if err := r.Send(context.Background(), message(t)); err != nil {
		t.Fatal(err)
	}
	body, hdr := c.last(t)
	if user, pass, ok := (&http.Request{Header: hdr}).BasicAuth(); !ok || user != "am" || pass != "s3cret-basic" {
		t.Errorf("basic auth = %q %q %v", user, pass, ok)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	wantTop := []string{"alerts", "commonAnnotations", "commonLabels", "externalURL", "groupKey", "groupLabels", "receiver", "status", "truncatedAlerts", "version"}
	if got := keys(top); !slices.Equal(got, wantTop) {
		t.Fatalf("top-level fields %v, want %v", got, wantTop)
	}
	checks := []struct {
		field string
		want  any
	}{
		{"version", "4"}, {"groupKey", `{}:{tenant="ville-a"}`}, {"truncatedAlerts", 0.0},
		{"status", "firing"}, {"receiver", "soc"}, {"externalURL", "https://tocsin.example.org/"},
	}
	for _, ck := range checks {
		if top[ck.field] != ck.want {
			t.Errorf("%s = %#v, want %#v", ck.field, top[ck.field], ck.want)
		}
	}
	if gl := top["groupLabels"].(map[string]any); gl["tenant"] != "ville-a" || len(gl) != 1 {
		t.Errorf("groupLabels = %v", gl)
	}
	cl := top["commonLabels"].(map[string]any)
	if cl["tenant"] != "ville-a" || cl["scope"] != "tenant" || cl["level"] != nil {
		t.Errorf("commonLabels = %v: want the labels both alerts share only", cl)
	}
	alerts := top["alerts"].([]any)
	if len(alerts) != 2 {
		t.Fatalf("%d alerts", len(alerts))
	}
	wantAlert := []string{"annotations", "endsAt", "fingerprint", "generatorURL", "labels", "startsAt", "status"}
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	for i, a := range alerts {
		a := a.(map[string]any)
		if got := keys(a); !slices.Equal(got, wantAlert) {
			t.Errorf("alert %d fields %v, want %v", i, got, wantAlert)
		}
		if !hex16.MatchString(a["fingerprint"].(string)) {
			t.Errorf("alert %d fingerprint %v", i, a["fingerprint"])
		}
		for _, f := range []string{"startsAt", "endsAt"} {
			if _, err := time.Parse(time.RFC3339, a[f].(string)); err != nil {
				t.Errorf("alert %d %s: %v", i, f, err)
			}
		}
	}
	firing, resolved := alerts[0].(map[string]any), alerts[1].(map[string]any)
	if firing["status"] != "firing" || firing["endsAt"] != "0001-01-01T00:00:00Z" || firing["startsAt"] != "2026-03-12T09:42:00Z" {
		t.Errorf("firing alert = %v", firing)
	}
	if firing["generatorURL"] != "https://tocsin.example.org/tenants/ville-a" {
		t.Errorf("generatorURL = %v", firing["generatorURL"])
	}
	labels := firing["labels"].(map[string]any)
	for k, v := range map[string]string{"alertname": "TocsinLevel", "level": "rouge", "severity": "critical", "kind": "level", "tags": "attack.impact,attack.t1490"} {
		if labels[k] != v {
			t.Errorf("labels[%s] = %v, want %s", k, labels[k], v)
		}
	}
	ann := firing["annotations"].(map[string]any)
	if ann["previous_level"] != "orange" || !strings.HasPrefix(ann["description"].(string), "ALERTE ROUGE — Ville A") {
		t.Errorf("annotations = %v", ann)
	}
	if resolved["status"] != "resolved" || resolved["endsAt"] != "2026-03-12T09:42:00Z" || resolved["labels"].(map[string]any)["alertname"] != "TocsinAlert" {
		t.Errorf("resolved alert = %v", resolved)
	}
}

func TestAlertmanagerMaxAlerts(t *testing.T) {
	m := message(t)
	p := webhook.AlertmanagerPayload(&m, 1)
	if len(p.Alerts) != 1 || p.TruncatedAlerts != 1 {
		t.Errorf("alerts %d truncated %d, want 1 and 1", len(p.Alerts), p.TruncatedAlerts)
	}
}

func TestGeneric(t *testing.T) {
	c := newCapture(t)
	r := newReceiver(t, c, webhook.Config{BearerToken: "tok-generic-123"})
	m := message(t)
	if err := r.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	body, hdr := c.last(t)
	if got := hdr.Get("Authorization"); got != "Bearer tok-generic-123" {
		t.Errorf("Authorization = %q", got)
	}
	if got := hdr.Get("Idempotency-Key"); got != "MSG1" {
		t.Errorf("Idempotency-Key = %q", got)
	}
	var top map[string]any
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	want := []string{"externalURL", "groupKey", "groupLabels", "language", "messageId", "notifications", "reason", "receiver", "status", "subject", "text", "version"}
	if got := keys(top); !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	var g webhook.GenericMessage
	if err := json.Unmarshal(body, &g); err != nil {
		t.Fatal(err)
	}
	if g.Version != "1" || g.Status != notify.Firing || len(g.Notifications) != 2 {
		t.Fatalf("payload %+v", g)
	}
	n := g.Notifications[0]
	if n.Tenant != "ville-a" || n.TenantName != "Ville A" || n.Level != "rouge" || n.Previous != "orange" ||
		len(n.Reasons) != 1 || n.Reasons[0].ID != "a-1" || !n.Since.Equal(m.Items[0].Since) ||
		n.Labels["level"] != "rouge" || n.Fingerprint != "level/ville-a" || n.EndsAt != nil {
		t.Errorf("first notification %+v", n)
	}
	if r := g.Notifications[1]; r.Status != notify.Resolved || r.EndsAt == nil || r.Previous != "" {
		t.Errorf("second notification %+v", r)
	}
}

func TestStatusClasses(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    string
		permanent bool
		after     time.Duration
	}{
		{"server error is retried", 500, "", false, 0},
		{"unavailable is retried", 503, "", false, 0},
		{"timeout is retried", 408, "", false, 0},
		{"bad request is permanent", 400, "", true, 0},
		{"not found is permanent", 404, "", true, 0},
		{"too many requests waits", 429, "7", false, 7 * time.Second},
		{"unavailable with Retry-After waits", 503, "2", false, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapture(t)
			c.status = func(_ int, _ *http.Request, w http.ResponseWriter) int {
				if tc.header != "" {
					w.Header().Set("Retry-After", tc.header)
				}
				return tc.status
			}
			err := newReceiver(t, c, webhook.Config{}).Send(context.Background(), message(t))
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tc.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tc.permanent, err)
			}
			var ra *notify.RetryAfterError
			if got := errors.As(err, &ra); got != (tc.after > 0) || (got && ra.After != tc.after) {
				t.Errorf("retry after: %v %v, want %v", got, ra, tc.after)
			}
		})
	}
	t.Run("connection refused is retried", func(t *testing.T) {
		c := newCapture(t)
		r := newReceiver(t, c, webhook.Config{})
		c.Close()
		err := r.Send(context.Background(), message(t))
		if err == nil || errors.Is(err, notify.ErrPermanent) {
			t.Fatalf("err = %v, want a temporary error", err)
		}
	})
}

// TestErrorsKeepSecretsOut: a URL holding a token in its path and a
// server echoing the Authorization header in its error page.
func TestErrorsKeepSecretsOut(t *testing.T) {
	c := newCapture(t)
	c.status = func(_ int, r *http.Request, w http.ResponseWriter) int {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "denied: "+r.Header.Get("Authorization")+" on "+r.URL.Path)
		return http.StatusInternalServerError
	}
	r := newReceiver(t, c, webhook.Config{URL: notify.SecretURL(c.URL + "/hooks/T0KENINPATH42"), BearerToken: "bearer-s3cret-99"})
	err := r.Send(context.Background(), message(t))
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{"bearer-s3cret-99", "T0KENINPATH42"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds %q", err, s)
		}
	}
	if !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("error %q does not say what happened", err)
	}
	c.Close()
	err = r.Send(context.Background(), message(t))
	if err == nil || strings.Contains(err.Error(), "T0KENINPATH42") || strings.Contains(err.Error(), "/hooks/") {
		t.Errorf("transport error %q repeats the URL", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  webhook.Config
		want string
	}{
		{"no url", webhook.Config{}, "url: required"},
		{"ftp", webhook.Config{URL: "ftp://x/y"}, `url: scheme "ftp"`},
		{"credentials in url", webhook.Config{URL: "https://u:p@x/y"}, "url: credentials in the URL"},
		{"format", webhook.Config{URL: "https://x/", Format: "slack"}, `format: "slack"`},
		{"two auths", webhook.Config{URL: "https://x/", BearerToken: "a", BasicAuth: &webhook.BasicAuth{Username: "u"}}, "bearer_token: not with basic_auth"},
		{"basic without user", webhook.Config{URL: "https://x/", BasicAuth: &webhook.BasicAuth{}}, "basic_auth.username: required"},
		{"negative timeout", webhook.Config{URL: "https://x/", Timeout: -1}, "timeout:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "u:p@") {
				t.Errorf("error repeats the URL: %v", err)
			}
		})
	}
	if err := (&webhook.Config{URL: "https://x/hook"}).Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
