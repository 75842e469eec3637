package pii

import "strings"

// address reads a street address at t: a number (12, 12 bis, 12B), an
// optional comma, a street type (rue, avenue, bd…), the street name, then
// optionally a postcode and commune ("12 rue de la Paix, 75002 Paris").
// In free text the street name must hold a capital or a postcode must
// follow, so that "2 cours de maths" stays what it is.
func (st *scan) address(t int) (int, bool) {
	end, capital, postcode, ok := st.s.parseAddress(st.b, t)
	if !ok || !capital && !postcode {
		return 0, false
	}
	st.addFrom(Address, t, end, confContext, st.appendNorm(st.b[t:end]))
	return end, true
}

// parseAddress reads an address at b[t:]; see address.
func (s *Scanner) parseAddress(b []byte, t int) (end int, capital, postcode, ok bool) {
	i := t
	for i < len(b) && isDigit(b[i]) && i-t < 5 {
		i++
	}
	if i == t || i-t > 4 || b[t] == '0' || i >= len(b) {
		return 0, false, false, false
	}
	// Suffix: 12B, 12 bis, 12 ter.
	if i < len(b) && isAlpha(b[i]) && (i+1 == len(b) || !isAlpha(b[i+1])) {
		i++
	}
	if i+2 < len(b) && b[i] == ' ' {
		switch b[i+1] | 0x20 {
		case 'b', 't', 'q':
			for _, suf := range [...]string{" bis", " ter", " quater", " b ", " t "} {
				if hasPrefixFold(b[i:], suf) {
					i += len(suf)
					if suf[len(suf)-1] == ' ' {
						i--
					}
					break
				}
			}
		}
	}
	if i < len(b) && b[i] == ',' {
		i++
	}
	if i >= len(b) || b[i] != ' ' {
		return 0, false, false, false
	}
	i++
	// Street type.
	ws := i
	for i < len(b) && (isAlpha(b[i]) || b[i] == '-' || b[i] >= 0x80) && i-ws < 14 {
		if b[i] >= 0x80 {
			if ok, n := letterAt(b, i); ok {
				i += n
				continue
			}
			break
		}
		i++
	}
	if i == ws || i-ws > 11 || !strings.ContainsRune("rabcipqsvlhfemtgzdRABCIPQSVLHFEMTGZD", rune(b[ws])) || !s.inSet(lexStreet, b, ws, i) {
		return 0, false, false, false
	}
	if i < len(b) && b[i] == '.' {
		i++
	}
	if i >= len(b) || b[i] != ' ' {
		return 0, false, false, false
	}
	// Street name: up to 8 words of letters, hyphens and apostrophes.
	// Particles (de, la, l'…) and capitalised words go on; one lower-case
	// word ends the name ("rue de la paix"), so that the prose after a
	// street is not taken in.
	words := 0
	end = i
	for words < 8 && i < len(b) && b[i] == ' ' {
		j := i + 1
		ws := j
		up, _ := isUpperAt(b, j)
		for j < len(b) && j-ws < 30 {
			if ok, n := letterAt(b, j); ok {
				j += n
				continue
			}
			if (b[j] == '-' || b[j] == '\'') && j+1 < len(b) && j > ws {
				j++
				continue
			}
			if j+2 < len(b) && b[j] == 0xE2 && b[j+1] == 0x80 && b[j+2] == 0x99 && j > ws { // ’
				j += 3
				continue
			}
			break
		}
		if j == ws {
			break
		}
		if !up && j-ws > 2 && b[ws+1] == '\'' { // d'Alsace, l'Église
			up, _ = isUpperAt(b, ws+2)
		} else if !up && j-ws > 4 && b[ws+1] == 0xE2 && b[ws+2] == 0x80 && b[ws+3] == 0x99 {
			up, _ = isUpperAt(b, ws+4)
		}
		if s.isStreetParticle(b[ws:j]) {
			i = j
			continue
		}
		if !up && words > 0 {
			break // prose after the street name
		}
		i = j
		words++
		end = j
		if up {
			capital = true
		} else {
			break
		}
	}
	if words == 0 {
		return 0, false, false, false
	}
	// Optional postcode and commune.
	j := end
	if j < len(b) && b[j] == ',' {
		j++
	}
	for j < len(b) && b[j] == ' ' && j-end < 3 {
		j++
	}
	if pe, ok := postcodeAt(b, j); ok {
		if ce, ok := communeAt(b, pe); ok {
			return ce, capital, true, true
		}
	}
	return end, capital, false, true
}

// postcodeAt reads a French postcode at b[j:]: five digits, not 00xxx.
func postcodeAt(b []byte, j int) (int, bool) {
	if j+5 > len(b) {
		return 0, false
	}
	for k := j; k < j+5; k++ {
		if !isDigit(b[k]) {
			return 0, false
		}
	}
	if b[j] == '0' && b[j+1] == '0' || j+5 < len(b) && isAlnum(b[j+5]) {
		return 0, false
	}
	return j + 5, true
}

// communeAt reads " Commune" (capitalised words, hyphens, apostrophes, an
// optional CEDEX) after a postcode ending at j.
func communeAt(b []byte, j int) (int, bool) {
	if j >= len(b) || b[j] != ' ' {
		return 0, false
	}
	i := j + 1
	if up, _ := isUpperAt(b, i); !up {
		return 0, false
	}
	end := i
	for words := 0; words < 6 && i < len(b); words++ {
		ws := i
		for i < len(b) && i-ws < 40 {
			if ok, n := letterAt(b, i); ok {
				i += n
				continue
			}
			if (b[i] == '-' || b[i] == '\'') && i+1 < len(b) && i > ws {
				if ok, _ := letterAt(b, i+1); ok {
					i++
					continue
				}
			}
			break
		}
		if i == ws {
			break
		}
		end = i
		if i+1 < len(b) && b[i] == ' ' {
			if up, _ := isUpperAt(b, i+1); up {
				i++
				continue
			}
			if isDigit(b[i+1]) && hasPrefixFold(b[ws:end], "cedex") {
				k := i + 1
				for k < len(b) && isDigit(b[k]) && k-i < 3 {
					k++
				}
				end = k
			}
		}
		break
	}
	return end, true
}

// postcode reads "75002 Paris" at t when an address word comes before it.
func (st *scan) postcode(t, te int) (int, bool) {
	if te-t != 5 {
		return 0, false
	}
	pe, ok := postcodeAt(st.b, t)
	if !ok {
		return 0, false
	}
	ce, ok := communeAt(st.b, pe)
	if !ok || !hasContext(st.window(t), &st.s.ctx.address) {
		return 0, false
	}
	st.addFrom(Address, t, ce, confWeak, st.appendNorm(st.b[t:ce]))
	return ce, true
}

// hasPrefixFold reports whether b starts with the lower-case ASCII p,
// ignoring ASCII case.
func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := b[i]
		if isUpper(c) {
			c += 0x20
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// appendNormText appends a name or an address folded: lower case,
// accents folded, punctuation between words dropped, single spaces.
func appendNormText(dst, b []byte) []byte { return foldInto(dst, b, foldNormASCII) }

// normText is appendNormText into a new string.
func normText(b []byte) string { return string(appendNormText(nil, b)) }

// appendNorm appends b folded by appendNormText to the findings' buffer
// and returns where it starts.
func (st *scan) appendNorm(b []byte) int {
	from := len(st.fs.norms)
	st.fs.norms = appendNormText(st.fs.norms, b)
	return from
}

// isStreetParticle reports whether w is a lower-case word that joins the
// parts of a street name (de, la, l'…, "d'" and "l'" glued to the next word
// count as that word).
func (s *Scanner) isStreetParticle(w []byte) bool {
	switch string(w) {
	case "de", "du", "des", "la", "le", "les", "l'", "d'", "au", "aux", "sur", "sous", "en", "et", "à", "a":
		return true
	}
	return false
}
