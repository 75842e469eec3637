package pii

import "strings"

// Mask returns a masked sample of a normalised value, safe to print: it
// shows no more than the first or last few characters a data-protection
// officer needs to recognise the kind of value.
//
//	nir             185057800608436 → 1 85 05 ** *** *** 36
//	iban            FR7630006000011234567890189 → FR76 **** **** **** **** **** 189
//	email           jean.dupont@example.fr → j***@e***.fr
//	phone           +33612345678 → +33 6 ** ** ** 78
//	person_name     jean dupont → J*** D***
//	date_of_birth   1985-03-12 → 19**-**-**
//	postal_address  12 rue de la paix 75002 paris → ** rue ***, 75*** P***
//	payment_card    4970101234561234 → **** **** **** 1234
//	ip_address      192.168.1.10 → 192.***.***.***
//	others          1234567A → 12******
func Mask(c Category, norm string) string {
	if norm == "" {
		return ""
	}
	switch c {
	case NIR:
		if len(norm) < 13 {
			return stars(len(norm))
		}
		m := norm[:1] + " " + norm[1:3] + " " + norm[3:5] + " ** *** ***"
		if len(norm) == 15 {
			m += " " + norm[13:]
		}
		return m
	case IBAN:
		if len(norm) < 8 {
			return stars(len(norm))
		}
		var sb strings.Builder
		for i := 0; i < len(norm); i++ {
			if i > 0 && i%4 == 0 {
				sb.WriteByte(' ')
			}
			if i < 4 || i >= len(norm)-3 {
				sb.WriteByte(norm[i])
			} else {
				sb.WriteByte('*')
			}
		}
		return sb.String()
	case Email:
		at := strings.LastIndexByte(norm, '@')
		if at < 1 {
			return "***"
		}
		dom := norm[at+1:]
		dot := strings.LastIndexByte(dom, '.')
		if dot < 1 {
			return norm[:1] + "***@***"
		}
		return norm[:1] + "***@" + dom[:1] + "***" + dom[dot:]
	case Phone:
		if len(norm) == 12 && strings.HasPrefix(norm, "+33") {
			return "+33 " + norm[3:4] + " ** ** ** " + norm[10:]
		}
		return stars(len(norm) - 2)
	case Name:
		return maskWords(norm)
	case DateOfBirth:
		if len(norm) == 10 {
			return norm[:2] + "**-**-**"
		}
		return "****-**-**"
	case Address:
		return maskAddress(norm)
	case Card:
		if len(norm) < 13 {
			return stars(len(norm))
		}
		var sb strings.Builder
		for i := 0; i < len(norm)-4; i++ {
			if i > 0 && i%4 == 0 {
				sb.WriteByte(' ')
			}
			sb.WriteByte('*')
		}
		sb.WriteByte(' ')
		sb.WriteString(norm[len(norm)-4:])
		return sb.String()
	case Credential:
		return maskCredential(norm)
	case IP:
		if i := strings.IndexByte(norm, '.'); i > 0 && !strings.Contains(norm, ":") {
			return norm[:i] + ".***.***.***"
		}
		if i := strings.IndexByte(norm, ':'); i > 0 {
			return norm[:i] + ":****:…"
		}
		return "***"
	}
	if len(norm) <= 4 {
		return stars(len(norm))
	}
	return norm[:2] + stars(len(norm)-2)
}

func stars(n int) string {
	if n < 3 {
		n = 3
	}
	return strings.Repeat("*", n)
}

// maskWords keeps the first letter of each word, upper-cased: "J*** D***".
func maskWords(norm string) string {
	var sb strings.Builder
	for i, w := range strings.Fields(norm) {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strings.ToUpper(firstRune(w)))
		sb.WriteString("***")
	}
	return sb.String()
}

func firstRune(w string) string {
	for i := range w {
		if i > 0 {
			return w[:i]
		}
	}
	return w
}

// maskAddress keeps street types, the first two digits of a postcode and
// the first letter of the commune: "** rue ***, 75*** P***".
func maskAddress(norm string) string {
	var out []string
	pending := false // words of a street name masked as one "***"
	afterPostcode := false
	for _, w := range strings.Fields(norm) {
		allDigits := true
		for i := 0; i < len(w); i++ {
			allDigits = allDigits && isDigit(w[i])
		}
		switch {
		case allDigits && len(w) == 5:
			if pending {
				out[len(out)-1] += ","
				pending = false
			}
			out = append(out, w[:2]+"***")
			afterPostcode = true
		case allDigits:
			out = append(out, "**")
		case afterPostcode:
			out = append(out, strings.ToUpper(firstRune(w))+"***")
			return strings.Join(out, " ")
		case isStreetType(w):
			out = append(out, w)
			pending = false
		default:
			if !pending {
				out = append(out, "***")
				pending = true
			}
		}
	}
	if len(out) == 0 {
		return "***" // no word: never an empty mask
	}
	return strings.Join(out, " ")
}

func isStreetType(w string) bool {
	switch w {
	case "rue", "avenue", "av", "bd", "boulevard", "allee", "chemin", "impasse", "place", "route", "quai", "cours",
		"square", "passage", "voie", "sentier", "residence", "lotissement", "hameau", "faubourg", "chaussee",
		"esplanade", "promenade", "cite", "villa", "montee", "clos", "domaine", "parc", "quartier":
		return true
	}
	return false
}

// maskCredential shows a hash's scheme and nothing of a password, not
// even its length: "$2y$10$****", "{SSHA}****", "pbkdf2_sha256$****",
// "********".
func maskCredential(norm string) string {
	const hidden = "****"
	b := []byte(norm)
	switch {
	case CredentialKind(b) == CredentialPlain:
		return "********"
	case norm[0] == '{':
		return norm[:strings.IndexByte(norm, '}')+1] + hidden
	case norm[0] == '$':
		id := norm[:strings.IndexByte(norm[1:], '$')+2]
		if strings.HasPrefix(id, "$2") && len(norm) > len(id)+3 {
			return norm[:len(id)+3] + hidden // bcrypt's cost: $2y$10$
		}
		return id + hidden
	case isHexDigest(b):
		return "********"
	}
	return norm[:strings.IndexByte(norm, '$')+1] + hidden
}
