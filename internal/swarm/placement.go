package swarm

import (
	"net"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/swarm"
)

// A global service (or global job) has converged when every node that should run it does. The
// swarm does not report which nodes those are: swarmkit's global orchestrator creates a task,
// bound to its node, on each node that qualifies, at a moment of its own after the service is
// written. Deciding from the tasks alone (as docker/cli's progress does) cannot tell a node the
// orchestrator has not reached yet from one that does not qualify, so right after a create it
// would count no node at all, and a node that fails all its restart attempts leaves no task that
// Swarm still wants running. So the rules the swarm applies are evaluated here, on the node list:
//
//   - orchestrator: a node that is down or drained runs no task; a paused one gets no new task;
//   - scheduler: a task starts only on a node that is ready (and active);
//   - constraints (swarmkit's manager/constraint): every expression must hold; "key==value" or
//     "key!=value"; keys are case-insensitive except the label name after node.labels. or
//     engine.labels.; values compare case-insensitively; a missing label equals nothing; node.ip
//     takes an address or a CIDR;
//   - platforms (the scheduler's platform filter): one listed platform must match, an empty OS
//     or architecture matches any, x86_64 is amd64 and aarch64 is arm64.
//
// placement_test.go has a test for each rule.

// convEligibleNodes are the nodes where a global service should run a task, by the rules above.
// A node whose constraints this package cannot evaluate counts when the swarm placed a current
// task there (one that Swarm wants running, or a completed job task): there the swarm's own
// evaluation said yes.
func convEligibleNodes(pl *swarm.Placement, nodes []swarm.Node, tasks []swarm.Task) []swarm.Node {
	hasTask := map[string]bool{}
	for _, t := range tasks {
		if convWantedRunning(t) || t.Status.State == swarm.TaskStateComplete {
			hasTask[t.NodeID] = true
		}
	}
	var out []swarm.Node
	for _, n := range nodes {
		if n.Status.State != swarm.NodeStateReady || n.Spec.Availability != swarm.NodeAvailabilityActive {
			continue
		}
		ok, known := convPlacementMatches(pl, n)
		if ok || (!known && hasTask[n.ID]) {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Description.Hostname < out[j].Description.Hostname })
	return out
}

// convPlacementMatches applies Swarm's constraint rules (key == value or key != value, values
// compared case-insensitively) and platform list to a node. known is false when a constraint
// could not be evaluated here.
func convPlacementMatches(pl *swarm.Placement, n swarm.Node) (ok, known bool) {
	if pl == nil {
		return true, true
	}
	for _, c := range pl.Constraints {
		m, k := convConstraintMatches(c, n)
		if !k {
			return false, false
		}
		if !m {
			return false, true
		}
	}
	if len(pl.Platforms) > 0 {
		os := strings.ToLower(n.Description.Platform.OS)
		arch := convNormalizeArch(n.Description.Platform.Architecture)
		match := false
		for _, pf := range pl.Platforms {
			if (pf.OS == "" || strings.EqualFold(pf.OS, os)) &&
				(pf.Architecture == "" || convNormalizeArch(pf.Architecture) == arch) {
				match = true
				break
			}
		}
		if !match {
			return false, true
		}
	}
	return true, true
}

func convNormalizeArch(a string) string {
	switch strings.ToLower(a) {
	case "x86_64", "x86-64", "amd64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	}
	return strings.ToLower(a)
}

func convConstraintMatches(expr string, n swarm.Node) (match, known bool) {
	c, err := ParseConstraint(expr)
	if err != nil {
		return false, false
	}
	key, want, eq := c.Key, c.Value, c.Op == ConstraintEqual
	var got string
	lk := strings.ToLower(key)
	switch {
	case lk == "node.id":
		got = n.ID
	case lk == "node.hostname":
		got = n.Description.Hostname
	case lk == "node.role":
		got = string(n.Spec.Role)
	case lk == "node.platform.os":
		got = n.Description.Platform.OS
	case lk == "node.platform.arch":
		got = n.Description.Platform.Architecture
	case lk == "node.ip":
		ip := net.ParseIP(n.Status.Addr)
		var in bool
		if _, cidr, err := net.ParseCIDR(want); err == nil {
			in = ip != nil && cidr.Contains(ip)
		} else if wip := net.ParseIP(want); wip != nil {
			in = ip != nil && wip.Equal(ip)
		} else {
			return false, false
		}
		return in == eq, true
	case labelKey(key, NodeLabelPrefix):
		got = n.Spec.Labels[key[len(NodeLabelPrefix):]]
	case labelKey(key, EngineLabelPrefix):
		got = n.Description.Engine.Labels[key[len(EngineLabelPrefix):]]
	default:
		return false, false
	}
	return strings.EqualFold(got, want) == eq, true
}
