package syslogsrc

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSConfig names the files of an RFC 5425 listener.
type TLSConfig struct {
	// CertFile and KeyFile are the server's PEM certificate (chain) and key.
	CertFile, KeyFile string
	// ClientCAFile, when set, makes the server ask for a client
	// certificate and verify it against these PEM CAs; the verified
	// leaf's subject common name goes to Message.CertCN.
	ClientCAFile string
	// RequireClientCert refuses clients without a valid certificate
	// (needs ClientCAFile).
	RequireClientCert bool
}

// Load reads the files into a server configuration (TLS 1.2 or later),
// asking for client certificates when ClientCAFile is set. The RELP
// listener takes its result too.
func (c *TLSConfig) Load() (*tls.Config, error) {
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: tls cert %s / key %s: %w", ErrConfig, c.CertFile, c.KeyFile, err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	switch {
	case c.ClientCAFile != "":
		pem, err := os.ReadFile(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("%w: tls client CA: %w", ErrConfig, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls client CA %s: no PEM certificate in it", ErrConfig, c.ClientCAFile)
		}
		conf.ClientCAs = pool
		conf.ClientAuth = tls.VerifyClientCertIfGiven
		if c.RequireClientCert {
			conf.ClientAuth = tls.RequireAndVerifyClientCert
		}
	case c.RequireClientCert:
		return nil, fmt.Errorf("%w: tls: require_client_cert needs a client CA", ErrConfig)
	}
	return conf, nil
}

// LeafCN is the subject common name of the verified client certificate,
// or "" when the client sent none.
func LeafCN(cs tls.ConnectionState) string {
	if len(cs.VerifiedChains) == 0 || len(cs.VerifiedChains[0]) == 0 {
		return ""
	}
	return cs.VerifiedChains[0][0].Subject.CommonName
}
