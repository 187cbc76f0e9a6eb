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

	"github.com/docker/go-connections/tlsconfig"
)

// DefaultHost is the Engine's local socket, used when neither the configuration nor DOCKER_HOST
// names a host.
const DefaultHost = "unix:///var/run/docker.sock"

// Environment variables honoured as fallbacks, with the meaning the Docker CLI gives them:
// DOCKER_TLS_VERIFY set to any value that is not empty (even "0") turns TLS and verification on.
// DOCKER_CONTEXT and DOCKER_CONFIG are in dockercontext.go.
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
	// Context names a Docker CLI context whose endpoint is used; it goes with no Host and no TLS
	// setting. Without it, DOCKER_CONTEXT or the current context of the CLI's config.json may
	// choose one (dockercontext.go).
	Context string
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

// Resolve applies the Docker context, if one applies (the endpoint's own, else DOCKER_CONTEXT or
// config.json's current one when neither the endpoint nor DOCKER_HOST names a host), and the
// environment fallbacks (DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY), and builds the TLS
// configuration. Values set on the endpoint always win over the environment.
func (e Endpoint) Resolve(getenv Getenv) (Resolved, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if e.Context != "" {
		if errs := e.settingsFor(Target{}); len(errs) > 0 {
			return Resolved{}, errs[0]
		}
	}
	choice, err := e.chooseContext(getenv)
	if err != nil {
		return Resolved{}, err
	}
	if choice.name == "" || choice.name == DefaultContext {
		return e.resolve(getenv)
	}
	ctxEp, where, err := e.contextEndpoint(getenv, choice)
	if err != nil {
		return Resolved{}, err
	}
	// DOCKER_CERT_PATH and DOCKER_TLS_VERIFY do not apply to a context's endpoint, as in the CLI;
	// and its values are no settings of the provider's, so errors about them name the context.
	r, err := ctxEp.resolve(func(string) string { return "" })
	if err != nil {
		var se *SettingError
		if errors.As(err, &se) {
			err = se.Err
		}
		return Resolved{}, fmt.Errorf("%s: %w", where, err)
	}
	return r, nil
}

// resolve is Resolve for an endpoint whose context, if any, has been applied.
func (e Endpoint) resolve(getenv Getenv) (Resolved, error) {
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
// unix or ssh host, ssh_opts on a host that is not ssh; and a context together with a host or TLS
// settings, which the context brings itself (then target is not looked at).
func (e Endpoint) settingsFor(target Target) []error {
	if e.Context != "" {
		clash := e.tlsSettings()
		if e.Host != "" {
			clash = append([]string{"host"}, clash...)
		}
		if len(clash) == 0 {
			return nil
		}
		return []error{&SettingError{Setting: "context", Err: fmt.Errorf("the context %s brings its own host and TLS settings: set either context or %s", e.Context, strings.Join(clash, ", "))}}
	}
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
	if e.Context != "" {
		if err := CheckContextName(e.Context); err != nil {
			errs = append(errs, &SettingError{Setting: "context", Err: err})
		}
		errs = append(errs, e.settingsFor(Target{})...)
	} else if e.Host != "" {
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
// given (attributes, cert_path or DOCKER_CERT_PATH) or verification is asked for (tls_verify, or
// DOCKER_TLS_VERIFY set to anything, as in the Docker CLI; without DOCKER_CERT_PATH it then reads
// the CLI's configuration directory, as the CLI does). Verification is on unless tls_verify
// is explicitly false: a client certificate without a CA uses the
// system roots, never "skip". Files are read by go-connections' tlsconfig, as the CLI reads them;
// PEM values given as attributes win over files.
func (e Endpoint) tlsConfig(target Target, getenv Getenv) (*tls.Config, error) {
	if (e.CertPEM == "") != (e.KeyPEM == "") {
		missing := "key_pem"
		if e.CertPEM == "" {
			missing = "cert_pem"
		}
		return nil, &SettingError{Setting: missing, Err: errors.New("cert_pem and key_pem must be set together")}
	}
	certPath := e.CertPath
	configDir := false
	if certPath == "" && e.CAPEM == "" && e.CertPEM == "" {
		certPath = getenv(EnvCertPath)
		// DOCKER_TLS_VERIFY without DOCKER_CERT_PATH: the Docker CLI reads ca.pem, cert.pem and
		// key.pem from its configuration directory (DOCKER_CONFIG, else ~/.docker).
		if certPath == "" && e.TLSVerify == nil && getenv(EnvTLSVerify) != "" {
			certPath = dockerConfigDir(getenv)
			configDir = certPath != ""
		}
	}
	var files tlsconfig.Options
	switch {
	case configDir:
		var err error
		if files, err = configDirFiles(certPath); err != nil {
			return nil, err
		}
	case certPath != "":
		var err error
		if files, err = certPathFiles(certPath, e.CAPEM != "", e.CertPEM != ""); err != nil {
			return nil, &SettingError{Setting: e.pemSetting("cert_path", ""), Err: err}
		}
	}

	verify := true
	verifySet := false
	if e.TLSVerify != nil {
		verify, verifySet = *e.TLSVerify, true
	} else if getenv(EnvTLSVerify) != "" {
		verify, verifySet = true, true
	}

	useTLS := e.CAPEM != "" || e.CertPEM != "" || files.CAFile != "" || files.CertFile != "" || verifySet
	if !useTLS {
		return nil, nil
	}
	if e.CAPEM != "" {
		if err := checkCAPEM([]byte(e.CAPEM)); err != nil {
			return nil, &SettingError{Setting: "ca_pem", Err: err}
		}
	}
	files.ExclusiveRootPools = true
	files.InsecureSkipVerify = !verify
	cfg, err := tlsconfig.Client(files)
	if err != nil {
		return nil, &SettingError{Setting: e.pemSetting("cert_path", ""), Err: fmt.Errorf("the cert path %s: %w", certPath, err)}
	}
	host, _, _ := net.SplitHostPort(target.Address)
	cfg.ServerName = host
	if e.CAPEM != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(e.CAPEM))
		cfg.RootCAs = pool
	}
	if e.CertPEM != "" {
		cert, err := tls.X509KeyPair([]byte(e.CertPEM), []byte(e.KeyPEM))
		if err != nil {
			return nil, &SettingError{Setting: e.pemSetting("cert_pem", e.CertPEM),
				Err: fmt.Errorf("the client certificate and key do not form a valid pair: %w", err)}
		}
		cfg.Certificates = []tls.Certificate{cert}
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

// configDirFiles lists the TLS files of the Docker CLI's configuration directory dir, as the CLI
// uses them when DOCKER_TLS_VERIFY is set and DOCKER_CERT_PATH is not: ca.pem, which must exist
// (the CLI fails without it too), and cert.pem and key.pem when they do.
func configDirFiles(dir string) (tlsconfig.Options, error) {
	var opts tlsconfig.Options
	ca := filepath.Join(dir, "ca.pem")
	if _, err := os.Stat(ca); err != nil {
		return opts, fmt.Errorf("DOCKER_TLS_VERIFY is set and DOCKER_CERT_PATH is not, so the CA is read from the Docker CLI's configuration directory, as the CLI does: %w; "+
			"put ca.pem there, or name the certificates' directory with DOCKER_CERT_PATH or cert_path, or give ca_pem", err)
	}
	opts.CAFile = ca
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_, certErr := os.Stat(cert)
	_, keyErr := os.Stat(key)
	switch {
	case certErr == nil && keyErr == nil:
		opts.CertFile, opts.KeyFile = cert, key
	case certErr == nil:
		return opts, fmt.Errorf("the Docker CLI's configuration directory %s has cert.pem but no key.pem", dir)
	}
	return opts, nil
}

// certPathFiles lists the files of the Docker CLI's cert directory that are to be read: ca.pem
// unless the CA is given as PEM, cert.pem and key.pem unless the client certificate is.
func certPathFiles(dir string, haveCA, haveCert bool) (tlsconfig.Options, error) {
	var opts tlsconfig.Options
	if fi, err := os.Stat(dir); err != nil {
		return opts, fmt.Errorf("the cert path: %w", err)
	} else if !fi.IsDir() {
		return opts, fmt.Errorf("the cert path %s is not a directory", dir)
	}
	exists := func(name string) (string, bool) {
		p := filepath.Join(dir, name)
		_, err := os.Stat(p)
		return p, err == nil
	}
	if p, ok := exists("ca.pem"); ok && !haveCA {
		opts.CAFile = p
	}
	if !haveCert {
		cert, hasCert := exists("cert.pem")
		key, hasKey := exists("key.pem")
		if hasCert && !hasKey {
			return opts, errors.New("the cert path has cert.pem but no key.pem")
		}
		if hasCert {
			opts.CertFile, opts.KeyFile = cert, key
		}
	}
	if opts.CAFile == "" && opts.CertFile == "" && !haveCA && !haveCert {
		// A cert path that yields nothing must not quietly mean "no TLS".
		return opts, fmt.Errorf("the cert path %s holds neither ca.pem nor cert.pem", dir)
	}
	return opts, nil
}
