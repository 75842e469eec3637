package breach

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Schema names the JSON report's shape; it changes only by extension.
const Schema = "tocsin.breach.report/v1"

// ErrReport wraps the problems of reading a report.
var ErrReport = errors.New("bad report")

// Report is what a scan found. Its JSON form is documented in the package
// doc and is a contract: fields are only ever added.
type Report struct {
	Schema    string    `json:"schema"`
	Generated time.Time `json:"generated"`
	// Inputs are the paths and database addresses scanned (addresses
	// without their password, names with what looks like personal data
	// masked).
	Inputs  []string `json:"inputs"`
	Scanned Scanned  `json:"scanned"`
	// RecordsAffected counts the records (rows, lines, JSON objects)
	// holding at least one finding.
	RecordsAffected int64          `json:"records_affected"`
	People          People         `json:"people"`
	Categories      []CategoryStat `json:"categories"`
	Locations       []Location     `json:"locations"`
	// Special lists the columns whose header names special-category data
	// (GDPR art. 9: health, religion…) or offences (art. 10).
	Special  []SpecialColumn `json:"special_categories"`
	Risk     Risk            `json:"risk"`
	Problems []ProblemEntry  `json:"problems"`
	// ProblemsOmitted counts the problems left out of Problems past its cap.
	ProblemsOmitted int `json:"problems_omitted"`
}

// Scanned sums up what was read.
type Scanned struct {
	Documents int            `json:"documents"` // files, archive members, databases
	Bytes     int64          `json:"bytes"`     // bytes of content read (uncompressed)
	Records   int64          `json:"records"`   // rows, lines and objects read
	Tables    int            `json:"tables"`
	ByFormat  map[string]int `json:"by_format"`
	Skipped   int            `json:"skipped"` // documents or parts left out on purpose (limits, binary data)
	Errors    int            `json:"errors"`  // documents or parts that could not be read
	Seconds   float64        `json:"seconds"`
}

// People is the estimated number of distinct people in the data.
type People struct {
	Count int64 `json:"count"`
	// Exact: counted by a union of keyed hashes; false: estimated by a
	// sketch once the run's hash budget was spent.
	Exact bool `json:"exact"`
	// Records counts the records that carry an identifier of a person
	// (NIR, e-mail, phone, or name with date of birth).
	Records int64 `json:"records"`
	// SharedIdentifiers counts the identifiers found with those of many
	// people apart (a switchboard's number in every signature, a
	// placeholder): past a few, they joined no more people, each
	// counting as one.
	SharedIdentifiers int64 `json:"shared_identifiers"`
	// SharedByKind splits them by kind: nir, email, phone, or
	// name_and_birth_date.
	SharedByKind map[string]int64 `json:"shared_by_kind,omitempty"`
}

// CategoryStat is one category's count.
type CategoryStat struct {
	Category      string   `json:"category"`
	Validated     bool     `json:"validated"` // checked by structure or check digits
	Values        int64    `json:"values"`
	Distinct      int64    `json:"distinct"`
	DistinctExact bool     `json:"distinct_exact"`
	Records       int64    `json:"records"` // records holding at least one
	Samples       []string `json:"samples"` // masked
	// Kinds splits the values of some categories: credentials into
	// plaintext, weak_hash and strong_hash (pii.CredentialKind).
	Kinds map[string]int64 `json:"kinds,omitempty"`
}

// Location is a document or one of its tables, with what it holds.
type Location struct {
	Path     string           `json:"path"`
	Table    string           `json:"table,omitempty"`
	Format   string           `json:"format"`
	Records  int64            `json:"records"`
	Affected int64            `json:"records_affected"`
	Values   map[string]int64 `json:"values"`
	Columns  []ColumnStat     `json:"columns,omitempty"`
}

// ColumnStat is one column of a table with personal data.
type ColumnStat struct {
	Name string `json:"name"`
	// Class is the category the column was classified as ("" when its
	// cells were scanned as text), with the classifier's confidence.
	Class      string           `json:"class,omitempty"`
	Confidence float64          `json:"confidence,omitempty"`
	Values     map[string]int64 `json:"values"`
}

// SpecialColumn is a column whose header names special-category data.
type SpecialColumn struct {
	Path   string `json:"path"`
	Table  string `json:"table,omitempty"`
	Column string `json:"column"`
	Kind   string `json:"kind"` // health, religion, …
}

// Risk is the rating of the breach for the people concerned.
type Risk struct {
	// Level is low, high or very_high.
	Level string `json:"level"`
	// Severity is ENISA's score SE = DPC × EI + CB and its parts.
	Severity Severity `json:"severity"`
	Reasons  []Reason `json:"reasons"`
	// Article34 tells whether the people must be told (high risk), before
	// the exemptions of art. 34(3) are weighed.
	Article34 bool `json:"article34"`
}

// Severity is ENISA's severity assessment (2013).
type Severity struct {
	Score float64 `json:"score"`
	DPC   float64 `json:"dpc"` // data processing context, 1–4
	EI    float64 `json:"ei"`  // ease of identification, 0.25–1
	CB    float64 `json:"cb"`  // circumstances of the breach
	Level string  `json:"level"`
}

// Reason is one reason of the rating, in French and English.
type Reason struct {
	Code string `json:"code"`
	FR   string `json:"fr"`
	EN   string `json:"en"`
}

// ProblemEntry is something that could not be read or was skipped.
type ProblemEntry struct {
	Path    string `json:"path"`
	Line    int    `json:"line,omitempty"`
	Offset  int64  `json:"offset,omitempty"`
	Skipped bool   `json:"skipped"`
	Message string `json:"message"`
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// ReadReport reads a JSON report; unknown fields are accepted (reports of
// later versions), a wrong schema is not.
func ReadReport(r io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(r)
	if err := dec.Decode(&rep); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%w: JSON syntax error at byte %d", ErrReport, se.Offset)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, fmt.Errorf("%w: field %s: expected %s", ErrReport, te.Field, te.Type)
		}
		return nil, fmt.Errorf("%w: %v", ErrReport, err)
	}
	if rep.Schema != Schema {
		return nil, fmt.Errorf("%w: schema %q, expected %q (a report of tocsin breach scan --output json)", ErrReport, rep.Schema, Schema)
	}
	return &rep, nil
}

// Category returns the stat of category c (zero when absent).
func (r *Report) Category(c string) CategoryStat {
	for _, s := range r.Categories {
		if s.Category == c {
			return s
		}
	}
	return CategoryStat{Category: c}
}
