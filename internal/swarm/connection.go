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
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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
	// RegistryAuth holds the registry credentials that go with service creates and updates; nil
	// for none.
	RegistryAuth *RegistryAuth
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
		if err := checkHostname(u.Hostname()); err != nil {
			return Target{}, fmt.Errorf("%q: %w", host, err)
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
		if err := checkHostname(u.Hostname()); err != nil {
			return Target{}, fmt.Errorf("%q: %w", host, err)
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

// hostnamePattern is a DNS name (letters, digits, `-`, `_` and `.`, not beginning with `-` or
// `.`); an internationalised name is written in its xn-- form.
var hostnamePattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// checkHostname accepts an IP address (IPv6 in brackets in the URL) or a DNS name: url.Parse
// takes hosts such as "]0" that no dialer can reach.
func checkHostname(h string) error {
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if !hostnamePattern.MatchString(h) {
		return fmt.Errorf("%q is neither an IP address nor a host name (letters, digits, '-', '_' and '.'; IPv6 addresses in brackets)", h)
	}
	return nil
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
	if errs := e.settingsFor(target); len(errs) > 0 {
		return Resolved{}, errs[0]
	}
	r := Resolved{Target: target}
	switch target.Scheme {
	case SchemeSSH:
		r.SSHOpts = append([]string(nil), e.SSHOpts...)
		return r, nil
	case SchemeUnix:
		return r, nil
	}
	cfg, err := e.tlsConfig(target, getenv)
	if err != nil {
		var se *SettingError
		if errors.As(err, &se) {
			return Resolved{}, &SettingError{Setting: se.Setting, Err: fmt.Errorf("%s: %w", host, se.Err)}
		}
		return Resolved{}, fmt.Errorf("%s: %w", host, err)
	}
	r.TLS = cfg
	return r, nil
}

// SettingError is an error about one connection setting, named as the provider's schema names
// it (ca_pem, cert_pem, key_pem, cert_path, tls_verify, ssh_opts), so that the provider can
// report it at that attribute.
type SettingError struct {
	Setting string
	Err     error
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// tlsSettings are the TLS settings of an endpoint that are set, in the schema's order.
func (e Endpoint) tlsSettings() []string {
	var out []string
	for _, s := range []struct {
		name string
		set  bool
	}{{"ca_pem", e.CAPEM != ""}, {"cert_pem", e.CertPEM != ""}, {"key_pem", e.KeyPEM != ""}, {"cert_path", e.CertPath != ""}, {"tls_verify", e.TLSVerify != nil}} {
		if s.set {
			out = append(out, s.name)
		}
	}
	return out
}

// settingsFor lists the settings that do not go with the target's transport: TLS settings on a
// unix or ssh host, ssh_opts on a host that is not ssh.
func (e Endpoint) settingsFor(target Target) []error {
	var errs []error
	if tlsSet := e.tlsSettings(); len(tlsSet) > 0 && target.Scheme != SchemeTCP {
		msg := "TLS settings apply to tcp hosts only"
		if target.Scheme == SchemeSSH {
			msg += "; ssh already encrypts the connection"
		}
		errs = append(errs, &SettingError{Setting: tlsSet[0], Err: fmt.Errorf("%s: %s", target.Raw, msg)})
	}
	if len(e.SSHOpts) > 0 && target.Scheme != SchemeSSH {
		errs = append(errs, &SettingError{Setting: "ssh_opts", Err: fmt.Errorf("%s: ssh_opts apply to ssh hosts only", target.Raw)})
	}
	return errs
}

// Check lists what is wrong with the endpoint's settings by themselves, needing neither the
// environment nor files, so that it can run at plan time: settings that do not go with the
// host's transport (when a host is set and parses; ParseHost reports the others), a ca_pem that
// holds no certificate, and a cert_pem and key_pem that are no pair. Resolve refuses all of these
// too.
func (e Endpoint) Check() []error {
	var errs []error
	if e.Host != "" {
		if target, err := ParseHost(e.Host); err == nil {
			errs = append(errs, e.settingsFor(target)...)
		}
	}
	if e.CAPEM != "" {
		if err := checkCAPEM([]byte(e.CAPEM)); err != nil {
			errs = append(errs, &SettingError{Setting: "ca_pem", Err: err})
		}
	}
	if e.CertPEM != "" && e.KeyPEM != "" {
		if _, err := tls.X509KeyPair([]byte(e.CertPEM), []byte(e.KeyPEM)); err != nil {
			errs = append(errs, &SettingError{Setting: "cert_pem", Err: fmt.Errorf("the client certificate and key do not form a valid pair: %w", err)})
		}
	}
	return errs
}

func checkCAPEM(b []byte) error {
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return errors.New("the CA certificate (ca_pem or ca.pem) holds no valid PEM certificate")
	}
	return nil
}

// tlsConfig decides whether a tcp endpoint uses TLS and how. TLS is on when any TLS material is
// given (attributes, cert_path or DOCKER_CERT_PATH) or verification is asked for. Verification is on
// unless tls_verify is explicitly false (or DOCKER_TLS_VERIFY is explicitly "0"/"false" and the
// attribute is unset): a client certificate without a CA uses the system roots, never "skip".
func (e Endpoint) tlsConfig(target Target, getenv Getenv) (*tls.Config, error) {
	caPEM, certPEM, keyPEM := []byte(e.CAPEM), []byte(e.CertPEM), []byte(e.KeyPEM)
	if (e.CertPEM == "") != (e.KeyPEM == "") {
		missing := "key_pem"
		if e.CertPEM == "" {
			missing = "cert_pem"
		}
		return nil, &SettingError{Setting: missing, Err: errors.New("cert_pem and key_pem must be set together")}
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
			return nil, &SettingError{Setting: e.pemSetting("ca_pem", e.CAPEM), Err: checkCAPEM(caPEM)}
		}
		cfg.RootCAs = pool
	}
	if len(certPEM) > 0 {
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, &SettingError{Setting: e.pemSetting("cert_pem", e.CertPEM),
				Err: fmt.Errorf("the client certificate and key do not form a valid pair: %w", err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if !verify {
		cfg.InsecureSkipVerify = true //nolint:gosec // only when the user explicitly sets tls_verify = false
	}
	return cfg, nil
}

// pemSetting is the setting a PEM came from: the attribute when it is set, else cert_path; ""
// when it came from DOCKER_CERT_PATH, which is no setting.
func (e Endpoint) pemSetting(attr, value string) string {
	switch {
	case value != "":
		return attr
	case e.CertPath != "":
		return "cert_path"
	}
	return ""
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
