package swarm

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tfswarm/terraform-provider-swarm/internal/testpki"
)

func TestParseHost(t *testing.T) {
	tests := map[string]struct {
		host    string
		want    Target
		wantErr string
	}{
		"unix":              {host: "unix:///var/run/docker.sock", want: Target{Scheme: SchemeUnix, Address: "/var/run/docker.sock"}},
		"tcp with port":     {host: "tcp://10.0.0.5:2376", want: Target{Scheme: SchemeTCP, Address: "10.0.0.5:2376"}},
		"tcp default port":  {host: "tcp://manager1", want: Target{Scheme: SchemeTCP, Address: "manager1:2376"}},
		"tcp ipv6":          {host: "tcp://[fd00::1]:2375", want: Target{Scheme: SchemeTCP, Address: "[fd00::1]:2375"}},
		"ssh user and port": {host: "ssh://ops@m1:2222", want: Target{Scheme: SchemeSSH, Address: "m1:2222", User: "ops"}},
		"ssh no user":       {host: "ssh://m1", want: Target{Scheme: SchemeSSH, Address: "m1:22"}},
		"ssh password":      {host: "ssh://ops:secret@m1", wantErr: "must not carry a password"},
		"ssh path":          {host: "ssh://ops@m1/x", wantErr: "takes no path"},
		"tcp with user":     {host: "tcp://ops@m1:2376", wantErr: "use ssh://user@host"},
		"tcp bad port":      {host: "tcp://m1:99999", wantErr: "port \"99999\""},
		"unix relative":     {host: "unix://docker.sock", wantErr: "unix:///absolute/path"},
		"http scheme":       {host: "http://m1:2375", wantErr: "must start with unix://, tcp:// or ssh://"},
		"no scheme":         {host: "m1:2375", wantErr: "must start with"},
		"empty tcp host":    {host: "tcp://:2376", wantErr: "tcp://host:port"},
		// Found by FuzzParseHost: url.Parse takes hosts that no dialer can reach.
		"tcp host that is no name":  {host: "tCp://]0", wantErr: "neither an IP address nor a host name"},
		"ssh host beginning with -": {host: "ssh://-oProxyCommand=x", wantErr: "neither an IP address nor a host name"},
		"tcp fqdn":                  {host: "tcp://m1.example.com.:2376", want: Target{Scheme: SchemeTCP, Address: "m1.example.com.:2376"}},
		"ssh ipv6 with zone":        {host: "ssh://[fe80::1%25eth0]", want: Target{Scheme: SchemeSSH, Address: "[fe80::1%eth0]:22"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := ParseHost(tt.host)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseHost(%q) error = %v, want it to contain %q", tt.host, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHost(%q): %v", tt.host, err)
			}
			tt.want.Raw = tt.host
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseHost(%q) mismatch (-want +got):\n%s", tt.host, diff)
			}
		})
	}
}
func env(vars map[string]string) Getenv {
	return func(k string) string { return vars[k] }
}

func boolPtr(b bool) *bool { return &b }

func TestEndpointResolve(t *testing.T) {
	pki := testpki.New(t)
	certDir := t.TempDir()
	writeFile(t, filepath.Join(certDir, "ca.pem"), pki.CAPEM)
	writeFile(t, filepath.Join(certDir, "cert.pem"), pki.ClientCertPEM)
	writeFile(t, filepath.Join(certDir, "key.pem"), pki.ClientKeyPEM)
	certOnlyDir := t.TempDir()
	writeFile(t, filepath.Join(certOnlyDir, "cert.pem"), pki.ClientCertPEM)
	writeFile(t, filepath.Join(certOnlyDir, "key.pem"), pki.ClientKeyPEM)
	brokenDir := t.TempDir()
	writeFile(t, filepath.Join(brokenDir, "cert.pem"), pki.ClientCertPEM)
	caOnlyDir := t.TempDir()
	writeFile(t, filepath.Join(caOnlyDir, "ca.pem"), pki.CAPEM)
	homeDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(homeDir, ".docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ name, pem string }{{"ca.pem", pki.CAPEM}, {"cert.pem", pki.ClientCertPEM}, {"key.pem", pki.ClientKeyPEM}} {
		writeFile(t, filepath.Join(homeDir, ".docker", f.name), f.pem)
	}

	type want struct {
		address      string
		tls          bool
		rootCAs      bool // a CA pool of our own (false: system roots)
		clientCert   bool
		skipVerify   bool
		errSubstring string
	}
	tests := map[string]struct {
		ep   Endpoint
		env  map[string]string
		want want
	}{
		"default socket":       {want: want{address: "/var/run/docker.sock"}},
		"DOCKER_HOST fallback": {env: map[string]string{EnvHost: "tcp://10.1.2.3:2375"}, want: want{address: "10.1.2.3:2375"}},
		"attribute beats env":  {ep: Endpoint{Host: "unix:///run/x.sock"}, env: map[string]string{EnvHost: "tcp://10.1.2.3:2375"}, want: want{address: "/run/x.sock"}},
		"plain tcp has no TLS": {ep: Endpoint{Host: "tcp://m1:2375"}, want: want{address: "m1:2375"}},
		"CA only verifies":     {ep: Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM}, want: want{address: "m1:2376", tls: true, rootCAs: true}},
		"cert without CA: system roots, still verified": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM},
			want: want{address: "m1:2376", tls: true, clientCert: true},
		},
		"full PEM set": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM, CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"explicit tls_verify false skips verification": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM, TLSVerify: boolPtr(false)},
			want: want{address: "m1:2376", tls: true, rootCAs: true, skipVerify: true},
		},
		"tls_verify true alone: TLS with system roots": {
			ep:   Endpoint{Host: "tcp://m1:2376", TLSVerify: boolPtr(true)},
			want: want{address: "m1:2376", tls: true},
		},
		"cert_path attribute": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPath: certDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"DOCKER_CERT_PATH and DOCKER_TLS_VERIFY": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvCertPath: certDir, EnvTLSVerify: "1"},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"DOCKER_CERT_PATH without CA keeps verification on": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvCertPath: certOnlyDir},
			want: want{address: "m1:2376", tls: true, clientCert: true},
		},
		"DOCKER_TLS_VERIFY=0 verifies, as in the Docker CLI (any value that is not empty)": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvCertPath: certDir, EnvTLSVerify: "0"},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"DOCKER_TLS_VERIFY=false alone turns TLS on, verified": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "false"},
			want: want{address: "m1:2376", tls: true},
		},
		"DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads DOCKER_CONFIG, as the Docker CLI": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "1", EnvConfig: certDir, "HOME": brokenDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"DOCKER_TLS_VERIFY without DOCKER_CERT_PATH reads ~/.docker": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "1", "HOME": homeDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"DOCKER_TLS_VERIFY: the configuration directory's CA alone": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "1", EnvConfig: caOnlyDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true},
		},
		"DOCKER_TLS_VERIFY: no ca.pem in the configuration directory fails, as in the Docker CLI": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "1", EnvConfig: certOnlyDir},
			want: want{errSubstring: "DOCKER_TLS_VERIFY is set and DOCKER_CERT_PATH is not, so the CA is read from the Docker CLI's configuration directory"},
		},
		"DOCKER_TLS_VERIFY: DOCKER_CERT_PATH wins over the configuration directory": {
			env:  map[string]string{EnvHost: "tcp://m1:2376", EnvTLSVerify: "1", EnvCertPath: certOnlyDir, EnvConfig: certDir},
			want: want{address: "m1:2376", tls: true, clientCert: true},
		},
		"DOCKER_TLS_VERIFY: PEM attributes win over the configuration directory": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM},
			env:  map[string]string{EnvTLSVerify: "1", EnvConfig: brokenDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true},
		},
		"DOCKER_TLS_VERIFY empty is unset": {
			env:  map[string]string{EnvHost: "tcp://m1:2375", EnvTLSVerify: ""},
			want: want{address: "m1:2375"},
		},
		"attribute tls_verify beats env": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM, TLSVerify: boolPtr(true)},
			env:  map[string]string{EnvTLSVerify: "0"},
			want: want{address: "m1:2376", tls: true, rootCAs: true},
		},
		"PEM attributes ignore DOCKER_CERT_PATH": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: pki.CAPEM},
			env:  map[string]string{EnvCertPath: brokenDir},
			want: want{address: "m1:2376", tls: true, rootCAs: true},
		},
		"cert path with cert but no key": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPath: brokenDir},
			want: want{errSubstring: "key.pem"},
		},
		"missing cert path": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPath: filepath.Join(certDir, "nope")},
			want: want{errSubstring: "no such file or directory"},
		},
		"cert without key": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPEM: pki.ClientCertPEM},
			want: want{errSubstring: "cert_pem and key_pem must be set together"},
		},
		"bad CA PEM": {
			ep:   Endpoint{Host: "tcp://m1:2376", CAPEM: "not a pem"},
			want: want{errSubstring: "no valid PEM certificate"},
		},
		"mismatched key": {
			ep:   Endpoint{Host: "tcp://m1:2376", CertPEM: pki.ClientCertPEM, KeyPEM: pki.ServerKeyPEM},
			want: want{errSubstring: "do not form a valid pair"},
		},
		"TLS on ssh": {
			ep:   Endpoint{Host: "ssh://ops@m1", CAPEM: pki.CAPEM},
			want: want{errSubstring: "tcp hosts only"},
		},
		"ssh_opts on unix": {
			ep:   Endpoint{Host: "unix:///run/x.sock", SSHOpts: []string{"-v"}},
			want: want{errSubstring: "ssh hosts only"},
		},
		"ssh keeps options": {
			ep:   Endpoint{Host: "ssh://ops@m1", SSHOpts: []string{"-v"}},
			want: want{address: "m1:22"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := tt.ep.Resolve(env(tt.env))
			if tt.want.address == "" {
				if err == nil {
					t.Fatalf("Resolve: want an error, got %+v", r)
				}
				if !strings.Contains(err.Error(), tt.want.errSubstring) {
					t.Fatalf("Resolve error = %v, want it to contain %q", err, tt.want.errSubstring)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.Target.Address != tt.want.address {
				t.Errorf("address = %q, want %q", r.Target.Address, tt.want.address)
			}
			if (r.TLS != nil) != tt.want.tls {
				t.Fatalf("TLS = %v, want TLS %v", r.TLS, tt.want.tls)
			}
			if r.TLS == nil {
				return
			}
			if got := r.TLS.RootCAs != nil; got != tt.want.rootCAs {
				t.Errorf("own CA pool = %v, want %v", got, tt.want.rootCAs)
			}
			if got := len(r.TLS.Certificates) > 0; got != tt.want.clientCert {
				t.Errorf("client certificate = %v, want %v", got, tt.want.clientCert)
			}
			if r.TLS.InsecureSkipVerify != tt.want.skipVerify {
				t.Errorf("InsecureSkipVerify = %v, want %v", r.TLS.InsecureSkipVerify, tt.want.skipVerify)
			}
			if r.TLS.MinVersion < tls.VersionTLS12 {
				t.Errorf("MinVersion = %x, want at least TLS 1.2", r.TLS.MinVersion)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestEndpointCheck: what Check finds needs no environment and no files, names the setting, and
// Resolve refuses the same endpoint with the same setting.
func TestEndpointCheck(t *testing.T) {
	t.Parallel()
	pki := testpki.New(t)
	yes := true
	for name, tc := range map[string]struct {
		ep      Endpoint
		setting string // "" for no error
	}{
		"tcp with TLS":           {Endpoint{Host: "tcp://h:2376", CAPEM: pki.CAPEM, TLSVerify: &yes}, ""},
		"ssh with ca_pem":        {Endpoint{Host: "ssh://h", CAPEM: pki.CAPEM}, "ca_pem"},
		"unix with tls_verify":   {Endpoint{Host: "unix:///run/docker.sock", TLSVerify: &yes}, "tls_verify"},
		"unix with cert_path":    {Endpoint{Host: "unix:///run/docker.sock", CertPath: "/certs"}, "cert_path"},
		"tcp with ssh_opts":      {Endpoint{Host: "tcp://h:2376", SSHOpts: []string{"-v"}}, "ssh_opts"},
		"ssh with ssh_opts":      {Endpoint{Host: "ssh://h", SSHOpts: []string{"-v"}}, ""},
		"ca_pem not a PEM":       {Endpoint{Host: "tcp://h:2376", CAPEM: "not a certificate"}, "ca_pem"},
		"cert and key no pair":   {Endpoint{Host: "tcp://h:2376", CertPEM: pki.ClientCertPEM, KeyPEM: pki.ServerKeyPEM}, "cert_pem"},
		"cert and key a pair":    {Endpoint{Host: "tcp://h:2376", CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM}, ""},
		"no host, bad ca_pem":    {Endpoint{CAPEM: "x"}, "ca_pem"},
		"no host, ssh_opts":      {Endpoint{SSHOpts: []string{"-v"}}, ""}, // DOCKER_HOST decides
		"host that do not parse": {Endpoint{Host: "http://h", SSHOpts: []string{"-v"}}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			errs := tc.ep.Check()
			if tc.setting == "" {
				if len(errs) > 0 {
					t.Fatalf("Check: %v", errs)
				}
				return
			}
			var se *SettingError
			if len(errs) != 1 || !errors.As(errs[0], &se) || se.Setting != tc.setting {
				t.Fatalf("Check = %v, want one error about %s", errs, tc.setting)
			}
			if tc.ep.Host == "" {
				return
			}
			_, err := tc.ep.Resolve(func(string) string { return "" })
			if !errors.As(err, &se) || se.Setting != tc.setting {
				t.Fatalf("Resolve = %v, want an error about %s", err, tc.setting)
			}
		})
	}
}
