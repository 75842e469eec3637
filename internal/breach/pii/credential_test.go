package pii

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// hashVectors reads testdata/credentials/hashes.tsv: hashes as mkpasswd
// and passlib write them (make.sh), with the kind each must be given.
func hashVectors(t testing.TB) [][3]string {
	t.Helper()
	f, err := os.Open("testdata/credentials/hashes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][3]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 3 {
			t.Fatalf("hashes.tsv: %q", sc.Text())
		}
		out = append(out, [3]string{p[0], p[1], p[2]})
	}
	if len(out) < 40 {
		t.Fatalf("hashes.tsv: %d hashes", len(out))
	}
	return out
}

// Every hash real tools write is told apart: its kind, and its mask shows
// its scheme and nothing of what follows.
func TestCredentialKind(t *testing.T) {
	for _, v := range hashVectors(t) {
		kind, name, hash := v[0], v[1], v[2]
		if got := CredentialKind([]byte(hash)); got != kind {
			t.Errorf("%s: CredentialKind(%q) = %s, want %s", name, hash, got, kind)
		}
		m := Mask(Credential, hash)
		if !strings.HasSuffix(m, "****") || len(m) > 20 || strings.Contains(m, hash[len(hash)-6:]) {
			t.Errorf("%s: mask %q", name, m)
		}
	}
	for _, v := range []string{"Soleil2023!", "hunter2", "$12.50", "{SSHA}abc", "$2y$10$short", "$1$salt$short", "abcdef0123456789abcdef012345678"} {
		if got := CredentialKind([]byte(v)); got != CredentialPlain {
			t.Errorf("CredentialKind(%q) = %s, want plaintext", v, got)
		}
		if m := Mask(Credential, v); m != "********" {
			t.Errorf("Mask(%q) = %q", v, m)
		}
	}
}

// A hash that names itself is found in any text, whole; the hex digests
// and what a dovecot {PLAIN} holds only by their key or column.
func TestTextHashes(t *testing.T) {
	s := New()
	var fs Findings
	for _, v := range hashVectors(t) {
		name, hash := v[1], v[2]
		if strings.HasPrefix(name, "passlib-hex_") {
			continue
		}
		for _, text := range []string{"userPassword: " + hash, "hash " + hash + " fin", `{"h":"` + hash + `"}`, "x;" + hash + ";y"} {
			fs.Reset()
			got := s.Text([]byte(text), &fs)
			start := strings.Index(text, hash)
			if len(got) != 1 || got[0].Category != Credential || got[0].Start != start || got[0].End != start+len(hash) {
				t.Errorf("%s: Text(%q) = %v, want one credential at %d:%d", name, text, got, start, start+len(hash))
			}
		}
	}
}

// Passwords after their key, and what is not one.
func TestTextPasswords(t *testing.T) {
	s := New()
	tests := []struct{ in, want string }{
		{"Mot de passe : Soleil2023.", "Soleil2023"},
		{"mot de passe: MonChat", "MonChat"},
		{"MDP=Az3rty!", "Az3rty!"},
		{`{"login":"jdupont","password":"Hunter2!"}`, "Hunter2!"},
		{"GET /login?user=jdupont&password=Soleil2023&next=/ HTTP/1.1", "Soleil2023"},
		{"ftp_pass=Secr3t user=x", "Secr3t"},
		{"db.password = 'p@ss w0rd'", "p@ss w0rd"},
		{"pwd: 12345678", "12345678"},
		{"password=/A.d4hG6Zo next", "/A.d4hG6Zo"},
		{"user_pass=$P$HMR5eYs.zhZOGmxbjoRP5rAzFUkuKR/ next", "$P$HMR5eYs.zhZOGmxbjoRP5rAzFUkuKR/"},
		{"ftp://jdupont:Secret123@ftp.mairie.fr/x", "Secret123"},
		{"DATABASE_URL=postgres://app:S3cret!@db.local:5432/app", "S3cret!"},
		{"mysql://root:azerty@127.0.0.1/db", "azerty"},
		{"https://user@example.fr/ and https://u:****@example.fr/", ""},
		{"user_password=$2y$10$abcdefghijklmnopqrstuuJ4nZ3lT0W5F0dI7h6Hk2m8rC1xQeV3y", "$2y$10$abcdefghijklmnopqrstuuJ4nZ3lT0W5F0dI7h6Hk2m8rC1xQeV3y"},
		{"DB_PASSWORD=Xk9#mQ2v", "Xk9#mQ2v"},
		{"  password: Azerty!2024", "Azerty!2024"},
		// Not passwords.
		{`<input type="password" name="password" value="">`, ""},
		{`{"password": null, "password_confirmation": ""}`, ""},
		{"  password: !vault |", ""},
		{"postfix/smtpd[123]: warning: unknown[203.0.113.9]: SASL LOGIN authentication failed: UGFzc3dvcmQ6", ""},
		{"Mot de passe : réinitialisé.", ""},
		{"mot de passe oublié, merci de me rappeler", ""},
		{"mot de passe : Réinitialisé", ""},
		{"sudo: jdupont : TTY=pts/0 ; PWD=/home/jdupont ; USER=root", ""},
		{"password=<hidden> password=******** password=${DB_PASS} password=%s password=null", ""},
		{"Pass Navigo : 12345678", ""},
		{"bypass=Abc123 compass: Xy12zz", ""},
		{"Failed password for invalid user admin from 203.0.113.9 port 22 ssh2", ""},
		{"prix : $12.50, US$99 et $HOME/bin", ""},
		{"{SSHA} sans valeur, {Name} et {{password}}", ""},
	}
	for _, tt := range tests {
		var fs Findings
		var got []string
		for _, f := range s.Text([]byte(tt.in), &fs) {
			if f.Category == Credential {
				got = append(got, tt.in[f.Start:f.End])
			}
		}
		want := []string{}
		if tt.want != "" {
			want = []string{tt.want}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("Text(%q): credentials %q, want %q", tt.in, got, want)
		}
	}
}

// Columns: a header that names a password takes any value but flags,
// dates and placeholders; a header of its dates or settings does not; a
// column of hashes needs no header.
func TestCredentialColumns(t *testing.T) {
	s := New()
	vals := func(v ...string) [][]byte {
		var out [][]byte
		for _, x := range v {
			out = append(out, []byte(x))
		}
		return out
	}
	plain := vals("Soleil2023", "azerty", "chaton", "5f4dcc3b5aa765d61d8327deb882cf99", "Jean1985")
	tests := []struct {
		header string
		sample [][]byte
		want   Category
	}{
		{"password", plain, Credential},
		{"mot_de_passe", plain, Credential},
		{"MotDePasse", plain, Credential},
		{"mdp", plain, Credential},
		{"userPassword", plain, Credential},
		{"password_hash", plain, Credential},
		{"smtp_pass", plain, Credential},
		{"reponse_secrete", vals("Médor", "Paris", "Dupont"), Credential},
		{"password_hash", vals("NULL", "NULL", "\\N", "", "$2b$12$OeawpuXw5iYwJebGcM.oOOL8PcuYPv2Z2scm2u4MRXOUwGobYQXba"), Credential}, // most accounts without one
		{"security_answer", vals("Rex", "blue"), Credential},
		{"code_confidentiel", vals("1234", "0000", "4821"), Credential},
		{"question_secrete", vals("Nom de votre premier animal ?", "Ville de naissance ?"), ""},
		{"password_changed_at", vals("2024-01-02 10:00:00", "2023-05-06 11:00:00"), ""},
		{"date_modif_mdp", plain, ""},
		{"nb_tentatives_mdp", vals("0", "3", "1"), ""},
		{"must_change_password", vals("true", "false"), ""},
		{"password", vals("true", "false", "0", "1"), ""},
		{"mdp", vals("********", "********"), ""},
		{"pass_navigo", plain, ""},
		{"col", vals("$2b$12$OeawpuXw5iYwJebGcM.oOOL8PcuYPv2Z2scm2u4MRXOUwGobYQXba", "{SSHA}XunqrvKlFT3mgHM8hromJfvfSK3F+N87"), Credential},
		{"col", plain, ""},
	}
	for _, tt := range tests {
		if got := s.ClassifyColumn(tt.header, tt.sample); got.Category != tt.want {
			t.Errorf("ClassifyColumn(%q) = %q, want %q", tt.header, got.Category, tt.want)
		}
	}
	col := s.ClassifyColumn("password", plain)
	var fs Findings
	for _, v := range []string{"azerty", " Soleil2023 ", "NULL", "", "********", "$P$HMR5eYs.zhZOGmxbjoRP5rAzFUkuKR/", "password", "000000", "xxxx"} {
		fs.Reset()
		got := s.Cell(col, []byte(v), &fs)
		want := 0
		switch strings.TrimSpace(v) {
		case "azerty", "Soleil2023", "password", "000000":
			want = 1
		}
		if strings.HasPrefix(v, "$P$") {
			want = 1
		}
		if len(got) != want || want == 1 && (got[0].Category != Credential || string(got[0].Norm) != strings.TrimSpace(v)) {
			t.Errorf("Cell(password, %q) = %v", v, got)
		}
	}
}

// FuzzCredential: whatever the value, a credential's mask shows at most
// the scheme that starts a hash, nothing of a password, and text around
// it keeps the findings' rules.
func FuzzCredential(f *testing.F) {
	for _, v := range []string{"$2b$12$OeawpuXw5iYwJebGcM.oOOL8PcuYPv2Z2scm2u4MRXOUwGobYQXba", "{CRYPT}$6$rounds=656000$vMpx2SiUfnz99ubO$FMIGqlxP9h8otXZdGayz/qucxYrO2xmk0YZoUau41tx2X5vEykoctJKC7qLbLNZM4SfclmJJIPmVsEbYW8bIW1",
		"bcrypt_sha256$$2b$12$W0r1Hhtn1rdbV6S.gTnE6eQYznIrEtrDkPIi7I2oMNl5G7c/wMUQq", "{CLEARTEXT}Soleil2023!", "$3$$0e204d70d1c8834649dada48425383df",
		"password=Soleil2023&x", "Mot de passe : 'Az3rty!'", "{CRYPT}", "$P$", "{PLAIN}"} {
		f.Add(v)
	}
	s := New()
	f.Fuzz(func(t *testing.T, v string) {
		in := []byte(v)
		checkFindings(t, in, s.Text(in, &Findings{}))
		if v == "" {
			return
		}
		m := Mask(Credential, v)
		kind := CredentialKind(in)
		switch {
		case kind == CredentialPlain || isHexDigest(in):
			if m != "********" {
				t.Fatalf("mask %q of a password", m)
			}
		case !strings.HasSuffix(m, "****") || !strings.HasPrefix(v, strings.TrimSuffix(m, "****")) || len(m) > 30:
			t.Fatalf("mask %q of a %s", m, kind)
		}
	})
}

// Keys at the very start of a text, and spaces alone before ':'.
func TestPasswordKeyEdges(t *testing.T) {
	s := New()
	for _, in := range []string{":", "=x", "   :", "  ': x", "pwd=Abc123", "mdp :Abc123", " \": Abc123"} {
		var fs Findings
		checkFindings(t, []byte(in), s.Text([]byte(in), &fs))
	}
}

// A URL's user information is no e-mail address; an address in its query
// still is one.
func TestURLUserinfo(t *testing.T) {
	s := New()
	for in, want := range map[string]string{
		"https://user@example.fr/":                 "",
		"ftp://jdupont:Secret123@ftp.mairie.fr/x":  "credential",
		"voir https://x.fr/?email=jean@x.fr merci": "email",
		"mailto:jean@x.fr":                         "email",
		"écrire à jean@x.fr://":                    "email",
	} {
		var fs Findings
		var got []string
		for _, f := range s.Text([]byte(in), &fs) {
			got = append(got, string(f.Category))
		}
		if strings.Join(got, ",") != want {
			t.Errorf("Text(%q) = %v, want %s", in, got, want)
		}
	}
}
