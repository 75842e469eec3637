package sigma

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Parse reads every YAML document of one rule file. A document with a
// problem is left out and its problems returned; the other documents load.
// Warnings are returned alongside rules that still load.
func Parse(file string, data []byte) ([]*Rule, []*Error) {
	rules, errs, _ := parse(file, data)
	return rules, errs
}

// parse also counts the documents refused.
func parse(file string, data []byte) ([]*Rule, []*Error, int) {
	failed := 0
	var rules []*Rule
	var errs []*Error
	for doc, chunk := range splitDocuments(data) {
		var n yaml.Node
		err := yaml.NewDecoder(bytes.NewReader(chunk)).Decode(&n)
		if errors.Is(err, io.EOF) {
			continue
		}
		if err != nil {
			errs = append(errs, yamlError(file, err))
			failed++
			continue
		}
		if len(n.Content) == 0 {
			continue
		}
		p := &problems{file: file}
		r := parseRule(p, n.Content[0])
		if r != nil {
			r.File, r.Doc = file, doc
		}
		errs = append(errs, p.list...)
		if r != nil && !p.failed() {
			rules = append(rules, r)
		} else {
			failed++
		}
	}
	return rules, errs, failed
}

// splitDocuments cuts a multi-document file at its `---` lines, so that a
// YAML syntax error in one document does not stop the next ones from
// loading. Each piece is padded with the newlines before it, so that the
// YAML parser's line numbers are the file's.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	start, line, startLine := 0, 1, 1
	for i := 0; i <= len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += i
		}
		l := bytes.TrimRight(data[i:end], "\r")
		if bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
			docs = append(docs, pad(data[start:i], startLine))
			start, startLine = i, line
		}
		i = end + 1
		line++
	}
	return append(docs, pad(data[start:], startLine))
}

func pad(doc []byte, line int) []byte {
	return append(bytes.Repeat([]byte("\n"), line-1), doc...)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into a positioned Error.
func yamlError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: file, Line: 1, Column: 1, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

func pos(n *yaml.Node) Pos { return Pos{Line: n.Line, Column: n.Column} }

var (
	uuidRe    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tagRe     = regexp.MustCompile(`^[a-z0-9_-]+\.[a-z0-9._-]+$`)
	dateRe    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	statuses  = []string{"stable", "test", "experimental", "deprecated", "unsupported"}
	relations = []string{"derived", "obsolete", "merged", "renamed", "similar"}
)

func parseRule(p *problems, n *yaml.Node) *Rule {
	if n.Kind != yaml.MappingNode {
		p.at(pos(n), "a rule must be a YAML mapping (title:, logsource:, detection: ...), found %s", kindName(n))
		return nil
	}
	r := &Rule{Pos: pos(n)}
	var det, corr, filt, ls *yaml.Node
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			p.at(pos(k), "key %q appears twice", k.Value)
		}
		seen[k.Value] = true
		switch k.Value {
		case "title":
			r.Title = str(p, v, "title")
			if len(r.Title) > 256 {
				p.at(pos(v), "title is %d characters long; the specification allows 256", len(r.Title))
			}
		case "id":
			r.ID = str(p, v, "id")
			if r.ID != "" && !uuidRe.MatchString(r.ID) {
				p.at(pos(v), "id %q is not a UUID (like 929a690e-bef0-4204-a928-ef5e620d6fcc)", r.ID)
			}
		case "name":
			r.Name = str(p, v, "name")
		case "status":
			r.Status = enum(p, v, "status", statuses)
		case "level":
			r.Level = enum(p, v, "level", levels[:])
		case "description":
			r.Description = str(p, v, "description")
		case "license":
			r.License = str(p, v, "license")
		case "author":
			r.Author = str(p, v, "author")
		case "date", "modified":
			s := str(p, v, k.Value)
			if s != "" && !dateRe.MatchString(s) {
				p.at(pos(v), "%s %q is not a date of the form YYYY-MM-DD", k.Value, s)
			}
			if k.Value == "date" {
				r.Date = s
			} else {
				r.Modified = s
			}
		case "taxonomy":
			r.Taxonomy = str(p, v, "taxonomy")
		case "references":
			r.References = strList(p, v, "references")
		case "falsepositives":
			r.Falsepositives = strList(p, v, "falsepositives")
		case "fields":
			r.Fields = strList(p, v, "fields")
		case "scope":
			r.Scope = strList(p, v, "scope")
		case "tags":
			r.Tags = strList(p, v, "tags")
			for j, t := range r.Tags {
				if !tagRe.MatchString(t) {
					at := v
					if j < len(v.Content) {
						at = v.Content[j]
					}
					p.at(pos(at), "tag %q is not of the form namespace.name in lower case (like attack.t1059.001)", t)
				}
			}
		case "related":
			r.Related = parseRelated(p, v)
		case "logsource":
			ls = v
		case "detection":
			det = v
		case "correlation":
			corr = v
		case "filter":
			filt = v
		case "generate":
			r.Generate = boolean(p, v, "generate")
		default:
			// The specification allows custom top-level fields
			// (SigmaHQ uses regression_tests_path, simulation).
		}
	}
	if r.Title == "" && !seen["title"] {
		p.at(r.Pos, "the rule has no title: every Sigma rule needs `title:`")
	}
	switch {
	case corr != nil:
		r.Kind = KindCorrelation
		if det != nil {
			p.at(pos(det), "a document is either a detection rule or a correlation rule: remove `detection:` or `correlation:`")
		}
		r.Correlation = parseCorrelation(p, corr, r)
	case filt != nil:
		r.Kind = KindFilter
		if ls == nil {
			p.at(r.Pos, "a filter needs a `logsource:` section")
		}
		r.Filter, r.Detection = parseFilter(p, filt)
	case det != nil:
		r.Kind = KindDetection
		if ls == nil {
			p.at(r.Pos, "the rule has no `logsource:` section")
		}
		r.Detection = parseDetection(p, det)
	default:
		p.at(r.Pos, "the rule has no `detection:` section (nor `correlation:` or `filter:`)")
	}
	if ls != nil {
		r.Logsource = parseLogsource(p, ls)
	}
	return r
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.ShortTag() == "!!null" {
		return "nothing (null)"
	}
	return "a single value"
}

func str(p *problems, v *yaml.Node, field string) string {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		p.at(pos(v), "%s must be a text value, found %s", field, kindName(v))
		return ""
	}
	return v.Value
}

func enum(p *problems, v *yaml.Node, field string, allowed []string) string {
	s := str(p, v, field)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	if s != "" {
		p.at(pos(v), "%s %q is not one of %s", field, s, strings.Join(allowed, ", "))
	}
	return s
}

func boolean(p *problems, v *yaml.Node, field string) bool {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
		p.at(pos(v), "%s must be true or false", field)
		return false
	}
	b, _ := strconv.ParseBool(strings.ToLower(v.Value))
	return b
}

// strList accepts a list of strings, or one string as a list of one.
func strList(p *problems, v *yaml.Node, field string) []string {
	if v.Kind == yaml.ScalarNode {
		if v.ShortTag() == "!!null" {
			return nil
		}
		return []string{v.Value}
	}
	if v.Kind != yaml.SequenceNode {
		p.at(pos(v), "%s must be a list of text values, found %s", field, kindName(v))
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, c := range v.Content {
		if c.Kind != yaml.ScalarNode {
			p.at(pos(c), "%s must be a list of text values; this entry is %s", field, kindName(c))
			continue
		}
		out = append(out, c.Value)
	}
	return out
}

func parseRelated(p *problems, v *yaml.Node) []Related {
	if v.Kind != yaml.SequenceNode {
		p.at(pos(v), "related must be a list of {id, type} entries")
		return nil
	}
	var out []Related
	for _, c := range v.Content {
		if c.Kind != yaml.MappingNode {
			p.at(pos(c), "each related entry must be a mapping with id and type")
			continue
		}
		var rel Related
		for i := 0; i+1 < len(c.Content); i += 2 {
			k, val := c.Content[i], c.Content[i+1]
			switch k.Value {
			case "id":
				rel.ID = str(p, val, "related id")
			case "type":
				rel.Type = enum(p, val, "related type", relations)
			default:
				p.at(pos(k), "unknown key %q in a related entry (expected id, type)", k.Value)
			}
		}
		out = append(out, rel)
	}
	return out
}

func parseLogsource(p *problems, v *yaml.Node) Logsource {
	ls := Logsource{Pos: pos(v)}
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "logsource must be a mapping (product:, category:, service:), found %s", kindName(v))
		return ls
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "product":
			ls.Product = strings.ToLower(str(p, val, "logsource product"))
		case "category":
			ls.Category = strings.ToLower(str(p, val, "logsource category"))
		case "service":
			ls.Service = strings.ToLower(str(p, val, "logsource service"))
		case "definition":
			ls.Definition = str(p, val, "logsource definition")
		default:
			// Custom logsource keys are allowed by the specification;
			// they do not take part in routing.
		}
	}
	return ls
}

// FormatTimespan writes d as ParseTimespan reads it, in the largest of d,
// h, m and s that divides it (30d, 90m), else as Go writes durations.
func FormatTimespan(d time.Duration) string {
	for _, u := range []struct {
		d time.Duration
		s string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d > 0 && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.s
		}
	}
	return d.String()
}

var timespanRe = regexp.MustCompile(`^(\d+)([smhdwMy])$`)

// ParseTimespan reads a correlation timespan such as 90s, 5m, 1h, 7d.
func ParseTimespan(s string) (time.Duration, bool) {
	m := timespanRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	unit := map[string]time.Duration{
		"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "M": 30 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	}[m[2]]
	if n > int64(100*365*24*time.Hour/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

var corrTypes = []string{EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile, FirstSeen}

func parseCorrelation(p *problems, v *yaml.Node, r *Rule) *Correlation {
	c := &Correlation{Pos: pos(v)}
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "correlation must be a mapping (type:, rules:, group-by:, timespan:, condition:)")
		return c
	}
	var cond, tsNode, learnNode *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "type":
			c.Type = enum(p, val, "correlation type", corrTypes)
		case "learning":
			learnNode = val
			c.Learning = timespan(p, val, "learning", "1d")
		case "rules":
			c.Rules = strList(p, val, "correlation rules")
		case "group-by":
			c.GroupBy = strList(p, val, "group-by")
		case "timespan", "timeframe":
			tsNode = val
			c.Timespan = timespan(p, val, "timespan", "5m or 1h")
		case "condition":
			cond = val
		case "aliases":
			c.Aliases = parseAliases(p, val)
		case "generate":
			r.Generate = boolean(p, val, "generate")
		default:
			p.at(pos(k), "unknown key %q in correlation (expected type, rules, group-by, timespan, condition, aliases, generate, learning)", k.Value)
		}
	}
	if c.Type == "" {
		p.at(pos(v), "correlation needs a `type:` (%s)", strings.Join(corrTypes, ", "))
	}
	if len(c.Rules) == 0 {
		p.at(pos(v), "correlation needs `rules:`, the names or ids of the rules it correlates")
	}
	if tsNode == nil {
		p.at(pos(v), "correlation needs a `timespan:` (like 5m)")
	}
	if learnNode != nil && c.Type != FirstSeen && c.Type != "" {
		p.at(pos(learnNode), "learning applies to first_seen correlations only, not %s", c.Type)
	}
	temporal := c.Type == Temporal || c.Type == TemporalOrdered
	if cond != nil {
		c.Condition = parseCorrCondition(p, cond, c.Type)
	} else if c.Type == FirstSeen {
		p.at(pos(v), "a first_seen correlation needs a `condition:` naming its field (like field: src_ip)")
	} else if !temporal && c.Type != "" {
		p.at(pos(v), "a %s correlation needs a `condition:` (like gte: 10)", c.Type)
	}
	if temporal && len(c.Rules) < 2 && len(c.Rules) > 0 {
		p.warn(pos(v), "a %s correlation over a single rule is always true once that rule fires", c.Type)
	}
	for alias, m := range c.Aliases {
		if !contains(c.GroupBy, alias) {
			p.warn(pos(v), "alias %q is not used in group-by", alias)
		}
		_ = m
	}
	return c
}

// timespan reads a duration such as 5m; example shows a valid one.
func timespan(p *problems, v *yaml.Node, what, example string) time.Duration {
	s := str(p, v, what)
	d, ok := ParseTimespan(s)
	if !ok && s != "" {
		p.at(pos(v), "%s %q is not a number followed by s, m, h or d (like %s)", what, s, example)
	}
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseAliases(p *problems, v *yaml.Node) map[string]map[string]string {
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "aliases must map each alias to {rule: field, ...}")
		return nil
	}
	out := map[string]map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if val.Kind != yaml.MappingNode {
			p.at(pos(val), "alias %q must map rule names to field names", k.Value)
			continue
		}
		m := map[string]string{}
		for j := 0; j+1 < len(val.Content); j += 2 {
			m[val.Content[j].Value] = str(p, val.Content[j+1], "alias field")
		}
		out[k.Value] = m
	}
	return out
}

var cmpOps = []string{"gt", "gte", "lt", "lte", "eq", "neq"}

func parseCorrCondition(p *problems, v *yaml.Node, typ string) *CorrCondition {
	cc := &CorrCondition{}
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "correlation condition must be a mapping of operators (gt, gte, lt, lte, eq, neq) to numbers")
		return cc
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "field":
			if val.Kind == yaml.SequenceNode && len(val.Content) == 1 {
				val = val.Content[0]
			}
			cc.Field = str(p, val, "condition field")
		case "percentile":
			f, err := strconv.ParseFloat(val.Value, 64)
			if err != nil || f < 0 || f > 100 {
				p.at(pos(val), "percentile must be a number from 0 to 100")
			}
			cc.Percentile = f
		default:
			if !contains(cmpOps, k.Value) {
				p.at(pos(k), "unknown condition operator %q (expected %s, or field)", k.Value, strings.Join(cmpOps, ", "))
				continue
			}
			f, err := strconv.ParseFloat(val.Value, 64)
			if val.Kind != yaml.ScalarNode || err != nil {
				p.at(pos(val), "%s needs a number, found %q", k.Value, val.Value)
				continue
			}
			cc.Cmp = append(cc.Cmp, Comparison{Op: k.Value, Value: f})
		}
	}
	if typ == FirstSeen {
		if cc.Field == "" {
			p.at(pos(v), "a first_seen correlation condition needs `field:`, the field whose new values it reports")
		}
		if len(cc.Cmp) > 0 {
			p.at(pos(v), "a first_seen correlation condition takes only `field:`: it fires on every new value")
		}
		return cc
	}
	if len(cc.Cmp) == 0 {
		p.at(pos(v), "correlation condition has no comparison (gt, gte, lt, lte, eq or neq)")
	}
	valueType := typ == ValueCount || typ == ValueSum || typ == ValueAvg || typ == ValuePercentile
	if valueType && cc.Field == "" {
		p.at(pos(v), "a %s correlation condition needs `field:`, the field whose values it aggregates", typ)
	}
	if typ == ValuePercentile && cc.Percentile == 0 {
		// The specification leaves the percentile implicit; the median
		// is the neutral default.
		cc.Percentile = 50
	}
	return cc
}

func parseFilter(p *problems, v *yaml.Node) (*Filter, *Detection) {
	f := &Filter{}
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "filter must be a mapping with rules:, search identifiers and condition:")
		return f, nil
	}
	// The filter section is a detection section plus `rules`.
	det := &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Column: v.Column}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Value == "rules" {
			if val.Kind == yaml.ScalarNode && val.Value == "any" {
				f.Any = true
				continue
			}
			f.Rules = strList(p, val, "filter rules")
			continue
		}
		det.Content = append(det.Content, k, val)
	}
	if !f.Any && len(f.Rules) == 0 {
		p.at(pos(v), "filter needs `rules:`, the ids or names of the rules it applies to (or `any`)")
	}
	return f, parseDetection(p, det)
}
