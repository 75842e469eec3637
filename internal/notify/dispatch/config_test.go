package dispatch_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"tocsin/internal/notify"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/notify/webhook"
)

func loadYAML(t *testing.T, path string) dispatch.Config {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var cfg dispatch.Config
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestConfigYAML(t *testing.T) {
	cfg := loadYAML(t, "testdata/notify.yml")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if *cfg.Route.GroupWait != 30*time.Second || *cfg.Route.UrgentLevel != notify.Rouge || *cfg.Route.UrgentWait != 0 {
		t.Errorf("route timings %v %v %v", *cfg.Route.GroupWait, *cfg.Route.UrgentLevel, *cfg.Route.UrgentWait)
	}
	if cfg.Receivers[0].Webhook.BearerToken.Reveal() != "yaml-bearer-token-1" || cfg.Receivers[3].Matrix.AccessToken.Reveal() != "yaml-matrix-token-4" {
		t.Error("secrets not decoded")
	}
	if cfg.Receivers[1].Webhook.Format != webhook.Alertmanager || cfg.Silences[0].CreatedBy != "rssi" {
		t.Errorf("decoded %+v", cfg)
	}
	d, err := dispatch.New(cfg, dispatch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Stop()
	if n := len(d.Silences()); n != 1 {
		t.Errorf("%d silences", n)
	}
	// Printed, logged or marshalled, the configuration holds no secret.
	var out bytes.Buffer
	fmt.Fprintf(&out, "%v %+v %#v", cfg, cfg, cfg)
	j, _ := json.Marshal(cfg)
	y, _ := yaml.Marshal(cfg)
	out.Write(j)
	out.Write(y)
	for _, s := range []string{"yaml-bearer-token-1", "yaml-basic-password-2", "yaml-smtp-password-3", "yaml-matrix-token-4"} {
		if strings.Contains(out.String(), s) {
			t.Errorf("printed configuration holds %q", s)
		}
	}
}

func TestConfigUnknownField(t *testing.T) {
	dec := yaml.NewDecoder(strings.NewReader("route:\n  reciever: [soc]\n"))
	dec.KnownFields(true)
	var cfg dispatch.Config
	if err := dec.Decode(&cfg); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want the unknown field named with its line", err)
	}
}

func TestConfigValidate(t *testing.T) {
	hook := func(name string) dispatch.ReceiverConfig {
		return dispatch.ReceiverConfig{Name: name, Webhook: &webhook.Config{URL: "https://x.example/h"}}
	}
	tests := []struct {
		name string
		edit func(*dispatch.Config)
		want string
	}{
		{"no root receiver", func(c *dispatch.Config) { c.Route.Receivers = nil }, "route.receivers: the root route needs at least one receiver"},
		{"root matchers", func(c *dispatch.Config) { c.Route.Matchers = []string{"tenant = a"} }, "route.matchers: the root route matches everything"},
		{"unknown receiver", func(c *dispatch.Config) {
			c.Route.Routes = []dispatch.RouteConfig{{Receivers: []string{"nobody"}}}
		}, `route.routes[0].receivers[0]: unknown receiver "nobody"`},
		{"bad matcher", func(c *dispatch.Config) {
			c.Route.Routes = []dispatch.RouteConfig{{Matchers: []string{"level = rouge", "level >= pourpre"}}}
		}, `route.routes[0].matchers[1]: bad matcher "level >= pourpre"`},
		{"language", func(c *dispatch.Config) { c.Language = "de" }, `language: "de"`},
		{"timezone", func(c *dispatch.Config) { c.Timezone = "Mars/Olympus" }, `timezone: "Mars/Olympus"`},
		{"external url", func(c *dispatch.Config) { c.ExternalURL = "tocsin.local" }, "external_url:"},
		{"receiver url", func(c *dispatch.Config) { c.Receivers[0].Webhook.URL = "" }, "receivers[0] (soc).webhook.url: required"},
		{"duplicate", func(c *dispatch.Config) { c.Receivers = append(c.Receivers, hook("soc")) }, `receivers[1].name: "soc" defined twice`},
		{"no name", func(c *dispatch.Config) { c.Receivers = append(c.Receivers, hook("")) }, "receivers[1].name: required"},
		{"no kind", func(c *dispatch.Config) {
			c.Receivers = append(c.Receivers, dispatch.ReceiverConfig{Name: "x"})
		}, "receivers[1] (x): want exactly one of webhook, email, matrix (found 0)"},
		{"group_interval", func(c *dispatch.Config) { c.Route.GroupInterval = dur(0) }, "route.group_interval: 0s is below 1s"},
		{"negative wait", func(c *dispatch.Config) {
			c.Route.Routes = []dispatch.RouteConfig{{UrgentWait: dur(-time.Second)}}
		}, "route.routes[0].urgent_wait: -1s is below 0s"},
		{"group_by", func(c *dispatch.Config) { c.Route.GroupBy = []string{"tenant", "9x"} }, `route.group_by[1]: "9x" is not a label name`},
		{"retry", func(c *dispatch.Config) { c.Retry.InitialBackoff, c.Retry.MaxBackoff = time.Minute, time.Second }, "retry.initial_backoff: above max_backoff"},
		{"silence", func(c *dispatch.Config) {
			c.Silences = []dispatch.SilenceConfig{{Matchers: []string{"tenant = a"}, EndsAt: t0, CreatedBy: "x"}}
		}, "silences[0].comment: required"},
		{"silence matcher", func(c *dispatch.Config) {
			c.Silences = []dispatch.SilenceConfig{{Matchers: []string{"tenant"}, EndsAt: t0, CreatedBy: "x", Comment: "y"}}
		}, "silences[0].matchers[0]: bad matcher"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dispatch.Config{Receivers: []dispatch.ReceiverConfig{hook("soc")}, Route: dispatch.RouteConfig{Receivers: []string{"soc"}}}
			tc.edit(&c)
			err := c.Validate()
			if !errors.Is(err, dispatch.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
	t.Run("two kinds", func(t *testing.T) {
		c := dispatch.Config{Receivers: []dispatch.ReceiverConfig{hook("soc")}, Route: dispatch.RouteConfig{Receivers: []string{"soc"}}}
		c.Receivers[0].Matrix = loadYAML(t, "testdata/notify.yml").Receivers[3].Matrix
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "want exactly one of webhook, email, matrix (found 2)") {
			t.Errorf("err = %v", err)
		}
	})
}
