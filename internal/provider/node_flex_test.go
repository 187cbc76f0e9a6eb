package provider

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

func nodeTestLabels(t *testing.T, m map[string]string) types.Map {
	t.Helper()
	v, diags := types.MapValueFrom(context.Background(), types.StringType, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return v
}

func TestExpandNodeSpec(t *testing.T) {
	base := apiswarm.NodeSpec{
		Annotations:  apiswarm.Annotations{Name: "keep", Labels: map[string]string{"old": "1"}},
		Role:         apiswarm.NodeRoleWorker,
		Availability: apiswarm.NodeAvailabilityActive,
	}
	cases := map[string]struct {
		model nodeResourceModel
		want  apiswarm.NodeSpec
	}{
		"nothing set keeps the node as it is": {
			model: nodeResourceModel{Labels: types.MapUnknown(types.StringType), Availability: types.StringNull(), Role: types.StringUnknown()},
			want:  base,
		},
		"labels replace all labels": {
			model: nodeResourceModel{Labels: nodeTestLabels(t, map[string]string{"db": "true"}), Availability: types.StringNull(), Role: types.StringNull()},
			want: apiswarm.NodeSpec{
				Annotations: apiswarm.Annotations{Name: "keep", Labels: map[string]string{"db": "true"}},
				Role:        apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityActive,
			},
		},
		"empty labels remove all labels": {
			model: nodeResourceModel{Labels: nodeTestLabels(t, map[string]string{}), Availability: types.StringNull(), Role: types.StringNull()},
			want: apiswarm.NodeSpec{
				Annotations: apiswarm.Annotations{Name: "keep", Labels: map[string]string{}},
				Role:        apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityActive,
			},
		},
		"availability and role": {
			model: nodeResourceModel{Labels: types.MapNull(types.StringType), Availability: types.StringValue("drain"), Role: types.StringValue("manager")},
			want: apiswarm.NodeSpec{
				Annotations: base.Annotations,
				Role:        apiswarm.NodeRoleManager, Availability: apiswarm.NodeAvailabilityDrain,
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, diags := expandNodeSpec(context.Background(), tc.model, base)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("expandNodeSpec (-want +got):\n%s", d)
			}
		})
	}
}

func TestFlattenNode(t *testing.T) {
	cases := map[string]struct {
		node apiswarm.Node
		want nodeResourceModel
	}{
		"labels": {
			node: apiswarm.Node{
				ID:          "n1",
				Spec:        apiswarm.NodeSpec{Annotations: apiswarm.Annotations{Labels: map[string]string{"db": "true"}}, Role: apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityPause},
				Description: apiswarm.NodeDescription{Hostname: "free3"},
			},
			want: nodeResourceModel{
				ID: types.StringValue("n1"), Node: types.StringValue("free3"), Hostname: types.StringValue("free3"),
				Labels: nodeTestLabels(t, map[string]string{"db": "true"}), Availability: types.StringValue("pause"),
				Role: types.StringValue("worker"), RemoveLabelsOnDestroy: types.BoolValue(false),
			},
		},
		"no labels is an empty map, not null": {
			node: apiswarm.Node{
				ID:          "n2",
				Spec:        apiswarm.NodeSpec{Role: apiswarm.NodeRoleManager, Availability: apiswarm.NodeAvailabilityActive},
				Description: apiswarm.NodeDescription{Hostname: "free3"},
			},
			want: nodeResourceModel{
				ID: types.StringValue("n2"), Node: types.StringValue("free3"), Hostname: types.StringValue("free3"),
				Labels: nodeTestLabels(t, map[string]string{}), Availability: types.StringValue("active"),
				Role: types.StringValue("manager"), RemoveLabelsOnDestroy: types.BoolValue(false),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			prior := nodeResourceModel{Node: types.StringValue("free3"), RemoveLabelsOnDestroy: types.BoolValue(false)}
			got, diags := flattenNode(context.Background(), tc.node, prior)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("flattenNode (-want +got):\n%s", d)
			}
		})
	}
}

func TestNodeSpecRoundTrip(t *testing.T) {
	spec := apiswarm.NodeSpec{
		Annotations:  apiswarm.Annotations{Labels: map[string]string{"db": "true", "zone": "a"}},
		Role:         apiswarm.NodeRoleManager,
		Availability: apiswarm.NodeAvailabilityPause,
	}
	m, diags := flattenNode(context.Background(), apiswarm.Node{ID: "x", Spec: spec}, nodeResourceModel{})
	if diags.HasError() {
		t.Fatal(diags)
	}
	got, diags := expandNodeSpec(context.Background(), m, apiswarm.NodeSpec{})
	if diags.HasError() {
		t.Fatal(diags)
	}
	if d := cmp.Diff(spec, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestFlattenNodeSummary(t *testing.T) {
	cases := map[string]struct {
		node apiswarm.Node
		want map[string]attr.Value
	}{
		"leader manager": {
			node: apiswarm.Node{
				ID:            "m1",
				Spec:          apiswarm.NodeSpec{Role: apiswarm.NodeRoleManager, Availability: apiswarm.NodeAvailabilityActive},
				Description:   apiswarm.NodeDescription{Hostname: "host", Engine: apiswarm.EngineDescription{EngineVersion: "20.10.24"}},
				Status:        apiswarm.NodeStatus{State: apiswarm.NodeStateReady, Addr: "10.77.0.1"},
				ManagerStatus: &apiswarm.ManagerStatus{Leader: true, Reachability: apiswarm.ReachabilityReachable, Addr: "10.77.0.1:2377"},
			},
			want: map[string]attr.Value{
				"id": types.StringValue("m1"), "hostname": types.StringValue("host"), "role": types.StringValue("manager"),
				"availability": types.StringValue("active"), "status": types.StringValue("ready"), "status_message": types.StringValue(""),
				"address": types.StringValue("10.77.0.1"), "manager_reachability": types.StringValue("reachable"),
				"manager_addr": types.StringValue("10.77.0.1:2377"), "leader": types.BoolValue(true),
				"labels": nodeTestLabels(t, map[string]string{}), "engine_version": types.StringValue("20.10.24"),
			},
		},
		"worker has null manager fields": {
			node: apiswarm.Node{
				ID:          "w1",
				Spec:        apiswarm.NodeSpec{Annotations: apiswarm.Annotations{Labels: map[string]string{"db": "true"}}, Role: apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityDrain},
				Description: apiswarm.NodeDescription{Hostname: "w1"},
				Status:      apiswarm.NodeStatus{State: apiswarm.NodeStateDown, Message: "heartbeat failure", Addr: "10.77.0.21"},
			},
			want: map[string]attr.Value{
				"id": types.StringValue("w1"), "hostname": types.StringValue("w1"), "role": types.StringValue("worker"),
				"availability": types.StringValue("drain"), "status": types.StringValue("down"), "status_message": types.StringValue("heartbeat failure"),
				"address": types.StringValue("10.77.0.21"), "manager_reachability": types.StringNull(),
				"manager_addr": types.StringNull(), "leader": types.BoolValue(false),
				"labels": nodeTestLabels(t, map[string]string{"db": "true"}), "engine_version": types.StringValue(""),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, diags := flattenNodeSummary(context.Background(), tc.node)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got.Attributes()); d != "" {
				t.Errorf("flattenNodeSummary (-want +got):\n%s", d)
			}
		})
	}
}

func TestFilterNodes(t *testing.T) {
	nodes := []apiswarm.Node{
		{ID: "a", Spec: apiswarm.NodeSpec{Role: apiswarm.NodeRoleManager, Availability: apiswarm.NodeAvailabilityActive}},
		{ID: "b", Spec: apiswarm.NodeSpec{Annotations: apiswarm.Annotations{Labels: map[string]string{"db": "true", "zone": "x"}}, Role: apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityActive}},
		{ID: "c", Spec: apiswarm.NodeSpec{Annotations: apiswarm.Annotations{Labels: map[string]string{"db": "false"}}, Role: apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityDrain}},
	}
	ids := func(ns []apiswarm.Node) []string {
		out := []string{}
		for _, n := range ns {
			out = append(out, n.ID)
		}
		return out
	}
	cases := map[string]struct {
		filter nodeFilter
		want   []string
	}{
		"no filter":            {nodeFilter{}, []string{"a", "b", "c"}},
		"role":                 {nodeFilter{Role: "worker"}, []string{"b", "c"}},
		"availability":         {nodeFilter{Availability: "drain"}, []string{"c"}},
		"label value":          {nodeFilter{Labels: map[string]string{"db": "true"}}, []string{"b"}},
		"all labels must hold": {nodeFilter{Labels: map[string]string{"db": "true", "zone": "y"}}, []string{}},
		"combined":             {nodeFilter{Role: "worker", Availability: "active"}, []string{"b"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, ids(filterNodes(nodes, tc.filter))); d != "" {
				t.Errorf("filterNodes (-want +got):\n%s", d)
			}
		})
	}
}

func TestQuotedList(t *testing.T) {
	cases := map[string]struct {
		in   []string
		want string
	}{
		"one":   {[]string{"a"}, "`a`"},
		"two":   {[]string{"a", "b"}, "`a` or `b`"},
		"three": {[]string{"a", "b", "c"}, "`a`, `b` or `c`"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := quotedList(tc.in); got != tc.want {
				t.Errorf("quotedList(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestNodeNamedBy: `node` written as the ID or the hostname of the node in the state names the
// same node (no replacement, e.g. after an import by ID of a node configured by hostname).
func TestNodeNamedBy(t *testing.T) {
	t.Parallel()
	id, host := types.StringValue("cmdg99e4ck26"), types.StringValue("w1")
	cases := map[string]struct {
		name         string
		id, hostname types.String
		want         bool
	}{
		"hostname":             {"w1", id, host, true},
		"id":                   {"cmdg99e4ck26", id, host, true},
		"another node":         {"w2", id, host, false},
		"hostname not known":   {"w1", id, types.StringUnknown(), false},
		"nothing in the state": {"w1", types.StringNull(), types.StringNull(), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := nodeNamedBy(tc.name, tc.id, tc.hostname); got != tc.want {
				t.Errorf("nodeNamedBy(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
