package swarm

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
)

// TestEligibleNodesSchedulerRules has a case for each rule that placement.go evaluates, named
// after it: the nodes are those of a small swarm, the want is the IDs of the nodes on which the
// global service must run (sorted by hostname).
func TestEligibleNodesSchedulerRules(t *testing.T) {
	t.Parallel()
	withPlatform := func(n swarm.Node, os, arch string) swarm.Node {
		n.Description.Platform = swarm.Platform{OS: os, Architecture: arch}
		return n
	}
	withEngineLabels := func(n swarm.Node, l map[string]string) swarm.Node {
		n.Description.Engine.Labels = l
		return n
	}
	ready, active := swarm.NodeStateReady, swarm.NodeAvailabilityActive
	mgr := node("n1", "alpha", swarm.NodeRoleManager, ready, active, map[string]string{"zone": "East"})
	wrk := withEngineLabels(node("n2", "bravo", swarm.NodeRoleWorker, ready, active, map[string]string{"Tier": "db"}), map[string]string{"storage": "ssd"})
	arm := withPlatform(node("n5", "echo", swarm.NodeRoleWorker, ready, active, nil), "linux", "aarch64")
	nodes := []swarm.Node{
		mgr, wrk, arm,
		node("n3", "charlie", swarm.NodeRoleWorker, ready, swarm.NodeAvailabilityDrain, nil),
		node("n4", "delta", swarm.NodeRoleWorker, swarm.NodeStateDown, active, nil),
		node("n6", "foxtrot", swarm.NodeRoleWorker, ready, swarm.NodeAvailabilityPause, nil),
		node("n7", "golf", swarm.NodeRoleWorker, swarm.NodeStateUnknown, active, nil),
		node("n8", "hotel", swarm.NodeRoleWorker, swarm.NodeStateDisconnected, active, nil),
	}
	constraints := func(c ...string) *swarm.Placement { return &swarm.Placement{Constraints: c} }
	platforms := func(p ...swarm.Platform) *swarm.Placement { return &swarm.Placement{Platforms: p} }
	cases := map[string]struct {
		placement *swarm.Placement
		tasks     []swarm.Task
		want      []string
	}{
		"orchestrator: no placement means every ready, active node": {
			want: []string{"n1", "n2", "n5"},
		},
		"orchestrator: drained, down and paused nodes get no new task, even with one still running there": {
			tasks: []swarm.Task{tk("c", 0, "n3", running, running, 1, ""), tk("f", 0, "n6", running, running, 1, "")},
			want:  []string{"n1", "n2", "n5"},
		},
		"scheduler: a node that is not ready (unknown, disconnected) is not waited for": {
			placement: constraints("node.role == worker"),
			want:      []string{"n2", "n5"},
		},
		"constraints: every expression must hold": {
			placement: constraints("node.role == worker", "node.platform.arch == x86_64"),
			want:      []string{"n2"},
		},
		"constraints: != excludes": {
			placement: constraints("node.hostname != bravo"),
			want:      []string{"n1", "n5"},
		},
		"constraints: == is looked for before !=": {
			placement: constraints("node.labels.zone==!East"),
			want:      nil,
		},
		"constraints: keys are case-insensitive": {
			placement: constraints("NODE.ROLE == manager"),
			want:      []string{"n1"},
		},
		"constraints: values compare case-insensitively": {
			placement: constraints("node.labels.zone == east"),
			want:      []string{"n1"},
		},
		"constraints: the label name after node.labels. is exact": {
			placement: constraints("node.labels.tier == db"),
			want:      nil,
		},
		"constraints: a missing label equals nothing, so != holds": {
			placement: constraints("node.labels.zone != west"),
			want:      []string{"n1", "n2", "n5"},
		},
		"constraints: engine labels": {
			placement: constraints("engine.labels.storage == SSD"),
			want:      []string{"n2"},
		},
		"constraints: node.id": {
			placement: constraints("node.id == n5"),
			want:      []string{"n5"},
		},
		"constraints: node.platform.os": {
			placement: constraints("node.platform.os == Linux"),
			want:      []string{"n1", "n2", "n5"},
		},
		"constraints: node.platform.arch compares the node's own spelling": {
			placement: constraints("node.platform.arch == arm64"),
			want:      nil,
		},
		"constraints: node.ip takes an address": {
			placement: constraints("node.ip == 10.77.0.2"),
			want:      []string{"n2"},
		},
		"constraints: node.ip takes a CIDR": {
			placement: constraints("node.ip != 10.77.0.0/31"),
			want:      []string{"n2", "n5"},
		},
		"platforms: x86_64 is amd64, aarch64 is arm64": {
			placement: platforms(swarm.Platform{OS: "linux", Architecture: "arm64"}),
			want:      []string{"n5"},
		},
		"platforms: one of the list is enough, an empty field matches any": {
			placement: platforms(swarm.Platform{OS: "windows"}, swarm.Platform{Architecture: "amd64"}),
			want:      []string{"n1", "n2"},
		},
		"unknown key: a node counts where the swarm placed a current task": {
			placement: constraints("node.colour == red"),
			tasks: []swarm.Task{
				tk("a", 0, "n1", running, running, 1, ""),
				tk("b", 0, "n2", shutdown, shutdown, 1, ""),
				withIteration(tk("c", 0, "n5", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 1),
			},
			want: []string{"n1", "n5"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var ids []string
			for _, n := range convEligibleNodes(tc.placement, nodes, tc.tasks) {
				ids = append(ids, n.ID)
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("eligible nodes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvConstraintMatches(t *testing.T) {
	n := node("n2", "bravo", swarm.NodeRoleWorker, swarm.NodeStateReady, swarm.NodeAvailabilityActive, map[string]string{"zone": "East", "Tier": "db"})
	n.Description.Engine.Labels = map[string]string{"storage": "ssd"}
	cases := map[string]struct {
		expr         string
		match, known bool
	}{
		"role":                  {"node.role==worker", true, true},
		"role with spaces":      {" node.role == worker ", true, true},
		"role case-insensitive": {"node.role == WORKER", true, true},
		"role not":              {"node.role != worker", false, true},
		"role manager":          {"node.role == manager", false, true},
		"hostname":              {"node.hostname == bravo", true, true},
		"id":                    {"node.id != n1", true, true},
		"node label":            {"node.labels.zone == east", true, true},
		"node label key case":   {"node.labels.tier == db", false, true},
		"node label exact key":  {"node.labels.Tier == db", true, true},
		"missing node label":    {"node.labels.gpu == yes", false, true},
		"missing label not":     {"node.labels.gpu != yes", true, true},
		"engine label":          {"engine.labels.storage == ssd", true, true},
		"os":                    {"node.platform.os == linux", true, true},
		"arch":                  {"node.platform.arch == x86_64", true, true},
		"ip":                    {"node.ip == 10.77.0.2", true, true},
		"ip cidr":               {"node.ip == 10.77.0.0/24", true, true},
		"ip cidr outside":       {"node.ip != 10.78.0.0/16", true, true},
		"unknown key":           {"node.colour == red", false, false},
		"no operator":           {"node.role", false, false},
		"bad key":               {"=node == x", false, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, k := convConstraintMatches(tc.expr, n)
			if m != tc.match || k != tc.known {
				t.Errorf("convConstraintMatches(%q) = %v, %v; want %v, %v", tc.expr, m, k, tc.match, tc.known)
			}
		})
	}
}

func TestConvPlacementMatches(t *testing.T) {
	n := node("n1", "alpha", swarm.NodeRoleManager, swarm.NodeStateReady, swarm.NodeAvailabilityActive, nil)
	cases := map[string]struct {
		pl           *swarm.Placement
		match, known bool
	}{
		"none":            {nil, true, true},
		"all constraints": {&swarm.Placement{Constraints: []string{"node.role==manager", "node.hostname==alpha"}}, true, true},
		"one fails":       {&swarm.Placement{Constraints: []string{"node.role==manager", "node.hostname==bravo"}}, false, true},
		"platform amd64":  {&swarm.Placement{Platforms: []swarm.Platform{{OS: "linux", Architecture: "amd64"}}}, true, true},
		"platform arm64":  {&swarm.Placement{Platforms: []swarm.Platform{{OS: "linux", Architecture: "arm64"}}}, false, true},
		"platform any":    {&swarm.Placement{Platforms: []swarm.Platform{{OS: "windows"}, {OS: "linux"}}}, true, true},
		"unknown":         {&swarm.Placement{Constraints: []string{"node.colour==red"}}, false, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m, k := convPlacementMatches(tc.pl, n)
			if m != tc.match || k != tc.known {
				t.Errorf("got %v, %v; want %v, %v", m, k, tc.match, tc.known)
			}
		})
	}
}

func TestConvEligibleNodes(t *testing.T) {
	unknown := &swarm.Placement{Constraints: []string{"node.colour == red"}}
	tasks := []swarm.Task{tk("a", 0, "n2", running, running, 1, "")}
	got := convEligibleNodes(unknown, testNodes, tasks)
	if len(got) != 1 || got[0].ID != "n2" {
		t.Errorf("with a constraint this package cannot evaluate, want the node that runs a task (n2), got %v", got)
	}
	got = convEligibleNodes(nil, testNodes, nil)
	var ids []string
	for _, n := range got {
		ids = append(ids, n.ID)
	}
	if diff := cmp.Diff([]string{"n1", "n2"}, ids); diff != "" {
		t.Errorf("eligible nodes (-want +got):\n%s", diff)
	}
}
