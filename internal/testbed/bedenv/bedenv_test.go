package bedenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/pkg/authconfig"
)

func TestParseRegistryEnv(t *testing.T) {
	dir := t.TempDir()
	write := func(content string) string {
		p := filepath.Join(dir, "registry.env")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	r, err := ParseRegistryEnv(write("REGISTRY_ADDR=10.0.0.1:5443\nREGISTRY_USER=u\nREGISTRY_PASSWORD=p=w\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r != (Registry{Addr: "10.0.0.1:5443", User: "u", Password: "p=w"}) {
		t.Errorf("parsed %+v", r)
	}
	if got, want := r.Image("v2"), "10.0.0.1:5443/tfswarm/testapp:v2"; got != want {
		t.Errorf("Image = %s, want %s", got, want)
	}
	h, err := r.AuthHeader()
	if err != nil {
		t.Fatal(err)
	}
	ac, err := authconfig.Decode(h)
	if err != nil || ac.Username != "u" || ac.Password != "p=w" || ac.ServerAddress != "10.0.0.1:5443" {
		t.Errorf("auth header decodes to %+v (%v)", ac, err)
	}
	if _, err := ParseRegistryEnv(write("REGISTRY_ADDR=10.0.0.1:5443\n")); err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("incomplete file: err = %v", err)
	}
	if _, err := ParseRegistryEnv(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "make testbed") {
		t.Errorf("missing file: err = %v", err)
	}
}
