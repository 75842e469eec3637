package alert

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The sentences of the reasons, in French (the operators are French local
// governments) and English. Level names stay French in both: they are the
// product's vocabulary.

// alertSentence: "Attaque confirmée sur ville-a : SSH Brute Force depuis
// 203.0.113.7 (12 événements)".
func alertSentence(lang string, a *Alert) string {
	var b strings.Builder
	fr := lang != "en"
	switch {
	case a.Raises >= Rouge && fr:
		b.WriteString("Attaque avec impact sur ")
	case a.Raises >= Rouge:
		b.WriteString("Attack with impact on ")
	case a.Raises == Orange && fr:
		b.WriteString("Attaque confirmée sur ")
	case a.Raises == Orange:
		b.WriteString("Attack confirmed on ")
	case fr:
		b.WriteString("Activité suspecte sur ")
	default:
		b.WriteString("Suspicious activity on ")
	}
	b.WriteString(a.Tenant)
	if fr {
		b.WriteString(" : ")
	} else {
		b.WriteString(": ")
	}
	b.WriteString(a.Rule.name())
	if a.Entity != "" {
		switch {
		case a.EntityKind == "src_ip" && fr:
			b.WriteString(" depuis ")
		case a.EntityKind == "src_ip":
			b.WriteString(" from ")
		case a.EntityKind == "user" && fr:
			b.WriteString(", compte ")
		case a.EntityKind == "user":
			b.WriteString(", account ")
		case a.EntityKind == "host" && fr:
			b.WriteString(", hôte ")
		case a.EntityKind == "host":
			b.WriteString(", host ")
		default:
			b.WriteString(", " + a.EntityKind + " ")
		}
		b.WriteString(a.Entity)
	}
	b.WriteString(" (")
	b.WriteString(strconv.Itoa(a.Count))
	switch {
	case fr && a.Count > 1:
		b.WriteString(" événements)")
	case fr:
		b.WriteString(" événement)")
	case a.Count > 1:
		b.WriteString(" events)")
	default:
		b.WriteString(" event)")
	}
	return b.String()
}

// quietSentence prefixes the sentence of an alert whose quiet period ended.
func quietSentence(lang string, quiet time.Duration, a *Alert) string {
	if lang == "en" {
		return "Quiet for " + duration(quiet) + ": " + alertSentence(lang, a)
	}
	return "Calme depuis " + duration(quiet) + " : " + alertSentence(lang, a)
}

// campaignSentence: "Campagne sur 3 collectivités (ville-a, ville-b,
// ville-c) : même attaquant 203.0.113.7 — SSH Brute Force".
func campaignSentence(lang string, c *Campaign) string {
	fr := lang != "en"
	var b strings.Builder
	if fr {
		fmt.Fprintf(&b, "Campagne sur %d collectivités (%s) : ", len(c.Tenants), list(c.Tenants, 5))
	} else {
		fmt.Fprintf(&b, "Campaign across %d tenants (%s): ", len(c.Tenants), list(c.Tenants, 5))
	}
	v := c.Key.Value
	switch c.Key.Kind {
	case "ip":
		b.WriteString(pick(fr, "même attaquant ", "same attacker ") + v)
	case "range":
		b.WriteString(pick(fr, "même plage d'adresses ", "same address range ") + v)
	case "user_agent":
		b.WriteString(pick(fr, "même agent utilisateur « "+v+" »", `same user agent "`+v+`"`))
	case "file_hash":
		b.WriteString(pick(fr, "même fichier (empreinte ", "same file (hash ") + v + ")")
	case "rule":
		name := v
		if len(c.Rules) > 0 {
			name = c.Rules[0]
		}
		return b.String() + pick(fr, "même règle « "+name+" »", `same rule "`+name+`"`)
	case "technique":
		b.WriteString(pick(fr, "même technique ATT&CK ", "same ATT&CK technique ") + strings.ToUpper(v))
	}
	if len(c.Rules) > 0 {
		b.WriteString(" — " + list(c.Rules, 3))
	}
	return b.String()
}

// tenantsSentence: "2 collectivités en orange ou plus : ville-a, ville-b".
func tenantsSentence(lang string, names []string) string {
	if lang == "en" {
		return fmt.Sprintf("%d tenants at orange or above: %s", len(names), list(names, 10))
	}
	return fmt.Sprintf("%d collectivités en orange ou plus : %s", len(names), list(names, 10))
}

// tenantLevelSentence: "ville-a en orange — Attaque confirmée sur
// ville-a : …", with the tenant's main reason when there is one.
func tenantLevelSentence(lang string, ts *tenant, main []Reason) string {
	s := ts.name + pick(lang != "en", " en ", " at ") + ts.level.String()
	if len(main) > 0 {
		s += " — " + main[0].Text
	}
	return s
}

func nothingSentence(lang string) string {
	if lang == "en" {
		return "No tenant above vert and no campaign in progress"
	}
	return "Aucune collectivité au-dessus de vert et aucune campagne en cours"
}

// overrideSentence: "Niveau fixé à jaune par alice : faux positif".
func overrideSentence(lang string, l Level, who, why string) string {
	if lang == "en" {
		return "Level set to " + l.String() + " by " + who + ": " + why
	}
	return "Niveau fixé à " + l.String() + " par " + who + " : " + why
}

func pick(fr bool, f, e string) string {
	if fr {
		return f
	}
	return e
}

// list joins at most n names, then "…".
func list(names []string, n int) string {
	if len(names) <= n {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:n], ", ") + ", …"
}

// duration writes 24h as "24 h", 90m as "1 h 30 min", 45s as "45 s".
func duration(d time.Duration) string {
	var parts []string
	if h := d / time.Hour; h > 0 {
		parts = append(parts, strconv.FormatInt(int64(h), 10)+" h")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		parts = append(parts, strconv.FormatInt(int64(m), 10)+" min")
		d -= m * time.Minute
	}
	if s := d / time.Second; s > 0 || len(parts) == 0 {
		parts = append(parts, strconv.FormatInt(int64(s), 10)+" s")
	}
	return strings.Join(parts, " ")
}
