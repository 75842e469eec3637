package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

// ErrRender reports a message the templates could not render.
var ErrRender = errors.New("render message")

//go:embed templates
var templateFiles embed.FS

// Renderer renders groups with the embedded templates: per language a
// text set (subject, text, one item) and an HTML set, each with a file
// per kind (level, campaign, alert) and the words per level in
// words.tmpl. Safe for concurrent use.
type Renderer struct {
	loc  *time.Location
	text map[Language]*texttemplate.Template
	html map[Language]*htmltemplate.Template
}

// NewRenderer parses the templates. Times are shown in loc (UTC when nil).
func NewRenderer(loc *time.Location) (*Renderer, error) {
	if loc == nil {
		loc = time.UTC
	}
	r := &Renderer{
		loc:  loc,
		text: map[Language]*texttemplate.Template{},
		html: map[Language]*htmltemplate.Template{},
	}
	for _, lang := range []Language{French, English} {
		funcs := r.funcs(lang)
		dir := "templates/" + string(lang) + "/"
		t, err := texttemplate.New("").Funcs(funcs).ParseFS(templateFiles, dir+"words.tmpl", dir+"*.txt.tmpl")
		if err != nil {
			return nil, fmt.Errorf("%w: %s text templates: %w", ErrRender, lang, err)
		}
		h, err := htmltemplate.New("").Funcs(funcs).ParseFS(templateFiles, dir+"words.tmpl", dir+"*.html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("%w: %s HTML templates: %w", ErrRender, lang, err)
		}
		r.text[lang], r.html[lang] = t, h
	}
	return r, nil
}

func (r *Renderer) funcs(lang Language) map[string]any {
	return map[string]any{
		"when":   func(t, now time.Time) string { return when(lang, t.In(r.loc), now.In(r.loc)) },
		"colour": colour,
	}
}

// when says a time the way people read it: the hour alone on the same
// day, with the date otherwise.
func when(lang Language, t, now time.Time) string {
	sameDay := t.Year() == now.Year() && t.YearDay() == now.YearDay()
	if lang == English {
		if sameDay {
			return t.Format("15:04")
		}
		return t.Format("2006-01-02 15:04")
	}
	if sameDay {
		return t.Format("15:04")
	}
	return "le " + t.Format("02/01/2006 à 15:04")
}

// colour is the level's vigilance colour.
func colour(level string) string {
	switch level {
	case "rouge":
		return "#d50000"
	case "orange":
		return "#ef6c00"
	case "jaune":
		return "#c9a600"
	}
	return "#2e7d32"
}

// itemView is what the templates see of an item: plain strings and
// times, so the templates stay free of Go types.
type itemView struct {
	Kind, Status       string
	Resolved, Platform bool // Resolved: the item's state in the group
	// Over: what it is about has ended (a level back to vert, an alert or
	// campaign resolved). A level that left a route's scope, say rouge to
	// orange on a rouge-only route, is resolved there but not over.
	Over               bool
	Tenant, TenantName string
	Level, Previous    string // Previous is "" unless a level change
	Raised, Lowered    bool
	Severity           string
	Title, Summary     string
	Reasons            []Reason
	Tags               []string
	Since, StartsAt    time.Time
	Now                time.Time
	URL                string
}

type groupView struct {
	Status      string
	Items       []itemView
	First       itemView
	More        int
	ExternalURL string
}

func newItemView(it *Item, now time.Time) itemView {
	n := &it.Notification
	v := itemView{
		Kind:       string(n.Kind),
		Status:     string(it.Status),
		Resolved:   it.Status == Resolved,
		Platform:   n.IsPlatform(),
		Over:       n.IsResolved(),
		Tenant:     n.Tenant,
		TenantName: n.TenantName,
		Level:      n.Level.String(),
		Severity:   n.SeverityOrDefault(),
		Title:      n.Title,
		Summary:    n.Summary,
		Reasons:    n.Reasons,
		Tags:       n.Tags,
		Since:      n.Since,
		StartsAt:   it.StartsAt,
		Now:        now,
		URL:        n.URL,
	}
	if v.TenantName == "" {
		v.TenantName = n.Tenant
	}
	if n.Kind == KindLevel && n.Previous != n.Level {
		v.Previous = n.Previous.String()
		v.Raised, v.Lowered = n.Level > n.Previous, n.Level < n.Previous
	}
	return v
}

// Render fills m's Subject, Text, HTML and each item's Text, in
// m.Language (French when unset), at time m.Time.
func (r *Renderer) Render(m *Message) error {
	lang := m.Language
	if lang == "" {
		lang = French
	}
	t, h := r.text[lang], r.html[lang]
	if t == nil {
		return fmt.Errorf("%w: no templates for language %q", ErrRender, lang)
	}
	now := m.Time
	if now.IsZero() {
		now = time.Now()
	}
	g := groupView{Status: string(m.Status), ExternalURL: m.ExternalURL}
	for i := range m.Items {
		g.Items = append(g.Items, newItemView(&m.Items[i], now))
	}
	if len(g.Items) == 0 {
		return fmt.Errorf("%w: empty group %s", ErrRender, m.GroupKey)
	}
	g.First, g.More = g.Items[0], len(g.Items)-1

	var buf bytes.Buffer
	exec := func(name string, data any, html bool) (string, error) {
		buf.Reset()
		var err error
		if html {
			err = h.ExecuteTemplate(&buf, name, data)
		} else {
			err = t.ExecuteTemplate(&buf, name, data)
		}
		if err != nil {
			return "", fmt.Errorf("%w: %s template %q: %w", ErrRender, lang, name, err)
		}
		return buf.String(), nil
	}
	var err error
	if m.Subject, err = exec("subject", g, false); err != nil {
		return err
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	if m.Text, err = exec("text", g, false); err != nil {
		return err
	}
	if m.HTML, err = exec("html", g, true); err != nil {
		return err
	}
	for i := range m.Items {
		if m.Items[i].Text, err = exec("item", g.Items[i], false); err != nil {
			return err
		}
	}
	return nil
}
