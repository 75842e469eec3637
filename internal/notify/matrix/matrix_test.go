package matrix_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/matrix"
	"tocsin/internal/notify/notifytest"
)

const (
	token = "syt_Ym90_s3cretAccessToken_42"
	room  = "!cellule-crise:agent.interieur.tchap.gouv.fr"
)

func newReceiver(t *testing.T, h *notifytest.Homeserver, tok notify.Secret) *matrix.Receiver {
	t.Helper()
	r, err := matrix.New("tchap", matrix.Config{
		Homeserver: h.URL, RoomID: room, AccessToken: tok,
		TLS: notify.TLSConfig{CAFile: notifytest.WriteCA(t, h.Certificate())},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func message(id string) notify.Message {
	return notify.Message{
		ID: id, Receiver: "tchap", Status: notify.Firing,
		Subject: "[Tocsin] ALERTE ROUGE — Ville A",
		Text:    "ALERTE ROUGE — Ville A : attaque avec impact.",
		HTML:    "<p><strong>ALERTE ROUGE</strong> — Ville A</p>",
	}
}

func TestSend(t *testing.T) {
	h := notifytest.NewHomeserver(t, token, room)
	r := newReceiver(t, h, token)
	if err := r.Send(context.Background(), message("TXN1/with:odd chars")); err != nil {
		t.Fatal(err)
	}
	ev := h.Events()
	if len(ev) != 1 {
		t.Fatalf("%d events", len(ev))
	}
	c := ev[0].Content
	want := map[string]any{
		"msgtype": "m.text", "body": "ALERTE ROUGE — Ville A : attaque avec impact.",
		"format": "org.matrix.custom.html", "formatted_body": "<p><strong>ALERTE ROUGE</strong> — Ville A</p>",
	}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("%s = %v, want %v", k, c[k], v)
		}
	}
	if ev[0].TxnID != "TXN1/with:odd chars" {
		t.Errorf("txnId %q", ev[0].TxnID)
	}
	if got := h.Requests()[0].Authorization; got != "Bearer "+token {
		t.Errorf("Authorization %q", got)
	}
}

// TestSameTransactionOnce: a retried message reuses its transaction ID
// and the homeserver keeps one event.
func TestSameTransactionOnce(t *testing.T) {
	h := notifytest.NewHomeserver(t, token, room)
	r := newReceiver(t, h, token)
	for range 3 {
		if err := r.Send(context.Background(), message("TXN-A")); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Send(context.Background(), message("TXN-B")); err != nil {
		t.Fatal(err)
	}
	if n := len(h.Events()); n != 2 {
		t.Errorf("%d events, want 2", n)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(h *notifytest.Homeserver)
		token     notify.Secret
		roomID    string
		permanent bool
		after     time.Duration
		want      string
	}{
		{"rate limited", func(h *notifytest.Homeserver) { h.RateLimit(1, 1500) }, token, room, false, 1500 * time.Millisecond, "M_LIMIT_EXCEEDED"},
		{"bad token", func(h *notifytest.Homeserver) { h.EchoTokenInErrors() }, "syt_wrong_token_value", room, true, 0, "M_UNKNOWN_TOKEN"},
		{"not in room", nil, token, "!other:example.org", true, 0, "M_FORBIDDEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := notifytest.NewHomeserver(t, token, room)
			if tc.setup != nil {
				tc.setup(h)
			}
			r, err := matrix.New("tchap", matrix.Config{
				Homeserver: h.URL, RoomID: tc.roomID, AccessToken: tc.token,
				TLS: notify.TLSConfig{CAFile: notifytest.WriteCA(t, h.Certificate())},
			}, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = r.Send(context.Background(), message("T"))
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, notify.ErrPermanent) != tc.permanent {
				t.Errorf("permanent = %v (%v)", !tc.permanent, err)
			}
			var ra *notify.RetryAfterError
			if errors.As(err, &ra) != (tc.after > 0) || (ra != nil && ra.After != tc.after) {
				t.Errorf("retry after %v, want %v", ra, tc.after)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
			if strings.Contains(err.Error(), string(tc.token)) {
				t.Errorf("error %q holds the token", err)
			}
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		body  string
		ok    bool
		code  string
		after int64
	}{
		{`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}`, true, "M_LIMIT_EXCEEDED", 2000},
		{`{"errcode":"M_FORBIDDEN","error":"no"}`, true, "M_FORBIDDEN", -1},
		{`{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":-5}`, true, "M_LIMIT_EXCEEDED", -1},
		{`<html>502 Bad Gateway</html>`, false, "", -1},
		{`{}`, false, "", -1},
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			e, ok := matrix.ParseError([]byte(tc.body))
			if ok != tc.ok || e.ErrCode != tc.code {
				t.Fatalf("= %+v %v", e, ok)
			}
			if (e.RetryAfterMS == nil) != (tc.after < 0) || (e.RetryAfterMS != nil && *e.RetryAfterMS != tc.after) {
				t.Errorf("retry_after_ms = %v, want %d", e.RetryAfterMS, tc.after)
			}
		})
	}
}

func FuzzParseError(f *testing.F) {
	f.Add([]byte(`{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}`))
	f.Add([]byte(`{"errcode":"M_UNKNOWN_TOKEN","error":"x","soft_logout":true}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := matrix.ParseError(b)
		if ok && e.ErrCode == "" {
			t.Fatal("ok without errcode")
		}
		if e.RetryAfterMS != nil && *e.RetryAfterMS < 0 {
			t.Fatal("negative retry_after_ms kept")
		}
	})
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  matrix.Config
		want string
	}{
		{"empty", matrix.Config{}, "homeserver: required"},
		{"alias", matrix.Config{Homeserver: "https://m.example", RoomID: "#crise:m.example", AccessToken: "x"}, "room_id:"},
		{"no token", matrix.Config{Homeserver: "https://m.example", RoomID: "!a:m.example"}, "access_token: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
