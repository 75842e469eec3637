package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// HTTPClient returns a client for a receiver: its own transport with the
// TLS settings, a timeout per request, and no redirects (a redirect
// would carry the Authorization header somewhere unconfigured).
func HTTPClient(tlsCfg TLSConfig, timeout time.Duration) (*http.Client, error) {
	tc, err := tlsCfg.Build()
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tc
	tr.MaxIdleConnsPerHost = 4
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// CheckURL validates an endpoint URL: http or https, a host, no
// credentials (they would end up in logs; use the auth settings). The
// error never repeats the URL, which may carry a token in its path.
func CheckURL(raw string) error {
	if raw == "" {
		return errors.New("required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil:
		return errors.New("credentials in the URL are not allowed; use the auth settings")
	}
	return nil
}

// TransportError strips the URL from an HTTP client error (url.Error
// prints it, and a webhook URL may hold a token) and keeps the cause.
func TransportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("%s: timeout: %w", ue.Op, ue.Err)
		}
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// StatusError classifies an HTTP answer that is not 2xx: 429 and 503
// with Retry-After come back later, 408 and 5xx are temporary, other 4xx
// permanent. detail is a short, printable, secret-free excerpt of the
// body.
func StatusError(resp *http.Response, detail string, now time.Time) error {
	err := fmt.Errorf("HTTP %d", resp.StatusCode)
	if detail != "" {
		err = fmt.Errorf("HTTP %d: %s", resp.StatusCode, detail)
	}
	if after, ok := RetryAfter(resp.Header.Get("Retry-After"), now); ok && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		return &RetryAfterError{After: after, Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode >= 500:
		return err
	}
	return Permanent(err)
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// BodyExcerpt returns the first n bytes of a body for an error message:
// one line of printable characters, secrets redacted before the cut so
// no prefix of a secret survives it.
func BodyExcerpt(r io.Reader, n int, secrets ...Secret) string {
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(b))
	s = strings.TrimSpace(Redact(s, secrets...))
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// SendJSON encodes payload and sends it with method to target through
// client, with Tocsin's JSON headers and those header adds. Encoding and
// request errors are permanent (a retry would fail the same way);
// transport errors are not, and say only what failed. The caller closes
// the response body.
func SendJSON(ctx context.Context, client *http.Client, method, target string, payload any, header func(*http.Request)) (*http.Response, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, Permanent(fmt.Errorf("encode: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(fmt.Errorf("request: %w", TransportError(err)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "tocsin")
	if header != nil {
		header(req)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, TransportError(err)
	}
	return resp, nil
}
