package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
)

// Fixtures: the bed of `make testbed` (m2, m3, w1, free1) as the host's swarm lists it when all
// is well.
var (
	m2, _    = parseNode("m2")
	m3, _    = parseNode("m3")
	w1, _    = parseNode("w1")
	free1, _ = parseNode("free1")
)

func active(id string) local { return local{State: swarm.LocalNodeStateActive, NodeID: id} }

var hostLocal = local{State: swarm.LocalNodeStateActive, NodeID: "H", Control: true}

func managerEntry(id, hostname string) entry {
	return entry{ID: id, Hostname: hostname, Role: swarm.NodeRoleManager, Status: swarm.NodeStateReady,
		Availability: swarm.NodeAvailabilityActive, Manager: true, Reachability: swarm.ReachabilityReachable}
}

func workerEntry(id, hostname string) entry {
	return entry{ID: id, Hostname: hostname, Role: swarm.NodeRoleWorker, Status: swarm.NodeStateReady,
		Availability: swarm.NodeAvailabilityActive}
}

func healthyEntries() []entry {
	h := managerEntry("H", "vm")
	h.Leader = true
	return []entry{h, managerEntry("M2", "m2"), managerEntry("M3", "m3"), workerEntry("W1", "w1")}
}

func healthyMembers() []member {
	return []member{{node: m2, local: active("M2")}, {node: m3, local: active("M3")}, {node: w1, local: active("W1")}}
}

// stepKeys reduces steps to "<action> <node> <id>" for comparison.
func stepKeys(steps []step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, strings.TrimSpace(string(s.Do)+" "+s.Node.Name+" "+s.ID))
	}
	return out
}

func TestPlanMembers(t *testing.T) {
	cases := map[string]struct {
		host        local
		members     func([]member) []member
		entries     func([]entry) []entry
		wantSteps   []string
		wantWaiting map[string]string
	}{
		"healthy: nothing to do": {},
		"fresh nodes join": {
			members: func(m []member) []member {
				for i := range m {
					m[i].local = local{State: swarm.LocalNodeStateInactive}
				}
				return m
			},
			entries:   func(e []entry) []entry { return e[:1] },
			wantSteps: []string{"join m2", "join m3", "join w1"},
		},
		"an engine that does not answer is waited for": {
			members:     func(m []member) []member { m[0].local = local{}; return m },
			wantWaiting: map[string]string{"m2": "engine not answering"},
		},
		"a node in another swarm rejoins at once": {
			members:   func(m []member) []member { m[2].local = active("OTHER"); return m },
			wantSteps: []string{"rejoin w1 OTHER"},
		},
		"a node in a broken state rejoins at once": {
			members: func(m []member) []member {
				m[0].local = local{State: swarm.LocalNodeStateError, NodeID: "M2"}
				return m
			},
			wantSteps: []string{"rejoin m2 M2"},
		},
		"a restarted manager gets time": {
			members: func(m []member) []member { m[1].UnhealthyFor = 10 * time.Second; return m },
			entries: func(e []entry) []entry {
				e[2].Status, e[2].Reachability = swarm.NodeStateDown, swarm.ReachabilityUnreachable
				return e
			},
			wantWaiting: map[string]string{"m3": "status down"},
		},
		"a pending node gets time": {
			members: func(m []member) []member {
				m[0].local = local{State: swarm.LocalNodeStatePending, NodeID: "M2"}
				return m
			},
			wantWaiting: map[string]string{"m2": "swarm state pending"},
		},
		"an unreachable manager rejoins after the grace": {
			members:   func(m []member) []member { m[1].UnhealthyFor = 31 * time.Second; return m },
			entries:   func(e []entry) []entry { e[2].Reachability = swarm.ReachabilityUnreachable; return e },
			wantSteps: []string{"rejoin m3 M3"},
		},
		"a demoted manager is promoted": {
			entries: func(e []entry) []entry {
				e[1].Role, e[1].Manager, e[1].Reachability = swarm.NodeRoleWorker, false, ""
				return e
			},
			wantSteps:   []string{"promote m2 M2"},
			wantWaiting: map[string]string{"m2": "manager status 'none'"},
		},
		"a promoted worker is demoted": {
			entries: func(e []entry) []entry {
				e[3].Role, e[3].Manager, e[3].Reachability = swarm.NodeRoleManager, true, swarm.ReachabilityReachable
				return e
			},
			wantSteps:   []string{"demote w1 W1"},
			wantWaiting: map[string]string{"w1": "a manager, not a worker"},
		},
		"a promotion under way is not repeated": {
			entries:     func(e []entry) []entry { e[1].Manager, e[1].Reachability = false, ""; return e },
			wantWaiting: map[string]string{"m2": "manager status 'none'"},
		},
		"drained nodes, the host's included, are made active": {
			entries: func(e []entry) []entry {
				e[0].Availability = swarm.NodeAvailabilityDrain
				e[3].Availability = swarm.NodeAvailabilityPause
				return e
			},
			wantSteps: []string{"activate host H", "activate w1 W1"},
			wantWaiting: map[string]string{
				"host": "availability drain",
				"w1":   "availability pause",
			},
		},
		"the host's problems are waited for, never acted on": {
			entries:     func(e []entry) []entry { e[0].Status = swarm.NodeStateUnknown; return e },
			wantWaiting: map[string]string{"host": "status unknown"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			host := hostLocal
			if tc.host != (local{}) {
				host = tc.host
			}
			members, entries := healthyMembers(), healthyEntries()
			if tc.members != nil {
				members = tc.members(members)
			}
			if tc.entries != nil {
				entries = tc.entries(entries)
			}
			steps, waiting := planMembers(hostNode, host, members, entries, memberGrace)
			if d := cmp.Diff(tc.wantSteps, stepKeys(steps)); d != "" {
				t.Errorf("steps (-want +got):\n%s", d)
			}
			if tc.wantWaiting == nil {
				tc.wantWaiting = map[string]string{}
			}
			if d := cmp.Diff(tc.wantWaiting, waiting); d != "" {
				t.Errorf("waiting (-want +got):\n%s", d)
			}
		})
	}
}

func TestProblem(t *testing.T) {
	e := managerEntry("M2", "m2")
	cases := map[string]struct {
		role  role
		local local
		entry *entry
		want  string
	}{
		"healthy manager":  {roleManager, active("M2"), &e, ""},
		"leader":           {roleManager, active("M2"), &entry{Status: swarm.NodeStateReady, Availability: swarm.NodeAvailabilityActive, Manager: true, Leader: true}, ""},
		"not answering":    {roleManager, local{}, nil, "engine not answering"},
		"inactive":         {roleWorker, local{State: swarm.LocalNodeStateInactive}, nil, "swarm state inactive"},
		"no entry":         {roleWorker, active("X"), nil, "node id X is not in the host's swarm"},
		"unreachable":      {roleManager, active("M2"), &entry{Status: swarm.NodeStateReady, Manager: true, Reachability: swarm.ReachabilityUnreachable}, "manager status 'Unreachable'"},
		"worker a manager": {roleWorker, active("M2"), &e, "a manager, not a worker"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := problem(tc.role, tc.local, tc.entry); got != tc.want {
				t.Errorf("problem = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanFree(t *testing.T) {
	free2, _ := parseNode("free2")
	free3, _ := parseNode("free3")
	got := planFree([]member{
		{node: free1, local: local{State: swarm.LocalNodeStateInactive}},
		{node: free2, local: active("F2")},
		{node: free3},
	})
	if d := cmp.Diff([]string{"leave free2", "wipe free3"}, stepKeys(got)); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
}

func TestPlanStale(t *testing.T) {
	w2, _ := parseNode("w2")
	nodes := []member{
		{node: m2, local: active("M2")},
		{node: m3, local: local{State: swarm.LocalNodeStatePending, NodeID: "M3"}},
		{node: w1, local: active("W1")},
		{node: w2, local: active("W2")},
		{node: free1, local: local{State: swarm.LocalNodeStateInactive}},
	}
	entries := append(healthyEntries(),
		workerEntry("OLDW1", "w1"),        // w1 re-joined: its old entry goes
		workerEntry("OLDM3", "m3"),        // m3's own state is unsure: kept
		workerEntry("F1", "free1"),        // a test joined free1 to the bed's swarm; it has left
		workerEntry("W2", "w2"),           // live
		workerEntry("ELSE", "some-other"), // not a bed node's name: never touched
	)
	got := planStale(nodes, entries)
	if d := cmp.Diff([]string{"remove w1 OLDW1", "remove free1 F1"}, stepKeys(got)); d != "" {
		t.Errorf("steps (-want +got):\n%s", d)
	}
}

// The fault swarm's first manager carries a bed node's name (fm1): observed with the others, its
// entry is live and stays; unobserved, it would be taken for stale.
func TestPlanStaleFaultSwarm(t *testing.T) {
	fm1, _ := parseNode("fm1")
	fm2, _ := parseNode("fm2")
	entries := []entry{
		{ID: "FM1", Hostname: "fm1", Role: swarm.NodeRoleManager, Status: swarm.NodeStateReady, Manager: true, Leader: true},
		{ID: "FM2", Hostname: "fm2", Role: swarm.NodeRoleManager, Status: swarm.NodeStateReady, Manager: true, Reachability: swarm.ReachabilityReachable},
	}
	observed := []member{{node: fm1, local: active("FM1")}, {node: fm2, local: active("FM2")}}
	if got := planStale(observed, entries); len(got) != 0 {
		t.Errorf("steps %v, want none", stepKeys(got))
	}
	if d := cmp.Diff([]string{"remove fm1 FM1"}, stepKeys(planStale(observed[1:], entries))); d != "" {
		t.Errorf("without the first manager observed (-want +got):\n%s", d)
	}
}

func TestPlanHost(t *testing.T) {
	cases := map[string]struct {
		local    local
		owned    bool
		managers bool
		waited   time.Duration
		want     hostAction
		wantErr  string
	}{
		"ready":                       {local: hostLocal, want: hostReady},
		"no swarm yet":                {local: local{State: swarm.LocalNodeStateInactive}, want: hostInit},
		"pending, managers to come":   {local: local{State: swarm.LocalNodeStatePending}, owned: true, managers: true, waited: 10 * time.Second, want: hostWait},
		"pending too long: anew":      {local: local{State: swarm.LocalNodeStatePending}, owned: true, managers: true, waited: 46 * time.Second, want: hostReset},
		"error, no managers: anew":    {local: local{State: swarm.LocalNodeStateError}, owned: true, want: hostReset},
		"locked: anew":                {local: local{State: swarm.LocalNodeStateLocked}, owned: true, managers: true, want: hostReset},
		"locked, not the bed's":       {local: local{State: swarm.LocalNodeStateLocked}, wantErr: "the host engine's swarm is locked and the test bed did not make it"},
		"a worker: anew":              {local: local{State: swarm.LocalNodeStateActive}, owned: true, want: hostReset},
		"a worker of another's swarm": {local: local{State: swarm.LocalNodeStateActive}, wantErr: "the host engine is a worker of a swarm the test bed did not make"},
		"not answering":               {local: local{}, owned: true, wantErr: "does not answer"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := planHost(tc.local, tc.owned, tc.managers, tc.waited)
			checkHostAction(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestPlanQuorum(t *testing.T) {
	cases := map[string]struct {
		writable, owned bool
		waited          time.Duration
		want            hostAction
		wantErr         string
	}{
		"writable":              {writable: true, want: hostReady},
		"electing":              {owned: true, waited: 5 * time.Second, want: hostWait},
		"lost quorum":           {owned: true, waited: 31 * time.Second, want: hostForceNew},
		"lost, not the bed's":   {waited: 31 * time.Second, wantErr: "lost quorum"},
		"not the bed's, waited": {waited: 5 * time.Second, want: hostWait},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := planQuorum(tc.writable, tc.owned, tc.waited)
			checkHostAction(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func checkHostAction(t *testing.T, got hostAction, err error, want hostAction, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("action = %q, want %q", got, want)
	}
}

func TestToEntryAndManagerStatus(t *testing.T) {
	n := swarm.Node{
		ID:            "X",
		Description:   swarm.NodeDescription{Hostname: "m2"},
		Spec:          swarm.NodeSpec{Role: swarm.NodeRoleManager, Availability: swarm.NodeAvailabilityActive},
		Status:        swarm.NodeStatus{State: swarm.NodeStateReady},
		ManagerStatus: &swarm.ManagerStatus{Reachability: swarm.ReachabilityReachable},
	}
	e := toEntry(n)
	if d := cmp.Diff(managerEntry("X", "m2"), e); d != "" {
		t.Errorf("entry (-want +got):\n%s", d)
	}
	if got := e.managerStatus(); got != "Reachable" {
		t.Errorf("managerStatus = %q, want Reachable", got)
	}
	n.ManagerStatus.Leader = true
	if got := toEntry(n).managerStatus(); got != "Leader" {
		t.Errorf("managerStatus = %q, want Leader", got)
	}
	n.ManagerStatus = nil
	if got := toEntry(n).managerStatus(); got != "" {
		t.Errorf("managerStatus of a worker = %q, want none", got)
	}
}
