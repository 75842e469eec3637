package dispatch_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/email"
	"tocsin/internal/notify/matrix"
	"tocsin/internal/notify/notifytest"
	"tocsin/internal/notify/webhook"
)

// endpoint is a real HTTPS webhook endpoint answering with the codes
// given, then 200.
type endpoint struct {
	*httptest.Server
	mu     sync.Mutex
	codes  []int
	bodies []string
	keys   []string
	echo   bool
}

func newEndpoint(t *testing.T, codes ...int) *endpoint {
	e := &endpoint{codes: codes}
	e.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.bodies = append(e.bodies, string(b))
		e.keys = append(e.keys, r.Header.Get("Idempotency-Key"))
		code := http.StatusOK
		if len(e.codes) > 0 {
			code, e.codes = e.codes[0], e.codes[1:]
		}
		echo := e.echo
		e.mu.Unlock()
		w.WriteHeader(code)
		if echo && code != http.StatusOK {
			_, _ = io.WriteString(w, "refused "+r.Header.Get("Authorization")+" at "+r.URL.String())
		}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) received() ([]string, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.bodies...), append([]string(nil), e.keys...)
}

func (e *endpoint) config(t *testing.T, format webhook.Format) *webhook.Config {
	return &webhook.Config{URL: notify.SecretURL(e.URL + "/hooks/tocsin"), Format: format,
		TLS: notify.TLSConfig{CAFile: notifytest.WriteCA(t, e.Certificate())}}
}

// TestWebhookRetriesThenDelivers: a real endpoint answers 500 twice; the
// same message (same ID, same body) goes again after 1 s then 2 s.
func TestWebhookRetriesThenDelivers(t *testing.T) {
	ep := newEndpoint(t, 500, 500)
	cfg := basic("soc")
	cfg.Receivers = []dispatch.ReceiverConfig{{Name: "soc", Webhook: ep.config(t, webhook.Alertmanager)}}
	e := start(t, cfg, nil)

	e.notify(level("ville-a", notify.Rouge, notify.Orange))
	for i, wait := range []time.Duration{time.Second, 2 * time.Second} {
		es := e.waitAudit("failure", func(es []dispatch.Entry) bool { return count(es, dispatch.Failed) == i+1 })
		if last := es[len(es)-1]; last.RetryIn != wait || !strings.Contains(last.Error, "HTTP 500") {
			t.Errorf("attempt %d: %+v", i+1, last)
		}
		e.settle(1)
		e.clock.Advance(wait)
	}
	es := e.waitAudit("delivery", func(es []dispatch.Entry) bool { return count(es, dispatch.Sent) == 1 })
	if last := es[len(es)-1]; last.Attempt != 3 || last.Receiver != "soc" || last.Subject != "[Tocsin] ALERTE ROUGE — Ville ville-a" {
		t.Errorf("sent entry %+v", last)
	}
	bodies, keys := ep.received()
	if len(bodies) != 3 || bodies[0] != bodies[2] || keys[0] != keys[2] || keys[0] == "" {
		t.Fatalf("endpoint got %d bodies; same body %v, keys %v", len(bodies), bodies[0] == bodies[2], keys)
	}
	var am webhook.AlertmanagerMessage
	if err := json.Unmarshal([]byte(bodies[2]), &am); err != nil || am.Version != "4" || am.Alerts[0].Labels["level"] != "rouge" {
		t.Errorf("payload %+v (%v)", am, err)
	}
}

// TestMatrixRateLimited: the homeserver answers 429 M_LIMIT_EXCEEDED
// with retry_after_ms; the retry waits that long and reuses the
// transaction ID, and the room gets one event.
func TestMatrixRateLimited(t *testing.T) {
	hs := notifytest.NewHomeserver(t, "syt_dispatch_token_77", "!crise:tchap.example")
	hs.RateLimit(1, 3500)
	cfg := basic("tchap")
	cfg.Receivers = []dispatch.ReceiverConfig{{Name: "tchap", Matrix: &matrix.Config{
		Homeserver: hs.URL, RoomID: "!crise:tchap.example", AccessToken: "syt_dispatch_token_77",
		TLS: notify.TLSConfig{CAFile: notifytest.WriteCA(t, hs.Certificate())},
	}}}
	e := start(t, cfg, nil)
	e.notify(level("ville-a", notify.Rouge, notify.Orange))
	es := e.waitAudit("rate limit", func(es []dispatch.Entry) bool { return count(es, dispatch.Failed) == 1 })
	if es[0].RetryIn != 3500*time.Millisecond {
		t.Errorf("retry in %v, want the server's 3.5 s", es[0].RetryIn)
	}
	e.settle(1)
	e.clock.Advance(3500 * time.Millisecond)
	e.waitAudit("delivery", func(es []dispatch.Entry) bool { return count(es, dispatch.Sent) == 1 })
	reqs, events := hs.Requests(), hs.Events()
	if len(reqs) != 2 || reqs[0].TxnID != reqs[1].TxnID || reqs[0].Status != 429 || len(events) != 1 {
		t.Fatalf("requests %+v, events %d", reqs, len(events))
	}
	if body := events[0].Content["body"].(string); !strings.HasPrefix(body, "ALERTE ROUGE — Ville ville-a") {
		t.Errorf("event body %q", body)
	}
}

// TestEmailThroughDispatcher: English by receiver configuration, over
// STARTTLS with authentication.
func TestEmailThroughDispatcher(t *testing.T) {
	smtp := notifytest.NewSMTPServer(t, "tocsin", "dispatch-mail-pw")
	cfg := basic("rssi")
	cfg.Receivers = []dispatch.ReceiverConfig{{Name: "rssi", Language: notify.English, Email: &email.Config{
		Host: smtp.Host, Port: smtp.Port, Username: "tocsin", Password: "dispatch-mail-pw",
		From: "tocsin@agglo.example.fr", To: []string{"rssi@agglo.example.fr"}, TLS: notify.TLSConfig{CAFile: smtp.CAFile},
	}}}
	e := start(t, cfg, nil)
	e.notify(level("ville-a", notify.Rouge, notify.Orange))
	m, err := smtp.Next(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !m.TLS || !bytes.Contains(m.Data, []byte("RED ALERT")) {
		t.Errorf("mail TLS %v:\n%s", m.TLS, m.Data)
	}
}

// TestNoSecretAnywhere sends through every receiver with secrets set,
// to servers that accept and to servers that refuse and quote back what
// they got, and looks for the secrets in every log line, every body
// received, every audit entry and every error.
func TestNoSecretAnywhere(t *testing.T) {
	secrets := []string{
		"whk-bearer-Zq81", "whk-basic-pw-Lm42", "whk-path-token-Xy77",
		"syt_matrix_secret_Ab12", "smtp-password-Cd34", "wrong-smtp-pw-Ef56", "syt_wrong_token_Gh78",
	}
	okHook, amHook, badHook := newEndpoint(t), newEndpoint(t), newEndpoint(t, 500, 500, 500)
	badHook.echo = true
	hs := notifytest.NewHomeserver(t, secrets[3], "!crise:tchap.example")
	badHS := notifytest.NewHomeserver(t, "another-token", "!crise:tchap.example")
	badHS.EchoTokenInErrors()
	smtp := notifytest.NewSMTPServer(t, "tocsin", secrets[4])

	generic := okHook.config(t, webhook.Generic)
	generic.BearerToken = notify.Secret(secrets[0])
	am := amHook.config(t, webhook.Alertmanager)
	am.BasicAuth = &webhook.BasicAuth{Username: "am", Password: notify.Secret(secrets[1])}
	bad := badHook.config(t, webhook.Generic)
	bad.URL = notify.SecretURL(badHook.URL + "/hooks/" + secrets[2])
	bad.BearerToken = notify.Secret(secrets[0])
	mx := func(h *notifytest.Homeserver, tok string) *matrix.Config {
		return &matrix.Config{Homeserver: h.URL, RoomID: "!crise:tchap.example", AccessToken: notify.Secret(tok),
			TLS: notify.TLSConfig{CAFile: notifytest.WriteCA(t, h.Certificate())}}
	}
	mail := func(pw string) *email.Config {
		return &email.Config{Host: smtp.Host, Port: smtp.Port, Username: "tocsin", Password: notify.Secret(pw),
			From: "tocsin@agglo.example.fr", To: []string{"rssi@agglo.example.fr"}, TLS: notify.TLSConfig{CAFile: smtp.CAFile}}
	}
	cfg := dispatch.Config{
		Receivers: []dispatch.ReceiverConfig{
			{Name: "generic", Webhook: generic}, {Name: "am", Webhook: am}, {Name: "bad-hook", Webhook: bad},
			{Name: "tchap", Matrix: mx(hs, secrets[3])}, {Name: "bad-tchap", Matrix: mx(badHS, secrets[6])},
			{Name: "mail", Email: mail(secrets[4])}, {Name: "bad-mail", Email: mail(secrets[5])},
		},
		Route: dispatch.RouteConfig{Receivers: []string{"generic", "am", "bad-hook", "tchap", "bad-tchap", "mail", "bad-mail"}},
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("configuration", "receivers", cfg.Receivers, "webhook", *generic, "matrix", cfg.Receivers[3].Matrix)
	e := start(t, cfg, logger)
	e.notify(level("ville-a", notify.Rouge, notify.Orange))

	es := e.waitAudit("every receiver", func(es []dispatch.Entry) bool {
		seen := map[string]bool{}
		for _, x := range es {
			seen[x.Receiver] = true
		}
		return len(seen) == 7 && count(es, dispatch.Sent) == 4
	})
	var all bytes.Buffer
	all.Write(logs.Bytes())
	for _, x := range es {
		all.WriteString(x.Error + "\n" + x.Subject + "\n")
	}
	for _, ep := range []*endpoint{okHook, amHook, badHook} {
		bodies, _ := ep.received()
		all.WriteString(strings.Join(bodies, "\n"))
	}
	for _, h := range []*notifytest.Homeserver{hs, badHS} {
		for _, ev := range h.Events() {
			all.WriteString(ev.Raw)
		}
	}
	for _, m := range smtp.Mails() {
		all.Write(m.Data)
	}
	errs := 0
	for _, x := range es {
		if x.Error != "" {
			errs++
		}
	}
	if errs < 3 {
		t.Fatalf("only %d failures audited; the refusing servers were not exercised: %+v", errs, es)
	}
	for _, s := range secrets {
		if i := strings.Index(all.String(), s); i >= 0 {
			t.Errorf("secret %q found: …%s…", s, all.String()[max(0, i-120):min(all.Len(), i+40)])
		}
	}
	if !strings.Contains(all.String(), "[secret]") {
		t.Error("the configuration logged no redacted secret: the test logged nothing")
	}
	if len(smtp.Mails()) != 1 || len(hs.Events()) != 1 {
		t.Errorf("deliveries: %d mails, %d Matrix events", len(smtp.Mails()), len(hs.Events()))
	}
	_ = context.Background
}
