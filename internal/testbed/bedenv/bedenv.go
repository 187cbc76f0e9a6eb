// Package bedenv reads what the local test bed (internal/testbed) tells its users about its
// registry: the address and credentials in registry.env, and the Docker CLI config with the
// registry's `auths` (as `docker login` writes it). The acceptance tests (internal/provider,
// internal/swarm) and the benchmark (internal/bench) take their test images from the registry, with
// these credentials: no engine of the bed holds them under the registry's name before a task pulls
// them, so a run without credentials fails ("No such image").
package bedenv

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
)

const (
	// RunDir is the bed's run directory.
	RunDir = "/run/tfswarm-testbed"
	// RegistryEnvFile holds REGISTRY_ADDR, REGISTRY_USER and REGISTRY_PASSWORD.
	RegistryEnvFile = RunDir + "/registry.env"
	// DockerConfigDir is a Docker CLI config directory (config.json with `auths` for the
	// registry): DOCKER_CONFIG for tests that run the CLI, `docker_config { path = ... }` for the
	// provider.
	DockerConfigDir = RunDir + "/docker-config"
	// TestImage is the repository of the test images (tags v1 and v2) in the registry.
	TestImage = "tfswarm/testapp"
)

// Registry is the bed's registry: its address as images name it, and its credentials.
type Registry struct{ Addr, User, Password string }

// Image is the reference of the test image with tag (v1 or v2) in the registry.
func (r Registry) Image(tag string) string { return r.Addr + "/" + TestImage + ":" + tag }

// AuthHeader is the Engine's registry auth (X-Registry-Auth) for the registry.
func (r Registry) AuthHeader() (string, error) {
	return authconfig.Encode(registry.AuthConfig{Username: r.User, Password: r.Password, ServerAddress: r.Addr})
}

var (
	once   sync.Once
	reg    Registry
	regErr error
)

// ReadRegistry reads registry.env once per process.
func ReadRegistry() (Registry, error) {
	once.Do(func() { reg, regErr = ParseRegistryEnv(RegistryEnvFile) })
	return reg, regErr
}

// ParseRegistryEnv reads a registry.env file.
func ParseRegistryEnv(path string) (Registry, error) {
	f, err := os.Open(path)
	if err != nil {
		return Registry{}, fmt.Errorf("reading the test bed's registry (run `make testbed`): %w", err)
	}
	defer f.Close()
	var r Registry
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), "=")
		switch k {
		case "REGISTRY_ADDR":
			r.Addr = v
		case "REGISTRY_USER":
			r.User = v
		case "REGISTRY_PASSWORD":
			r.Password = v
		}
	}
	if err := s.Err(); err != nil {
		return Registry{}, err
	}
	if r.Addr == "" || r.User == "" || r.Password == "" {
		return Registry{}, fmt.Errorf("%s lacks REGISTRY_ADDR, REGISTRY_USER or REGISTRY_PASSWORD", path)
	}
	return r, nil
}
