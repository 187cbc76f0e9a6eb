package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/docker/cli/cli/config"
	"golang.org/x/crypto/bcrypt"
)

// material makes a CA, a server certificate for the bridge address that the CA signed, and an
// htpasswd entry for the password; a second run keeps them.
func TestRegistryMaterial(t *testing.T) {
	r := registryBed{runDir: t.TempDir(), stateDir: t.TempDir(), logf: t.Logf}
	if err := os.MkdirAll(r.dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	password, err := r.material()
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(r.file(name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(read("ca.crt")) {
		t.Fatal("ca.crt holds no certificate")
	}
	block, _ := pem.Decode(read("server.crt"))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: hostAddr, Roots: pool}); err != nil {
		t.Errorf("the server certificate does not verify for %s: %v", hostAddr, err)
	}
	user, hash, ok := strings.Cut(strings.TrimSpace(string(read("htpasswd"))), ":")
	if !ok || user != registryUser || bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		t.Errorf("htpasswd %q does not hold %s with the password", read("htpasswd"), registryUser)
	}
	for _, want := range []string{registryAddr(), r.file("htpasswd"), r.file("server.key"), r.file("storage")} {
		if !strings.Contains(string(read("config.yml")), want) {
			t.Errorf("config.yml lacks %s", want)
		}
	}
	if fi, err := os.Stat(r.file("password")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode: %v %v", fi.Mode(), err)
	}
	again, err := r.material()
	if err != nil || again != password {
		t.Errorf("a second run made a new password (%v)", err)
	}
}

// The Docker config the bed writes for the tests is one the Docker CLI reads: the registry's
// credentials under `auths`, as `docker login` writes them.
func TestDockerConfigJSON(t *testing.T) {
	cf, err := config.LoadFromReader(strings.NewReader(dockerConfigJSON("s3cret")))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cf.GetAuthConfig(registryAddr())
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != registryUser || got.Password != "s3cret" {
		t.Errorf("credentials for %s = %q/%q, want %s/s3cret", registryAddr(), got.Username, got.Password, registryUser)
	}
}
