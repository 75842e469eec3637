package notifytest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPServer is a real SMTP server (github.com/emersion/go-smtp) on
// loopback offering STARTTLS with a certificate made at start, and AUTH
// PLAIN only once the connection is encrypted.
type SMTPServer struct {
	Host     string
	Port     int
	CAFile   string // the certificate to trust, PEM
	User     string
	Password string

	srv      *smtp.Server
	received chan Mail
	mu       sync.Mutex
	mails    []Mail
	authFail []string
}

// Mail is one accepted message.
type Mail struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool
	AuthUser string
}

// NewSMTPServer starts a server accepting user/password.
func NewSMTPServer(t testing.TB, user, password string) *SMTPServer {
	t.Helper()
	cert, caFile := selfSigned(t)
	s := &SMTPServer{User: user, Password: password, CAFile: caFile, received: make(chan Mail, 64)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.srv.AllowInsecureAuth = false
	s.srv.ReadTimeout, s.srv.WriteTimeout = 30*time.Second, 30*time.Second
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	s.Host, s.Port = "127.0.0.1", addr.Port
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		<-done
	})
	return s
}

// Addr is host:port.
func (s *SMTPServer) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Next waits for the next accepted mail.
func (s *SMTPServer) Next(ctx context.Context) (Mail, error) {
	select {
	case m := <-s.received:
		return m, nil
	case <-ctx.Done():
		return Mail{}, ctx.Err()
	}
}

// Mails returns every accepted mail.
func (s *SMTPServer) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

type smtpSession struct {
	s    *SMTPServer
	conn *smtp.Conn
	user string
	mail Mail
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != ss.s.User || password != ss.s.Password {
			// Quotes what it got, as a careless server might: clients
			// must not repeat it.
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8},
				Message: "authentication failed for " + username + " with password " + password}
		}
		ss.user = username
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.mail = Mail{From: from, AuthUser: ss.user}
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.mail.To = append(ss.mail.To, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, ss.mail.TLS = ss.conn.TLSConnectionState()
	ss.mail.Data = b
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.mail)
	ss.s.mu.Unlock()
	select {
	case ss.s.received <- ss.mail:
	default:
		return errors.New("test mailbox full")
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.mail = Mail{} }
func (ss *smtpSession) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost and writes
// it to a PEM file to trust.
func selfSigned(t testing.TB) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "localhost"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, caFile
}

// WriteCA writes a TLS test server's certificate to a PEM file to trust.
func WriteCA(t testing.TB, cert *x509.Certificate) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
