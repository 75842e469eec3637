package notification

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ErrConfig wraps every configuration problem.
var ErrConfig = errors.New("invalid notification configuration")

// Config holds what the scan cannot know. Every field is optional: what is
// missing becomes a visible placeholder in the draft, never a guess.
type Config struct {
	Controller   Controller  `yaml:"controller"`
	DPO          Person      `yaml:"dpo"`
	Notification Notice      `yaml:"notification"`
	Breach       BreachFacts `yaml:"breach"`
	People       PeopleFacts `yaml:"people"`
	Measures     Measures    `yaml:"measures"`
	Exemption    string      `yaml:"exemption"`
	Letter       LetterFacts `yaml:"letter"`
	OtherReports []string    `yaml:"other_reports"`
}

// Controller is the data controller (responsable de traitement).
type Controller struct {
	Name           string `yaml:"name"`
	SIREN          string `yaml:"siren"`
	Address        string `yaml:"address"`
	Representative string `yaml:"representative"`
}

// Person is a contact.
type Person struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	Phone string `yaml:"phone"`
}

// Notice says which notification this is.
type Notice struct {
	Kind      string `yaml:"kind"`      // initial or complementary
	Reference string `yaml:"reference"` // the CNIL's reference of the initial notification
}

// BreachFacts are the facts of the breach.
type BreachFacts struct {
	Nature      []string `yaml:"nature"` // confidentiality, integrity, availability
	Origin      string   `yaml:"origin"`
	Description string   `yaml:"description"`
	Started     Time     `yaml:"started"`
	Discovered  Time     `yaml:"discovered"`
	Aware       Time     `yaml:"aware"`
	Ongoing     *bool    `yaml:"ongoing"`
	DelayReason string   `yaml:"delay_reason"` // why the notification comes after 72 hours
}

// PeopleFacts describes the people concerned.
type PeopleFacts struct {
	Categories []string `yaml:"categories"` // usagers, agents, bénéficiaires…
	Vulnerable *bool    `yaml:"vulnerable"` // minors, people in difficulty
}

// Measures are the measures taken and proposed.
type Measures struct {
	Taken    []string `yaml:"taken"`
	Proposed []string `yaml:"proposed"`
}

// LetterFacts fill the letter to the people.
type LetterFacts struct {
	Contact string `yaml:"contact"` // where people get answers (a phone line, a page)
	Channel string `yaml:"channel"` // how the letter is sent
}

// Time is a moment given as RFC 3339 or "2006-01-02 15:04" (local time).
type Time struct{ time.Time }

// Exemptions of article 34(3).
const (
	ExemptionNone          = "none"
	ExemptionEncryption    = "encryption"              // 34(3)(a)
	ExemptionMeasures      = "subsequent_measures"     // 34(3)(b)
	ExemptionDisproportion = "disproportionate_effort" // 34(3)(c)
	KindInitial            = "initial"
	KindComplementary      = "complementary"
)

var natures = []string{"confidentiality", "integrity", "availability"}

// ExampleConfig documents the configuration file.
const ExampleConfig = `controller:
  name: Communauté d'agglomération du Val     # responsable de traitement
  siren: "200012345"
  address: 1 place de l'Hôtel de Ville, 12345 Val-sur-Loire
  representative: Mme la Présidente
dpo:
  name: Jeanne Martin
  email: dpo@agglo-val.fr
  phone: 01 23 45 67 89
notification:
  kind: initial               # initial or complementary
  reference: ""               # CNIL reference of the initial notification (complementary)
breach:
  nature: [confidentiality, availability]   # confidentiality, integrity, availability
  origin: attaque par rançongiciel sur les serveurs mutualisés
  description: free text
  started: 2026-11-20T22:00:00+01:00
  discovered: 2026-11-21T07:30:00+01:00
  aware: 2026-11-21T09:00:00+01:00          # starts the 72-hour deadline
  ongoing: false
  delay_reason: ""            # if notified after 72 hours
people:
  categories: [usagers des services publics, agents]
  vulnerable: false
measures:
  taken: [serveurs isolés du réseau, mots de passe réinitialisés]
  proposed: [surveillance renforcée]
exemption: none               # none, encryption, subsequent_measures, disproportionate_effort
letter:
  contact: numéro vert 0 800 000 000
  channel: courrier et courriel
other_reports: [ANSSI / CERT-FR, plainte déposée]
`

// Problem is one thing wrong with a configuration file.
type Problem struct {
	File         string
	Line, Column int
	Key          string
	Msg          string
}

func (p Problem) Error() string {
	if p.Key != "" {
		return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Column, p.Key, p.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Msg)
}

// Problems lists them all.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.Is(err, ErrConfig) hold.
func (ps Problems) Unwrap() error { return ErrConfig }

// LoadConfig reads a configuration file.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return ParseConfig(path, data)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseConfig decodes a configuration strictly: an unknown key, a value
// of the wrong type or an unknown choice is an error naming file, line
// and column. Every problem is reported at once.
func ParseConfig(file string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		return nil, Problems{{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + msg}}
	}
	c := &Config{}
	if len(root.Content) == 0 {
		return c, nil // an empty file: everything is left to complete
	}
	d := decoder{file: file}
	d.node(root.Content[0], reflect.ValueOf(c).Elem(), "")
	if len(d.probs) == 0 {
		d.validate(c, root.Content[0])
	}
	if len(d.probs) > 0 {
		return nil, d.probs
	}
	return c, nil
}

type decoder struct {
	file  string
	probs Problems
}

func (d *decoder) add(n *yaml.Node, key, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Line: n.Line, Column: n.Column, Key: key, Msg: fmt.Sprintf(format, args...)})
}

var timeType = reflect.TypeOf(Time{})

// node decodes n into v, reporting unknown keys and wrong types.
func (d *decoder) node(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return
	}
	switch {
	case v.Type() == timeType:
		if n.Kind != yaml.ScalarNode {
			d.add(n, key, "expected a date and time (2026-11-21T09:00:00+01:00)")
			return
		}
		t, err := parseTime(n.Value)
		if err != nil {
			d.add(n, key, "%q is not a date and time (2026-11-21T09:00:00+01:00 or 2026-11-21 09:00)", n.Value)
			return
		}
		v.Set(reflect.ValueOf(Time{t}))
	case v.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.add(n, key, "expected a mapping of %s", strings.Join(fieldNames(v.Type()), ", "))
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			f, ok := fieldByTag(v, k.Value)
			full := join(key, k.Value)
			if !ok {
				d.add(k, full, "unknown key (known: %s)", strings.Join(fieldNames(v.Type()), ", "))
				continue
			}
			d.node(val, f, full)
		}
	case v.Kind() == reflect.Slice:
		if n.Kind == yaml.ScalarNode {
			// A lone string where a list is expected: a list of one.
			n = &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{n}, Line: n.Line, Column: n.Column}
		}
		if n.Kind != yaml.SequenceNode {
			d.add(n, key, "expected a list of text")
			return
		}
		out := reflect.MakeSlice(v.Type(), 0, len(n.Content))
		for i, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				d.add(item, fmt.Sprintf("%s[%d]", key, i), "expected text")
				continue
			}
			out = reflect.Append(out, reflect.ValueOf(item.Value))
		}
		v.Set(out)
	case v.Kind() == reflect.Pointer && v.Type().Elem().Kind() == reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Decode(&b) != nil {
			d.add(n, key, "expected true or false")
			return
		}
		v.Set(reflect.ValueOf(&b))
	case v.Kind() == reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.add(n, key, "expected text")
			return
		}
		v.SetString(strings.TrimSpace(n.Value))
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0] == name {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		out = append(out, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	return out
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if layout == time.RFC3339 {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
			continue
		}
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}

// validate checks the choices, with the position of the value at fault.
func (d *decoder) validate(c *Config, root *yaml.Node) {
	at := func(path ...string) *yaml.Node {
		n := root
		for _, p := range path {
			found := false
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					n, found = n.Content[i+1], true
					break
				}
			}
			if !found {
				return root
			}
		}
		return n
	}
	switch c.Notification.Kind {
	case "", KindInitial, KindComplementary:
	default:
		d.add(at("notification", "kind"), "notification.kind", "%q is not initial or complementary", c.Notification.Kind)
	}
	switch c.Exemption {
	case "", ExemptionNone, ExemptionEncryption, ExemptionMeasures, ExemptionDisproportion:
	default:
		d.add(at("exemption"), "exemption", "%q is not none, encryption, subsequent_measures or disproportionate_effort", c.Exemption)
	}
	for i, n := range c.Breach.Nature {
		if !contains(natures, n) {
			node := at("breach", "nature")
			if node.Kind == yaml.SequenceNode && i < len(node.Content) {
				node = node.Content[i]
			}
			d.add(node, fmt.Sprintf("breach.nature[%d]", i), "%q is not confidentiality, integrity or availability", n)
		}
	}
	b := c.Breach
	if !b.Aware.IsZero() && !b.Started.IsZero() && b.Aware.Before(b.Started.Time) {
		d.add(at("breach", "aware"), "breach.aware", "the controller cannot become aware before the breach started")
	}
	if !b.Aware.IsZero() && !b.Discovered.IsZero() && b.Aware.Before(b.Discovered.Time) {
		d.add(at("breach", "aware"), "breach.aware", "awareness comes at or after discovery")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
