// Package webhook posts messages as JSON to an HTTP endpoint, in one of
// two shapes.
//
// Format "generic" (the default), version "1":
//
//	{
//	  "version": "1",
//	  "receiver": "soc",                 // the receiver's name
//	  "messageId": "…",                  // unique per message, the same on retries
//	  "groupKey": "{}:{tenant=\"ville-a\"}",
//	  "status": "firing",                // or "resolved" when nothing fires
//	  "reason": "first",                 // first, updated, resolved, repeat
//	  "groupLabels": {"tenant": "ville-a"},
//	  "externalURL": "https://tocsin.example.org/",
//	  "language": "fr",
//	  "subject": "[Tocsin] ALERTE ROUGE — Ville A",
//	  "text": "…",                       // the rendered message, plain text
//	  "notifications": [{
//	    "kind": "level",                 // level, campaign, alert
//	    "status": "firing",              // this item's state in the group
//	    "tenant": "ville-a",             // "" for the platform
//	    "tenantName": "Ville A",
//	    "level": "rouge",                // vert, jaune, orange, rouge
//	    "previous": "orange",            // level changes only
//	    "severity": "critical",
//	    "title": "…", "summary": "…",
//	    "reasons": [{"kind": "alert", "id": "a-1842", "text": "…"}],
//	    "tags": ["attack.impact"],
//	    "since": "2026-03-12T10:42:00+01:00",
//	    "startsAt": "…", "endsAt": "…",  // endsAt only once resolved
//	    "labels": {"kind": "level", "level": "rouge", "tenant": "ville-a", …},
//	    "url": "https://tocsin.example.org/tenants/ville-a",
//	    "fingerprint": "level/ville-a",
//	    "text": "ALERTE ROUGE — Ville A : …"
//	  }]
//	}
//
// Format "alertmanager" is Alertmanager's webhook payload, version "4",
// field for field, so receivers written for Alertmanager work unchanged:
// each notification is an alert whose labels are the notification's
// labels plus alertname (TocsinLevel, TocsinCampaign, TocsinAlert) and
// whose annotations are summary, description (the rendered item),
// title, tenant_name, previous_level and reasons.
//
// The endpoint answers 2xx on success; 429 (with Retry-After), 408 and
// 5xx are retried, other answers are permanent failures. The URL is never
// logged nor put in an error (it often carries a token); credentials go
// in bearer_token or basic_auth, which never print.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"tocsin/internal/notify"
)

// Format selects the payload.
type Format string

// Formats.
const (
	Generic      Format = "generic"
	Alertmanager Format = "alertmanager"
)

// DefaultTimeout bounds one POST.
const DefaultTimeout = 10 * time.Second

// Config is one webhook receiver's settings.
type Config struct {
	URL         notify.SecretURL `yaml:"url"`
	Format      Format           `yaml:"format"`
	BearerToken notify.Secret    `yaml:"bearer_token"`
	BasicAuth   *BasicAuth       `yaml:"basic_auth"`
	Timeout     time.Duration    `yaml:"timeout"`
	TLS         notify.TLSConfig `yaml:"tls"`
	// MaxAlerts caps the alerts of an Alertmanager payload (0: all); the
	// rest are counted in truncatedAlerts.
	MaxAlerts int `yaml:"max_alerts"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string        `yaml:"username"`
	Password notify.Secret `yaml:"password"`
}

// Validate names each field at fault.
func (c *Config) Validate() error {
	var errs []error
	if err := notify.CheckURL(c.URL.Reveal()); err != nil {
		errs = append(errs, fmt.Errorf("url: %w", err))
	}
	switch c.Format {
	case "", Generic, Alertmanager:
	default:
		errs = append(errs, fmt.Errorf("format: %q (want generic or alertmanager)", c.Format))
	}
	if c.BearerToken.IsSet() && c.BasicAuth != nil {
		errs = append(errs, errors.New("bearer_token: not with basic_auth"))
	}
	if c.BasicAuth != nil && c.BasicAuth.Username == "" {
		errs = append(errs, errors.New("basic_auth.username: required"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	if c.MaxAlerts < 0 {
		errs = append(errs, errors.New("max_alerts: must not be negative"))
	}
	return errors.Join(errs...)
}

// Receiver posts messages to one URL.
type Receiver struct {
	name   string
	cfg    Config
	client *http.Client
	log    *slog.Logger
}

// New builds a receiver; cfg must be valid.
func New(name string, cfg Config, log *slog.Logger) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Format == "" {
		cfg.Format = Generic
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	client, err := notify.HTTPClient(cfg.TLS, cfg.Timeout)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Receiver{name: name, cfg: cfg, client: client, log: log.With("receiver", name, "format", string(cfg.Format))}, nil
}

// Name returns the receiver's name.
func (r *Receiver) Name() string { return r.name }

// Secrets lists what must never appear in text about this receiver: the
// credentials, and the URL's path and query, which often hold a token.
func (r *Receiver) Secrets() []notify.Secret {
	s := []notify.Secret{r.cfg.BearerToken}
	if r.cfg.BasicAuth != nil {
		s = append(s, r.cfg.BasicAuth.Password)
	}
	if u, err := url.Parse(r.cfg.URL.Reveal()); err == nil {
		if len(u.Path) > 1 {
			s = append(s, notify.Secret(u.Path), notify.Secret(u.EscapedPath()))
		}
		s = append(s, notify.Secret(u.RawQuery))
	}
	return s
}

// Send posts m.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	var payload any
	if r.cfg.Format == Alertmanager {
		payload = AlertmanagerPayload(&m, r.cfg.MaxAlerts)
	} else {
		payload = GenericPayload(&m)
	}
	resp, err := notify.SendJSON(ctx, r.client, http.MethodPost, r.cfg.URL.Reveal(), payload, func(req *http.Request) {
		req.Header.Set("Idempotency-Key", m.ID)
		switch {
		case r.cfg.BearerToken.IsSet():
			req.Header.Set("Authorization", "Bearer "+r.cfg.BearerToken.Reveal())
		case r.cfg.BasicAuth != nil:
			req.SetBasicAuth(r.cfg.BasicAuth.Username, r.cfg.BasicAuth.Password.Reveal())
		}
	})
	if err != nil {
		return fmt.Errorf("webhook %s: %w", r.name, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		r.log.Debug("webhook delivered", "status", resp.StatusCode, "message", m.ID)
		return nil
	}
	detail := notify.BodyExcerpt(resp.Body, 200, r.Secrets()...)
	return fmt.Errorf("webhook %s: %w", r.name, notify.StatusError(resp, detail, time.Now()))
}
