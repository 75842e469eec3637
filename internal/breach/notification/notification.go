// Package notification drafts, from a breach scan report and a small
// configuration, the GDPR article 33 notification to the CNIL and the
// article 34 letter to the people concerned, in French or English, as
// Markdown, HTML or PDF.
//
// The draft never invents a fact: what neither the report nor the
// configuration gives is left as a visible placeholder ("[À COMPLÉTER :
// …]"). Numbers, categories, likely consequences and the need to tell the
// people come from the report; consequences and advice follow from the
// categories found. The draft carries no personal value: the report has
// none.
package notification

import (
	_ "embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"
	"time"

	"tocsin/internal/breach"
)

// ErrOptions is returned for an unknown format or language.
var ErrOptions = errors.New("bad notification options")

// Options choose the draft's form.
type Options struct {
	Format string    // markdown, html or pdf
	Lang   string    // fr or en
	Now    time.Time // the draft's date (and whether the deadline is past)
}

// Deadline is the time allowed by article 33(1) after awareness.
const Deadline = 72 * time.Hour

//go:embed templates/notification.md.tmpl
var mdTemplate string

//go:embed templates/notification.html.tmpl
var htmlTemplate string

// Render writes the draft.
func Render(w io.Writer, r *breach.Report, c *Config, o Options) error {
	var t texts
	switch o.Lang {
	case "fr", "":
		t = frTexts
		o.Lang = "fr"
	case "en":
		t = enTexts
	default:
		return fmt.Errorf("%w: language %q (fr or en)", ErrOptions, o.Lang)
	}
	if c == nil {
		c = &Config{}
	}
	v := build(r, c, t, o)
	markdown := func(w io.Writer) error {
		return texttemplate.Must(texttemplate.New("md").Funcs(texttemplate.FuncMap{"v": mdVal, "md": mdEscape}).Parse(mdTemplate)).Execute(w, v)
	}
	switch o.Format {
	case "markdown", "md", "":
		return markdown(w)
	case "html":
		return htmltemplate.Must(htmltemplate.New("html").Parse(htmlTemplate)).Execute(w, v)
	case "pdf":
		var md strings.Builder
		if err := markdown(&md); err != nil {
			return err
		}
		return renderPDF(w, md.String(), v.Title, o.Lang, o.Now)
	}
	return fmt.Errorf("%w: format %q (markdown, html or pdf)", ErrOptions, o.Format)
}

// val is a value of the draft, or the placeholder for a missing one.
type val struct {
	Text    string
	Missing bool
}

func (t texts) or(s, what string) val {
	if strings.TrimSpace(s) == "" {
		return val{Text: t.Missing(what), Missing: true}
	}
	return val{Text: s}
}

func mdVal(v val) string {
	if v.Missing {
		return "**" + v.Text + "**"
	}
	return mdEscape(v.Text)
}

// mdEscape keeps text from the configuration literal in Markdown.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#':
			b.WriteByte('\\')
		case '\n', '\r':
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

type row struct {
	Label string
	Value val
}

type dataRow struct {
	Name, Values, Distinct, Records string
}

type view struct {
	Lang, Title, Subtitle                string
	T                                    texts
	DraftDate                            string
	Source                               string
	Kind                                 val
	Reference                            *val
	Controller                           []row
	DPO                                  []row
	Timeline                             []row
	Late                                 bool
	DelayReason                          val
	Natures                              []val
	Origin, Description, Ongoing         val
	Data                                 []dataRow
	RecordsAffected, People, PeopleExtra string
	Special                              []string
	PeopleCategories                     []val
	Vulnerable                           val
	Consequences                         []string
	RiskLevel                            string
	RiskReasons                          []val
	Taken, Proposed                      []val
	Suggested                            []string
	Art34                                []string
	Other                                []val
	Letter                               *letter
}

type letter struct {
	Public                            bool
	Subject, Greeting, What           string
	WhatMissing                       bool
	DataIntro, RiskIntro, DoneIntro   string
	Data, Risks, Advice               []string
	AdviceIntro                       string
	Done                              []val
	Contact, CNIL, Closing, Signature val
	ContactExtra                      *val
	PublicNote                        string
}

func (t texts) date(tm time.Time, lang string) string {
	if lang == "fr" {
		return tm.Format("02/01/2006 à 15:04 (UTC-07:00)")
	}
	return tm.Format("2006-01-02 15:04 (UTC-07:00)")
}

func (t texts) number(n int64, lang string) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	sep := ","
	if lang == "fr" {
		sep = "\u202f"
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// count writes n with its noun, singular for one (and, in French, for
// zero).
func (t texts) count(n int64, lang string, word [2]string) string {
	if n == 1 || n == 0 && lang == "fr" {
		return t.number(n, lang) + " " + word[0]
	}
	return t.number(n, lang) + " " + word[1]
}

// build gathers the draft's content.
func build(r *breach.Report, c *Config, t texts, o Options) *view {
	lang := o.Lang
	m := t.Missing
	v := &view{Lang: lang, T: t, Title: t.Title, Subtitle: t.Subtitle, DraftDate: t.date(o.Now, lang)}
	v.Source = fmt.Sprintf(t.Source, t.date(r.Generated, lang), t.count(int64(r.Scanned.Documents), lang, t.DocumentWord), t.count(r.Scanned.Records, lang, t.RecordWord))

	switch c.Notification.Kind {
	case KindComplementary:
		v.Kind = val{Text: t.KindComplementary}
		ref := t.or(c.Notification.Reference, labelFor(lang, "référence CNIL de la notification initiale", "CNIL reference of the initial notification"))
		v.Reference = &ref
	case KindInitial:
		v.Kind = val{Text: t.KindInitial}
	default:
		v.Kind = val{Text: m(labelFor(lang, "notification initiale ou complémentaire", "initial or complementary notification")), Missing: true}
	}

	v.Controller = []row{
		{t.Name, t.or(c.Controller.Name, labelFor(lang, "nom du responsable de traitement", "controller's name"))},
		{t.SIREN, t.or(c.Controller.SIREN, labelFor(lang, "numéro SIREN", "SIREN number"))},
		{t.Address, t.or(c.Controller.Address, labelFor(lang, "adresse du responsable de traitement", "controller's address"))},
		{t.Representative, t.or(c.Controller.Representative, labelFor(lang, "représentant légal", "legal representative"))},
	}
	v.DPO = []row{
		{t.Name, t.or(c.DPO.Name, labelFor(lang, "nom du délégué à la protection des données", "DPO's name"))},
		{t.Email, t.or(c.DPO.Email, labelFor(lang, "courriel du délégué", "DPO's e-mail"))},
		{t.Phone, t.or(c.DPO.Phone, labelFor(lang, "téléphone du délégué", "DPO's phone"))},
	}

	b := c.Breach
	when := func(tm Time, what string) val {
		if tm.IsZero() {
			return val{Text: m(what), Missing: true}
		}
		return val{Text: t.date(tm.Time, lang)}
	}
	v.Timeline = []row{
		{t.Started, when(b.Started, labelFor(lang, "date et heure de début de la violation (ou estimation)", "date and time the breach started (or estimate)"))},
		{t.Discovered, when(b.Discovered, labelFor(lang, "date et heure de découverte", "date and time of discovery"))},
		{t.Aware, when(b.Aware, labelFor(lang, "date et heure de prise de connaissance", "date and time of awareness"))},
	}
	if b.Aware.IsZero() {
		v.Timeline = append(v.Timeline, row{t.Deadline, val{Text: m(labelFor(lang, "72 heures après la prise de connaissance", "72 hours after awareness")), Missing: true}})
	} else {
		deadline := b.Aware.Add(Deadline)
		v.Timeline = append(v.Timeline, row{t.Deadline, val{Text: t.date(deadline, lang)}})
		v.Late = o.Now.After(deadline)
		if v.Late {
			v.DelayReason = t.or(b.DelayReason, labelFor(lang, "motifs du retard", "reasons for the delay"))
		}
	}
	v.Timeline = append(v.Timeline, row{t.DraftDate, val{Text: t.date(o.Now, lang)}})

	for _, n := range b.Nature {
		v.Natures = append(v.Natures, val{Text: t.Natures[n]})
	}
	if len(v.Natures) == 0 {
		v.Natures = []val{{Text: m(labelFor(lang, "confidentialité, intégrité et/ou disponibilité", "confidentiality, integrity and/or availability")), Missing: true}}
	}
	v.Origin = t.or(b.Origin, labelFor(lang, "origine (attaque, erreur, perte, sous-traitant…)", "origin (attack, error, loss, processor…)"))
	v.Description = t.or(b.Description, labelFor(lang, "circonstances et moyens de la violation", "circumstances and means of the breach"))
	if b.Ongoing == nil {
		v.Ongoing = val{Text: m(labelFor(lang, "oui ou non", "yes or no")), Missing: true}
	} else if *b.Ongoing {
		v.Ongoing = val{Text: t.Yes}
	} else {
		v.Ongoing = val{Text: t.No}
	}

	present := map[string]bool{}
	for _, cs := range r.Categories {
		if cs.Values == 0 {
			continue
		}
		present[cs.Category] = true
		d := t.number(cs.Distinct, lang)
		if !cs.DistinctExact {
			d += " (" + t.Estimated + ")"
		}
		name := t.Categories[cs.Category]
		var split []string
		for _, k := range []string{"plaintext", "weak_hash", "strong_hash"} {
			if n := cs.Kinds[k]; n > 0 {
				split = append(split, t.number(n, lang)+" "+t.CredentialKinds[k])
			}
		}
		if len(split) > 0 {
			name += " (" + strings.Join(split, ", ") + ")"
		}
		v.Data = append(v.Data, dataRow{Name: name, Values: t.number(cs.Values, lang), Distinct: d, Records: t.number(cs.Records, lang)})
	}
	v.RecordsAffected = t.number(r.RecordsAffected, lang)
	v.People = t.number(r.People.Count, lang)
	if !r.People.Exact {
		v.People += " (" + t.Estimated + ")"
	}
	for _, s := range r.Special {
		where := s.Path
		if s.Table != "" {
			where += " [" + s.Table + "]"
		}
		kind := t.SpecialKinds[s.Kind]
		if kind == "" {
			kind = s.Kind
		}
		v.Special = append(v.Special, where+" — "+s.Column+t.Colon+kind)
	}
	for _, pc := range c.People.Categories {
		v.PeopleCategories = append(v.PeopleCategories, val{Text: pc})
	}
	if len(v.PeopleCategories) == 0 {
		v.PeopleCategories = []val{{Text: m(labelFor(lang, "usagers, agents, mineurs, bénéficiaires d'aides…", "residents, staff, minors, benefit recipients…")), Missing: true}}
	}
	switch {
	case c.People.Vulnerable == nil:
		v.Vulnerable = val{Text: m(labelFor(lang, "oui ou non", "yes or no")), Missing: true}
	case *c.People.Vulnerable:
		v.Vulnerable = val{Text: t.Yes}
	default:
		v.Vulnerable = val{Text: t.No}
	}

	v.Consequences = consequences(t, present, len(r.Special) > 0)
	v.RiskLevel = t.Levels[r.Risk.Level]
	for _, reason := range r.Risk.Reasons {
		text := reason.EN
		if lang == "fr" {
			text = reason.FR
		}
		// Values that may be the organisation's own are the author's
		// to check: a placeholder, not a fact of the draft.
		if reason.Code == "repeated_values" {
			v.RiskReasons = append(v.RiskReasons, val{Text: t.Missing(text), Missing: true})
			continue
		}
		v.RiskReasons = append(v.RiskReasons, val{Text: text})
	}

	v.Taken = list(c.Measures.Taken, val{Text: m(labelFor(lang, "mesures prises (isolement, réinitialisation des accès, restauration…)", "measures taken (isolation, credential reset, restore…)")), Missing: true})
	v.Proposed = list(c.Measures.Proposed, val{Text: m(labelFor(lang, "mesures envisagées", "measures proposed")), Missing: true})
	v.Suggested = suggested(t, present)

	v.Art34 = art34(t, r, c, lang)
	v.Other = list(c.OtherReports, val{Text: m(t.OtherDefault), Missing: true})
	if r.Risk.Article34 && c.Exemption != ExemptionEncryption && c.Exemption != ExemptionMeasures {
		v.Letter = buildLetter(r, c, t, lang, present)
	}
	return v
}

func labelFor(lang, fr, en string) string {
	if lang == "fr" {
		return fr
	}
	return en
}

func list(items []string, missing val) []val {
	var out []val
	for _, s := range items {
		if strings.TrimSpace(s) != "" {
			out = append(out, val{Text: s})
		}
	}
	if len(out) == 0 {
		return []val{missing}
	}
	return out
}

// consequences follow from the categories found.
func consequences(t texts, present map[string]bool, special bool) []string {
	var out []string
	add := func(k string) { out = append(out, t.Consequences[k]) }
	identity := present["person_name"] || present["date_of_birth"]
	switch {
	case present["nir"] && identity:
		add("nir_identity")
	case present["nir"]:
		add("nir")
	}
	if present["iban"] {
		add("iban")
	}
	if present["payment_card"] {
		add("payment_card")
	}
	if present["id_document"] {
		add("id_document")
	}
	if present["email"] || present["phone"] {
		add("contact")
	}
	if present["france_travail_id"] {
		add("france_travail")
	}
	if present["postal_address"] {
		add("postal_address")
	}
	if !present["nir"] && present["person_name"] && (present["date_of_birth"] || present["email"] || present["phone"] || present["postal_address"]) {
		add("identity")
	}
	if present["ip_address"] {
		add("ip_address")
	}
	if present["credential"] {
		add("credential")
	}
	if special {
		add("special")
	}
	if len(out) == 0 {
		add("none")
	}
	return out
}

func suggested(t texts, present map[string]bool) []string {
	out := []string{t.SuggestedMeasures["base"], t.SuggestedMeasures["credentials"]}
	if present["email"] || present["phone"] {
		out = append(out, t.SuggestedMeasures["contact"])
	}
	if present["iban"] || present["payment_card"] {
		out = append(out, t.SuggestedMeasures["iban"])
	}
	if present["nir"] {
		out = append(out, t.SuggestedMeasures["nir"])
	}
	if present["credential"] {
		out = append(out, t.SuggestedMeasures["credential"])
	}
	return append(out, t.SuggestedMeasures["leak_watch"])
}

// art34 says whether the people must be told, and why.
func art34(t texts, r *breach.Report, c *Config, lang string) []string {
	if !r.Risk.Article34 {
		return []string{t.Art34NotHigh, t.Art34Authority}
	}
	switch c.Exemption {
	case ExemptionEncryption:
		out := []string{t.Art34Encryption}
		if r.RecordsAffected > 0 {
			var n int64
			for _, cs := range r.Categories {
				n += cs.Values
			}
			out = append(out, fmt.Sprintf(t.Art34EncryptionCaveat, t.number(n, lang)))
		}
		return append(out, t.Art34Authority)
	case ExemptionMeasures:
		return []string{t.Art34Measures, t.Art34Authority}
	case ExemptionDisproportion:
		return []string{t.Art34Disproportionate}
	}
	return []string{t.Art34Required}
}

func buildLetter(r *breach.Report, c *Config, t texts, lang string, present map[string]bool) *letter {
	m := t.Missing
	l := &letter{Public: c.Exemption == ExemptionDisproportion, Subject: t.LetterSubject, Greeting: t.LetterGreeting,
		DataIntro: t.LetterData, RiskIntro: t.LetterRisk, DoneIntro: t.LetterDone, AdviceIntro: t.LetterAdvice}
	ctrl := c.Controller.Name
	if ctrl == "" {
		ctrl = m(labelFor(lang, "nom du responsable de traitement", "controller's name"))
		l.WhatMissing = true
	}
	origin := c.Breach.Origin
	if origin == "" {
		origin = m(labelFor(lang, "nature de l'incident en termes simples", "what happened, in plain words"))
		l.WhatMissing = true
	}
	started := ""
	if c.Breach.Started.IsZero() {
		started = m(labelFor(lang, "date", "date"))
		l.WhatMissing = true
	} else if lang == "fr" {
		started = c.Breach.Started.Format("02/01/2006")
	} else {
		started = c.Breach.Started.Format("2 January 2006")
	}
	l.What = fmt.Sprintf(t.LetterWhat, ctrl, origin, started)
	for _, k := range []string{"person_name", "date_of_birth", "nir", "france_travail_id", "postal_address", "email", "phone", "iban", "payment_card", "id_document", "ip_address", "credential"} {
		if present[k] {
			l.Data = append(l.Data, t.LetterNames[k])
		}
	}
	l.Risks = consequences(t, present, len(r.Special) > 0)
	l.Done = list(c.Measures.Taken, val{Text: m(labelFor(lang, "mesures prises, en termes simples", "measures taken, in plain words")), Missing: true})
	for _, k := range []string{"credential", "nir", "iban", "payment_card", "id_document", "france_travail"} {
		key := k
		if k == "france_travail" {
			key = "france_travail_id"
		}
		if present[key] {
			l.Advice = append(l.Advice, t.Advice[k])
		}
	}
	if present["email"] || present["phone"] || present["postal_address"] {
		l.Advice = append(l.Advice, t.Advice["contact"])
	}
	if len(r.Special) > 0 {
		l.Advice = append(l.Advice, t.Advice["special"])
	}
	if len(l.Advice) == 0 {
		l.Advice = []string{t.LetterAdviceDefault}
	}
	var dpo []string
	for _, s := range []string{c.DPO.Name, c.DPO.Email, c.DPO.Phone} {
		if s != "" {
			dpo = append(dpo, s)
		}
	}
	if len(dpo) == 0 {
		l.Contact = val{Text: fmt.Sprintf(t.LetterContact, m(labelFor(lang, "coordonnées du délégué", "DPO's contact details"))), Missing: true}
	} else {
		l.Contact = val{Text: fmt.Sprintf(t.LetterContact, strings.Join(dpo, ", "))}
	}
	if c.Letter.Contact != "" {
		extra := val{Text: fmt.Sprintf(t.LetterContactExtra, c.Letter.Contact)}
		l.ContactExtra = &extra
	}
	l.CNIL = val{Text: t.LetterCNIL}
	l.Closing = val{Text: t.LetterClosing}
	sig := strings.TrimSpace(strings.Join(nonEmpty(c.Controller.Representative, c.Controller.Name), ", "))
	l.Signature = t.or(sig, labelFor(lang, "signataire", "signatory"))
	if l.Public {
		l.PublicNote = t.LetterPublic
	}
	return l
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}
