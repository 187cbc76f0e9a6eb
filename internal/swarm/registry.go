package swarm

// Registry credentials and image digests, the way `docker stack deploy --with-registry-auth
// --resolve-image` handles them: the credentials of an image's registry come from the provider's
// own list or from the Docker CLI's configuration (its config file, credential store and helpers,
// read with the CLI's own packages), are encoded for the Engine's X-Registry-Auth header, and go
// with every service create and update so that the swarm hands them to the nodes that pull. The
// digest of a tag is asked from the registry through the Engine (GET /distribution/{name}/json),
// with the same credentials.
//
// No credential is ever logged or put in an error message by this file.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/docker/cli/cli/config/configfile"
	"github.com/docker/cli/cli/config/credentials"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	godigest "github.com/opencontainers/go-digest"
	"golang.org/x/sync/singleflight"
)

// dockerHubHost is the registry host every spelling of Docker Hub normalises to.
const dockerHubHost = "docker.io"

// RegistryCredential is a user and password (or token) for one registry.
type RegistryCredential struct {
	// Address is the registry as the user wrote it: "ghcr.io", "registry.example.com:5000",
	// "https://index.docker.io/v1/", "docker.io".
	Address  string
	Username string
	Password string
}

// DockerConfig says whether, and from where, the Docker CLI's own credential sources are read.
type DockerConfig struct {
	Enabled bool
	// Path is a config.json file, or a directory that holds one. Content is the JSON itself. With
	// neither, the CLI's own location: $DOCKER_CONFIG/config.json, then ~/.docker/config.json.
	Path    string
	Content string
}

// RegistryAuth picks the credentials of an image's registry: the provider's own list first, then
// the Docker CLI's configuration when it is switched on. The zero value (and nil) has none.
type RegistryAuth struct {
	creds map[string]RegistryCredential // by RegistryHost
	cli   *configfile.ConfigFile
	// cliErr is the error of loading the CLI configuration, reported when it is needed.
	cliErr error
}

// NewRegistryAuth checks the addresses of creds and loads the CLI configuration when dc says so.
// getenv is os.Getenv outside tests (DOCKER_CONFIG, HOME).
func NewRegistryAuth(creds []RegistryCredential, dc DockerConfig, getenv Getenv) (*RegistryAuth, error) {
	a := &RegistryAuth{creds: map[string]RegistryCredential{}}
	for i, c := range creds {
		host, err := RegistryHost(c.Address)
		if err != nil {
			return nil, fmt.Errorf("registry_auth[%d]: %w", i, err)
		}
		if _, dup := a.creds[host]; dup {
			return nil, fmt.Errorf("registry_auth[%d]: a second entry for registry %s", i, host)
		}
		a.creds[host] = c
	}
	if dc.Enabled {
		a.cli, a.cliErr = loadDockerConfig(dc, getenv)
	}
	return a, nil
}

// loadDockerConfig reads the CLI's config file: the given content, the given path, or the CLI's
// own location. A missing file at the CLI's own location is an empty configuration, as for the CLI.
func loadDockerConfig(dc DockerConfig, getenv Getenv) (*configfile.ConfigFile, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var cf *configfile.ConfigFile
	var err error
	switch {
	case dc.Content != "":
		cf, err = config.LoadFromReader(strings.NewReader(dc.Content))
		if err != nil {
			return nil, fmt.Errorf("parsing the given Docker config content: %w", err)
		}
	case dc.Path != "":
		dir := dc.Path
		if fi, statErr := os.Stat(dc.Path); statErr != nil {
			return nil, fmt.Errorf("reading the Docker config %s: %w", dc.Path, statErr)
		} else if !fi.IsDir() {
			f, openErr := os.Open(dc.Path)
			if openErr != nil {
				return nil, fmt.Errorf("reading the Docker config %s: %w", dc.Path, openErr)
			}
			defer f.Close()
			cf = configfile.New(dc.Path)
			if err := cf.LoadFromReader(f); err != nil {
				return nil, fmt.Errorf("parsing the Docker config %s: %w", dc.Path, err)
			}
			break
		}
		if cf, err = config.Load(dir); err != nil {
			return nil, err
		}
	default:
		dir := getenv(config.EnvOverrideConfigDir)
		if dir == "" {
			home := getenv("HOME")
			if home == "" {
				home, _ = os.UserHomeDir()
			}
			dir = filepath.Join(home, ".docker")
		}
		if cf, err = config.Load(dir); err != nil {
			return nil, err
		}
	}
	// As the CLI does: with no credsStore set, the platform's default helper when it is installed.
	cf.CredentialsStore = credentials.DetectDefaultStore(cf.CredentialsStore)
	return cf, nil
}

// RegistryHost normalises a registry address as the Docker CLI does: scheme and path go, every
// spelling of Docker Hub ("docker.io", "index.docker.io", "registry-1.docker.io",
// "https://index.docker.io/v1/") is "docker.io", a port stays.
func RegistryHost(address string) (string, error) {
	a := strings.TrimSpace(address)
	if a == "" {
		return "", errors.New("the registry address is empty")
	}
	if strings.Contains(a, "://") {
		u, err := url.Parse(a)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("registry address %q is not a host[:port] or a URL", address)
		}
		a = u.Host
	} else {
		a, _, _ = strings.Cut(a, "/")
	}
	a = strings.ToLower(a)
	switch a {
	case dockerHubHost, "index.docker.io", "registry-1.docker.io":
		return dockerHubHost, nil
	}
	// The host must be one an image reference can name.
	if _, err := reference.ParseNormalizedNamed(a + "/x"); err != nil {
		return "", fmt.Errorf("registry address %q is not a host[:port]: %w", address, err)
	}
	return a, nil
}

// ImageRegistry is the registry host of an image reference, normalised as the CLI does
// ("nginx" is on docker.io).
func ImageRegistry(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", image, err)
	}
	return RegistryHost(reference.Domain(named))
}

// Lookup returns the credentials for a registry host (as RegistryHost gives it); ok is false when
// there are none.
func (a *RegistryAuth) Lookup(host string) (registry.AuthConfig, bool, error) {
	if a == nil {
		return registry.AuthConfig{}, false, nil
	}
	if c, found := a.creds[host]; found {
		return registry.AuthConfig{Username: c.Username, Password: c.Password, ServerAddress: serverAddress(host)}, true, nil
	}
	if a.cliErr != nil {
		return registry.AuthConfig{}, false, a.cliErr
	}
	if a.cli == nil {
		return registry.AuthConfig{}, false, nil
	}
	// The CLI keys Docker Hub as "https://index.docker.io/v1/" (GetAuthConfig does that).
	ac, err := a.cli.GetAuthConfig(host)
	if err != nil {
		// The helper's own message, never a credential.
		return registry.AuthConfig{}, false, fmt.Errorf("reading the Docker CLI's credentials for %s: %w", host, err)
	}
	if ac.Username == "" && ac.Password == "" && ac.Auth == "" && ac.IdentityToken == "" && ac.RegistryToken == "" {
		return registry.AuthConfig{}, false, nil
	}
	return registry.AuthConfig{
		Username: ac.Username, Password: ac.Password, Auth: ac.Auth,
		ServerAddress: serverAddress(host), IdentityToken: ac.IdentityToken, RegistryToken: ac.RegistryToken,
	}, true, nil
}

// serverAddress is what the Engine expects in AuthConfig.ServerAddress.
func serverAddress(host string) string {
	if host == dockerHubHost {
		return "https://index.docker.io/v1/"
	}
	return host
}

// EncodedAuth is the X-Registry-Auth value for image: the override when given (it is for the
// image's registry), else what Lookup finds; "" when there is nothing to send.
func (a *RegistryAuth) EncodedAuth(image string, override *RegistryCredential) (string, error) {
	host, err := ImageRegistry(image)
	if err != nil {
		return "", err
	}
	var ac registry.AuthConfig
	if override != nil {
		ac = registry.AuthConfig{Username: override.Username, Password: override.Password, ServerAddress: serverAddress(host)}
	} else {
		var ok bool
		ac, ok, err = a.Lookup(host)
		if err != nil || !ok {
			return "", err
		}
	}
	return authconfig.Encode(ac)
}

// PinDigest returns image with digest appended, written as the user wrote image (so that the
// configured reference is the part before "@"). An image that already has a digest is returned
// as it is.
func PinDigest(image, digest string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", image, err)
	}
	if _, ok := named.(reference.Digested); ok || digest == "" {
		return image, nil
	}
	if _, err := reference.WithDigest(named, godigest.Digest(digest)); err != nil {
		return "", fmt.Errorf("digest %q of image %q: %w", digest, image, err)
	}
	return image + "@" + digest, nil
}

// SplitDigest splits an image as the Engine holds it into the reference before "@sha256:..." and
// the digest; digest is "" when there is none.
func SplitDigest(image string) (ref, digest string) {
	if i := strings.LastIndex(image, "@"); i >= 0 && strings.Contains(image[i+1:], ":") {
		return image[:i], image[i+1:]
	}
	return image, ""
}

// HasDigest says whether image names a digest.
func HasDigest(image string) bool {
	_, d := SplitDigest(image)
	return d != ""
}

// RegistryAuth is the client's registry credentials (nil when it has none).
func (c *Client) RegistryAuth() *RegistryAuth { return c.cfg.RegistryAuth }

// ResolveDigest asks the image's registry, through the Engine, for the digest its tag points at.
// encodedAuth is EncodedAuth's value ("" for anonymous). The error carries the Engine's (that is
// the registry's) words.
//
// The answer is remembered for the life of the Client, that is of the provider process, which
// Terraform starts for each plan or apply: each image reference is asked of its registry once per
// run (with the same credentials), however many services name it, and every service of the run
// gets the same digest. A plan of 500 services of one image made 500 registry round trips before,
// each taking the registry's password check, and a registry's rate limit counts them.
func (c *Client) ResolveDigest(ctx context.Context, image, encodedAuth string) (string, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return "", err
	}
	return c.digests.resolve(ctx, api, image, encodedAuth)
}

// digestCache is what ResolveDigest remembers: digests by image reference and credentials.
// Concurrent lookups of the same key share one request; a failure is not remembered.
type digestCache struct {
	group singleflight.Group
	mu    sync.Mutex
	known map[string]string
}

func (d *digestCache) resolve(ctx context.Context, api distributionAPI, image, encodedAuth string) (string, error) {
	key := image + "\x00" + encodedAuth
	if digest, ok := d.lookup(key); ok {
		return digest, nil
	}
	v, err, _ := d.group.Do(key, func() (any, error) {
		// A lookup that ended between the check above and this call has filled the cache.
		if digest, ok := d.lookup(key); ok {
			return digest, nil
		}
		digest, err := resolveDigest(ctx, api, image, encodedAuth)
		if err == nil {
			d.mu.Lock()
			if d.known == nil {
				d.known = map[string]string{}
			}
			d.known[key] = digest
			d.mu.Unlock()
		}
		return digest, err
	})
	if err != nil {
		return "", err
	}
	digest, _ := v.(string)
	return digest, nil
}

func (d *digestCache) lookup(key string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	digest, ok := d.known[key]
	return digest, ok
}

// distributionAPI is the part of the Engine API that ResolveDigest uses; tests fake it.
type distributionAPI interface {
	DistributionInspect(ctx context.Context, image string, options client.DistributionInspectOptions) (client.DistributionInspectResult, error)
}

func resolveDigest(ctx context.Context, api distributionAPI, image, encodedAuth string) (string, error) {
	res, err := api.DistributionInspect(ctx, image, client.DistributionInspectOptions{EncodedRegistryAuth: encodedAuth})
	if err != nil {
		return "", fmt.Errorf("resolving the digest of %s: %w", image, err)
	}
	d := res.Descriptor.Digest.String()
	if d == "" {
		return "", fmt.Errorf("resolving the digest of %s: the registry returned no digest", image)
	}
	return d, nil
}
