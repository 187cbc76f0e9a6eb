package swarm

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docker/cli/cli/context/docker"
	"github.com/docker/cli/cli/context/store"

	"github.com/tfswarm/terraform-provider-swarm/internal/testpki"
)

// testContextStore writes a Docker CLI configuration directory with contexts, through the CLI's
// own store, and config.json naming current as the current context ("" for none).
func testContextStore(t *testing.T, current string, contexts map[string]docker.EndpointMeta, tlsFiles map[string]map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	s := store.New(filepath.Join(dir, "contexts"), store.NewConfig(
		func() any { return &map[string]any{} },
		store.EndpointTypeGetter(docker.DockerEndpoint, func() any { return &docker.EndpointMeta{} }),
	))
	for name, ep := range contexts {
		if err := s.CreateOrUpdate(store.Metadata{Name: name, Endpoints: map[string]any{docker.DockerEndpoint: ep}}); err != nil {
			t.Fatal(err)
		}
		if files := tlsFiles[name]; files != nil {
			if err := s.ResetEndpointTLSMaterial(name, docker.DockerEndpoint, &store.EndpointTLSData{Files: files}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if current != "" {
		writeFile(t, filepath.Join(dir, "config.json"), `{"currentContext": "`+current+`"}`)
	}
	return dir
}

func TestEndpointResolveContext(t *testing.T) {
	pki := testpki.New(t)
	cfgDir := testContextStore(t, "fromfile", map[string]docker.EndpointMeta{
		"fromfile": {Host: "tcp://file-host:2375"},
		"fromenv":  {Host: "unix:///run/env.sock"},
		"explicit": {Host: "ssh://ops@ctx-host"},
		"secure":   {Host: "tcp://secure-host:2376"},
		"skip":     {Host: "tcp://skip-host:2376", SkipTLSVerify: true},
		"nohost":   {},
	}, map[string]map[string][]byte{
		"secure": {"ca.pem": []byte(pki.CAPEM), "cert.pem": []byte(pki.ClientCertPEM), "key.pem": []byte(pki.ClientKeyPEM)},
	})
	certDir := t.TempDir()
	writeFile(t, filepath.Join(certDir, "ca.pem"), pki.CAPEM)
	noConfig := t.TempDir()

	type want struct {
		raw        string
		tls        bool
		rootCAs    bool
		clientCert bool
		skipVerify bool
		err        string
		setting    string // the SettingError's setting, "" for none
	}
	tests := map[string]struct {
		ep   Endpoint
		env  map[string]string
		want want
	}{
		"current context of config.json": {
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{raw: "tcp://file-host:2375"},
		},
		"HOME/.docker when DOCKER_CONFIG is unset": {
			env:  map[string]string{"HOME": filepath.Dir(cfgDir)},
			want: want{raw: DefaultHost}, // no .docker there
		},
		"DOCKER_CONTEXT beats config.json": {
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "fromenv"},
			want: want{raw: "unix:///run/env.sock"},
		},
		"DOCKER_HOST beats DOCKER_CONTEXT": {
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "fromenv", EnvHost: "tcp://env-host:2375"},
			want: want{raw: "tcp://env-host:2375"},
		},
		"the context setting beats DOCKER_HOST": {
			ep:   Endpoint{Context: "explicit"},
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "fromenv", EnvHost: "tcp://env-host:2375"},
			want: want{raw: "ssh://ops@ctx-host"},
		},
		"a host setting: no context from the environment": {
			ep:   Endpoint{Host: "unix:///run/own.sock"},
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "fromenv"},
			want: want{raw: "unix:///run/own.sock"},
		},
		"TLS settings: no context from the environment": {
			ep:   Endpoint{CAPEM: pki.CAPEM},
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "fromenv"},
			want: want{raw: DefaultHost, err: "tcp hosts only", setting: "ca_pem"},
		},
		"DOCKER_CONTEXT=default means no context": {
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: DefaultContext},
			want: want{raw: DefaultHost},
		},
		"no config.json: the local socket": {
			env:  map[string]string{EnvConfig: noConfig},
			want: want{raw: DefaultHost},
		},
		"context with TLS material": {
			ep:   Endpoint{Context: "secure"},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{raw: "tcp://secure-host:2376", tls: true, rootCAs: true, clientCert: true},
		},
		"context that skips verification": {
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "skip"},
			want: want{raw: "tcp://skip-host:2376", tls: true, skipVerify: true},
		},
		"DOCKER_CERT_PATH and DOCKER_TLS_VERIFY do not apply to a context": {
			env:  map[string]string{EnvConfig: cfgDir, EnvCertPath: certDir, EnvTLSVerify: "1"},
			want: want{raw: "tcp://file-host:2375"},
		},
		"unknown context setting": {
			ep:   Endpoint{Context: "nope"},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{err: "the context nope: no such context in the Docker CLI configuration", setting: "context"},
		},
		"unknown DOCKER_CONTEXT names the variable": {
			env:  map[string]string{EnvConfig: cfgDir, EnvContext: "nope"},
			want: want{err: "the context nope (chosen by DOCKER_CONTEXT)"},
		},
		"a context without a Docker host": {
			ep:   Endpoint{Context: "nohost"},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{err: "names no Docker host", setting: "context"},
		},
		"context and host": {
			ep:   Endpoint{Context: "explicit", Host: "unix:///run/x.sock"},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{err: "set either context or host", setting: "context"},
		},
		"context and tls_verify": {
			ep:   Endpoint{Context: "secure", TLSVerify: boolPtr(false)},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{err: "set either context or tls_verify", setting: "context"},
		},
		"invalid context name": {
			ep:   Endpoint{Context: "../x"},
			env:  map[string]string{EnvConfig: cfgDir},
			want: want{err: "context name", setting: "context"},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			r, err := tt.ep.Resolve(env(tt.env))
			if tt.want.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want.err) {
					t.Fatalf("Resolve error = %v, want it to contain %q", err, tt.want.err)
				}
				var se *SettingError
				got := ""
				if errors.As(err, &se) {
					got = se.Setting
				}
				if got != tt.want.setting {
					t.Errorf("setting = %q, want %q", got, tt.want.setting)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if r.Target.Raw != tt.want.raw {
				t.Errorf("host = %q, want %q", r.Target.Raw, tt.want.raw)
			}
			if (r.TLS != nil) != tt.want.tls {
				t.Fatalf("TLS = %v, want TLS %v", r.TLS != nil, tt.want.tls)
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
		})
	}
}

// TestEndpointCheckContext: the context checks need no files, so they can run at plan time.
func TestEndpointCheckContext(t *testing.T) {
	for name, tc := range map[string]struct {
		ep   Endpoint
		want string
	}{
		"a name":               {Endpoint{Context: "prod"}, ""},
		"default":              {Endpoint{Context: DefaultContext}, ""},
		"not a name":           {Endpoint{Context: "a/b"}, "context name"},
		"with a host":          {Endpoint{Context: "prod", Host: "tcp://h:2376"}, "set either context or host"},
		"with cert_path":       {Endpoint{Context: "prod", CertPath: "/certs"}, "set either context or cert_path"},
		"with ssh_opts (kept)": {Endpoint{Context: "prod", SSHOpts: []string{"-v"}}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			errs := tc.ep.Check()
			if tc.want == "" {
				if len(errs) > 0 {
					t.Fatalf("Check: %v", errs)
				}
				return
			}
			var se *SettingError
			if len(errs) != 1 || !errors.As(errs[0], &se) || se.Setting != "context" || !strings.Contains(se.Error(), tc.want) {
				t.Fatalf("Check = %v, want one error about context with %q", errs, tc.want)
			}
		})
	}
}

func TestDockerConfigDir(t *testing.T) {
	if got := dockerConfigDir(env(map[string]string{EnvConfig: "/cfg", "HOME": "/home/u"})); got != "/cfg" {
		t.Errorf("DOCKER_CONFIG: %q", got)
	}
	if got := dockerConfigDir(env(map[string]string{"HOME": "/home/u"})); got != filepath.Join("/home/u", ".docker") {
		t.Errorf("HOME: %q", got)
	}
	if got := dockerConfigDir(env(nil)); got != "" {
		t.Errorf("nothing set: %q", got)
	}
}
