package email_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"tocsin/internal/notify"
	"tocsin/internal/notify/email"
	"tocsin/internal/notify/notifytest"
)

func message() notify.Message {
	return notify.Message{
		ID: "MSGEMAIL1", Receiver: "rssi", GroupKey: `{}:{tenant="ville-a"}`, Status: notify.Firing,
		Language: notify.French, Time: time.Date(2026, 3, 12, 10, 43, 0, 0, time.UTC),
		Subject: "[Tocsin] ALERTE ROUGE — Ville A",
		Text:    "ALERTE ROUGE — Ville A : attaque avec impact. Depuis 10:42.\nÀ faire : isoler le serveur.",
		HTML:    "<p><strong>ALERTE ROUGE</strong> — Ville A : attaque avec impact.</p>",
	}
}

func config(s *notifytest.SMTPServer, password notify.Secret) email.Config {
	return email.Config{
		Host: s.Host, Port: s.Port, Username: s.User, Password: password,
		From: "Tocsin <tocsin@agglo.example.fr>", To: []string{"rssi@ville-a.example.fr", "astreinte@agglo.example.fr"},
		TLS:     notify.TLSConfig{CAFile: s.CAFile},
		Timeout: 10 * time.Second,
	}
}

func TestSendStartTLSAuth(t *testing.T) {
	s := notifytest.NewSMTPServer(t, "tocsin", "mail-pa55word!")
	r, err := email.New("rssi", config(s, "mail-pa55word!"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := r.Send(ctx, message()); err != nil {
		t.Fatal(err)
	}
	got, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TLS {
		t.Error("mail accepted without STARTTLS")
	}
	if got.AuthUser != "tocsin" || got.From != "tocsin@agglo.example.fr" || strings.Join(got.To, ",") != "rssi@ville-a.example.fr,astreinte@agglo.example.fr" {
		t.Errorf("envelope %+v", got)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "[Tocsin] ALERTE ROUGE — Ville A" {
		t.Errorf("Subject %q (%v)", subject, err)
	}
	if id := msg.Header.Get("Message-Id"); id != "<MSGEMAIL1@tocsin>" {
		t.Errorf("Message-Id %q", id)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v)", mt, err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "À faire : isoler le serveur.") {
		t.Errorf("text part %q", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], "<strong>ALERTE ROUGE</strong>") || !strings.Contains(parts["text/html"], `<html lang="fr">`) {
		t.Errorf("HTML part %q", parts["text/html"])
	}
}

func TestWrongPasswordIsPermanentAndRedacted(t *testing.T) {
	s := notifytest.NewSMTPServer(t, "tocsin", "right-password")
	r, err := email.New("rssi", config(s, "wrong-pa55word-xyz"), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Send(context.Background(), message())
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, notify.ErrPermanent) {
		t.Errorf("not permanent: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-pa55word-xyz") {
		t.Errorf("error holds the password: %v", err)
	}
	if !strings.Contains(err.Error(), "535") {
		t.Errorf("error %q does not say authentication failed", err)
	}
}

func TestUntrustedCertificateRefused(t *testing.T) {
	s := notifytest.NewSMTPServer(t, "tocsin", "pw-123456")
	cfg := config(s, "pw-123456")
	cfg.TLS = notify.TLSConfig{}
	r, err := email.New("rssi", cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Send(context.Background(), message()); err == nil {
		t.Fatal("sent over TLS to a certificate nobody trusts")
	}
	if n := len(s.Mails()); n != 0 {
		t.Errorf("%d mails accepted", n)
	}
}

func TestValidate(t *testing.T) {
	ok := email.Config{Host: "smtp.example.fr", From: "a@example.fr", To: []string{"b@example.fr"}}
	tests := []struct {
		name string
		edit func(*email.Config)
		want string
	}{
		{"host", func(c *email.Config) { c.Host = "" }, "host:"},
		{"port", func(c *email.Config) { c.Port = 70000 }, "port: 70000"},
		{"security", func(c *email.Config) { c.Security = "ssl" }, `security: "ssl"`},
		{"password without user", func(c *email.Config) { c.Password = "x" }, "username: required"},
		{"password in clear", func(c *email.Config) { c.Username, c.Security = "u", email.None }, "security: none would send the password in clear"},
		{"from", func(c *email.Config) { c.From = "not an address" }, "from:"},
		{"no recipient", func(c *email.Config) { c.To = nil }, "to: at least one"},
		{"bad recipient", func(c *email.Config) { c.To = []string{"ok@example.fr", "nope"} }, "to[1]:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			c.To = append([]string(nil), ok.To...)
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}
