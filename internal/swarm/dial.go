package swarm

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// dialTimeout bounds one connection attempt, so that a dead manager costs little before the next
// one is tried.
const dialTimeout = 10 * time.Second

// dialer opens connections to one resolved endpoint.
type dialer struct {
	ep Resolved
	// sshCommand is the ssh binary; tests point it at a fake.
	sshCommand string
}

func (d *dialer) dial(ctx context.Context) (net.Conn, error) {
	switch d.ep.Target.Scheme {
	case SchemeUnix:
		var nd net.Dialer
		ctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		return nd.DialContext(ctx, "unix", d.ep.Target.Address)
	case SchemeSSH:
		return dialCommand(ctx, d.sshCommand, d.ep.Target.SSHArgs(d.ep.SSHOpts))
	default:
		nd := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
		conn, err := nd.DialContext(ctx, "tcp", d.ep.Target.Address)
		if err != nil || d.ep.TLS == nil {
			return conn, err
		}
		tlsConn := tls.Client(conn, d.ep.TLS.Clone())
		hctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		if err := tlsConn.HandshakeContext(hctx); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("TLS handshake: %w", err)
		}
		return tlsConn, nil
	}
}

// failover dials the preferred endpoint and, when it does not answer, the next ones in order. The
// endpoint that answered becomes the preferred one for later connections, so a manager that stops
// in the middle of a run costs one failed dial, not one per request.
type failover struct {
	dialers []*dialer
	// transport is the HTTP transport that dials through this failover.
	transport *http.Transport

	mu        sync.Mutex
	preferred int
	lastErr   error
}

func (f *failover) prefer(i int) {
	f.mu.Lock()
	f.preferred = i
	f.mu.Unlock()
}

func (f *failover) current() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.preferred
}

// DialContext has the signature http.Transport wants; network and address are ignored because the
// endpoint decides them.
func (f *failover) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	start := f.current()
	var errs []error
	for n := range f.dialers {
		i := (start + n) % len(f.dialers)
		conn, err := f.dialers[i].dial(ctx)
		if err == nil {
			if i != start {
				f.prefer(i)
			}
			if cc, ok := conn.(*commandConn); ok {
				// ssh only fails once it is read from: keep what it said for the error message.
				host := f.dialers[i].ep.Target.Raw
				cc.onErr = func(err error) { f.record(&EngineError{Host: host, Err: err}) }
			}
			return conn, nil
		}
		errs = append(errs, &EngineError{Host: f.dialers[i].ep.Target.Raw, Err: err})
		if ctx.Err() != nil {
			break
		}
	}
	err := errors.Join(errs...)
	f.record(err)
	return nil, err
}

func (f *failover) record(err error) {
	f.mu.Lock()
	f.lastErr = err
	f.mu.Unlock()
}

// takeLastErr returns the detailed error of the last dial in which no endpoint answered.
func (f *failover) takeLastErr() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.lastErr
	f.lastErr = nil
	return err
}

// commandConn is a net.Conn over the stdin and stdout of a command, as `ssh … docker system
// dial-stdio` gives.
type commandConn struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr *limitedBuffer
	// onErr hears why the command's connection ended early.
	onErr func(error)

	closeOnce sync.Once
	closeErr  error
}

func dialCommand(ctx context.Context, name string, args []string) (net.Conn, error) {
	if name == "" {
		name = "ssh"
	}
	// The command must outlive the dial's context: the connection is reused by later requests.
	cmd := exec.Command(name, args...) //nolint:gosec // the command is ssh with the user's own options
	cmd.Env = os.Environ()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr := &limitedBuffer{max: 4096}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	c := &commandConn{cmd: cmd, stdin: stdin, stdout: stdout, stderr: stderr}
	if ctx.Err() != nil {
		_ = c.Close()
		return nil, ctx.Err()
	}
	return c, nil
}

func (c *commandConn) Read(p []byte) (int, error) {
	n, err := c.stdout.Read(p)
	if errors.Is(err, io.EOF) && n == 0 {
		if msg := c.waitStderr(); msg != "" {
			err := fmt.Errorf("the ssh command ended: %s", msg)
			if c.onErr != nil {
				c.onErr(err)
			}
			return 0, err
		}
	}
	return n, err
}

// waitStderr gives the command a moment to finish writing why it ended.
func (c *commandConn) waitStderr() string {
	for i := 0; i < 20; i++ {
		if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
			return msg
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ""
}

func (c *commandConn) Write(p []byte) (int, error) { return c.stdin.Write(p) }

func (c *commandConn) Close() error {
	c.closeOnce.Do(func() {
		_ = c.stdin.Close()
		_ = c.stdout.Close()
		if c.cmd.Process != nil {
			_ = c.cmd.Process.Kill()
		}
		_ = c.cmd.Wait()
	})
	return c.closeErr
}

func (c *commandConn) LocalAddr() net.Addr                { return cmdAddr{} }
func (c *commandConn) RemoteAddr() net.Addr               { return cmdAddr{} }
func (c *commandConn) SetDeadline(t time.Time) error      { return nil }
func (c *commandConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *commandConn) SetWriteDeadline(t time.Time) error { return nil }

type cmdAddr struct{}

func (cmdAddr) Network() string { return "cmd" }
func (cmdAddr) String() string  { return "cmd" }

// limitedBuffer keeps the first bytes of a command's stderr for error messages.
type limitedBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - len(b.buf); room > 0 {
		if len(p) > room {
			b.buf = append(b.buf, p[:room]...)
		} else {
			b.buf = append(b.buf, p...)
		}
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// leaderWait bounds how long a request is re-sent while the swarm elects a new leader.
const leaderWait = 60 * time.Second

// leaderRetry re-sends a request that a manager refused because the swarm has no leader for the
// moment, as after a manager stopped, until a leader is elected (at most leaderWait). A refused
// request changed nothing, so re-sending a write is safe. The Engine says this only in words.
type leaderRetry struct {
	next     http.RoundTripper
	wait     time.Duration
	interval time.Duration
}

func (l *leaderRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(l.wait)
	for {
		resp, err := l.next.RoundTrip(req)
		if err != nil || resp.StatusCode < 500 || !time.Now().Before(deadline) {
			return resp, err
		}
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		head, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if rerr != nil || !replayable || !noLeaderMessage(head) {
			// Hand the response on as it came: the caller reads the status and the body (what
			// was read, then the rest), and a body read error reaches it on that read, as it
			// would without this transport. The round trip itself succeeded.
			resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
			return resp, nil //nolint:nilerr // a failed body read is the caller's to see when reading the body
		}
		_ = resp.Body.Close()
		if err := pause(req.Context(), l.interval); err != nil {
			return nil, err
		}
		next := req.Clone(req.Context())
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			next.Body = body
		}
		req = next
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

func noLeaderMessage(body []byte) bool {
	return bytes.Contains(body, []byte("does not have a leader")) || bytes.Contains(body, []byte("no elected cluster leader"))
}
