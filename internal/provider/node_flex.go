package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// The values a node's role and availability take; they feed both validators and descriptions.
var (
	nodeRoleValues         = []string{string(apiswarm.NodeRoleWorker), string(apiswarm.NodeRoleManager)}
	nodeAvailabilityValues = []string{string(apiswarm.NodeAvailabilityActive), string(apiswarm.NodeAvailabilityPause), string(apiswarm.NodeAvailabilityDrain)}
)

// expandNodeSpec applies the node settings the configuration sets (known, not null) onto base,
// the node's current spec. Labels, when set, replace all of the node's labels.
func expandNodeSpec(ctx context.Context, m nodeResourceModel, base apiswarm.NodeSpec) (apiswarm.NodeSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := base
	if setAndKnown(m.Labels) {
		labels := map[string]string{}
		diags.Append(m.Labels.ElementsAs(ctx, &labels, false)...)
		spec.Labels = labels
	}
	if setAndKnown(m.Availability) {
		spec.Availability = apiswarm.NodeAvailability(m.Availability.ValueString())
	}
	if setAndKnown(m.Role) {
		spec.Role = apiswarm.NodeRole(m.Role.ValueString())
	}
	return spec, diags
}

// flattenNode sets what the Engine reports about the node onto prior.
func flattenNode(ctx context.Context, n apiswarm.Node, prior nodeResourceModel) (nodeResourceModel, diag.Diagnostics) {
	m := prior
	labels, diags := types.MapValueFrom(ctx, types.StringType, nonNilMap(n.Spec.Labels))
	m.ID = types.StringValue(n.ID)
	m.Hostname = types.StringValue(n.Description.Hostname)
	m.Labels = labels
	m.Availability = types.StringValue(string(n.Spec.Availability))
	m.Role = types.StringValue(string(n.Spec.Role))
	return m, diags
}

// nodeSummaryAttrTypes is the object type of one entry of swarm_nodes.
var nodeSummaryAttrTypes = map[string]attr.Type{
	"id":                   types.StringType,
	"hostname":             types.StringType,
	"role":                 types.StringType,
	"availability":         types.StringType,
	"status":               types.StringType,
	"status_message":       types.StringType,
	"address":              types.StringType,
	"manager_reachability": types.StringType,
	"manager_addr":         types.StringType,
	"leader":               types.BoolType,
	"labels":               types.MapType{ElemType: types.StringType},
	"engine_version":       types.StringType,
}

// flattenNodeSummary turns one node into an entry of swarm_nodes. Manager fields are null for
// workers.
func flattenNodeSummary(ctx context.Context, n apiswarm.Node) (types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	labels, d := types.MapValueFrom(ctx, types.StringType, nonNilMap(n.Spec.Labels))
	diags.Append(d...)
	reach, mgrAddr, leader := types.StringNull(), types.StringNull(), types.BoolValue(false)
	if n.ManagerStatus != nil {
		reach = types.StringValue(string(n.ManagerStatus.Reachability))
		mgrAddr = types.StringValue(n.ManagerStatus.Addr)
		leader = types.BoolValue(n.ManagerStatus.Leader)
	}
	obj, d := types.ObjectValue(nodeSummaryAttrTypes, map[string]attr.Value{
		"id":                   types.StringValue(n.ID),
		"hostname":             types.StringValue(n.Description.Hostname),
		"role":                 types.StringValue(string(n.Spec.Role)),
		"availability":         types.StringValue(string(n.Spec.Availability)),
		"status":               types.StringValue(string(n.Status.State)),
		"status_message":       types.StringValue(n.Status.Message),
		"address":              types.StringValue(n.Status.Addr),
		"manager_reachability": reach,
		"manager_addr":         mgrAddr,
		"leader":               leader,
		"labels":               labels,
		"engine_version":       types.StringValue(n.Description.Engine.EngineVersion),
	})
	diags.Append(d...)
	return obj, diags
}

// nodeFilter is what swarm_nodes selects by; empty fields select everything.
type nodeFilter struct {
	Role         string
	Availability string
	Labels       map[string]string
}

// filterNodes keeps the nodes that match every set part of f, in the order given.
func filterNodes(nodes []apiswarm.Node, f nodeFilter) []apiswarm.Node {
	out := []apiswarm.Node{}
	for _, n := range nodes {
		if f.Role != "" && string(n.Spec.Role) != f.Role {
			continue
		}
		if f.Availability != "" && string(n.Spec.Availability) != f.Availability {
			continue
		}
		match := true
		for k, v := range f.Labels {
			if got, ok := n.Spec.Labels[k]; !ok || got != v {
				match = false
				break
			}
		}
		if match {
			out = append(out, n)
		}
	}
	return out
}
