package breach

import (
	_ "embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"sort"
	"strings"
	texttemplate "text/template"
)

// Output formats of a report.
const (
	FormatJSON     = "json"
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// ErrFormat is returned for an output format or language Render does not know.
var ErrFormat = errors.New("unknown output format")

//go:embed templates/report.txt.tmpl
var textTemplate string

//go:embed templates/report.md.tmpl
var markdownTemplate string

//go:embed templates/report.html.tmpl
var htmlTemplate string

// Render writes the report in a format (json, text, markdown, html) and,
// for the human formats, a language (fr or en).
func Render(w io.Writer, r *Report, format, lang string) error {
	if format == FormatJSON {
		return r.WriteJSON(w)
	}
	l, ok := reportLabels[lang]
	if !ok {
		return fmt.Errorf("%w: language %q (fr or en)", ErrFormat, lang)
	}
	v := newView(r, l, lang)
	switch format {
	case FormatText:
		return texttemplate.Must(texttemplate.New("text").Funcs(textFuncs).Parse(textTemplate)).Execute(w, v)
	case FormatMarkdown:
		return texttemplate.Must(texttemplate.New("md").Funcs(textFuncs).Parse(markdownTemplate)).Execute(w, v)
	case FormatHTML:
		return htmltemplate.Must(htmltemplate.New("html").Funcs(htmltemplate.FuncMap(textFuncs)).Parse(htmlTemplate)).Execute(w, v)
	}
	return fmt.Errorf("%w: %q (json, text, markdown or html)", ErrFormat, format)
}

var textFuncs = texttemplate.FuncMap{
	"md":    mdEscape,
	"pad":   func(n int, s string) string { return fmt.Sprintf("%-*s", n, s) },
	"num":   func(n int64) string { return groupThousands(n, " ") },
	"int64": func(n int) int64 { return int64(n) },
	"join":  strings.Join,
	"approx": func(exact bool) string {
		if exact {
			return ""
		}
		return "~"
	},
}

// mdEscape makes data-derived text (paths, names) inert in Markdown.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '!', '{', '}', '~':
			b.WriteByte('\\')
		case '\n', '\r':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

type labels struct {
	Title, Generated, Inputs, Scanned, Documents, Bytes, Records, RecordsCol, Tables, Seconds, Formats string
	Affected, People, PeopleExact, PeopleEstimated, PeopleRecords, PeopleShared                        string
	Risk, Level, Severity, Reasons, Article34Yes, Article34No                                          string
	Categories, Category, Values, Distinct, Estimated, Samples, Validated, Contextual                  string
	Where, Path, Table, Column, Class, Text, Special, Kind                                             string
	Problems, Skipped, Error, Omitted, Line, Offset, NoneFound, Note                                   string
	Levels                                                                                             map[string]string
	CategoryNames                                                                                      map[string]string
	Kinds                                                                                              map[string]string // of credentials
}

var reportLabels = map[string]labels{
	"en": {
		Title: "Personal data breach: scan report", Generated: "Generated", Inputs: "Inputs", Scanned: "Scanned",
		Documents: "documents", Bytes: "bytes", Records: "records", RecordsCol: "Records", Tables: "tables", Seconds: "seconds", Formats: "Formats",
		Affected: "Records with personal data", People: "Distinct people (estimate)", PeopleExact: "counted from keyed hashes of identifiers",
		PeopleEstimated: "estimated by a sketch (hash budget spent)", PeopleRecords: "records carry an identifier of a person",
		PeopleShared: "identifiers shared by many people (a switchboard, a placeholder), not used to join them",
		Risk:         "Risk", Level: "Level", Severity: "ENISA severity", Reasons: "Reasons",
		Article34Yes: "High risk: article 34 requires telling the people concerned, unless an exemption of art. 34(3) applies.",
		Article34No:  "Not a high risk for the people: article 33 still requires notifying the CNIL within 72 hours unless the breach is unlikely to result in a risk.",
		Categories:   "Categories", Category: "Category", Values: "Values", Distinct: "Distinct", Estimated: "estimated", Samples: "Masked samples",
		Validated: "validated", Contextual: "contextual",
		Where: "Where the data is", Path: "Path", Table: "Table", Column: "Column", Class: "Column class", Text: "free text",
		Special: "Columns naming special-category data", Kind: "Kind",
		Problems: "Problems", Skipped: "skipped", Error: "error", Omitted: "more problems not listed", Line: "line", Offset: "byte",
		NoneFound: "No personal data was found.",
		Note:      "No value appears in this report: only masked samples and counts. Distinct counts come from keyed hashes (SipHash-2-4) under a key drawn for the run and never stored.",
		Levels:    map[string]string{LevelLow: "LOW", LevelHigh: "HIGH", LevelVeryHigh: "VERY HIGH"},
		CategoryNames: map[string]string{"nir": "NIR (social security number)", "france_travail_id": "France Travail identifier", "iban": "IBAN",
			"payment_card": "Payment card", "email": "E-mail address", "phone": "Phone number", "date_of_birth": "Date of birth",
			"postal_address": "Postal address", "person_name": "Person name", "id_document": "Identity document number", "ip_address": "IP address",
			"credential": "Password or password hash"},
		Kinds: map[string]string{"plaintext": "in plain text", "weak_hash": "weak hashes (fast or unsalted)", "strong_hash": "strong hashes"},
	},
	"fr": {
		Title: "Violation de données personnelles : rapport d'analyse", Generated: "Généré le", Inputs: "Données examinées", Scanned: "Analysé",
		Documents: "documents", Bytes: "octets", Records: "enregistrements", RecordsCol: "Enregistrements", Tables: "tables", Seconds: "secondes", Formats: "Formats",
		Affected: "Enregistrements contenant des données personnelles", People: "Personnes distinctes (estimation)",
		PeopleExact: "comptées à partir d'empreintes à clé des identifiants", PeopleEstimated: "estimées par un résumé statistique (budget d'empreintes atteint)",
		PeopleRecords: "enregistrements portent un identifiant de personne",
		PeopleShared:  "identifiants partagés par de nombreuses personnes (standard, valeur factice), non utilisés pour les réunir",
		Risk:          "Risque", Level: "Niveau", Severity: "Gravité ENISA", Reasons: "Motifs",
		Article34Yes: "Risque élevé : l'article 34 impose d'informer les personnes concernées, sauf exemption de l'article 34(3).",
		Article34No:  "Pas de risque élevé pour les personnes : l'article 33 impose toujours de notifier la CNIL sous 72 heures, sauf si la violation est peu susceptible d'engendrer un risque.",
		Categories:   "Catégories", Category: "Catégorie", Values: "Valeurs", Distinct: "Distinctes", Estimated: "estimé", Samples: "Exemples masqués",
		Validated: "validée", Contextual: "contextuelle",
		Where: "Emplacement des données", Path: "Chemin", Table: "Table", Column: "Colonne", Class: "Classe de colonne", Text: "texte libre",
		Special: "Colonnes désignant des données sensibles", Kind: "Nature",
		Problems: "Problèmes", Skipped: "ignoré", Error: "erreur", Omitted: "autres problèmes non listés", Line: "ligne", Offset: "octet",
		NoneFound: "Aucune donnée personnelle trouvée.",
		Note:      "Aucune valeur n'apparaît dans ce rapport : seulement des exemples masqués et des comptes. Les valeurs distinctes sont comptées par empreintes à clé (SipHash-2-4) sous une clé tirée pour l'analyse et jamais conservée.",
		Levels:    map[string]string{LevelLow: "FAIBLE", LevelHigh: "ÉLEVÉ", LevelVeryHigh: "TRÈS ÉLEVÉ"},
		CategoryNames: map[string]string{"nir": "NIR (numéro de sécurité sociale)", "france_travail_id": "Identifiant France Travail", "iban": "IBAN",
			"payment_card": "Carte bancaire", "email": "Adresse électronique", "phone": "Numéro de téléphone", "date_of_birth": "Date de naissance",
			"postal_address": "Adresse postale", "person_name": "Nom de personne", "id_document": "Numéro de pièce d'identité", "ip_address": "Adresse IP",
			"credential": "Mot de passe ou empreinte de mot de passe"},
		Kinds: map[string]string{"plaintext": "en clair", "weak_hash": "empreintes faibles (rapides ou sans sel)", "strong_hash": "empreintes robustes"},
	},
}

type view struct {
	L         labels
	R         *Report
	Lang      string
	Generated string
	Level     string
	Reasons   []string
	Cats      []catRow
	Locs      []locRow
	Formats   string
	Shared    string // "phone 1": People.SharedByKind
}

type catRow struct {
	Name, Key string
	CategoryStat
	Kind  string
	Split string // "in plain text 12, strong hashes 40": CategoryStat.Kinds
}

type locRow struct {
	Location
	Summary string // "nir 12, email 3"
	Cols    []colRow
}

type colRow struct {
	ColumnStat
	Summary string
}

func newView(r *Report, l labels, lang string) *view {
	v := &view{L: l, R: r, Lang: lang, Generated: r.Generated.UTC().Format("2006-01-02 15:04 UTC"), Level: l.Levels[r.Risk.Level]}
	for _, reason := range r.Risk.Reasons {
		if lang == "fr" {
			v.Reasons = append(v.Reasons, reason.FR)
		} else {
			v.Reasons = append(v.Reasons, reason.EN)
		}
	}
	for _, c := range r.Categories {
		if c.Values == 0 {
			continue
		}
		kind := l.Contextual
		if c.Validated {
			kind = l.Validated
		}
		var split []string
		for _, k := range credentialKinds {
			if n := c.Kinds[k]; n > 0 {
				split = append(split, l.Kinds[k]+" "+groupThousands(n, " "))
			}
		}
		v.Cats = append(v.Cats, catRow{Name: l.CategoryNames[c.Category], Key: c.Category, CategoryStat: c, Kind: kind, Split: strings.Join(split, ", ")})
	}
	for _, loc := range r.Locations {
		row := locRow{Location: loc, Summary: summary(loc.Values)}
		for _, c := range loc.Columns {
			row.Cols = append(row.Cols, colRow{ColumnStat: c, Summary: summary(c.Values)})
		}
		v.Locs = append(v.Locs, row)
	}
	var shared []string
	for _, k := range []string{"nir", "email", "phone", "name_and_birth_date"} {
		if n := r.People.SharedByKind[k]; n > 0 {
			shared = append(shared, k+" "+groupThousands(n, " "))
		}
	}
	v.Shared = strings.Join(shared, ", ")
	var fs []string
	for f, n := range r.Scanned.ByFormat {
		fs = append(fs, fmt.Sprintf("%s %d", f, n))
	}
	sort.Strings(fs)
	v.Formats = strings.Join(fs, ", ")
	return v
}

// summary lists category counts in the categories' order.
func summary(values map[string]int64) string {
	var parts []string
	for _, c := range categoryOrder {
		if n := values[c]; n > 0 {
			parts = append(parts, c+" "+groupThousands(n, " "))
		}
	}
	return strings.Join(parts, ", ")
}

var categoryOrder = []string{"nir", "france_travail_id", "iban", "payment_card", "email", "phone", "date_of_birth", "postal_address", "person_name", "id_document", "ip_address", "credential"}
