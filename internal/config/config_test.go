package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestGoodFile(t *testing.T) {
	data, err := os.ReadFile("testdata/good.yml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("testdata/good.yml", data, env(map[string]string{"VILLE_A_TOKEN": "a-long-random-token-for-ville-a"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Data != "/var/lib/tocsin" || c.HTTP.MaxBody != 8<<20 || c.RELP.Addr != "0.0.0.0:2514" {
		t.Errorf("decoded %+v", c)
	}
	if c.Syslog.TLS.Addr != "" {
		t.Errorf("a file enables only the listeners it names")
	}
	if time.Duration(c.Retention.Events) != 30*24*time.Hour || time.Duration(c.Tenants[1].Retention.Events) != 7*24*time.Hour {
		t.Errorf("retention %v %v", c.Retention, c.Tenants[1].Retention)
	}
	if got := c.Tenants[0].Tokens[0].Secret; got != "a-long-random-token-for-ville-a" {
		t.Errorf("secret not expanded")
	}
	if s := (Secret("x")).String(); s != "[secret]" {
		t.Errorf("secret prints as %q", s)
	}
	if c.Rules.AlertLevel != "medium" || !*c.Rules.Builtin || c.Pipeline.Batch == 0 || c.Quarantine != "quarantine" {
		t.Errorf("defaults: %+v %+v", c.Rules, c.Pipeline)
	}
}

// Each bad file names every problem with file:line:col and the setting.
func TestBadFiles(t *testing.T) {
	cases := map[string][]string{
		"testdata/unknown.bad.yml": {
			"testdata/unknown.bad.yml:2:1: field htpp is not a setting of Config",
			"testdata/unknown.bad.yml:6:5: field nmae is not a setting of Tenant",
		},
		"testdata/values.bad.yml": {
			"testdata/values.bad.yml:8:11: ",
			"\"30 days\" is not a duration",
			// The other problems of the file come in the same run.
			"testdata/values.bad.yml:2:11: storage.driver",
			"testdata/values.bad.yml:19:13: files[0].tenant",
		},
	}
	for file, wants := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := Load(file)
			if err == nil {
				t.Fatal("loaded")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("not ErrInvalid: %v", err)
			}
			for _, w := range wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

func TestValidation(t *testing.T) {
	data, _ := os.ReadFile("testdata/values.bad.yml")
	// Fix the duration so that decoding succeeds and validation runs.
	data = []byte(strings.Replace(string(data), "30 days", "30d", 1))
	_, err := Parse("v.yml", data, nil)
	if err == nil {
		t.Fatal("validated")
	}
	for _, w := range []string{
		`v.yml:2:11: storage.driver: "mysql" is not a storage driver`,
		`v.yml:4:9: http.addr: "localhost" is not host:port`,
		`v.yml:6:16: rules.alert_level: "severe" is not a level`,
		`v.yml:12:18: tenants[0].match.networks[0]: "10.1.0/16" is not a network`,
		`v.yml:14:16: tenants[0].tokens[0].role: "admin" is not a token role`,
		`v.yml:14:31: tenants[0].tokens[0].secret: a token needs at least 16 characters`,
		`v.yml:15:9: tenants[1].id: "ville-a" is already the id of tenants[0]`,
		`v.yml:16:9: tenants[2].id: "bad id" is not a tenant id`,
		`v.yml:19:13: files[0].tenant: "nowhere" is not a configured tenant`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%v", w, err)
		}
	}
}

func TestEnvironment(t *testing.T) {
	_, err := Parse("e.yml", []byte("tenants:\n  - id: a\n    tokens:\n      - {role: ingest, secret: \"${NOPE}\"}\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "e.yml:4:32: environment variable NOPE is not set") {
		t.Errorf("got %v", err)
	}
	c, err := Parse("e.yml", []byte("data: ${DIR:-/srv/tocsin}\ntenants: [{id: a}]\n"), env(nil))
	if err != nil || c.Data != "/srv/tocsin" {
		t.Errorf("default: %v %v", c, err)
	}
}

func TestSyntaxError(t *testing.T) {
	_, err := Parse("s.yml", []byte("tenants:\n  - id: a\n   bad: [\n"), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "s.yml:") {
		t.Errorf("got %v", err)
	}
}

func TestDefault(t *testing.T) {
	c := Default()
	if c.HTTP.Addr != "127.0.0.1:8080" || c.Syslog.UDP != "127.0.0.1:5514" || c.Syslog.TCP != "127.0.0.1:5514" || c.Data != "./tocsin-data" || len(c.Tenants) != 1 || c.Tenants[0].ID != "default" {
		t.Errorf("%+v", c)
	}
	if p := c.validate("", nil); len(p) > 0 {
		t.Errorf("defaults invalid: %v", p)
	}
}

// The documented example must stay valid.
func TestExampleFile(t *testing.T) {
	c, err := Load("../../docs/tocsin.example.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tenants) != 3 || c.RELP.Addr == "" || len(c.Notify.Receivers) != 2 || c.Alerting.Lang != "fr" {
		t.Errorf("%+v", c)
	}
}

// FuzzParse: any file gives a configuration or problems that name the
// file, never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/good.yml", "testdata/unknown.bad.yml", "testdata/values.bad.yml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("tenants: [{id: a, match: {networks: [::/0]}}]\nalerting: {lang: en}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yml", data, env(map[string]string{"X": "a-long-enough-secret-value"}))
		if err != nil {
			if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "f.yml") {
				t.Fatalf("problem without its place: %v", err)
			}
			return
		}
		if c == nil || len(c.Tenants) == 0 {
			t.Fatal("a configuration without tenants passed")
		}
	})
}
