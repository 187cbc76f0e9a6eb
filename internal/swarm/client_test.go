package swarm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/testpki"
)

// TestMain lets the test binary stand in for ssh: with FAKE_SSH_SOCKET set it checks that it was
// asked to run `docker system dial-stdio` and pipes stdin/stdout to that unix socket, as the real
// helper does on a remote host.
func TestMain(m *testing.M) {
	if sock := os.Getenv("FAKE_SSH_SOCKET"); sock != "" {
		os.Exit(fakeSSH(sock, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeSSH(sock string, args []string) int {
	if log := os.Getenv("FAKE_SSH_ARGS_LOG"); log != "" {
		_ = os.WriteFile(log, []byte(strings.Join(args, " ")), 0o600)
	}
	// docker/cli's connhelper passes the remote command as one word, quoted for the remote shell.
	if n := len(args); n < 2 || args[n-1] != "docker system dial-stdio" {
		fmt.Fprintf(os.Stderr, "fake ssh: unexpected command %q\n", args)
		return 2
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake ssh: %v\n", err)
		return 255
	}
	done := make(chan struct{})
	go func() { _, _ = io.Copy(os.Stdout, conn); close(done) }()
	_, _ = io.Copy(conn, os.Stdin)
	<-done
	return 0
}

// fakeEngine answers the Engine API calls the client makes while choosing a manager.
type fakeEngine struct {
	swarmHeader string // "active/manager", "active/worker", "inactive"
	requests    atomic.Int64
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	w.Header().Set("Api-Version", "1.41")
	w.Header().Set("Ostype", "linux")
	if f.swarmHeader != "" {
		w.Header().Set("Swarm", f.swarmHeader)
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/_ping"):
		_, _ = io.WriteString(w, "OK")
	case strings.HasSuffix(r.URL.Path, "/info"):
		_, _ = io.WriteString(w, `{"ID":"x","Swarm":{"LocalNodeState":"inactive"}}`)
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, "{}")
	}
}

// connStater is a handler that wants to hear of its connections' changes.
type connStater interface {
	ConnState(net.Conn, http.ConnState)
}

// serveUnix serves h on a unix socket in a temporary directory and returns its host URL; a
// handler with a ConnState method is told of each connection's changes.
func serveUnix(t *testing.T, h http.Handler) (string, func()) {
	t.Helper()
	// Not t.TempDir(): its long paths overflow the 108-byte limit of a unix socket path.
	dir, err := os.MkdirTemp("", "tfsw") //nolint:usetesting // see above
	if err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "e.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	if w, ok := h.(connStater); ok {
		srv.ConnState = w.ConnState
	}
	go func() { _ = srv.Serve(l) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = srv.Close()
			_ = os.RemoveAll(dir)
		})
	}
	t.Cleanup(stop)
	return "unix://" + sock, stop
}

func TestManagerPicksFirstManagerThatAnswers(t *testing.T) {
	ctx := context.Background()
	dead := "unix://" + filepath.Join(t.TempDir(), "nobody.sock")
	worker, _ := serveUnix(t, &fakeEngine{swarmHeader: "active/worker"})
	mgr := &fakeEngine{swarmHeader: "active/manager"}
	manager, _ := serveUnix(t, mgr)

	c, err := New(Config{Endpoints: []Endpoint{{Host: dead}, {Host: worker}, {Host: manager}}})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatalf("Manager: %v", err)
	}
	before := mgr.requests.Load()
	if _, err := api.ServerVersion(ctx, serverVersionOptions()); err != nil {
		t.Fatalf("a call through the chosen manager failed: %v", err)
	}
	if mgr.requests.Load() != before+1 {
		t.Errorf("the call did not reach the manager (requests %d → %d)", before, mgr.requests.Load())
	}
	if got := api.ClientVersion(); got != "1.41" {
		t.Errorf("negotiated version = %q, want 1.41", got)
	}
}

// connCounter is a fake Engine that counts the connections made to it and holds each call until
// `together` calls are in (so that they run at once), or a second has passed.
type connCounter struct {
	fakeEngine
	together int
	conns    atomic.Int64
	mu       sync.Mutex
	waiting  int
	release  chan struct{}
}

func (c *connCounter) ConnState(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		c.conns.Add(1)
	}
}

func (c *connCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/version") {
		c.mu.Lock()
		if c.waiting == 0 {
			c.release = make(chan struct{})
		}
		release := c.release
		if c.waiting++; c.waiting == c.together {
			c.waiting = 0
			close(release)
		}
		c.mu.Unlock()
		select {
		case <-release:
		case <-time.After(time.Second):
		}
	}
	c.fakeEngine.ServeHTTP(w, r)
}

// Terraform runs 10 operations at once: the calls of a second round reuse the first round's
// connections instead of dialing new ones (net/http keeps only 2 idle per host unless told).
func TestConcurrentCallsReuseConnections(t *testing.T) {
	ctx := context.Background()
	const parallel = 10
	engine := &connCounter{fakeEngine: fakeEngine{swarmHeader: "active/manager"}, together: parallel}
	host, _ := serveUnix(t, engine)
	c, err := New(Config{Endpoints: []Endpoint{{Host: host}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before := engine.conns.Load()
	for round := range 3 {
		var wg sync.WaitGroup
		errs := make(chan error, parallel)
		for range parallel {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := api.ServerVersion(ctx, serverVersionOptions()); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
	}
	if got := engine.conns.Load() - before; got > parallel {
		t.Errorf("3 rounds of %d calls at once made %d new connections, want at most %d", parallel, got, parallel)
	}
}

func TestManagerFailsOverMidRun(t *testing.T) {
	ctx := context.Background()
	first := &fakeEngine{swarmHeader: "active/manager"}
	firstHost, stopFirst := serveUnix(t, first)
	second := &fakeEngine{swarmHeader: "active/manager"}
	secondHost, _ := serveUnix(t, second)

	c, err := New(Config{Endpoints: []Endpoint{{Host: firstHost}, {Host: secondHost}}})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ServerVersion(ctx, serverVersionOptions()); err != nil {
		t.Fatal(err)
	}
	if second.requests.Load() != 0 {
		t.Fatalf("the second manager was used while the first answered")
	}
	stopFirst()
	c.Close() // drop kept-alive connections, as a dead engine would
	if _, err := api.ServerVersion(ctx, serverVersionOptions()); err != nil {
		t.Fatalf("the call after the first manager stopped failed: %v", err)
	}
	if second.requests.Load() == 0 {
		t.Fatalf("the second manager was not used after the first one stopped")
	}
	// The next Manager() call keeps the client and its new preference.
	again, err := c.Manager(ctx)
	if err != nil || again != api {
		t.Fatalf("Manager after failover = %v, %v", again, err)
	}
}

func TestManagerErrors(t *testing.T) {
	ctx := context.Background()
	inactive, _ := serveUnix(t, &fakeEngine{swarmHeader: "inactive"})
	worker, _ := serveUnix(t, &fakeEngine{swarmHeader: "active/worker"})
	locked, _ := serveUnix(t, &fakeEngine{swarmHeader: "locked"})
	deadSock := filepath.Join(t.TempDir(), "nobody.sock")
	tests := map[string]struct {
		hosts []string
		want  []string
	}{
		"nothing listens": {
			hosts: []string{"unix://" + deadSock},
			want:  []string{"cannot reach the Docker Engine at unix://" + deadSock, "no such file or directory"},
		},
		"not in a swarm": {
			hosts: []string{inactive},
			want:  []string{"the Docker Engine at " + inactive + " is not part of a swarm", "swarm_cluster"},
		},
		"worker": {
			hosts: []string{worker},
			want:  []string{worker + " is a swarm worker, not a manager", "docker node promote"},
		},
		"locked": {
			hosts: []string{locked},
			want:  []string{"locked", "docker swarm unlock"},
		},
		"every host is named": {
			hosts: []string{"unix://" + deadSock, worker},
			want:  []string{"no swarm manager answered", deadSock, worker},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			eps := make([]Endpoint, len(tt.hosts))
			for i, h := range tt.hosts {
				eps[i] = Endpoint{Host: h}
			}
			c, err := New(Config{Endpoints: eps})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Manager(ctx)
			if err == nil {
				t.Fatal("Manager: want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	c := Unavailable(fmt.Errorf("not known yet"))
	if _, err := c.Manager(context.Background()); err == nil || err.Error() != "not known yet" {
		t.Fatalf("Manager = %v", err)
	}
	if _, err := c.Engine(context.Background()); err == nil || err.Error() != "not known yet" {
		t.Fatalf("Engine = %v", err)
	}
}

func TestTLSConnections(t *testing.T) {
	pki := testpki.New(t)
	serverCert, err := tls.X509KeyPair([]byte(pki.ServerCertPEM), []byte(pki.ServerKeyPEM))
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AppendCertsFromPEM([]byte(pki.CAPEM))
	srv := httptest.NewUnstartedServer(&fakeEngine{swarmHeader: "active/manager"})
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientCAs:    clientCAs,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	host := "tcp://" + srv.Listener.Addr().String()

	tests := map[string]struct {
		ep      Endpoint
		wantErr []string
	}{
		"CA and client certificate": {
			ep: Endpoint{Host: host, CAPEM: pki.CAPEM, CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM},
		},
		"wrong CA fails the handshake and names the host": {
			ep:      Endpoint{Host: host, CAPEM: pki.OtherCAPEM, CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM},
			wantErr: []string{"cannot reach the Docker Engine at " + host, "TLS handshake", "certificate signed by unknown authority"},
		},
		"client certificate without CA verifies against system roots": {
			ep:      Endpoint{Host: host, CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM},
			wantErr: []string{"TLS handshake", "certificate signed by unknown authority"},
		},
		"explicit tls_verify false": {
			ep: Endpoint{Host: host, CertPEM: pki.ClientCertPEM, KeyPEM: pki.ClientKeyPEM, TLSVerify: boolPtr(false)},
		},
		"no client certificate is refused by the engine": {
			ep:      Endpoint{Host: host, CAPEM: pki.CAPEM},
			wantErr: []string{"cannot reach the Docker Engine at " + host},
		},
		"plain HTTP to a TLS engine": {
			ep:      Endpoint{Host: host},
			wantErr: []string{host},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			c, err := New(Config{Endpoints: []Endpoint{tt.ep}}, WithGetenv(env(nil)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Manager(context.Background())
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Manager: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Manager: want an error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSSHDialStdio(t *testing.T) {
	engine := &fakeEngine{swarmHeader: "active/manager"}
	sockHost, _ := serveUnix(t, engine)
	argsLog := filepath.Join(t.TempDir(), "args")
	t.Setenv("FAKE_SSH_SOCKET", strings.TrimPrefix(sockHost, "unix://"))
	t.Setenv("FAKE_SSH_ARGS_LOG", argsLog)
	fakeSSHOnPath(t)
	c, err := New(Config{Endpoints: []Endpoint{{Host: "ssh://ops@m1:2222", SSHOpts: []string{"-i", "key"}}}})
	if err != nil {
		t.Fatal(err)
	}
	api, err := c.Manager(context.Background())
	if err != nil {
		t.Fatalf("Manager over ssh: %v", err)
	}
	if _, err := api.ServerVersion(context.Background(), serverVersionOptions()); err != nil {
		t.Fatalf("call over ssh: %v", err)
	}
	if engine.requests.Load() < 2 {
		t.Errorf("the engine saw %d requests, want the ping and the call", engine.requests.Load())
	}
	got, err := os.ReadFile(argsLog)
	if err != nil {
		t.Fatal(err)
	}
	want := "-l ops -p 2222 -i key -o ConnectTimeout=30 -T -- m1 docker system dial-stdio"
	if string(got) != want {
		t.Errorf("ssh args = %q, want %q", got, want)
	}
}

func TestSSHFailureIsExplained(t *testing.T) {
	t.Setenv("FAKE_SSH_SOCKET", filepath.Join(t.TempDir(), "nobody.sock"))
	fakeSSHOnPath(t)
	c, err := New(Config{Endpoints: []Endpoint{{Host: "ssh://ops@m1"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Manager(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	for _, w := range []string{"ssh://ops@m1", "fake ssh"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// fakeSSHOnPath puts this test binary first on PATH as "ssh" (TestMain then plays ssh).
func fakeSSHOnPath(t *testing.T) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(self, filepath.Join(dir, "ssh")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func serverVersionOptions() client.ServerVersionOptions { return client.ServerVersionOptions{} }
