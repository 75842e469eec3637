package pii

// ValidEmail checks s as an e-mail address (a practical subset of RFC 5321:
// dot-atom local part of at most 64 characters, a domain of at least two
// labels whose last is alphabetic) and returns it lower-cased.
func ValidEmail(s string) (norm string, ok bool) { return validEmail(s) }

func validEmail[T text](s T) (norm string, ok bool) {
	if !emailOK(s) {
		return "", false
	}
	return lowerASCII(string(s)), true
}

// emailOK reports whether s is an e-mail address.
func emailOK[T text](s T) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '@' {
			if at >= 0 {
				return false
			}
			at = i
		}
	}
	if at < 1 || at > 64 || len(s) > 254 || !validLocal([]byte(s[:at])) || !validDomain([]byte(s[at+1:])) {
		return false
	}
	return true
}

func isLocalChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '.', '_', '%', '+', '-', '!', '#', '$', '&', '\'', '*', '/', '=', '?', '^', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

func validLocal(p []byte) bool {
	if len(p) == 0 || len(p) > 64 || p[0] == '.' || p[len(p)-1] == '.' {
		return false
	}
	for i, c := range p {
		if !isLocalChar(c) || c == '.' && p[i-1] == '.' {
			return false
		}
	}
	return true
}

func validDomain(p []byte) bool {
	if len(p) < 4 || len(p) > 253 {
		return false
	}
	labels, start := 0, 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && p[i] != '.' {
			c := p[i]
			if !isAlnum(c) && c != '-' {
				return false
			}
			continue
		}
		l := p[start:i]
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		labels++
		start = i + 1
	}
	// The last label must be alphabetic and at least 2 letters long.
	j := len(p)
	for j > 0 && p[j-1] != '.' {
		j--
	}
	last := p[j:]
	if len(last) < 2 {
		return false
	}
	for _, c := range last {
		if !isAlpha(c) {
			return false
		}
	}
	return labels >= 2
}

// appendLower appends b with ASCII letters lower-cased.
func appendLower(dst, b []byte) []byte {
	for _, c := range b {
		if isUpper(c) {
			c += 0x20
		}
		dst = append(dst, c)
	}
	return dst
}

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if isUpper(s[i]) {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if isUpper(b[j]) {
					b[j] += 0x20
				}
			}
			return string(b)
		}
	}
	return s
}
