// Package config reads tocsin serve's YAML file: strict decoding (an
// unknown key is an error), environment expansion, embedded defaults and
// validation. Every problem names file:line:col and the setting, and all of
// them are reported at once.
package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"tocsin/internal/alert"
	"tocsin/internal/notify/dispatch"
	"tocsin/internal/sigma"
)

// ErrInvalid wraps every configuration problem.
var ErrInvalid = errors.New("invalid configuration")

// Config is the whole file. Zero values take the defaults of Default.
type Config struct {
	// Data is the folder for the SQLite database and other state.
	Data    string  `yaml:"data"`
	Storage Storage `yaml:"storage"`
	HTTP    HTTP    `yaml:"http"`
	Syslog  Syslog  `yaml:"syslog"`
	RELP    RELP    `yaml:"relp"`
	Files   []File  `yaml:"files"`
	Rules   Rules   `yaml:"rules"`
	// Pipeline sizes the queues and batches.
	Pipeline Pipeline `yaml:"pipeline"`
	Tenants  []Tenant `yaml:"tenants"`
	// Quarantine is the tenant of events no rule assigns.
	Quarantine string `yaml:"quarantine"`
	// Retention applies to tenants that set none.
	Retention Retention `yaml:"retention"`
	Log       Log       `yaml:"log"`
	// Alerting is the policy of alerts, campaigns and levels (vert to
	// rouge); unset keys keep alert.DefaultPolicy's values.
	Alerting alert.Policy `yaml:"alerting"`
	// Notify routes level changes and campaigns to people (webhooks,
	// e-mail, Matrix); no receiver: nobody is notified.
	Notify dispatch.Config `yaml:"notify"`

	// File is where the configuration was read from ("" for defaults).
	File string `yaml:"-"`
}

// Storage selects the backend.
type Storage struct {
	Driver string `yaml:"driver"` // sqlite (default) or postgres
	DSN    string `yaml:"dsn"`    // postgres://… (postgres only)
}

// HTTP is the API listener.
type HTTP struct {
	Addr string `yaml:"addr"`
	// MaxBody caps one ingest request (bytes; 413 past it).
	MaxBody Size `yaml:"max_body"`
	// MetricsPublic serves /metrics without a token.
	MetricsPublic bool `yaml:"metrics_public"`
}

// Syslog listeners; an empty address disables one.
type Syslog struct {
	UDP string `yaml:"udp"`
	TCP string `yaml:"tcp"`
	TLS TLS    `yaml:"tls"`
	// MaxMessage caps one message (bytes).
	MaxMessage Size `yaml:"max_message"`
}

// TLS is an RFC 5425 listener.
type TLS struct {
	Addr string `yaml:"addr"`
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
	// ClientCA, when set, asks senders for a certificate signed by it;
	// its common name can assign the tenant.
	ClientCA          string `yaml:"client_ca"`
	RequireClientCert bool   `yaml:"require_client_cert"`
}

// RELP is the reliable syslog listener.
type RELP struct {
	Addr string `yaml:"addr"`
}

// File is a set of files to tail for one tenant.
type File struct {
	Paths  []string `yaml:"paths"`
	Tenant string   `yaml:"tenant"`
}

// Rules says what detection runs.
type Rules struct {
	// Builtin loads the embedded pack (default true).
	Builtin *bool    `yaml:"builtin"`
	Paths   []string `yaml:"paths"`
	// Placeholders give values to %name% placeholders of expand rules.
	Placeholders map[string][]string `yaml:"placeholders"`
	// AlertLevel: detections below this level are not stored as alerts.
	AlertLevel string `yaml:"alert_level"`
}

// Pipeline sizes.
type Pipeline struct {
	// Queue is the number of batches waiting to be processed.
	Queue int `yaml:"queue"`
	// Workers decode and match; 0: one per core.
	Workers int `yaml:"workers"`
	// Batch is the most events written in one transaction.
	Batch int `yaml:"batch"`
	// Flush is how long a batch may wait for more records before it is
	// written (default 10ms).
	Flush Duration `yaml:"flush"`
	// Dedup is how many recent delivery ids are remembered.
	Dedup int `yaml:"dedup"`
}

// Tenant is one organisation sharing the platform.
type Tenant struct {
	ID       string    `yaml:"id"`
	Name     string    `yaml:"name"`
	Contacts []Contact `yaml:"contacts"`
	Match    Match     `yaml:"match"`
	Tokens   []Token   `yaml:"tokens"`
	// Retention overrides the global one.
	Retention Retention `yaml:"retention"`
}

// Contact is someone to tell.
type Contact struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Phone string `yaml:"phone"`
	Role  string `yaml:"role"`
}

// Match assigns events to the tenant. The first that applies, in this
// order, wins: a token or file of the tenant, a client certificate, an
// event field, a listener, a sender network.
type Match struct {
	Networks  []string            `yaml:"networks"`
	CertCN    []string            `yaml:"cert_cn"`
	Listeners []string            `yaml:"listeners"`
	Fields    map[string][]string `yaml:"fields"`
}

// Token grants access to one tenant: role ingest (write events) or read.
// Give the secret through the environment (`secret: ${MAIRIE_A_TOKEN}`) or
// its SHA-256 in hex (`sha256: …`), never in clear in the file.
type Token struct {
	Name   string `yaml:"name"`
	Role   string `yaml:"role"`
	Secret Secret `yaml:"secret"`
	SHA256 string `yaml:"sha256"`
}

// Retention keeps raw events and alerts for so long; 0 keeps them.
type Retention struct {
	Events Duration `yaml:"events"`
	Alerts Duration `yaml:"alerts"`
}

// Log configures Tocsin's own log.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Secret is a string that never prints.
type Secret string

// String hides the value.
func (Secret) String() string { return "[secret]" }

// GoString hides the value from %#v.
func (Secret) GoString() string { return `"[secret]"` }

// Duration accepts Go durations and days ("30d").
type Duration time.Duration

// UnmarshalYAML reads "90s", "15m", "30d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (90s, 15m, 12h, 30d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration (90s, 15m, 12h, 30d)", s)
	}
	return v, nil
}

// Size accepts bytes with an optional KiB/MiB/GiB suffix.
type Size int64

// UnmarshalYAML reads "10MiB", "512KiB", "65536".
func (z *Size) UnmarshalYAML(n *yaml.Node) error {
	s := strings.TrimSpace(n.Value)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}} {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 {
		return nodeError(n, fmt.Sprintf("%q is not a size (65536, 512KiB, 10MiB)", n.Value))
	}
	*z = Size(v * mult)
	return nil
}

// nodeError reports a bad value at its place; as a TypeError, decoding
// goes on and the other problems are reported too.
func nodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: %s", n.Line, n.Column, msg)}}
}

// Default is the embedded configuration tocsin serve runs on without a
// file: everything on loopback, one tenant.
func Default() *Config {
	c := &Config{Alerting: alert.DefaultPolicy()}
	c.applyDefaults()
	// The one tenant takes every sender, so nothing lands in quarantine
	// until tenants are configured.
	c.Tenants = []Tenant{{ID: "default", Name: "Default", Match: Match{Networks: []string{"0.0.0.0/0", "::/0"}}}}
	return c
}

func (c *Config) applyDefaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.Data, "./tocsin-data")
	def(&c.Storage.Driver, "sqlite")
	if c.File == "" {
		// Listeners default on only for the embedded configuration: a
		// file says which it wants.
		def(&c.HTTP.Addr, "127.0.0.1:8080")
		def(&c.Syslog.UDP, "127.0.0.1:5514")
		def(&c.Syslog.TCP, "127.0.0.1:5514")
	}
	if c.HTTP.MaxBody == 0 {
		c.HTTP.MaxBody = 16 << 20
	}
	if c.Syslog.MaxMessage == 0 {
		c.Syslog.MaxMessage = 64 << 10
	}
	if c.Rules.Builtin == nil {
		t := true
		c.Rules.Builtin = &t
	}
	def(&c.Rules.AlertLevel, "low")
	if c.Pipeline.Queue == 0 {
		c.Pipeline.Queue = 512
	}
	if c.Pipeline.Batch == 0 {
		c.Pipeline.Batch = 5000
	}
	if c.Pipeline.Flush == 0 {
		// A short linger makes bigger blocks at moderate rates (each
		// write costs per tenant block) for at most 10 ms more delay.
		c.Pipeline.Flush = Duration(10 * time.Millisecond)
	}
	if c.Pipeline.Dedup == 0 {
		c.Pipeline.Dedup = 1 << 20
	}
	def(&c.Quarantine, "quarantine")
	def(&c.Log.Level, "info")
	def(&c.Log.Format, "text")
}

// Load reads, expands and validates a file. The error lists every problem,
// one per line, as file:line:col: setting: message.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return Parse(path, data, os.LookupEnv)
}

// Problems is the list of what is wrong with a file.
type Problems []Problem

// Problem is one of them.
type Problem struct {
	File         string
	Line, Column int
	Path         string // the setting: tenants[1].match.networks[0]
	Msg          string
}

func (p Problem) Error() string {
	where := p.File
	if p.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	if p.Path != "" {
		return fmt.Sprintf("%s: %s: %s", where, p.Path, p.Msg)
	}
	return fmt.Sprintf("%s: %s", where, p.Msg)
}

func (ps Problems) Error() string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is(err, ErrInvalid) hold.
func (ps Problems) Unwrap() error { return ErrInvalid }

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// Parse decodes data read from file. lookup resolves ${VAR} and
// ${VAR:-default} in scalar values (nil: no expansion).
func Parse(file string, data []byte, lookup func(string) (string, bool)) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{yamlProblem(file, err)}
	}
	if len(root.Content) == 0 {
		return nil, Problems{{File: file, Line: 1, Column: 1, Msg: "the file is empty"}}
	}
	var probs Problems
	expand(file, &root, lookup, &probs)
	// Unknown keys: a strict decoder over the text as written (yaml.v3
	// checks them only in a Decoder). Types: the expanded node, whose
	// positions are the file's.
	var unknown Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&unknown); err != nil {
		for _, p := range typeProblems(file, err) {
			if strings.Contains(p.Msg, "is not a setting") {
				p.Column = keyColumn(&root, p.Line, strings.Fields(p.Msg)[1], p.Column)
				probs = append(probs, p)
			}
		}
	}
	c := &Config{File: file, Alerting: alert.DefaultPolicy()}
	if err := root.Content[0].Decode(c); err != nil {
		probs = append(probs, typeProblems(file, err)...)
	}
	// Validate what did decode, so that one run lists every problem.
	c.applyDefaults()
	probs = append(probs, c.validate(file, positions(root.Content[0]))...)
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		return nil, probs
	}
	return c, nil
}

// expand resolves ${VAR} in every scalar; an unset variable without a
// default is a problem (a token silently empty would lock everyone out).
func expand(file string, n *yaml.Node, lookup func(string) (string, bool), probs *Problems) {
	if n.Kind == yaml.ScalarNode && lookup != nil && strings.Contains(n.Value, "${") {
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if v, ok := lookup(m[1]); ok {
				return v
			}
			if m[2] != "" {
				return m[3]
			}
			*probs = append(*probs, Problem{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("environment variable %s is not set", m[1])})
			return ""
		})
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		expand(file, c, lookup, probs)
	}
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (?:column (\d+): )?(.*)$`)

func yamlProblem(file string, err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		return Problem{File: file, Line: line, Column: max(col, 1), Msg: m[3]}
	}
	return Problem{File: file, Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// typeProblems splits yaml.v3's list of decoding errors.
func typeProblems(file string, err error) Problems {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Problems{yamlProblem(file, err)}
	}
	var out Problems
	for _, e := range te.Errors {
		p := yamlProblem(file, errors.New(e))
		p.Msg = strings.Replace(p.Msg, "not found in type config.", "is not a setting of ", 1)
		out = append(out, p)
	}
	return out
}

// keyColumn finds the column of key name on line (yaml.v3 gives the line
// only).
func keyColumn(n *yaml.Node, line int, name string, def int) int {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Line == line && k.Value == name {
				return k.Column
			}
		}
	}
	for _, c := range n.Content {
		if col := keyColumn(c, line, name, 0); col > 0 {
			return col
		}
	}
	return def
}

// positions maps a setting's path (tenants[0].id) to its node.
func positions(root *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		out[path] = n
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				p := k
				if path != "" {
					p = path + "." + k
				}
				out[p+"#key"] = n.Content[i]
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(root, "")
	return out
}

// validate checks meaning: addresses, networks, references between
// tenants, levels. pos gives each setting's place in the file.
func (c *Config) validate(file string, pos map[string]*yaml.Node) Problems {
	var probs Problems
	add := func(path, format string, args ...any) {
		p := Problem{File: file, Path: path, Msg: fmt.Sprintf(format, args...)}
		// The nearest enclosing setting that has a place in the file.
		for q := path; ; {
			if n, ok := pos[q]; ok {
				p.Line, p.Column = n.Line, n.Column
				break
			}
			i := strings.LastIndexAny(q, ".[")
			if i < 0 {
				break
			}
			q = q[:i]
		}
		probs = append(probs, p)
	}
	switch c.Storage.Driver {
	case "sqlite":
		if c.Storage.DSN != "" {
			add("storage.dsn", "sqlite keeps its database in the data folder; dsn is for postgres")
		}
	case "postgres":
		if !strings.HasPrefix(c.Storage.DSN, "postgres://") && !strings.HasPrefix(c.Storage.DSN, "postgresql://") {
			add("storage.dsn", "postgres needs dsn: postgres://user@host:port/db")
		}
	default:
		add("storage.driver", "%q is not a storage driver (sqlite, postgres)", c.Storage.Driver)
	}
	for path, a := range map[string]string{"http.addr": c.HTTP.Addr, "syslog.udp": c.Syslog.UDP, "syslog.tcp": c.Syslog.TCP, "syslog.tls.addr": c.Syslog.TLS.Addr, "relp.addr": c.RELP.Addr} {
		if a == "" {
			continue
		}
		if !hostPort(a) {
			add(path, "%q is not host:port", a)
		}
	}
	if c.Syslog.TLS.Addr != "" && (c.Syslog.TLS.Cert == "" || c.Syslog.TLS.Key == "") {
		add("syslog.tls", "a TLS listener needs cert and key files")
	}
	for _, f := range []struct{ path, file string }{{"syslog.tls.cert", c.Syslog.TLS.Cert}, {"syslog.tls.key", c.Syslog.TLS.Key}, {"syslog.tls.client_ca", c.Syslog.TLS.ClientCA}} {
		if f.file != "" {
			if _, err := os.Stat(f.file); err != nil {
				add(f.path, "cannot read %s", f.file)
			}
		}
	}
	if _, ok := sigma.LevelRank(c.Rules.AlertLevel); !ok || c.Rules.AlertLevel == "" {
		add("rules.alert_level", "%q is not a level (informational, low, medium, high, critical)", c.Rules.AlertLevel)
	}
	for i, p := range c.Rules.Paths {
		if _, err := os.Stat(p); err != nil {
			add(fmt.Sprintf("rules.paths[%d]", i), "cannot read %s", p)
		}
	}
	if c.Pipeline.Queue < 0 || c.Pipeline.Batch < 0 || c.Pipeline.Workers < 0 || c.Pipeline.Dedup < 0 {
		add("pipeline", "sizes cannot be negative")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "%q is not a log level (debug, info, warn, error)", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		add("log.format", "%q is not a log format (text, json)", c.Log.Format)
	}
	if len(c.Tenants) == 0 {
		add("tenants", "at least one tenant is needed")
	}
	// The alerting policy and the notifications check themselves; their
	// messages name the field, which places them in the file.
	for _, e := range joined(c.Alerting.Validate()) {
		var pe *alert.PolicyError
		if errors.As(e, &pe) {
			add("alerting."+pe.Field, "%s", pe.Msg)
		} else {
			add("alerting", "%v", e)
		}
	}
	if len(c.Notify.Receivers) > 0 || len(c.Notify.Route.Receivers) > 0 {
		for _, e := range joined(c.Notify.Validate()) {
			add("notify", "%v", e)
		}
	}
	ids := map[string]int{}
	hashes := map[string]string{}
	for i, t := range c.Tenants {
		tp := fmt.Sprintf("tenants[%d]", i)
		if !validID(t.ID) {
			add(tp+".id", "%q is not a tenant id (letters, digits, '-', '_', up to 64)", t.ID)
		} else if j, dup := ids[t.ID]; dup {
			add(tp+".id", "%q is already the id of tenants[%d]", t.ID, j)
		} else {
			ids[t.ID] = i
		}
		if t.ID == c.Quarantine {
			add(tp+".id", "%q is the quarantine tenant, which cannot be configured", t.ID)
		}
		for k, n := range t.Match.Networks {
			if _, err := netip.ParsePrefix(n); err != nil {
				if _, err := netip.ParseAddr(n); err != nil {
					add(fmt.Sprintf("%s.match.networks[%d]", tp, k), "%q is not a network (192.0.2.0/24, 2001:db8::/32) or an address", n)
				}
			}
		}
		for k, tok := range t.Tokens {
			kp := fmt.Sprintf("%s.tokens[%d]", tp, k)
			if tok.Role != "ingest" && tok.Role != "read" {
				add(kp+".role", "%q is not a token role (ingest, read)", tok.Role)
			}
			h := tok.SHA256
			switch {
			case tok.Secret != "" && tok.SHA256 != "":
				add(kp, "give secret or sha256, not both")
			case tok.Secret != "":
				if len(tok.Secret) < 16 {
					add(kp+".secret", "a token needs at least 16 characters")
				}
				h = HashToken(string(tok.Secret))
			case !isHexSHA256(tok.SHA256):
				add(kp, "a token needs secret (from the environment) or sha256 (64 hex digits)")
			}
			if h != "" {
				if other, dup := hashes[h]; dup {
					add(kp, "the same token is already %s", other)
				}
				hashes[h] = kp
			}
		}
	}
	for i, f := range c.Files {
		fp := fmt.Sprintf("files[%d]", i)
		if len(f.Paths) == 0 {
			add(fp+".paths", "no file to tail")
		}
		if _, ok := ids[f.Tenant]; !ok {
			add(fp+".tenant", "%q is not a configured tenant", f.Tenant)
		}
	}
	return probs
}

// HashToken is how a token is kept and compared: SHA-256 in hex. Tokens
// are long random strings, so a plain hash is enough (no password
// stretching needed).
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// joined lists the errors of an errors.Join (or the one error).
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func hostPort(a string) bool {
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return false
	}
	p, err := strconv.Atoi(a[i+1:])
	return err == nil && p >= 0 && p < 65536
}

func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
