// Package swarm talks to the Docker Engine API for the provider. It imports no Terraform framework
// package: the provider layer turns its values and errors into schema values and diagnostics.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// API is the Engine API client the swarm package and the provider use.
type API = client.APIClient

// Client connects lazily to the engines of a Config: nothing is dialled until a resource needs the
// Engine, so a plan whose provider configuration is still unknown works.
type Client struct {
	cfg       Config
	endpoints []Resolved
	getenv    Getenv

	// unavailable, when set, is returned by every call that needs the Engine.
	unavailable error

	mu      sync.Mutex
	api     *client.Client
	fo      *failover
	manager bool

	// removalTasks shares the task lists of concurrent WaitServiceRemoved calls.
	removalTasks sharedTaskList
	// statusProbe shares the task counts that concurrent WaitConverged calls look at between
	// their full looks.
	statusProbe statusProbe
	// digests remembers what ResolveDigest resolved.
	digests digestCache
}

// Option changes how a Client is built; tests use them.
type Option func(*Client)

// WithGetenv replaces os.Getenv for the environment fallbacks.
func WithGetenv(g Getenv) Option { return func(c *Client) { c.getenv = g } }

// New checks the configuration and returns a Client that has not connected yet.
func New(cfg Config, opts ...Option) (*Client, error) {
	c := &Client{cfg: cfg}
	for _, o := range opts {
		o(c)
	}
	eps := cfg.Endpoints
	if len(eps) == 0 {
		eps = []Endpoint{{}}
	}
	for _, ep := range eps {
		r, err := ep.Resolve(c.getenv)
		if err != nil {
			return nil, err
		}
		c.endpoints = append(c.endpoints, r)
	}
	return c, nil
}

// Hosts lists the engines of this client, as written.
func (c *Client) Hosts() []string {
	hosts := make([]string, len(c.endpoints))
	for i, ep := range c.endpoints {
		hosts[i] = ep.Target.Raw
	}
	return hosts
}

func (c *Client) newAPI(dialers []*dialer) (*client.Client, *failover, error) {
	return c.newAPIVersion(dialers, c.cfg.APIVersion)
}

// maxIdleConns is how many connections to the Engine are kept open between calls: more than
// Terraform's default parallelism of 10, and room for a -parallelism of up to 32.
const maxIdleConns = 32

// newAPIVersion builds an Engine client over the dialers; an empty version means negotiate.
func (c *Client) newAPIVersion(dialers []*dialer, version string) (*client.Client, *failover, error) {
	fo := &failover{dialers: dialers}
	transport := &http.Transport{
		DialContext: fo.DialContext,
		// Terraform runs 10 operations at once by default, and each holds a connection. With
		// net/http's default of 2 idle connections per host, all but 2 were closed after each call
		// and dialed again for the next: a TLS handshake each against a tcp Engine, and 4% of the
		// provider's CPU in a refresh of 500 services over a unix socket.
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConns,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: 0,
	}
	// The Engine client closes idle connections only of a transport it sees directly; ours is
	// wrapped in leaderRetry, so Close does it.
	fo.transport = transport
	host := dialers[0].ep.Target.Raw
	if dialers[0].ep.Target.Scheme == SchemeSSH {
		// The moby client only knows unix and tcp; the dialer does the ssh part.
		host = "tcp://" + dialers[0].ep.Target.Address
	}
	opts := []client.Opt{
		client.WithHost(host),
		client.WithHTTPClient(&http.Client{
			Transport:     &leaderRetry{next: transport, wait: leaderWait, interval: time.Second, fo: fo},
			CheckRedirect: client.CheckRedirect,
		}),
	}
	if c.cfg.UserAgent != "" {
		opts = append(opts, client.WithUserAgent(c.cfg.UserAgent))
	}
	if version != "" {
		opts = append(opts, client.WithAPIVersion(version))
	}
	api, err := client.New(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("building the Docker Engine client for %s: %w", dialers[0].ep.Target.Raw, err)
	}
	return api, fo, nil
}

func (c *Client) dialers() []*dialer {
	ds := make([]*dialer, len(c.endpoints))
	for i, ep := range c.endpoints {
		ds[i] = &dialer{ep: ep}
	}
	return ds
}

// Engine returns the client of the first engine that answers, with no swarm requirement: for
// volumes, and for engines that are to init or join a swarm.
func (c *Client) Engine(ctx context.Context) (API, error) {
	if c.unavailable != nil {
		return nil, c.unavailable
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.api != nil {
		return c.api, nil
	}
	api, fo, err := c.newAPI(c.dialers())
	if err != nil {
		return nil, err
	}
	if _, err := api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = api.Close()
		return nil, c.connectErr(fo, err)
	}
	c.api, c.fo = api, fo
	return api, nil
}

// Manager returns the client of the first engine, in the configured order, that answers as a
// manager of an active swarm. The choice is made once; when that engine stops answering later,
// connections move on to the next engine that answers.
func (c *Client) Manager(ctx context.Context) (API, error) {
	if c.unavailable != nil {
		return nil, c.unavailable
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.api != nil && c.manager {
		return c.api, nil
	}
	dialers := c.dialers()
	var problems []string
	for i, d := range dialers {
		probe, fo, err := c.newAPI([]*dialer{d})
		if err != nil {
			return nil, err
		}
		ping, err := probe.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		if err != nil {
			_ = probe.Close()
			fo.transport.CloseIdleConnections()
			problems = append(problems, c.connectErr(fo, err).Error())
			continue
		}
		state, control, err := swarmStatus(ctx, probe, ping)
		_ = probe.Close()
		fo.transport.CloseIdleConnections()
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", d.ep.Target.Raw, err))
			continue
		}
		if state == "active" && control {
			if c.api == nil {
				// The probe negotiated the version already: reuse it rather than ping again.
				api, fo, err := c.newAPIVersion(dialers, probe.ClientVersion())
				if err != nil {
					return nil, err
				}
				c.api, c.fo = api, fo
			}
			c.fo.prefer(i)
			c.manager = true
			return c.api, nil
		}
		problems = append(problems, notManagerMessage(d.ep.Target.Raw, state))
	}
	if len(problems) == 1 {
		return nil, errors.New(problems[0])
	}
	return nil, fmt.Errorf("no swarm manager answered:\n- %s", strings.Join(problems, "\n- "))
}

// notManagerMessage explains why an engine that answered cannot serve as the swarm's manager.
func notManagerMessage(host, state string) string {
	switch state {
	case "active":
		return fmt.Sprintf("the Docker Engine at %s is a swarm worker, not a manager: point the provider's host (or hosts) at a manager node, or promote this node with `docker node promote`", host)
	case "inactive", "":
		return fmt.Sprintf("the Docker Engine at %s is not part of a swarm: create one with the swarm_cluster resource or `docker swarm init`, or point the provider at a manager of an existing swarm", host)
	case "locked":
		return fmt.Sprintf("the swarm on the Docker Engine at %s is locked: unlock it with `docker swarm unlock` and the unlock key", host)
	default:
		return fmt.Sprintf("the Docker Engine at %s is not an active swarm manager (local node state %q): wait for it to finish joining, or point the provider at another manager", host, state)
	}
}

func swarmStatus(ctx context.Context, api *client.Client, ping client.PingResult) (string, bool, error) {
	if ping.SwarmStatus != nil {
		return string(ping.SwarmStatus.NodeState), ping.SwarmStatus.ControlAvailable, nil
	}
	info, err := api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", false, err
	}
	return string(info.Info.Swarm.LocalNodeState), info.Info.Swarm.ControlAvailable, nil
}

// connectErr replaces the Engine client's generic connection message with what each engine said.
func (c *Client) connectErr(fo *failover, err error) error {
	if client.IsErrConnectionFailed(err) {
		if detail := fo.takeLastErr(); detail != nil {
			return detail
		}
	}
	var ee *EngineError
	if errors.As(err, &ee) {
		return err
	}
	return &EngineError{Host: strings.Join(c.Hosts(), ", "), Err: err}
}

// Err gives a connection failure the hosts and the reason each one failed, and a request the
// swarm could not take for want of a leader the managers that are missing (*QuorumError); other
// errors pass through unchanged.
func (c *Client) Err(err error) error {
	if err == nil {
		return err
	}
	c.mu.Lock()
	fo, api := c.fo, c.api
	c.mu.Unlock()
	if isQuorumSymptom(err) && api != nil && fo != nil {
		// The caller's context may be over already: the look at the swarm has its own.
		ctx, cancel := context.WithTimeout(context.Background(), quorumProbeTimeout)
		defer cancel()
		return explainQuorum(ctx, api, c.endpoints[fo.current()].Target.Raw, err, probeSwarmPort)
	}
	if !client.IsErrConnectionFailed(err) || fo == nil {
		return err
	}
	return c.connectErr(fo, err)
}

// APIVersion is the Engine API version in use: the pinned one, or the one negotiated with the
// engine (which connects if needed).
func (c *Client) APIVersion(ctx context.Context) (string, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return "", err
	}
	return api.ClientVersion(), nil
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fo != nil && c.fo.transport != nil {
		c.fo.transport.CloseIdleConnections()
	}
	if c.api != nil {
		return c.api.Close()
	}
	return nil
}

// Unavailable returns a Client whose every use fails with err: the provider hands it out when its
// configuration is not known yet.
func Unavailable(err error) *Client {
	return &Client{unavailable: err}
}
