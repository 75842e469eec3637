// Package email sends messages over SMTP: STARTTLS (required by
// default) or implicit TLS, authentication, a text part and an HTML
// alternative, UTF-8 subjects encoded for every mail client.
//
// It builds on github.com/wneessen/go-mail rather than net/smtp: the
// standard package is frozen, has no context support and leaves MIME to
// the caller (multipart/alternative, quoted-printable bodies, RFC 2047
// headers for French subjects), which go-mail does right. go-mail's
// debug log, which would print the AUTH exchange, is never enabled.
package email

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"tocsin/internal/notify"
)

// Security is how the connection is protected.
type Security string

// Security modes.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS; refused if the server cannot (default)
	TLS      Security = "tls"      // TLS from the first byte (port 465)
	None     Security = "none"     // no encryption: only for a relay on the same host
)

// DefaultTimeout bounds one delivery (connect to QUIT).
const DefaultTimeout = 30 * time.Second

// Config is one e-mail receiver's settings.
type Config struct {
	Host     string           `yaml:"host"`
	Port     int              `yaml:"port"` // default 587 (465 with security tls, 25 with none)
	Security Security         `yaml:"security"`
	Username string           `yaml:"username"` // authentication when set
	Password notify.Secret    `yaml:"password"`
	From     string           `yaml:"from"`
	To       []string         `yaml:"to"`
	Hello    string           `yaml:"hello"` // EHLO name; default the host name
	Timeout  time.Duration    `yaml:"timeout"`
	TLS      notify.TLSConfig `yaml:"tls"`
}

// Validate names each field at fault.
func (c *Config) Validate() error {
	var errs []error
	if c.Host == "" || strings.ContainsAny(c.Host, "/ @") {
		errs = append(errs, errors.New("host: want a host name"))
	}
	if c.Port < 0 || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("port: %d out of range", c.Port))
	}
	switch c.Security {
	case "", StartTLS, TLS, None:
	default:
		errs = append(errs, fmt.Errorf("security: %q (want starttls, tls or none)", c.Security))
	}
	if c.Password.IsSet() && c.Username == "" {
		errs = append(errs, errors.New("username: required with a password"))
	}
	if c.Username != "" && c.Security == None {
		errs = append(errs, errors.New("security: none would send the password in clear; use starttls or tls"))
	}
	if _, err := mail.ParseAddress(c.From); err != nil {
		errs = append(errs, fmt.Errorf("from: %w", err))
	}
	if len(c.To) == 0 {
		errs = append(errs, errors.New("to: at least one address"))
	}
	for i, to := range c.To {
		if _, err := mail.ParseAddress(to); err != nil {
			errs = append(errs, fmt.Errorf("to[%d]: %w", i, err))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, errors.New("timeout: must not be negative"))
	}
	return errors.Join(errs...)
}

// Receiver sends to a fixed list of addresses.
type Receiver struct {
	name string
	cfg  Config
	opts []gomail.Option
	log  *slog.Logger
}

// New builds a receiver; cfg must be valid.
func New(name string, cfg Config, log *slog.Logger) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Security == "" {
		cfg.Security = StartTLS
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Port == 0 {
		cfg.Port = map[Security]int{StartTLS: 587, TLS: 465, None: 25}[cfg.Security]
	}
	tc, err := cfg.TLS.Build()
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tc),
	}
	switch cfg.Security {
	case StartTLS:
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory), gomail.WithPort(cfg.Port))
	case TLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithPort(cfg.Port))
	case None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.Hello != "" {
		opts = append(opts, gomail.WithHELO(cfg.Hello))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password.Reveal()))
	}
	if log == nil {
		log = slog.Default()
	}
	return &Receiver{name: name, cfg: cfg, opts: opts, log: log.With("receiver", name)}, nil
}

// Name returns the receiver's name.
func (r *Receiver) Name() string { return r.name }

// Secrets lists what must never appear in text about this receiver.
func (r *Receiver) Secrets() []notify.Secret { return []notify.Secret{r.cfg.Password} }

// Send mails m to every recipient in one transaction.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.From(r.cfg.From); err != nil {
		return notify.Permanent(fmt.Errorf("email %s: from: %w", r.name, err))
	}
	if err := msg.To(r.cfg.To...); err != nil {
		return notify.Permanent(fmt.Errorf("email %s: to: %w", r.name, err))
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(m.Time)
	msg.SetMessageIDWithValue(m.ID + "@tocsin")
	msg.SetGenHeader("X-Tocsin-Group", m.GroupKey)
	msg.SetGenHeader("X-Tocsin-Status", string(m.Status))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, htmlDocument(m))
	}
	// A client per delivery: nothing shared between groups sending at once.
	client, err := gomail.NewClient(r.cfg.Host, r.opts...)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: %w", r.name, err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("email %s: %w", r.name, classify(err, r.Secrets()))
	}
	r.log.Debug("email sent", "message", m.ID, "recipients", len(r.cfg.To))
	return nil
}

// classify keeps the SMTP error's text, without secrets, and marks the
// answers retrying cannot change permanent: a 5xx reply (refused sender
// or recipient, failed authentication) or no usable authentication.
// Connection failures stay temporary.
func classify(err error, secrets []notify.Secret) error {
	out := errors.New(notify.Redact(err.Error(), secrets...))
	var se *gomail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 {
		return notify.Permanent(out)
	}
	var pe *textproto.Error
	if errors.As(err, &pe) && pe.Code >= 500 {
		return notify.Permanent(out)
	}
	if errors.Is(err, gomail.ErrPlainAuthNotSupported) || errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) {
		return notify.Permanent(out)
	}
	return out
}

func htmlDocument(m notify.Message) string {
	return `<!DOCTYPE html><html lang="` + string(m.Language) + `"><head><meta charset="utf-8"><title>` +
		html.EscapeString(m.Subject) + `</title></head><body>` + m.HTML + `</body></html>`
}
