// Package sigma reads Sigma rules (specification 2.1): detection rules,
// correlation rules and filters. It parses and validates, reporting every
// problem with file:line:col; it does not evaluate (see package detect).
package sigma

import (
	"fmt"
	"time"
)

// Pos is a 1-based position in a rule file.
type Pos struct {
	Line   int
	Column int
}

// Kind says which of Sigma's three document types a Rule is.
type Kind uint8

// Document kinds.
const (
	KindDetection Kind = iota
	KindCorrelation
	KindFilter
)

func (k Kind) String() string {
	switch k {
	case KindCorrelation:
		return "correlation"
	case KindFilter:
		return "filter"
	}
	return "detection"
}

// Rule is one YAML document: a detection rule, a correlation rule or a filter.
type Rule struct {
	File string
	Doc  int // 0-based index of the document in its file
	Pos  Pos // position of the document's first key
	Kind Kind

	Title          string
	ID             string
	Name           string
	Status         string
	Description    string
	License        string
	Author         string
	Date           string
	Modified       string
	Taxonomy       string
	Level          string
	References     []string
	Falsepositives []string
	Tags           []string
	Fields         []string
	Scope          []string
	Related        []Related

	Logsource Logsource

	Detection   *Detection   // KindDetection, and the selection part of a filter
	Correlation *Correlation // KindCorrelation
	Filter      *Filter      // KindFilter

	// Generate: for a correlation rule, whether the rules it references
	// still produce their own detections (default false).
	Generate bool
}

// Ref names a rule the way correlations and filters refer to it: its name
// when it has one, else its id.
func (r *Rule) Ref() string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Where returns "file:line:col" for the rule's document.
func (r *Rule) Where() string { return fmt.Sprintf("%s:%d:%d", r.File, r.Pos.Line, r.Pos.Column) }

// Related is one entry of the `related` list.
type Related struct {
	ID   string
	Type string
}

// Logsource is the rule's logsource section; values are lower-cased.
type Logsource struct {
	Product    string
	Category   string
	Service    string
	Definition string
	Pos        Pos
}

// Detection is a rule's detection section: named searches and a condition.
type Detection struct {
	Searches []*Search // in file order
	// Condition is the parsed condition; a YAML list of conditions is
	// folded into one Or.
	Condition Expr
	CondText  []string
	CondPos   Pos
}

// Search returns the named search identifier, or nil.
func (d *Detection) Search(name string) *Search {
	for _, s := range d.Searches {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SearchKind tells the shapes a search identifier can take.
type SearchKind uint8

// Search shapes.
const (
	// SearchMaps is one map (AND of its items) or a list of maps (OR of maps).
	SearchMaps SearchKind = iota
	// SearchKeywords is a plain list of values searched in the message (OR),
	// or a '|all' keyword map (AND).
	SearchKeywords
)

// Search is one search identifier of a detection section.
type Search struct {
	Name string
	Pos  Pos
	Kind SearchKind
	// Maps: OR of AND-groups of items (a single map is one group).
	Maps [][]*Item
	// Keywords: a keyword item (Field == "").
	Keywords *Item
}

// Item is one `field|mod|mod: value(s)` pair, or a keyword list.
type Item struct {
	Field     string // "" for keywords
	Modifiers []string
	Values    []Value
	Pos       Pos
	// All: the values are AND-linked (the `all` modifier).
	All bool
}

// ValueKind is the YAML type of a rule value.
type ValueKind uint8

// Value kinds.
const (
	VString ValueKind = iota
	VNumber
	VBool
	VNull
)

// Value is one value of an item, as written.
type Value struct {
	Kind ValueKind
	S    string // the text: strings unchanged (escapes still in), numbers as written
	Pos  Pos
}

// Expr is a node of a parsed condition.
type Expr interface{ exprNode() }

// And is a conjunction.
type And struct{ X []Expr }

// Or is a disjunction.
type Or struct{ X []Expr }

// Not negates.
type Not struct{ X Expr }

// Ident refers to one search identifier.
type Ident struct{ Name string }

// Of is `1 of PATTERN`, `any of`, `all of`, with PATTERN "them" for every
// identifier not starting with '_'. Names holds the identifiers it covers,
// resolved at parse time.
type Of struct {
	All     bool
	Pattern string
	Names   []string
}

func (And) exprNode()   {}
func (Or) exprNode()    {}
func (Not) exprNode()   {}
func (Ident) exprNode() {}
func (Of) exprNode()    {}

// Correlation types of the specification.
const (
	EventCount      = "event_count"
	ValueCount      = "value_count"
	Temporal        = "temporal"
	TemporalOrdered = "temporal_ordered"
	ValueSum        = "value_sum"
	ValueAvg        = "value_avg"
	ValuePercentile = "value_percentile"
	// FirstSeen is an extension of Tocsin, not of the specification: it
	// fires when condition.field takes, within a group, a value not seen in
	// the last timespan (a new source for an account), after the group's
	// learning period.
	FirstSeen = "first_seen"
)

// Correlation is a correlation rule's `correlation` section.
type Correlation struct {
	Type     string
	Rules    []string // referenced rules, by name or id
	GroupBy  []string
	Timespan time.Duration
	// Condition is nil for temporal types without one: all rules must occur.
	Condition *CorrCondition
	// Aliases: alias -> referenced rule (name or id) -> field name.
	Aliases map[string]map[string]string
	// Learning: first_seen only; values a group takes within this long of
	// its first hit are learnt without firing (the first value always is).
	Learning time.Duration
	Pos      Pos
}

// CorrCondition is a correlation condition: one or two comparisons (a range)
// on the count, the distinct-value count, the sum, average or percentile.
type CorrCondition struct {
	Field      string // value_* types: the field aggregated
	Percentile float64
	Cmp        []Comparison
}

// Comparison is one operator with its threshold.
type Comparison struct {
	Op    string // gt, gte, lt, lte, eq, neq
	Value float64
}

// Holds reports whether v satisfies every comparison.
func (c *CorrCondition) Holds(v float64) bool {
	for _, x := range c.Cmp {
		var ok bool
		switch x.Op {
		case "gt":
			ok = v > x.Value
		case "gte":
			ok = v >= x.Value
		case "lt":
			ok = v < x.Value
		case "lte":
			ok = v <= x.Value
		case "eq":
			ok = v == x.Value
		case "neq":
			ok = v != x.Value
		}
		if !ok {
			return false
		}
	}
	return true
}

// Filter is a filter document's `filter` section. Its selection and
// condition live in the Rule's Detection.
type Filter struct {
	Rules []string // names or ids; "any" applies to every rule of the logsource
	Any   bool
}
