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
	"sync"
	"time"

	"github.com/docker/cli/cli/connhelper"
)

// dialTimeout bounds one connection attempt, so that a dead manager costs little before the next
// one is tried.
const dialTimeout = 10 * time.Second

// dialer opens connections to one resolved endpoint.
type dialer struct {
	ep Resolved
}

func (d *dialer) dial(ctx context.Context) (net.Conn, error) {
	switch d.ep.Target.Scheme {
	case SchemeUnix:
		var nd net.Dialer
		ctx, cancel := context.WithTimeout(ctx, dialTimeout)
		defer cancel()
		return nd.DialContext(ctx, "unix", d.ep.Target.Address)
	case SchemeSSH:
		// The Docker CLI's ssh transport: `ssh … -- host docker system dial-stdio`.
		helper, err := connhelper.GetConnectionHelperWithSSHOpts(d.ep.Target.Raw, d.ep.SSHOpts)
		if err != nil {
			return nil, err
		}
		conn, err := helper.Dialer(ctx, "", "")
		if err != nil {
			return nil, err
		}
		return &commandConn{Conn: conn}, nil
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

// commandConn is the ssh command's connection (docker/cli's commandconn); it tells onErr why
// the command ended early, since ssh only fails once it is read from.
type commandConn struct {
	net.Conn
	onErr func(error)
}

func (c *commandConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && c.onErr != nil {
		c.onErr(err)
	}
	return n, err
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

// noLeaderMessage recognises the Engine's words for a swarm without a leader: none elected, or
// the leader stepped down while it handled the request (swarmkit's ErrLostLeadership: a proposal
// that lost its leader is not committed without a quorum; were it committed after all, a
// replayed update fails as out of sequence and a replayed create finds its service by name).
func noLeaderMessage(body []byte) bool {
	return bytes.Contains(body, []byte("does not have a leader")) || bytes.Contains(body, []byte("no elected cluster leader")) ||
		bytes.Contains(body, []byte("node lost leader status"))
}
