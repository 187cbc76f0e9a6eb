package swarm

// The connection configuration: which engines to reach and how (unix, tcp with TLS, ssh), with
// the Docker CLI's environment variables as fallbacks. Swarm config objects are in
// object_store.go.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultHost is the Engine's local socket, used when neither the configuration nor DOCKER_HOST
// names a host.
const DefaultHost = "unix:///var/run/docker.sock"

// Environment variables honoured as fallbacks, with the meaning the Docker CLI gives them, but
// for one difference: DOCKER_TLS_VERIFY set to 0, false, no or off turns verification off here,
// where the CLI turns it on for any value that is not empty.
const (
	EnvHost      = "DOCKER_HOST"
	EnvCertPath  = "DOCKER_CERT_PATH"
	EnvTLSVerify = "DOCKER_TLS_VERIFY"
)

// Endpoint is how to reach one Docker Engine. The zero value means "the environment's engine":
// DOCKER_HOST, else the local socket.
type Endpoint struct {
	// Host is unix:///path, tcp://host:port or ssh://[user@]host[:port].
	Host string
	// CAPEM, CertPEM and KeyPEM are PEM blocks for TLS over tcp.
	CAPEM   string
	CertPEM string
	KeyPEM  string
	// CertPath is a directory with ca.pem, cert.pem and key.pem (the Docker CLI's layout).
	CertPath string
	// TLSVerify, when set, decides whether the server certificate is verified. Unset means verify.
	TLSVerify *bool
	// SSHOpts are extra arguments for the ssh command (ssh hosts only).
	SSHOpts []string
}

// Config is the whole connection configuration of a provider (or of one resource's override).
type Config struct {
	// Endpoints lists the engines to use, in order of preference. Empty means one Endpoint{}.
	Endpoints []Endpoint
	// APIVersion pins the Engine API version; empty means negotiate.
	APIVersion string
	// UserAgent is sent with every request.
	UserAgent string
}

// Getenv reads the environment; tests replace it.
type Getenv func(string) string

// Scheme is the transport of a parsed host.
type Scheme string

// The supported transports.
const (
	SchemeUnix Scheme = "unix"
	SchemeTCP  Scheme = "tcp"
	SchemeSSH  Scheme = "ssh"
)

// Target is a parsed host: where to dial and how.
type Target struct {
	Scheme Scheme
	// Address is the socket path (unix) or host:port (tcp, ssh).
	Address string
	// User is the ssh login, if any.
	User string
	// Raw is the host as written, used in messages.
	Raw string
}

// ParseHost checks a host URL and splits it into its parts. It is used at plan time for
// validation and at connect time.
func ParseHost(host string) (Target, error) {
	u, err := url.Parse(host)
	if err != nil {
		return Target{}, fmt.Errorf("%q is not a valid host URL: %w", host, err)
	}
	t := Target{Scheme: Scheme(u.Scheme), Raw: host}
	switch t.Scheme {
	case SchemeUnix:
		if u.Host != "" || u.Path == "" {
			return Target{}, fmt.Errorf("%q: a unix host is unix:///absolute/path/to/docker.sock", host)
		}
		t.Address = u.Path
	case SchemeTCP:
		if u.Hostname() == "" {
			return Target{}, fmt.Errorf("%q: a tcp host is tcp://host:port", host)
		}
		if u.Path != "" && u.Path != "/" {
			return Target{}, fmt.Errorf("%q: a tcp host takes no path", host)
		}
		if u.User != nil {
			return Target{}, fmt.Errorf("%q: a tcp host takes no user; use ssh://user@host", host)
		}
		port := u.Port()
		if port == "" {
			port = "2376"
		}
		if err := checkPort(port); err != nil {
			return Target{}, fmt.Errorf("%q: %w", host, err)
		}
		t.Address = net.JoinHostPort(u.Hostname(), port)
	case SchemeSSH:
		if u.Hostname() == "" {
			return Target{}, fmt.Errorf("%q: an ssh host is ssh://[user@]host[:port]", host)
		}
		if u.Path != "" && u.Path != "/" {
			return Target{}, fmt.Errorf("%q: an ssh host takes no path", host)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return Target{}, fmt.Errorf("%q: an ssh host takes no query or fragment", host)
		}
		if u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				return Target{}, fmt.Errorf("%q: an ssh host must not carry a password; use keys or an agent", host)
			}
			t.User = u.User.Username()
		}
		port := u.Port()
		if port == "" {
			port = "22"
		}
		if err := checkPort(port); err != nil {
			return Target{}, fmt.Errorf("%q: %w", host, err)
		}
		t.Address = net.JoinHostPort(u.Hostname(), port)
	default:
		return Target{}, fmt.Errorf("%q: the host must start with unix://, tcp:// or ssh://", host)
	}
	return t, nil
}

func checkPort(port string) error {
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 1 to 65535", port)
	}
	return nil
}

// Resolved is an Endpoint with the environment's fallbacks applied.
type Resolved struct {
	Target Target
	// TLS is nil for a plain connection.
	TLS *tls.Config
	// SSHOpts for ssh targets.
	SSHOpts []string
}

// Resolve applies the environment fallbacks (DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY)
// and builds the TLS configuration. Values set on the endpoint always win over the environment.
func (e Endpoint) Resolve(getenv Getenv) (Resolved, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	host := e.Host
	if host == "" {
		host = getenv(EnvHost)
	}
	if host == "" {
		host = DefaultHost
	}
	target, err := ParseHost(host)
	if err != nil {
		return Resolved{}, err
	}
	r := Resolved{Target: target}
	switch target.Scheme {
	case SchemeSSH:
		if e.hasTLSMaterial() {
			return Resolved{}, fmt.Errorf("%s: TLS settings apply to tcp hosts only; ssh already encrypts the connection", host)
		}
		r.SSHOpts = append([]string(nil), e.SSHOpts...)
		return r, nil
	case SchemeUnix:
		if e.hasTLSMaterial() {
			return Resolved{}, fmt.Errorf("%s: TLS settings apply to tcp hosts only", host)
		}
		if len(e.SSHOpts) > 0 {
			return Resolved{}, fmt.Errorf("%s: ssh_opts apply to ssh hosts only", host)
		}
		return r, nil
	}
	if len(e.SSHOpts) > 0 {
		return Resolved{}, fmt.Errorf("%s: ssh_opts apply to ssh hosts only", host)
	}
	cfg, err := e.tlsConfig(target, getenv)
	if err != nil {
		return Resolved{}, fmt.Errorf("%s: %w", host, err)
	}
	r.TLS = cfg
	return r, nil
}

func (e Endpoint) hasTLSMaterial() bool {
	return e.CAPEM != "" || e.CertPEM != "" || e.KeyPEM != "" || e.CertPath != "" || e.TLSVerify != nil
}

// tlsConfig decides whether a tcp endpoint uses TLS and how. TLS is on when any TLS material is
// given (attributes, cert_path or DOCKER_CERT_PATH) or verification is asked for. Verification is on
// unless tls_verify is explicitly false (or DOCKER_TLS_VERIFY is explicitly "0"/"false" and the
// attribute is unset): a client certificate without a CA uses the system roots, never "skip".
func (e Endpoint) tlsConfig(target Target, getenv Getenv) (*tls.Config, error) {
	caPEM, certPEM, keyPEM := []byte(e.CAPEM), []byte(e.CertPEM), []byte(e.KeyPEM)
	if (e.CertPEM == "") != (e.KeyPEM == "") {
		return nil, errors.New("cert_pem and key_pem must be set together")
	}
	certPath := e.CertPath
	if certPath == "" && e.CAPEM == "" && e.CertPEM == "" {
		certPath = getenv(EnvCertPath)
	}
	if certPath != "" {
		var err error
		if caPEM, certPEM, keyPEM, err = readCertPath(certPath, caPEM, certPEM, keyPEM); err != nil {
			return nil, err
		}
	}

	verify := true
	verifySet := false
	if e.TLSVerify != nil {
		verify, verifySet = *e.TLSVerify, true
	} else if v, ok := lookupEnvBool(getenv, EnvTLSVerify); ok {
		verify, verifySet = v, true
	}

	useTLS := len(caPEM) > 0 || len(certPEM) > 0 || (verifySet && verify) || e.TLSVerify != nil
	if !useTLS {
		return nil, nil
	}
	host, _, _ := net.SplitHostPort(target.Address)
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("the CA certificate (ca_pem or ca.pem) holds no valid PEM certificate")
		}
		cfg.RootCAs = pool
	}
	if len(certPEM) > 0 {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("the client certificate and key do not form a valid pair: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if !verify {
		cfg.InsecureSkipVerify = true //nolint:gosec // only when the user explicitly sets tls_verify = false
	}
	return cfg, nil
}

// readCertPath reads the Docker CLI's cert directory; values already given as PEM win.
func readCertPath(dir string, caPEM, certPEM, keyPEM []byte) ([]byte, []byte, []byte, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, nil, nil, fmt.Errorf("the cert path: %w", err)
	} else if !fi.IsDir() {
		return nil, nil, nil, fmt.Errorf("the cert path %s is not a directory", dir)
	}
	read := func(name string, have []byte, required bool) ([]byte, error) {
		if len(have) > 0 {
			return have, nil
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && !required {
				return nil, nil
			}
			return nil, fmt.Errorf("reading %s from the cert path: %w", name, err)
		}
		return b, nil
	}
	ca, err := read("ca.pem", caPEM, false)
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := read("cert.pem", certPEM, false)
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := read("key.pem", keyPEM, len(cert) > 0)
	if err != nil {
		return nil, nil, nil, err
	}
	if len(cert) > 0 && len(key) == 0 {
		return nil, nil, nil, errors.New("the cert path has cert.pem but no key.pem")
	}
	if len(ca) == 0 && len(cert) == 0 {
		// A cert path that yields nothing must not quietly mean "no TLS".
		return nil, nil, nil, fmt.Errorf("the cert path %s holds neither ca.pem nor cert.pem", dir)
	}
	return ca, cert, key, nil
}

func lookupEnvBool(getenv Getenv, name string) (bool, bool) {
	v := strings.TrimSpace(getenv(name))
	if v == "" {
		return false, false
	}
	switch strings.ToLower(v) {
	case "0", "false", "no", "off":
		return false, true
	}
	return true, true
}

// SSHArgs are the arguments of the ssh command that reaches the engine through the standard
// `docker system dial-stdio` helper, as the Docker CLI runs it.
func (t Target) SSHArgs(opts []string) []string {
	host, port, _ := net.SplitHostPort(t.Address)
	args := append([]string{}, opts...)
	args = append(args, "-T", "-o", "ConnectTimeout=30")
	if t.User != "" {
		args = append(args, "-l", t.User)
	}
	if port != "22" {
		args = append(args, "-p", port)
	}
	return append(args, "--", host, "docker", "system", "dial-stdio")
}
