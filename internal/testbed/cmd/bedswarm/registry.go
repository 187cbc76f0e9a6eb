package main

// The bed's container registry: the CNCF distribution registry (its cmd/registry), built once per
// machine from the Go module proxy and cached, run as a process on the host that listens on the
// bridge address, so that every node reaches it. It serves TLS with a certificate of a CA the bed
// makes (every dockerd on the host reads /etc/docker/certs.d/<addr:port>/ca.crt) and asks for
// htpasswd (bcrypt) basic auth. The test images are pushed to it through the host engine, and the
// nodes pull them from it through the swarm, with credentials: no engine holds them under the
// registry's name until a task pulls them (the host, which builds them, keeps only its local
// build name).

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/client"
	"golang.org/x/crypto/bcrypt"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const (
	// registryModule and registryVersion say what `go install` builds.
	registryModule  = "github.com/distribution/distribution/v3/cmd/registry"
	registryVersion = "v3.1.2"
	registryPort    = 5443
	registryUser    = "tfswarm"
	// certsDir is where every dockerd of the host looks for the CA of a registry.
	certsDir = "/etc/docker/certs.d"
	// testImage is what the bed pushes, under the registry's name, with these tags.
	testImage = "tfswarm/testapp"
)

var testImageTags = []string{"v1", "v2"}

// registryAddr is the registry's address as the engines name it.
func registryAddr() string { return net.JoinHostPort(hostAddr, strconv.Itoa(registryPort)) }

// registryBed holds the registry's paths.
type registryBed struct {
	runDir, stateDir, logDir string
	logf                     func(string, ...any)
}

func (r registryBed) dir() string             { return filepath.Join(r.stateDir, "registry") }
func (r registryBed) file(name string) string { return filepath.Join(r.dir(), name) }
func (r registryBed) pidFile() string         { return filepath.Join(r.runDir, "registry.pid") }
func (r registryBed) envFile() string         { return filepath.Join(r.runDir, "registry.env") }
func (r registryBed) certsDir() string        { return filepath.Join(certsDir, registryAddr()) }

// dockerConfigFile is a Docker CLI config with `auths` for the registry, as `docker login` writes
// it: DOCKER_CONFIG for the tests that drive the CLI (--with-registry-auth), and a file for the
// provider's docker_config block.
func (r registryBed) dockerConfigFile() string {
	return filepath.Join(r.runDir, "docker-config", "config.json")
}

// binary is the cached registry binary: ${XDG_CACHE_HOME:-$HOME/.cache}/tfswarm/registry-<version>/registry.
func registryBinary() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "tfswarm", "registry-"+registryVersion, "registry"), nil
}

// up builds the registry when it is not cached, makes its CA, certificate, password and config
// once, starts it unless it runs, trusts its CA in certs.d, writes registry.env and pushes the
// test images.
func (r registryBed) up(ctx context.Context) error {
	bin, err := r.build(ctx)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.dir(), 0o700); err != nil {
		return err
	}
	password, err := r.material()
	if err != nil {
		return err
	}
	ca, err := os.ReadFile(r.file("ca.crt"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.certsDir(), 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(r.certsDir(), "ca.crt"), string(ca)); err != nil {
		return err
	}
	if err := r.start(ctx, bin, ca); err != nil {
		return err
	}
	env := fmt.Sprintf("REGISTRY_ADDR=%s\nREGISTRY_USER=%s\nREGISTRY_PASSWORD=%s\n", registryAddr(), registryUser, password)
	if err := writeFile(r.envFile(), env); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.dockerConfigFile()), 0o755); err != nil {
		return err
	}
	if err := writeFile(r.dockerConfigFile(), dockerConfigJSON(password)); err != nil {
		return err
	}
	return r.push(ctx, password)
}

// dockerConfigJSON is a Docker CLI config file holding the registry's credentials under `auths`,
// as `docker login` writes them (base64 of user:password).
func dockerConfigJSON(password string) string {
	auth := base64.StdEncoding.EncodeToString([]byte(registryUser + ":" + password))
	b, _ := json.MarshalIndent(map[string]any{"auths": map[string]any{registryAddr(): map[string]string{"auth": auth}}}, "", "\t")
	return string(b) + "\n"
}

// build runs `go install` of the registry into the cache when the binary is not there.
func (r registryBed) build(ctx context.Context) (string, error) {
	bin, err := registryBinary()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	start := time.Now()
	r.logf("building the registry (%s@%s) once for this machine", registryModule, registryVersion)
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(bin), "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", "-trimpath", "-ldflags", "-s -w", registryModule+"@"+registryVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w\n%s", registryModule, registryVersion, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "registry"), bin); err != nil {
		return "", err
	}
	r.logf("built the registry in %ds (cached: %s)", int(time.Since(start).Seconds()), bin)
	return bin, nil
}

// material makes the CA, the server certificate, the password, the htpasswd file and the config
// when they are missing, and returns the password.
func (r registryBed) material() (string, error) {
	if pw, err := os.ReadFile(r.file("password")); err == nil {
		if _, err := os.Stat(r.file("config.yml")); err == nil {
			return strings.TrimSpace(string(pw)), nil
		}
	}
	caCert, caKey, err := newCA()
	if err != nil {
		return "", err
	}
	certPEM, keyPEM, err := newServerCert(caCert, caKey)
	if err != nil {
		return "", err
	}
	raw := make([]byte, 18)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	password := hex.EncodeToString(raw)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw})
	files := map[string]string{
		"ca.crt":     string(caPEM),
		"server.crt": string(certPEM),
		"server.key": string(keyPEM),
		"htpasswd":   registryUser + ":" + string(hash) + "\n",
		"password":   password + "\n",
		"config.yml": r.config(),
	}
	for name, content := range files {
		if err := writeFile(r.file(name), content); err != nil {
			return "", err
		}
		if err := os.Chmod(r.file(name), 0o600); err != nil {
			return "", err
		}
	}
	return password, nil
}

func (r registryBed) config() string {
	return fmt.Sprintf(`version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
  tls:
    certificate: %s
    key: %s
auth:
  htpasswd:
    realm: tfswarm-testbed
    path: %s
`, r.file("storage"), registryAddr(), r.file("server.crt"), r.file("server.key"), r.file("htpasswd"))
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tfswarm test bed CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func newServerCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hostAddr},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP(hostAddr)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, err
	}
	k, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: k}), nil
}

// runningPid is the pid of the bed's registry process, or 0.
func (r registryBed) runningPid() int {
	b, err := os.ReadFile(r.pidFile())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(r.file("config.yml"))) {
		return 0
	}
	return pid
}

// start starts the registry unless it runs, and waits until it answers over TLS.
func (r registryBed) start(ctx context.Context, bin string, ca []byte) error {
	// alive tells whether the registry still runs while it is waited for. For a process started
	// here it asks the process itself: its /proc cmdline, which runningPid checks, may still be
	// empty just after exec (the kernel sets it up after the exec is committed), and a wait that
	// took that for "not running" failed the bed's first start.
	alive := func() bool { return r.runningPid() != 0 }
	if r.runningPid() == 0 {
		if err := os.MkdirAll(r.logDir, 0o755); err != nil {
			return err
		}
		logFile, err := os.OpenFile(filepath.Join(r.logDir, "registry.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer logFile.Close()
		r.logf("starting the registry on %s (log: %s)", registryAddr(), logFile.Name())
		// Started with no descriptor but stdio, in a session of its own so that it outlives
		// testbed.sh. A caller's lock (`flock FILE make testbed` hands it over as fd 3) must not
		// stay held by the registry: exec does not close inherited descriptors by itself.
		closeInheritedOnExec()
		cmd := exec.Command(bin, "serve", r.file("config.yml"))
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "OTEL_TRACES_EXPORTER=none", "OTEL_METRICS_EXPORTER=none", "OTEL_LOGS_EXPORTER=none"}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("starting the registry: %w", err)
		}
		if err := writeFile(r.pidFile(), strconv.Itoa(cmd.Process.Pid)+"\n"); err != nil {
			return err
		}
		pid := cmd.Process.Pid
		alive = func() bool { return syscall.Kill(pid, 0) == nil }
		_ = cmd.Process.Release()
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	hc := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+registryAddr()+"/v2/", nil)
		resp, err := hc.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		if time.Now().After(deadline) || !alive() {
			return fmt.Errorf("the registry does not answer on %s (log: %s): %w", registryAddr(), filepath.Join(r.logDir, "registry.log"), err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// push tags the test images with the registry's name on the host engine, pushes them and takes
// the registry's name off again (the tag and the digest the push recorded): tasks on the host pull
// the registry's image with credentials like those on every other node, and a test that forgot the
// credentials fails there too ("No such image"). The layers stay, so that pull is quick.
func (r registryBed) push(ctx context.Context, password string) error {
	host, err := newEngine(hostURL)
	if err != nil {
		return err
	}
	defer host.Close()
	api, err := host.Engine(ctx)
	if err != nil {
		return err
	}
	auth, err := authconfig.Encode(registry.AuthConfig{Username: registryUser, Password: password, ServerAddress: registryAddr()})
	if err != nil {
		return err
	}
	for _, tag := range testImageTags {
		target := registryAddr() + "/" + testImage + ":" + tag
		if _, err := api.ImageTag(ctx, client.ImageTagOptions{Source: testImage + ":" + tag, Target: target}); err != nil {
			return fmt.Errorf("tagging %s: %w", target, err)
		}
		resp, err := api.ImagePush(ctx, target, client.ImagePushOptions{RegistryAuth: auth})
		if err != nil {
			return fmt.Errorf("pushing %s: %w", target, err)
		}
		err = resp.Wait(ctx)
		_ = resp.Close()
		if err != nil {
			return fmt.Errorf("pushing %s: %w", target, err)
		}
		if err := untagRegistryNames(ctx, api, target); err != nil {
			return err
		}
	}
	r.logf("pushed %s:%s to %s", testImage, strings.Join(testImageTags, ","), registryAddr())
	return nil
}

// untagRegistryNames removes the registry's names of the host engine's image ref: the tag ref and
// every digest reference of the registry's repository; the image stays under its local name.
func untagRegistryNames(ctx context.Context, api swarm.API, ref string) error {
	inspect, err := api.ImageInspect(ctx, ref)
	if err != nil {
		return fmt.Errorf("inspecting %s: %w", ref, err)
	}
	repo := registryAddr() + "/" + testImage + "@"
	names := []string{ref}
	for _, rd := range inspect.RepoDigests {
		if strings.HasPrefix(rd, repo) {
			names = append(names, rd)
		}
	}
	for _, n := range names {
		if _, err := api.ImageRemove(ctx, n, client.ImageRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("untagging %s on the host engine: %w", n, err)
		}
	}
	return nil
}

// down stops the registry and removes what up made outside the state directory (which `down`
// removes): the CA in certs.d, registry.env and the registry-named tags on the host engine.
func (r registryBed) down(ctx context.Context) error {
	var errs []error
	if pid := r.runningPid(); pid != 0 {
		r.logf("stopping the registry (pid %d)", pid)
		_ = syscall.Kill(pid, syscall.SIGTERM)
		for i := 0; i < 50 && r.runningPid() != 0; i++ {
			time.Sleep(200 * time.Millisecond)
		}
		if r.runningPid() != 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	for _, p := range []string{r.pidFile(), r.envFile(), filepath.Dir(r.dockerConfigFile()), r.certsDir()} {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	if host, err := newEngine(hostURL); err == nil {
		defer host.Close()
		if api, err := host.Engine(ctx); err == nil {
			for _, tag := range testImageTags {
				_, err := api.ImageRemove(ctx, registryAddr()+"/"+testImage+":"+tag, client.ImageRemoveOptions{})
				if err != nil && !cerrdefs.IsNotFound(err) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// closeInheritedOnExec marks every descriptor above 2 close-on-exec (testbed.sh's
// NO_INHERITED_FDS, for the processes bedswarm starts).
func closeInheritedOnExec() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			syscall.CloseOnExec(fd)
		}
	}
}
