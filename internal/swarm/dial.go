package swarm

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
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

// avoid moves the preference off endpoint i, to the next one, when i is the preferred one: i
// answered but cannot serve now (e.g. a manager that has just restarted). The pool's idle
// connections go too: most lead to i, and each would be refused once more, a pause each before
// the request is sent again. With one endpoint it changes nothing.
func (f *failover) avoid(i int) {
	f.mu.Lock()
	moved := f.preferred == i && len(f.dialers) > 1
	if moved {
		f.preferred = (i + 1) % len(f.dialers)
	}
	f.mu.Unlock()
	if moved && f.transport != nil {
		f.transport.CloseIdleConnections()
	}
}

// endpointConn is a connection of the failover, marked with the index of its endpoint, so that a
// response can be traced back to the engine that sent it.
type endpointConn struct {
	net.Conn
	index int
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
			return &endpointConn{Conn: conn, index: i}, nil
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

// leaderWait bounds how long a request is re-sent while the swarm elects a new leader, or while
// a manager that has just restarted prepares itself.
const leaderWait = 60 * time.Second

// leaderRetry re-sends a request that a manager refused for a passing reason, until it is taken
// (at most wait):
//   - the swarm has no leader for the moment, as after a manager stopped, until one is elected;
//   - the engine says it is not a swarm manager: it was one when the client chose it, so it has
//     just restarted (its manager is "being prepared") or was demoted. The request goes to the
//     next engine of the failover, if there is another, else to the same one again.
//
// A refused request changed nothing, so re-sending a write is safe. The Engine says all of this
// only in words.
type leaderRetry struct {
	next     http.RoundTripper
	wait     time.Duration
	interval time.Duration
	// fo, when set, is told which engine refused as no manager.
	fo *failover
}

func (l *leaderRetry) RoundTrip(req *http.Request) (*http.Response, error) {
	deadline := time.Now().Add(l.wait)
	// refused is what the engine said when it last refused this request, for an error that
	// ends the wait.
	var refused []byte
	for {
		// Which engine served the request: the connection says.
		var conn *endpointConn
		traced := req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(info httptrace.GotConnInfo) {
				if ec, ok := info.Conn.(*endpointConn); ok {
					conn = ec
				}
			},
		}))
		resp, err := l.next.RoundTrip(traced)
		if err != nil && refused != nil && req.Context().Err() != nil {
			// The time ran out while a re-sent request was on its way.
			return nil, refusedUntil(err, refused)
		}
		if err != nil || resp.StatusCode < 500 || !time.Now().Before(deadline) {
			return resp, err
		}
		replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
		head, rerr := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		notManager := notManagerAnswer(head)
		if rerr != nil || !replayable || (!noLeaderMessage(head) && !notManager) {
			// Hand the response on as it came: the caller reads the status and the body (what
			// was read, then the rest), and a body read error reaches it on that read, as it
			// would without this transport. The round trip itself succeeded.
			resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(head), resp.Body), Closer: resp.Body}
			return resp, nil //nolint:nilerr // a failed body read is the caller's to see when reading the body
		}
		_ = resp.Body.Close()
		if notManager && conn != nil && l.fo != nil {
			// Off this engine: later connections go to the next one, and this one is not reused.
			l.fo.avoid(conn.index)
			_ = conn.Close()
		}
		refused = head
		if err := pause(req.Context(), l.interval); err != nil {
			return nil, refusedUntil(err, refused)
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

// refusedUntil is the error of a request whose time ran out while the swarm refused it: it says
// what the engine said last, not only that the time is up.
func refusedUntil(err error, refused []byte) error {
	return fmt.Errorf("%w, while the swarm could not take the request: %s", err, engineMessage(refused))
}

// engineMessage is the message of an Engine error body ({"message": "..."}), or the body itself.
func engineMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return string(bytes.TrimSpace(body))
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

// notManagerAnswer recognises the Engine's refusal of a swarm request by an engine that is not a
// manager (503, in three wordings: a manager being prepared after a restart, an engine whose
// swarm component has not started, a worker), or no longer one: an engine that is stopping
// answers for a moment after its swarm component has gone, with the gRPC error of dialing that
// component's control socket (the request never reached the swarm).
func notManagerAnswer(body []byte) bool {
	return bytes.Contains(body, []byte("This node is not a swarm manager")) ||
		(bytes.Contains(body, []byte("code = Unavailable")) && bytes.Contains(body, []byte("swarm/control.sock")))
}
