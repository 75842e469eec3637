package notify

import (
	"log/slog"
	"net/url"
	"strings"
)

// Secret holds a token or password. It prints, logs and marshals as
// "[secret]" so it cannot leak through a log line, an error or a dumped
// configuration; Reveal is the one way to read it.
type Secret string

const redacted = "[secret]"

// Reveal returns the secret's value, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret holds a value.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer (used by %s, %v, %q and %x).
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer (used by %#v).
func (s Secret) GoString() string { return `notify.Secret("` + redacted + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler (JSON, YAML, …).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// UnmarshalText implements encoding.TextUnmarshaler, so a configuration
// can set a secret although it marshals redacted.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// MarshalYAML implements yaml.Marshaler without importing a YAML module.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// Redact replaces every occurrence of the secrets' values in text by
// "[secret]": a last guard for text that came from elsewhere, such as an
// error body a server echoed back.
func Redact(text string, secrets ...Secret) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, string(s), redacted)
		}
	}
	return text
}

// SecretURL is an endpoint URL whose path or query may hold a token (a
// webhook URL often does). It prints, logs and marshals as its scheme and
// host followed by "/[secret]"; Reveal returns it whole.
type SecretURL string

// Reveal returns the URL.
func (u SecretURL) Reveal() string { return string(u) }

// String implements fmt.Stringer.
func (u SecretURL) String() string {
	p, err := url.Parse(string(u))
	if err != nil || p.Host == "" {
		return redacted
	}
	return p.Scheme + "://" + p.Host + "/" + redacted
}

// GoString implements fmt.GoStringer.
func (u SecretURL) GoString() string { return `notify.SecretURL("` + u.String() + `")` }

// LogValue implements slog.LogValuer.
func (u SecretURL) LogValue() slog.Value { return slog.StringValue(u.String()) }

// MarshalText implements encoding.TextMarshaler.
func (u SecretURL) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (u *SecretURL) UnmarshalText(b []byte) error {
	*u = SecretURL(b)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (u SecretURL) MarshalYAML() (any, error) { return u.String(), nil }
