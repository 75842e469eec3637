package sigma

import (
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

func parseDetection(p *problems, v *yaml.Node) *Detection {
	d := &Detection{}
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "detection must be a mapping of search identifiers and a condition, found %s", kindName(v))
		return d
	}
	var cond *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Value == "condition" {
			cond = val
			continue
		}
		if k.Value == "timeframe" {
			p.at(pos(k), "`timeframe` in detection is legacy Sigma 1 syntax: write a correlation rule with `timespan:` instead")
			continue
		}
		if d.Search(k.Value) != nil {
			p.at(pos(k), "search identifier %q is defined twice", k.Value)
			continue
		}
		if strings.Contains(k.Value, "|") {
			// pySigma accepts it, and SigmaHQ has one; the author most
			// likely meant a modifier on a field.
			p.warn(pos(k), "search identifier %q holds '|': modifiers belong on field names, not on identifiers", k.Value)
		} else if !identRe.MatchString(k.Value) {
			p.warn(pos(k), "search identifier %q is hard to use in a condition: prefer letters, digits, '_', '-' and '.'", k.Value)
		}
		if s := parseSearch(p, k.Value, pos(k), val); s != nil {
			d.Searches = append(d.Searches, s)
		}
	}
	if cond == nil {
		p.at(pos(v), "detection has no `condition:` (like `condition: selection`)")
		return d
	}
	d.CondPos = pos(cond)
	var exprs []Expr
	switch cond.Kind {
	case yaml.ScalarNode:
		d.CondText = []string{cond.Value}
		if e := parseCondition(p, cond, d); e != nil {
			exprs = append(exprs, e)
		}
	case yaml.SequenceNode:
		for _, c := range cond.Content {
			if c.Kind != yaml.ScalarNode {
				p.at(pos(c), "each condition in the list must be text")
				continue
			}
			d.CondText = append(d.CondText, c.Value)
			if e := parseCondition(p, c, d); e != nil {
				exprs = append(exprs, e)
			}
		}
		if len(cond.Content) == 0 {
			p.at(pos(cond), "condition list is empty")
		}
	default:
		p.at(pos(cond), "condition must be text (like `selection and not filter`)")
	}
	switch len(exprs) {
	case 0:
	case 1:
		d.Condition = exprs[0]
	default:
		d.Condition = Or{X: exprs}
	}
	return d
}

var identRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

func parseSearch(p *problems, name string, at Pos, v *yaml.Node) *Search {
	s := &Search{Name: name, Pos: at}
	switch v.Kind {
	case yaml.MappingNode:
		s.Maps = [][]*Item{parseMap(p, v)}
		s.Kind = searchKind(s.Maps[0])
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			p.at(pos(v), "search identifier %q is an empty list", name)
			return nil
		}
		maps, scalars := 0, 0
		for _, c := range v.Content {
			if c.Kind == yaml.MappingNode {
				maps++
			} else {
				scalars++
			}
		}
		switch {
		case maps > 0 && scalars > 0:
			p.at(pos(v), "search identifier %q mixes field maps and plain keywords in one list: split it into two identifiers", name)
			return nil
		case maps > 0:
			for _, c := range v.Content {
				s.Maps = append(s.Maps, parseMap(p, c))
			}
		default:
			s.Kind = SearchKeywords
			it := &Item{Pos: pos(v)}
			it.Values = parseValues(p, v, it)
			s.Maps = [][]*Item{{it}}
			checkItem(p, it)
		}
	case yaml.ScalarNode:
		if v.ShortTag() == "!!null" {
			p.at(pos(v), "search identifier %q is empty", name)
			return nil
		}
		s.Kind = SearchKeywords
		it := &Item{Pos: pos(v)}
		it.Values = parseValues(p, v, it)
		s.Maps = [][]*Item{{it}}
		checkItem(p, it)
	default:
		p.at(pos(v), "search identifier %q must be a field map, a list of maps or a list of keywords", name)
		return nil
	}
	return s
}

func searchKind(items []*Item) SearchKind {
	for _, it := range items {
		if it.Field != "" {
			return SearchMaps
		}
	}
	return SearchKeywords
}

func parseMap(p *problems, v *yaml.Node) []*Item {
	if v.Kind != yaml.MappingNode {
		p.at(pos(v), "expected a field map")
		return nil
	}
	if len(v.Content) == 0 {
		p.at(pos(v), "empty field map: it would match every event")
	}
	var items []*Item
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		parts := strings.Split(k.Value, "|")
		it := &Item{Field: parts[0], Modifiers: parts[1:], Pos: pos(k)}
		for j, m := range it.Modifiers {
			if m == "" {
				p.at(pos(k), "empty modifier in %q (two '|' in a row, or a trailing '|')", k.Value)
			}
			it.Modifiers[j] = strings.ToLower(m)
		}
		it.Values = parseValues(p, val, it)
		checkItem(p, it)
		items = append(items, it)
	}
	return items
}

func parseValues(p *problems, v *yaml.Node, it *Item) []Value {
	one := func(n *yaml.Node) (Value, bool) {
		if n.Kind != yaml.ScalarNode {
			p.at(pos(n), "a value must be text, a number, a boolean or null, found %s", kindName(n))
			return Value{}, false
		}
		val := Value{S: n.Value, Pos: pos(n)}
		switch n.ShortTag() {
		case "!!int", "!!float":
			val.Kind = VNumber
		case "!!bool":
			val.Kind = VBool
			val.S = strings.ToLower(n.Value)
		case "!!null":
			val.Kind, val.S = VNull, ""
		}
		return val, true
	}
	if v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			p.at(pos(v), "empty value list: it can never match")
		}
		out := make([]Value, 0, len(v.Content))
		for _, c := range v.Content {
			val, ok := one(c)
			if !ok {
				continue
			}
			if val.Kind == VNull && len(v.Content) > 1 {
				p.at(val.Pos, "null cannot be one value of a list: put `%s: null` in a search identifier of its own", it.Field)
			}
			out = append(out, val)
		}
		return out
	}
	val, ok := one(v)
	if !ok {
		return nil
	}
	return []Value{val}
}

// Modifiers known to the specification, by group.
var modGroups = map[string]string{
	"contains": "pos", "startswith": "pos", "endswith": "pos",
	"all": "all", "exists": "exists", "cased": "cased", "neq": "neq",
	"windash": "enc", "base64": "enc", "base64offset": "enc",
	"utf16le": "enc", "wide": "enc", "utf16be": "enc", "utf16": "enc",
	"re": "type", "cidr": "type", "fieldref": "type",
	"lt": "cmp", "lte": "cmp", "gt": "cmp", "gte": "cmp",
	"minute": "time", "hour": "time", "day": "time", "week": "time", "month": "time", "year": "time",
	"expand": "expand",
	"i":      "reflag", "m": "reflag", "s": "reflag", "ignorecase": "reflag", "multiline": "reflag", "dotall": "reflag",
}

// checkItem validates an item's modifier chain against its values.
func checkItem(p *problems, it *Item) {
	var typ, cmp, posMod string
	has := map[string]bool{}
	for _, m := range it.Modifiers {
		g, ok := modGroups[m]
		if !ok {
			if m != "" {
				p.at(it.Pos, "unknown modifier %q (known: contains, startswith, endswith, all, re, cidr, base64, base64offset, windash, wide, utf16, exists, cased, neq, gt, gte, lt, lte, fieldref, expand, ...)", m)
			}
			continue
		}
		if has[m] {
			p.at(it.Pos, "modifier %q is given twice", m)
		}
		has[m] = true
		switch g {
		case "type":
			if typ != "" {
				p.at(it.Pos, "modifiers %q and %q cannot be combined", typ, m)
			}
			typ = m
		case "cmp":
			if cmp != "" {
				p.at(it.Pos, "modifiers %q and %q cannot be combined: use two items for a range", cmp, m)
			}
			cmp = m
		case "pos":
			if posMod != "" {
				p.at(it.Pos, "modifiers %q and %q cannot be combined", posMod, m)
			}
			posMod = m
		case "reflag":
			if !has["re"] {
				p.at(it.Pos, "modifier %q is a regular-expression flag: it must follow `re`", m)
			}
		}
	}
	it.All = has["all"]
	if it.All && len(it.Values) < 2 {
		// Legal but pointless; SigmaHQ has a few. Nothing to report.
	}
	if has["exists"] {
		if len(it.Modifiers) > 1 {
			p.at(it.Pos, "`exists` takes no other modifier")
		}
		if len(it.Values) != 1 || it.Values[0].Kind != VBool {
			p.at(it.Pos, "`exists` needs true or false")
		}
		return
	}
	if it.Field == "" {
		switch {
		case typ == "fieldref":
			p.at(it.Pos, "`fieldref` needs a field")
		case cmp != "" || has["exists"]:
			p.at(it.Pos, "modifier %q needs a field", cmp)
		}
	}
	if cmp != "" && (typ != "" || posMod != "") {
		p.at(it.Pos, "`%s` compares numbers: it cannot be combined with %s", cmp, strings.TrimSpace(typ+" "+posMod))
	}
	for _, m := range it.Modifiers {
		if modGroups[m] == "time" && cmp == "" && len(it.Modifiers) > 1 && typ != "" {
			p.at(it.Pos, "time modifier %q compares numbers: it cannot be combined with %s", m, typ)
		}
	}
	if typ == "re" || typ == "cidr" {
		if posMod != "" || has["windash"] || has["base64"] || has["base64offset"] || has["wide"] || has["utf16le"] || has["utf16be"] || has["utf16"] {
			p.at(it.Pos, "`%s` takes the value as it is: it cannot be combined with contains/startswith/endswith or encodings", typ)
		}
	}
	// Wildcards added by contains/startswith/endswith cannot be encoded:
	// the position modifier must come after base64 or base64offset.
	seenPos := false
	for _, m := range it.Modifiers {
		switch m {
		case "contains", "startswith", "endswith":
			seenPos = true
		case "base64", "base64offset", "wide", "utf16le", "utf16be", "utf16":
			if seenPos {
				p.at(it.Pos, "`%s` must come after `%s`: write %s|%s", posMod, m, m, posMod)
			}
		}
	}
	if has["base64"] && has["base64offset"] {
		p.at(it.Pos, "`base64` and `base64offset` cannot be combined")
	}
	for _, v := range it.Values {
		checkValue(p, it, v, typ, cmp, has)
	}
}

func checkValue(p *problems, it *Item, v Value, typ, cmp string, has map[string]bool) {
	if v.Kind == VNull {
		if len(it.Modifiers) > 0 && !(len(it.Modifiers) == 1 && has["neq"]) {
			p.at(v.Pos, "null takes no modifier: write `%s: null`", it.Field)
		}
		if it.Field == "" {
			p.at(v.Pos, "a keyword cannot be null")
		}
		return
	}
	switch {
	case typ == "re":
		if _, err := regexp.Compile(regexFlags(it.Modifiers) + v.S); err != nil {
			p.at(v.Pos, "regular expression %q does not compile: %s", v.S, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	case typ == "cidr":
		if _, err := ParseCIDR(v.S); err != nil {
			p.at(v.Pos, "%q is not an IPv4 or IPv6 network (like 10.0.0.0/8 or fc00::/7)", v.S)
		}
	case typ == "fieldref":
		if v.Kind != VString || v.S == "" {
			p.at(v.Pos, "`fieldref` needs the name of another field")
		}
	case cmp != "" || hasTimePart(it.Modifiers):
		if _, err := strconv.ParseFloat(v.S, 64); err != nil && v.Kind != VNumber || v.Kind == VBool {
			what := cmp
			if what == "" {
				what = "a time part modifier"
			}
			p.at(v.Pos, "%s needs a number, found %q", what, v.S)
		}
	}
	if (has["base64"] || has["base64offset"]) && HasWildcard(v.S) {
		p.at(v.Pos, "%q has a wildcard: Base64 cannot encode one; remove it or escape it with \\", v.S)
	}
	if has["expand"] && !strings.Contains(v.S, "%") {
		p.warn(v.Pos, "`expand` is used but %q holds no %%placeholder%%", v.S)
	}
}

func hasTimePart(mods []string) bool {
	for _, m := range mods {
		if modGroups[m] == "time" {
			return true
		}
	}
	return false
}

// regexFlags turns the re flag modifiers into an RE2 flag group.
func regexFlags(mods []string) string {
	var f []string
	for _, m := range mods {
		switch m {
		case "i", "ignorecase":
			f = append(f, "i")
		case "m", "multiline":
			f = append(f, "m")
		case "s", "dotall":
			f = append(f, "s")
		}
	}
	if len(f) == 0 {
		return ""
	}
	sort.Strings(f)
	return "(?" + strings.Join(f, "") + ")"
}

// RegexFlags returns the RE2 flag prefix for an item's modifiers, like "(?i)".
func RegexFlags(mods []string) string { return regexFlags(mods) }

// ParseCIDR reads a network, accepting a single address as a /32 or /128.
func ParseCIDR(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	pr, err := netip.ParsePrefix(s)
	if err != nil {
		return pr, err
	}
	return pr.Masked(), nil
}

// HasWildcard reports whether s holds an unescaped * or ?.
func HasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				i++
			}
		case '*', '?':
			return true
		}
	}
	return false
}
