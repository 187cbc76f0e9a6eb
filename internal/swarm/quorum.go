package swarm

// When the swarm cannot take a request because it has no leader (its managers lost their
// quorum), the Engine says so only vaguely: "The swarm does not have a leader", or, when the
// request waited for a leader that had just lost its quorum, a bare "context deadline exceeded"
// (the manager's own 20 s limit for swarm requests). explainQuorum asks the swarm which managers
// are missing and says that instead.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// quorumProbeTimeout bounds the look at the managers after a quorum symptom: a manager without a
// leader takes up to 20 s to answer `docker info`.
const quorumProbeTimeout = 30 * time.Second

// swarmPortProbeTimeout bounds one connection attempt to a manager's swarm port.
const swarmPortProbeTimeout = 2 * time.Second

// ManagerReach is one manager of the swarm and whether it can be reached.
type ManagerReach struct {
	// Name is the node's hostname when known, else its node ID.
	Name string
	// Addr is the manager's swarm address (host:port).
	Addr      string
	Reachable bool
	// Self marks the manager the provider asked.
	Self bool
}

func (m ManagerReach) String() string {
	switch {
	case m.Name != "" && m.Addr != "":
		return fmt.Sprintf("%s (%s)", m.Name, m.Addr)
	case m.Addr != "":
		return m.Addr
	}
	return m.Name
}

// QuorumError says that the swarm could not take a request because it has no leader: fewer than
// a majority of its managers are reachable. It names the managers that are not.
type QuorumError struct {
	// Host is the engine the provider asked.
	Host     string
	Managers []ManagerReach
	// Probed is true when reachability was tested from the provider (connections to the
	// managers' swarm ports), because the swarm, without a leader, could not list its nodes.
	Probed bool
	Err    error
}

// Unreachable lists the managers that cannot be reached.
func (e *QuorumError) Unreachable() []ManagerReach {
	var out []ManagerReach
	for _, m := range e.Managers {
		if !m.Reachable {
			out = append(out, m)
		}
	}
	return out
}

func (e *QuorumError) Error() string {
	n := len(e.Managers)
	down := e.Unreachable()
	names := make([]string, len(down))
	for i, m := range down {
		names[i] = m.String()
	}
	how := "unreachable"
	if e.Probed {
		how = "not answering on their swarm port from here"
	}
	return fmt.Sprintf("the swarm has no leader: it has lost its quorum, %d of %d managers reachable where %d are needed; "+
		"managers %s: %s. Start them again (or recover with `docker swarm init --force-new-cluster` on a remaining manager). "+
		"A change that was refused this way may still be applied once they are back (the leader may have logged it): the next plan shows what the swarm holds. "+
		"The Docker Engine at %s said: %v",
		n-len(down), n, n/2+1, how, strings.Join(names, ", "), e.Host, e.Err)
}

func (e *QuorumError) Unwrap() error { return e.Err }

// isQuorumSymptom tells an error that may come from a swarm without a leader: the Engine's words
// for it, or a deadline that the Engine (not the provider) ran out of while waiting for a
// leader. A request the provider itself cancelled is none.
func isQuorumSymptom(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var qe *QuorumError
	if errors.As(err, &qe) {
		return false
	}
	msg := err.Error()
	if noLeaderMessage([]byte(msg)) {
		return true
	}
	// The manager's own request timeout comes back as an Engine error whose text is the gRPC
	// status; the provider's own deadline is context.DeadlineExceeded itself.
	return !errors.Is(err, context.DeadlineExceeded) &&
		(strings.Contains(msg, "code = DeadlineExceeded") || strings.Contains(msg, "context deadline exceeded"))
}

// quorumAPI is the part of the Engine API explainQuorum uses; tests fake it.
type quorumAPI interface {
	NodeList(ctx context.Context, options client.NodeListOptions) (client.NodeListResult, error)
	Info(ctx context.Context, options client.InfoOptions) (client.SystemInfoResult, error)
}

// probeFunc tells whether a manager's swarm address accepts connections.
type probeFunc func(ctx context.Context, addr string) bool

func probeSwarmPort(ctx context.Context, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, swarmPortProbeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// explainQuorum turns err, a quorum symptom from the engine at host, into a *QuorumError when the
// swarm has indeed too few reachable managers; otherwise err comes back as it was.
func explainQuorum(ctx context.Context, api quorumAPI, host string, err error, probe probeFunc) error {
	// The node list, while a leader (one that has not yet noticed its loss) still answers it; when
	// the Engine said already that there is no leader, it would only say so again.
	lerr := errors.New("the swarm has no leader")
	var res client.NodeListResult
	if !noLeaderMessage([]byte(err.Error())) {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		res, lerr = api.NodeList(lctx, client.NodeListOptions{Filters: make(client.Filters).Add("role", "manager")})
		cancel()
	}
	if lerr == nil {
		var managers []ManagerReach
		for _, n := range res.Items {
			if n.ManagerStatus == nil {
				continue
			}
			managers = append(managers, ManagerReach{
				Name: n.Description.Hostname, Addr: n.ManagerStatus.Addr,
				Reachable: n.ManagerStatus.Leader || n.ManagerStatus.Reachability == swarm.ReachabilityReachable,
			})
		}
		if !quorumLost(managers) {
			return err
		}
		sortManagers(managers)
		return &QuorumError{Host: host, Managers: managers, Err: err}
	}
	// No leader at all: the engine still knows its peers' addresses.
	info, ierr := api.Info(ctx, client.InfoOptions{})
	if ierr != nil || len(info.Info.Swarm.RemoteManagers) == 0 {
		return err
	}
	var managers []ManagerReach
	for _, p := range info.Info.Swarm.RemoteManagers {
		m := ManagerReach{Name: p.NodeID, Addr: p.Addr}
		if p.NodeID == info.Info.Swarm.NodeID {
			m.Self, m.Reachable, m.Name = true, true, "the engine asked"
		} else {
			m.Reachable = probe(ctx, p.Addr)
		}
		managers = append(managers, m)
	}
	if !quorumLost(managers) {
		// Reachable from here, yet no leader: say what the engine said, with the list's error.
		return fmt.Errorf("%w (listing the managers: %v)", err, lerr)
	}
	sortManagers(managers)
	return &QuorumError{Host: host, Managers: managers, Probed: true, Err: err}
}

// quorumLost: fewer than a majority of the managers are reachable.
func quorumLost(managers []ManagerReach) bool {
	up := 0
	for _, m := range managers {
		if m.Reachable {
			up++
		}
	}
	return len(managers) > 0 && up < len(managers)/2+1
}

func sortManagers(ms []ManagerReach) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Addr < ms[j].Addr })
}
