package main

// What to do, given what the engines say: pure functions of the observed membership, so that the
// decisions are tested without Docker (plan_test.go). bed.go observes and acts.

import (
	"fmt"
	"strings"
	"time"

	"github.com/moby/moby/api/types/swarm"
)

// local is what an engine says about its own place in a swarm (`docker info`'s Swarm part).
type local struct {
	// State is the local node state; empty when the engine does not answer.
	State   swarm.LocalNodeState
	NodeID  string
	Control bool
}

const notAnswering swarm.LocalNodeState = ""

// entry is one node of the host's swarm, as its managers list it.
type entry struct {
	ID, Hostname string
	Role         swarm.NodeRole // the role the node is meant to have
	Status       swarm.NodeState
	Availability swarm.NodeAvailability
	// Manager is whether the node is in the managers' raft group; Leader and Reachability are its
	// standing there.
	Manager      bool
	Leader       bool
	Reachability swarm.Reachability
}

func toEntry(n swarm.Node) entry {
	e := entry{
		ID: n.ID, Hostname: n.Description.Hostname, Role: n.Spec.Role, Status: n.Status.State,
		Availability: n.Spec.Availability,
	}
	if m := n.ManagerStatus; m != nil {
		e.Manager, e.Leader, e.Reachability = true, m.Leader, m.Reachability
	}
	return e
}

// managerStatus is the MANAGER STATUS column of `docker node ls`.
func (e entry) managerStatus() string {
	switch {
	case !e.Manager:
		return ""
	case e.Leader:
		return "Leader"
	default:
		return capitalize(string(e.Reachability))
	}
}

// member is a manager or worker of the bed (the host's engine aside) as observed.
type member struct {
	node
	local
	// UnhealthyFor is how long the node has had a problem (zero when it has none, or it was
	// just acted on).
	UnhealthyFor time.Duration
}

type action string

const (
	actJoin     action = "join"     // an engine in no swarm joins the host's swarm in its role
	actRejoin   action = "rejoin"   // it leaves whatever swarm it believes in, its entry goes, it joins
	actPromote  action = "promote"  // its entry becomes a manager
	actDemote   action = "demote"   // its entry becomes a worker
	actActivate action = "activate" // its entry's availability becomes active
	actLeave    action = "leave"    // a free engine leaves its swarm
	actWipe     action = "wipe"     // testbed.sh restarts the engine on an empty swarm state
	actRemove   action = "remove"   // a stale entry leaves the host's swarm
)

type step struct {
	Do   action
	Node node
	// ID is the entry the step acts on (for a rejoin, the old entry to remove, if any).
	ID  string
	Why string
}

func (s step) String() string {
	if s.Why == "" {
		return fmt.Sprintf("%s %s", s.Do, s.Node.Name)
	}
	return fmt.Sprintf("%s %s (%s)", s.Do, s.Node.Name, s.Why)
}

// problem says why an engine is not (yet) a healthy member of the host's swarm in role r, or ""
// when it is. e is its entry in the host's swarm, nil when there is none.
func problem(r role, l local, e *entry) string {
	switch {
	case l.State == notAnswering:
		return "engine not answering"
	case l.State != swarm.LocalNodeStateActive:
		return fmt.Sprintf("swarm state %s", l.State)
	case e == nil:
		return fmt.Sprintf("node id %s is not in the host's swarm", l.NodeID)
	case e.Status != swarm.NodeStateReady:
		return fmt.Sprintf("status %s", e.Status)
	case r == roleManager && !e.Leader && e.Reachability != swarm.ReachabilityReachable:
		return fmt.Sprintf("manager status '%s'", orNone(e.managerStatus()))
	case r == roleWorker && e.Manager:
		return "a manager, not a worker"
	case e.Availability != swarm.NodeAvailabilityActive:
		return fmt.Sprintf("availability %s", e.Availability)
	}
	return ""
}

func findEntry(entries []entry, id string) *entry {
	if id == "" {
		return nil
	}
	for i := range entries {
		if entries[i].ID == id {
			return &entries[i]
		}
	}
	return nil
}

// roleFixes puts back what a test may have changed on a member's entry: its role and its
// availability.
func roleFixes(n node, e entry) []step {
	var steps []step
	switch {
	case n.Role == roleManager && e.Role != swarm.NodeRoleManager:
		steps = append(steps, step{Do: actPromote, Node: n, ID: e.ID})
	case n.Role == roleWorker && e.Role != swarm.NodeRoleWorker:
		steps = append(steps, step{Do: actDemote, Node: n, ID: e.ID})
	}
	if e.Availability != swarm.NodeAvailabilityActive {
		steps = append(steps, step{Do: actActivate, Node: n, ID: e.ID, Why: fmt.Sprintf("was %s", e.Availability)})
	}
	return steps
}

// planMembers decides the next steps for the swarm's managers and workers and its first manager
// (lead: the host, or fm1), whose own state is host. A member
// that believes it is in the host's swarm (or is still connecting) gets grace to become healthy
// (e.g. just restarted) before it is made to join anew; one that is in no swarm, in another
// swarm, or in a broken state joins at once. waiting names the nodes that are not healthy yet
// and why; the bed has converged when there are neither steps nor waiting nodes.
func planMembers(lead node, host local, members []member, entries []entry, grace time.Duration) (steps []step, waiting map[string]string) {
	waiting = map[string]string{}
	hostEntry := findEntry(entries, host.NodeID)
	if hostEntry != nil && hostEntry.Availability != swarm.NodeAvailabilityActive {
		steps = append(steps, step{Do: actActivate, Node: lead, ID: hostEntry.ID, Why: fmt.Sprintf("was %s", hostEntry.Availability)})
	}
	if p := problem(roleManager, host, hostEntry); p != "" {
		waiting[lead.Name] = p
	}
	for _, m := range members {
		e := findEntry(entries, m.NodeID)
		p := problem(m.Role, m.local, e)
		switch {
		case m.State == notAnswering:
			waiting[m.Name] = p
			continue
		case m.State == swarm.LocalNodeStateInactive:
			steps = append(steps, step{Do: actJoin, Node: m.node})
			continue
		case m.State == swarm.LocalNodeStateActive && e == nil,
			m.State == swarm.LocalNodeStateError, m.State == swarm.LocalNodeStateLocked:
			steps = append(steps, step{Do: actRejoin, Node: m.node, ID: m.NodeID, Why: p})
			continue
		}
		// Active and listed, or pending: it may only need time.
		if e != nil {
			steps = append(steps, roleFixes(m.node, *e)...)
		}
		if p == "" {
			continue
		}
		if m.UnhealthyFor >= grace {
			steps = append(steps, step{Do: actRejoin, Node: m.node, ID: m.NodeID, Why: fmt.Sprintf("%s for %s", p, m.UnhealthyFor.Round(time.Second))})
			continue
		}
		waiting[m.Name] = p
	}
	return steps, waiting
}

// planFree makes the free engines leave whatever swarm a test put them in. One that does not
// answer is restarted (on an empty swarm state, as it should have none).
func planFree(free []member) []step {
	var steps []step
	for _, m := range free {
		switch m.State {
		case swarm.LocalNodeStateInactive:
		case notAnswering:
			steps = append(steps, step{Do: actWipe, Node: m.node, Why: "engine not answering"})
		default:
			steps = append(steps, step{Do: actLeave, Node: m.node, Why: fmt.Sprintf("swarm state %s", m.State)})
		}
	}
	return steps
}

// planStale removes entries of the host's swarm that carry the name of a bed node but not the node
// ID that node has now: left over from a node that was wiped, re-joined or left. The host may still
// show such an entry ready for a while after its engine died: the node ID decides, not the status.
// A node whose own state is unsure (neither active nor inactive) keeps the entries of its name.
func planStale(nodes []member, entries []entry) []step {
	live := map[string]bool{}
	unsure := map[string]bool{}
	for _, m := range nodes {
		switch m.State {
		case swarm.LocalNodeStateActive:
			live[m.NodeID] = true
		case swarm.LocalNodeStateInactive:
		default:
			unsure[m.Name] = true
		}
	}
	var steps []step
	for _, e := range entries {
		n, ok := parseNode(e.Hostname)
		if !ok || live[e.ID] || unsure[e.Hostname] {
			continue
		}
		steps = append(steps, step{Do: actRemove, Node: n, ID: e.ID, Why: fmt.Sprintf("stale, %s", e.Status)})
	}
	return steps
}

type hostAction string

const (
	hostReady    hostAction = "ready"
	hostWait     hostAction = "wait"
	hostInit     hostAction = "init"              // docker swarm init
	hostReset    hostAction = "reset"             // leave, then init anew
	hostForceNew hostAction = "force-new-cluster" // init --force-new-cluster: a new raft group of one
)

// Time the host's swarm gets to come back by itself before the bed acts.
const (
	hostPendingGrace = 45 * time.Second // its managers restarting with it
	quorumGrace      = 30 * time.Second // a leader being elected
)

// planHost decides what to do with the host engine's swarm. owned is whether the bed made it (it
// never resets a swarm it did not make); managers whether the bed has other managers (which the
// host's swarm may be waiting for); waited how long it has been waited for already.
func planHost(l local, owned, managers bool, waited time.Duration) (hostAction, error) {
	switch l.State {
	case notAnswering:
		return "", fmt.Errorf("the host engine (%s) does not answer", hostURL)
	case swarm.LocalNodeStateInactive:
		return hostInit, nil
	case swarm.LocalNodeStatePending, swarm.LocalNodeStateError:
		// E.g. every engine was killed: the host's swarm comes back once its managers are up.
		if managers && waited < hostPendingGrace {
			return hostWait, nil
		}
	}
	if l.State != swarm.LocalNodeStateActive {
		if !owned {
			return "", fmt.Errorf("the host engine's swarm is %s and the test bed did not make it; fix or leave it (docker swarm leave --force)", l.State)
		}
		return hostReset, nil
	}
	if !l.Control {
		if !owned {
			return "", fmt.Errorf("the host engine is a worker of a swarm the test bed did not make")
		}
		return hostReset, nil
	}
	return hostReady, nil
}

// planQuorum decides what to do when the host's swarm does (writable) or does not accept writes:
// a leader that has just lost its quorum still answers reads, so the bed probes with a write.
func planQuorum(writable, owned bool, waited time.Duration) (hostAction, error) {
	switch {
	case writable:
		return hostReady, nil
	case waited < quorumGrace:
		return hostWait, nil
	case !owned:
		return "", fmt.Errorf("the host's swarm has no leader (lost quorum) and the test bed did not make it")
	}
	return hostForceNew, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
