package swarm

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	godigest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestRegistryHost(t *testing.T) {
	cases := map[string]struct {
		in, want string
		err      bool
	}{
		"docker.io":            {in: "docker.io", want: "docker.io"},
		"index.docker.io":      {in: "index.docker.io", want: "docker.io"},
		"registry-1.docker.io": {in: "registry-1.docker.io", want: "docker.io"},
		"hub URL":              {in: "https://index.docker.io/v1/", want: "docker.io"},
		"upper case":           {in: "Docker.IO", want: "docker.io"},
		"host with port":       {in: "registry.example.com:5000", want: "registry.example.com:5000"},
		"URL with port":        {in: "https://registry.example.com:5000/v2/", want: "registry.example.com:5000"},
		"IP with port":         {in: "10.77.0.1:5443", want: "10.77.0.1:5443"},
		"host and path":        {in: "ghcr.io/org", want: "ghcr.io"},
		"localhost":            {in: "localhost:5000", want: "localhost:5000"},
		"empty":                {in: "", err: true},
		"bad":                  {in: "not a host", err: true},
		"URL without host":     {in: "https://", err: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := RegistryHost(tc.in)
			if (err != nil) != tc.err {
				t.Fatalf("RegistryHost(%q) error = %v, want error %v", tc.in, err, tc.err)
			}
			if got != tc.want {
				t.Errorf("RegistryHost(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestImageRegistry(t *testing.T) {
	cases := map[string]string{
		"nginx":                                 "docker.io",
		"nginx:1.25":                            "docker.io",
		"library/nginx":                         "docker.io",
		"docker.io/library/nginx:1":             "docker.io",
		"index.docker.io/library/nginx":         "docker.io",
		"tfswarm/testapp:v1":                    "docker.io",
		"ghcr.io/org/app:1":                     "ghcr.io",
		"registry.example.com:5000/team/app:v1": "registry.example.com:5000",
		"10.77.0.1:5443/tfswarm/testapp:v1":     "10.77.0.1:5443",
		"localhost:5000/app":                    "localhost:5000",
		"localhost/app":                         "localhost",
	}
	for image, want := range cases {
		got, err := ImageRegistry(image)
		if err != nil || got != want {
			t.Errorf("ImageRegistry(%q) = %q, %v; want %q", image, got, err, want)
		}
	}
	if _, err := ImageRegistry("Nginx"); err == nil {
		t.Error("ImageRegistry accepted an invalid reference")
	}
}

// decodeAuth decodes an X-Registry-Auth value.
func decodeAuth(t *testing.T, enc string) registry.AuthConfig {
	t.Helper()
	if enc == "" {
		return registry.AuthConfig{}
	}
	ac, err := authconfig.Decode(enc)
	if err != nil {
		t.Fatalf("decoding %q: %v", enc, err)
	}
	return *ac
}

func writeDockerConfig(t *testing.T, dir, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "config.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestRegistryAuth_providerCredentials(t *testing.T) {
	a, err := NewRegistryAuth([]RegistryCredential{
		{Address: "https://index.docker.io/v1/", Username: "hub", Password: "hubpw"},
		{Address: "registry.example.com:5000", Username: "team", Password: "teampw"},
	}, DockerConfig{}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]registry.AuthConfig{
		"nginx:1":                              {Username: "hub", Password: "hubpw", ServerAddress: "https://index.docker.io/v1/"},
		"docker.io/library/nginx":              {Username: "hub", Password: "hubpw", ServerAddress: "https://index.docker.io/v1/"},
		"registry-1.docker.io/org/app":         {Username: "hub", Password: "hubpw", ServerAddress: "https://index.docker.io/v1/"},
		"registry.example.com:5000/team/app:1": {Username: "team", Password: "teampw", ServerAddress: "registry.example.com:5000"},
		// Another port is another registry.
		"registry.example.com/team/app:1": {},
		"ghcr.io/org/app":                 {},
	}
	for image, want := range cases {
		enc, err := a.EncodedAuth(image, nil)
		if err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		if diff := cmp.Diff(want, decodeAuth(t, enc)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", image, diff)
		}
	}
	// The service's own credentials win.
	enc, err := a.EncodedAuth("nginx", &RegistryCredential{Username: "own", Password: "ownpw"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(registry.AuthConfig{Username: "own", Password: "ownpw", ServerAddress: "https://index.docker.io/v1/"}, decodeAuth(t, enc)); diff != "" {
		t.Errorf("override (-want +got):\n%s", diff)
	}
	// Two spellings of one registry are refused.
	if _, err := NewRegistryAuth([]RegistryCredential{{Address: "docker.io"}, {Address: "index.docker.io"}}, DockerConfig{}, envOf(nil)); err == nil {
		t.Error("two entries for Docker Hub were accepted")
	}
}

func TestRegistryAuth_nothingSetSendsNothing(t *testing.T) {
	home := t.TempDir()
	writeDockerConfig(t, filepath.Join(home, ".docker"), `{"auths":{"https://index.docker.io/v1/":{"auth":"`+basicAuth("u", "p")+`"}}}`)
	for name, a := range map[string]*RegistryAuth{
		"nil": nil,
		"CLI config not switched on": func() *RegistryAuth {
			a, err := NewRegistryAuth(nil, DockerConfig{}, envOf(map[string]string{"HOME": home}))
			if err != nil {
				t.Fatal(err)
			}
			return a
		}(),
	} {
		enc, err := a.EncodedAuth("nginx", nil)
		if err != nil || enc != "" {
			t.Errorf("%s: EncodedAuth = %q, %v; want nothing", name, enc, err)
		}
	}
}

func TestRegistryAuth_dockerConfigAuths(t *testing.T) {
	dir := t.TempDir()
	writeDockerConfig(t, dir, `{"auths":{
		"https://index.docker.io/v1/": {"auth": "`+basicAuth("hub", "hubpw")+`"},
		"https://registry.example.com:5000": {"auth": "`+basicAuth("legacy", "legacypw")+`"},
		"ghcr.io": {"auth": "`+basicAuth("gh", "ghpw")+`"}
	}}`)
	a, err := NewRegistryAuth(nil, DockerConfig{Enabled: true}, envOf(map[string]string{"DOCKER_CONFIG": dir}))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][2]string{
		"nginx":                              {"hub", "hubpw"},
		"index.docker.io/library/nginx":      {"hub", "hubpw"},
		"registry.example.com:5000/team/app": {"legacy", "legacypw"}, // a legacy key with a scheme
		"ghcr.io/org/app:1":                  {"gh", "ghpw"},
		"quay.io/org/app":                    {"", ""},
	}
	for image, want := range cases {
		enc, err := a.EncodedAuth(image, nil)
		if err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		got := decodeAuth(t, enc)
		if got.Username != want[0] || got.Password != want[1] {
			t.Errorf("%s: got user %q password %q, want %q %q", image, got.Username, got.Password, want[0], want[1])
		}
	}
	// Provider blocks come before the CLI's configuration.
	a, err = NewRegistryAuth([]RegistryCredential{{Address: "ghcr.io", Username: "block", Password: "blockpw"}},
		DockerConfig{Enabled: true}, envOf(map[string]string{"DOCKER_CONFIG": dir}))
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := a.EncodedAuth("ghcr.io/org/app", nil)
	if got := decodeAuth(t, enc); got.Username != "block" {
		t.Errorf("provider block did not win over the CLI config: user %q", got.Username)
	}
}

// TestRegistryAuth_configPrecedence: content, then path, then DOCKER_CONFIG, then ~/.docker.
func TestRegistryAuth_configPrecedence(t *testing.T) {
	cfg := func(user string) string {
		return `{"auths":{"ghcr.io":{"auth":"` + basicAuth(user, "pw") + `"}}}`
	}
	home, dockerConfig, pathDir := t.TempDir(), t.TempDir(), t.TempDir()
	writeDockerConfig(t, filepath.Join(home, ".docker"), cfg("home"))
	writeDockerConfig(t, dockerConfig, cfg("env"))
	pathFile := writeDockerConfig(t, pathDir, cfg("path"))
	both := map[string]string{"HOME": home, "DOCKER_CONFIG": dockerConfig}
	cases := map[string]struct {
		dc   DockerConfig
		env  map[string]string
		want string
	}{
		"content":        {dc: DockerConfig{Enabled: true, Content: cfg("content")}, env: both, want: "content"},
		"path file":      {dc: DockerConfig{Enabled: true, Path: pathFile}, env: both, want: "path"},
		"path directory": {dc: DockerConfig{Enabled: true, Path: pathDir}, env: both, want: "path"},
		"DOCKER_CONFIG":  {dc: DockerConfig{Enabled: true}, env: both, want: "env"},
		"home":           {dc: DockerConfig{Enabled: true}, env: map[string]string{"HOME": home}, want: "home"},
		"no file":        {dc: DockerConfig{Enabled: true}, env: map[string]string{"HOME": t.TempDir()}, want: ""},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			a, err := NewRegistryAuth(nil, tc.dc, envOf(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			enc, err := a.EncodedAuth("ghcr.io/org/app", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeAuth(t, enc).Username; got != tc.want {
				t.Errorf("user %q, want %q", got, tc.want)
			}
		})
	}
	// A given path that does not exist, or content that is not JSON, is an error when used.
	for name, dc := range map[string]DockerConfig{
		"missing path": {Enabled: true, Path: filepath.Join(pathDir, "nope.json")},
		"bad content":  {Enabled: true, Content: "{not json"},
	} {
		a, err := NewRegistryAuth(nil, dc, envOf(both))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.EncodedAuth("ghcr.io/org/app", nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// fakeHelper puts docker-credential-<name> on PATH: a script that answers `get` with the user
// "<name>-user" and the secret "<name>-secret:<server URL>" for the servers listed, and "not
// found" for any other (as real helpers do).
func fakeHelper(t *testing.T, name string, servers ...string) {
	t.Helper()
	dir := t.TempDir()
	var cases strings.Builder
	for _, s := range servers {
		cases.WriteString(`"` + s + `") printf '{"ServerURL":"%s","Username":"` + name + `-user","Secret":"` + name + `-secret:%s"}' "$url" "$url"; exit 0 ;;` + "\n")
	}
	script := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread -r url\ncase \"$url\" in\n" + cases.String() +
		"*) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n"
	if err := os.WriteFile(filepath.Join(dir, "docker-credential-"+name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func TestRegistryAuth_credentialHelpers(t *testing.T) {
	fakeHelper(t, "tfstore", "https://index.docker.io/v1/", "quay.io")
	fakeHelper(t, "tfhelper", "registry.example.com:5000")
	dir := t.TempDir()
	writeDockerConfig(t, dir, `{
		"credsStore": "tfstore",
		"credHelpers": {"registry.example.com:5000": "tfhelper"},
		"auths": {"ghcr.io": {}}
	}`)
	a, err := NewRegistryAuth(nil, DockerConfig{Enabled: true, Path: dir}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][2]string{
		// Docker Hub is asked for under the CLI's historical key.
		"nginx":                             {"tfstore-user", "tfstore-secret:https://index.docker.io/v1/"},
		"quay.io/org/app":                   {"tfstore-user", "tfstore-secret:quay.io"},
		"registry.example.com:5000/team/a":  {"tfhelper-user", "tfhelper-secret:registry.example.com:5000"},
		"ghcr.io/org/app":                   {"", ""}, // the store has none: nothing is sent
		"registry.example.com/team/a:other": {"", ""}, // the helper is for the port 5000 only
	}
	for image, want := range cases {
		enc, err := a.EncodedAuth(image, nil)
		if err != nil {
			t.Fatalf("%s: %v", image, err)
		}
		got := decodeAuth(t, enc)
		if got.Username != want[0] || got.Password != want[1] {
			t.Errorf("%s: got %q / %q, want %q / %q", image, got.Username, got.Password, want[0], want[1])
		}
	}
}

func TestRegistryAuth_helperMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	a, err := NewRegistryAuth(nil, DockerConfig{Enabled: true, Content: `{"credHelpers":{"ghcr.io":"absent"}}`}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.EncodedAuth("ghcr.io/org/app", nil)
	if err == nil || !strings.Contains(err.Error(), "ghcr.io") {
		t.Errorf("a missing helper: error %v, want one that names the registry", err)
	}
}

func TestPinAndSplitDigest(t *testing.T) {
	const d = "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904c8f2ad9a8a6e7c0b4b1e2e2a"
	cases := map[string]string{
		"nginx":                             "nginx@" + d,
		"nginx:1.25":                        "nginx:1.25@" + d,
		"docker.io/library/nginx:1":         "docker.io/library/nginx:1@" + d,
		"10.77.0.1:5443/tfswarm/testapp:v1": "10.77.0.1:5443/tfswarm/testapp:v1@" + d,
		"nginx@" + d:                        "nginx@" + d, // already pinned
	}
	for image, want := range cases {
		got, err := PinDigest(image, d)
		if err != nil || got != want {
			t.Errorf("PinDigest(%q) = %q, %v; want %q", image, got, err, want)
		}
		ref, digest := SplitDigest(got)
		if digest != d || !strings.HasPrefix(image, ref) {
			t.Errorf("SplitDigest(%q) = %q, %q", got, ref, digest)
		}
	}
	if _, err := PinDigest("nginx", "sha256:short"); err == nil {
		t.Error("PinDigest accepted an invalid digest")
	}
	if ref, digest := SplitDigest("10.77.0.1:5443/app:v1"); ref != "10.77.0.1:5443/app:v1" || digest != "" {
		t.Errorf("SplitDigest of an unpinned image = %q, %q", ref, digest)
	}
}

type fakeDistribution struct {
	digest   string
	err      error
	gotImage string
	gotAuth  string
	// calls counts the lookups; release, when set, holds each one until it is closed.
	calls   atomic.Int32
	release chan struct{}
}

func (f *fakeDistribution) DistributionInspect(_ context.Context, image string, o client.DistributionInspectOptions) (client.DistributionInspectResult, error) {
	f.calls.Add(1)
	if f.release != nil {
		<-f.release
	}
	f.gotImage, f.gotAuth = image, o.EncodedRegistryAuth
	var res client.DistributionInspectResult
	res.Descriptor = ocispec.Descriptor{Digest: godigestOf(f.digest)}
	return res, f.err
}

func TestResolveDigest(t *testing.T) {
	const d = "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904c8f2ad9a8a6e7c0b4b1e2e2a"
	f := &fakeDistribution{digest: d}
	got, err := resolveDigest(context.Background(), f, "ghcr.io/org/app:1", "AUTH")
	if err != nil || got != d || f.gotImage != "ghcr.io/org/app:1" || f.gotAuth != "AUTH" {
		t.Errorf("resolveDigest = %q, %v (asked %q with %q)", got, err, f.gotImage, f.gotAuth)
	}
	f = &fakeDistribution{err: errors.New("unauthorized: authentication required")}
	_, err = resolveDigest(context.Background(), f, "ghcr.io/org/app:1", "")
	if err == nil || !strings.Contains(err.Error(), "unauthorized: authentication required") || !strings.Contains(err.Error(), "ghcr.io/org/app:1") {
		t.Errorf("error %v: want the registry's words and the image", err)
	}
	if _, err := resolveDigest(context.Background(), &fakeDistribution{}, "app", ""); err == nil {
		t.Error("an empty digest was accepted")
	}
}

func godigestOf(s string) godigest.Digest { return godigest.Digest(s) }

// The digest cache asks once per image and credentials, shares a lookup that is under way, and
// forgets failures.
func TestDigestCache(t *testing.T) {
	const d = "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904c8f2ad9a8a6e7c0b4b1e2e2a"
	f := &fakeDistribution{digest: d, release: make(chan struct{})}
	var c digestCache
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := c.resolve(t.Context(), f, "ghcr.io/org/app:1", "AUTH"); err != nil || got != d {
				t.Errorf("concurrent resolve = %q, %v", got, err)
			}
		}()
	}
	// Let the lookup finish only once every caller is waiting on it or on the cache.
	for f.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(f.release)
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Errorf("10 concurrent resolves made %d lookups, want 1", n)
	}
	if got, err := c.resolve(t.Context(), f, "ghcr.io/org/app:1", "AUTH"); err != nil || got != d || f.calls.Load() != 1 {
		t.Errorf("a resolve after the first = %q, %v, with %d lookups in all", got, err, f.calls.Load())
	}
	// Other credentials or another reference are asked of the registry.
	if _, err := c.resolve(t.Context(), f, "ghcr.io/org/app:1", "OTHER"); err != nil || f.calls.Load() != 2 {
		t.Errorf("other credentials: %v, %d lookups in all", err, f.calls.Load())
	}
	if _, err := c.resolve(t.Context(), f, "ghcr.io/org/app:2", "AUTH"); err != nil || f.calls.Load() != 3 {
		t.Errorf("another tag: %v, %d lookups in all", err, f.calls.Load())
	}
	// A failure is not remembered.
	failing := &fakeDistribution{err: errors.New("unauthorized")}
	for i := range 2 {
		if _, err := c.resolve(t.Context(), failing, "ghcr.io/org/private:1", ""); err == nil {
			t.Fatalf("resolve %d of a failing lookup: no error", i)
		}
	}
	if n := failing.calls.Load(); n != 2 {
		t.Errorf("two resolves of a failing lookup made %d lookups, want 2", n)
	}
}
