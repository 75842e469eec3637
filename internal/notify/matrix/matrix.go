// Package matrix posts messages to a Matrix room through the
// client-server API, so Tchap (the French state's messenger, a Matrix
// federation) and any Matrix homeserver receive them:
//
//	PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}
//	Authorization: Bearer {access_token}
//	{"msgtype":"m.text","body":…,"format":"org.matrix.custom.html","formatted_body":…}
//
// The transaction ID is the message's ID: the same on every retry, so a
// homeserver that already stored the event answers with it instead of
// posting twice. 429 M_LIMIT_EXCEEDED comes back after retry_after_ms
// (or Retry-After); 401 and 403 are permanent. The bot's account is an
// ordinary one; messages sent this way into an encrypted room are not
// end-to-end encrypted.
package matrix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"tocsin/internal/notify"
)

// DefaultTimeout bounds one request.
const DefaultTimeout = 10 * time.Second

// DefaultRateLimitWait is the wait after a 429 that says no time.
const DefaultRateLimitWait = 5 * time.Second

// Config is one Matrix receiver's settings.
type Config struct {
	Homeserver  string           `yaml:"homeserver"` // https://matrix.agent.interieur.tchap.gouv.fr
	RoomID      string           `yaml:"room_id"`    // !opaque:server
	AccessToken notify.Secret    `yaml:"access_token"`
	Timeout     time.Duration    `yaml:"timeout"`
	TLS         notify.TLSConfig `yaml:"tls"`
}

// Validate names each field at fault.
func (c *Config) Validate() error {
	var errs []error
	if err := notify.CheckURL(c.Homeserver); err != nil {
		errs = append(errs, fmt.Errorf("homeserver: %w", err))
	}
	if !strings.HasPrefix(c.RoomID, "!") || !strings.Contains(c.RoomID, ":") {
		errs = append(errs, fmt.Errorf("room_id: %q: want a room ID (!opaque:server), not an alias", c.RoomID))
	}
	if !c.AccessToken.IsSet() {
		errs = append(errs, errors.New("access_token: required"))
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	return errors.Join(errs...)
}

// Receiver posts to one room.
type Receiver struct {
	name   string
	cfg    Config
	base   string
	client *http.Client
	log    *slog.Logger
}

// New builds a receiver; cfg must be valid.
func New(name string, cfg Config, log *slog.Logger) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
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
	return &Receiver{
		name: name, cfg: cfg, client: client,
		base: strings.TrimRight(cfg.Homeserver, "/"),
		log:  log.With("receiver", name, "room", cfg.RoomID),
	}, nil
}

// Name returns the receiver's name.
func (r *Receiver) Name() string { return r.name }

// Secrets lists what must never appear in text about this receiver.
func (r *Receiver) Secrets() []notify.Secret { return []notify.Secret{r.cfg.AccessToken} }

// Event is the m.room.message content posted.
type Event struct {
	MsgType       string `json:"msgtype"`
	Body          string `json:"body"`
	Format        string `json:"format,omitempty"`
	FormattedBody string `json:"formatted_body,omitempty"`
}

// Send posts m to the room, with m.ID as the transaction ID.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	if m.ID == "" {
		return notify.Permanent(fmt.Errorf("matrix %s: message without ID (the transaction ID)", r.name))
	}
	ev := Event{MsgType: "m.text", Body: m.Text}
	if m.HTML != "" {
		ev.Format, ev.FormattedBody = "org.matrix.custom.html", m.HTML
	}
	endpoint := r.base + "/_matrix/client/v3/rooms/" + url.PathEscape(r.cfg.RoomID) +
		"/send/m.room.message/" + url.PathEscape(m.ID)
	resp, err := notify.SendJSON(ctx, r.client, http.MethodPut, endpoint, ev, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+r.cfg.AccessToken.Reveal())
	})
	if err != nil {
		return fmt.Errorf("matrix %s: %w", r.name, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusOK {
		var ok struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(raw, &ok)
		r.log.Debug("matrix event sent", "event_id", ok.EventID, "txn", m.ID)
		return nil
	}
	return fmt.Errorf("matrix %s: %w", r.name, r.classify(resp, raw))
}

// APIError is a Matrix error body.
type APIError struct {
	ErrCode      string `json:"errcode"`
	Error        string `json:"error"`
	RetryAfterMS *int64 `json:"retry_after_ms"`
}

// ParseError reads a Matrix error body; ok is false when the body is not
// one.
func ParseError(body []byte) (e APIError, ok bool) {
	if err := json.Unmarshal(body, &e); err != nil || e.ErrCode == "" {
		return APIError{}, false
	}
	if e.RetryAfterMS != nil && *e.RetryAfterMS < 0 {
		e.RetryAfterMS = nil
	}
	return e, true
}

func (r *Receiver) classify(resp *http.Response, raw []byte) error {
	apiErr, isAPI := ParseError(raw)
	var err error
	if isAPI {
		msg := notify.BodyExcerpt(strings.NewReader(apiErr.Error), 200, r.Secrets()...)
		err = fmt.Errorf("HTTP %d %s: %s", resp.StatusCode, notify.BodyExcerpt(strings.NewReader(apiErr.ErrCode), 64), msg)
	} else {
		err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, notify.BodyExcerpt(bytes.NewReader(raw), 200, r.Secrets()...))
	}
	if resp.StatusCode == http.StatusTooManyRequests || apiErr.ErrCode == "M_LIMIT_EXCEEDED" {
		wait := DefaultRateLimitWait
		if apiErr.RetryAfterMS != nil {
			wait = time.Duration(min(*apiErr.RetryAfterMS, int64(time.Hour/time.Millisecond))) * time.Millisecond
		} else if d, ok := notify.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			wait = d
		}
		return &notify.RetryAfterError{After: wait, Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		return err
	}
	return notify.Permanent(err)
}
