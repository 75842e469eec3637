package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"tocsin/internal/notify"
)

func TestSecretNeverPrints(t *testing.T) {
	type conf struct {
		Token notify.Secret    `json:"token" yaml:"token"`
		URL   notify.SecretURL `json:"url" yaml:"url"`
	}
	c := conf{Token: "tok-Very-Secret-1", URL: "https://hooks.example.org/services/T0/B0/pathSecret2?k=querySecret3"}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", c)
		fmt.Fprintf(&out, verb+"\n", c.Token)
		fmt.Fprintf(&out, verb+"\n", c.URL)
	}
	j, _ := json.Marshal(c)
	y, _ := yaml.Marshal(c)
	out.Write(j)
	out.Write(y)
	slog.New(slog.NewTextHandler(&out, nil)).Info("text", "conf", c, "token", c.Token, "url", c.URL)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("json", "conf", c, "token", c.Token, "url", c.URL)
	for _, s := range []string{"tok-Very-Secret-1", "pathSecret2", "querySecret3", "/services/"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("%q printed:\n%s", s, out.String())
		}
	}
	if !strings.Contains(out.String(), "https://hooks.example.org/[secret]") {
		t.Errorf("the URL's host should stay visible:\n%s", out.String())
	}
	var back conf
	if err := yaml.Unmarshal([]byte("token: abc-def\nurl: https://x/y\n"), &back); err != nil || back.Token.Reveal() != "abc-def" || back.URL.Reveal() != "https://x/y" {
		t.Errorf("decoded %q %q (%v)", back.Token.Reveal(), back.URL.Reveal(), err)
	}
}

func TestRedact(t *testing.T) {
	got := notify.Redact("refused Bearer abcd1234 for abcd1234", "abcd1234", "", "ab")
	if got != "refused Bearer [secret] for [secret]" {
		t.Errorf("= %q", got)
	}
}
