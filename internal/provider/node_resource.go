package provider

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/boolvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure   = (*nodeResource)(nil)
	_ resource.ResourceWithIdentity    = (*nodeResource)(nil)
	_ resource.ResourceWithImportState = (*nodeResource)(nil)
)

// nodeRoleTimeout bounds the wait for a promotion or demotion to take effect.
const nodeRoleTimeout = 2 * time.Minute

// NewNodeResource is the swarm_node resource: settings of a node already in the swarm.
func NewNodeResource() resource.Resource {
	return &nodeResource{}
}

type nodeResource struct {
	client nodeEngine
}

type nodeResourceModel struct {
	ID                    types.String   `tfsdk:"id"`
	Node                  types.String   `tfsdk:"node"`
	Hostname              types.String   `tfsdk:"hostname"`
	Labels                types.Map      `tfsdk:"labels"`
	Availability          types.String   `tfsdk:"availability"`
	Role                  types.String   `tfsdk:"role"`
	RemoveLabelsOnDestroy types.Bool     `tfsdk:"remove_labels_on_destroy"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`
}

func (r *nodeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_node"
}

func (r *nodeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Settings of a node that is already part of the swarm (joined by hand or with `swarm_join`): " +
			"its labels, availability and role. Each setting that is configured is owned by this resource: changes made " +
			"outside Terraform show as drift and the next apply undoes them. Settings that are not configured are left alone.\n\n" +
			"Creating this resource changes nothing but the configured settings. **Destroying it leaves the node as it is** " +
			"(labels, availability and role stay), unless `remove_labels_on_destroy` is `true`.\n\n" +
			"Do not manage the `role` of one node both here and in `swarm_join`.\n\n" +
			"Import by node ID or hostname.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The node's ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"node": schema.StringAttribute{
				MarkdownDescription: "The node: its ID or its hostname (a hostname must be unique in the swarm). Changing it manages another node.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIf(nodeNamesAnotherNode,
					"Naming another node replaces the resource; switching between the node's ID and hostname does not.",
					"Naming another node replaces the resource; switching between the node's ID and hostname does not.")},
			},
			"hostname": schema.StringAttribute{
				MarkdownDescription: "The node's hostname.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "The node's labels (used by placement constraints such as `node.labels.db == true`). " +
					"When set, these are **all** of the node's labels: labels added outside Terraform are drift and are removed " +
					"by the next apply; `{}` removes every label. When not set, the labels are not managed and this attribute shows the node's labels.",
				ElementType:   types.StringType,
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
			"availability": schema.StringAttribute{
				MarkdownDescription: "Whether the node takes tasks: " + quotedList(nodeAvailabilityValues) +
					" (`drain` also moves its tasks away). When not set, it is not managed.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(nodeAvailabilityValues...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The node's role: " + quotedList(nodeRoleValues) +
					". Changing it promotes or demotes the node in place. When not set, it is not managed.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(nodeRoleValues...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"remove_labels_on_destroy": schema.BoolAttribute{
				MarkdownDescription: "Whether destroying this resource removes the labels it manages (`labels`, which must then be set) from the node. Defaults to `false`: destroy only forgets the node.",
				Optional:            true,
				Validators:          []validator.Bool{boolvalidator.AlsoRequires(path.MatchRoot("labels"))},
				Computed:            true,
				Default:             booldefault.StaticBool(false),
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true,
				CreateDescription: "How long a role change made when the resource is created may take to take effect (default `" + nodeRoleTimeout.String() + "`).",
				UpdateDescription: "How long a role change may take to take effect (default `" + nodeRoleTimeout.String() + "`)."}),
		},
	}
}

// nodeNamesAnotherNode asks for replacement unless the new `node` is the ID or the hostname of
// the node in the state: an import by ID of a node configured by hostname (or the other way
// round) must not plan a replacement.
func nodeNamesAnotherNode(ctx context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = true
	if req.PlanValue.IsUnknown() || req.PlanValue.IsNull() {
		return
	}
	var id, hostname types.String
	if d := req.State.GetAttribute(ctx, path.Root("id"), &id); d.HasError() {
		return
	}
	if d := req.State.GetAttribute(ctx, path.Root("hostname"), &hostname); d.HasError() {
		return
	}
	resp.RequiresReplace = !nodeNamedBy(req.PlanValue.ValueString(), id, hostname)
}

// nodeNamedBy tells whether name is the ID or the hostname of the node known by id and hostname.
func nodeNamedBy(name string, id, hostname types.String) bool {
	return setAndKnown(id) && id.ValueString() == name || setAndKnown(hostname) && hostname.ValueString() == name
}

func (r *nodeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The node's ID.")
}

func (r *nodeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *nodeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan nodeResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	budget, diags := operationBudget(ctx, plan.Timeouts, "create", nodeRoleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.FindNode(ctx, plan.Node.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("node"), "Error finding the swarm node", err.Error())
		return
	}
	r.apply(ctx, n, &plan, budget, "create", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// roleChangePending says whether node n still has to become role: its spec names another role,
// or the spec names it but the change has not taken effect yet (a promotion whose node is not a
// raft member of known reachability yet, a demotion whose node still is a member), as after an
// apply whose wait ran out of its timeout. A manager that is unreachable (down) is no pending
// change: waiting would not bring it back.
func roleChangePending(n apiswarm.Node, role string) bool {
	if string(n.Spec.Role) != role {
		return true
	}
	if role == string(apiswarm.NodeRoleManager) {
		return n.ManagerStatus == nil || n.ManagerStatus.Reachability == apiswarm.ReachabilityUnknown
	}
	return n.ManagerStatus != nil
}

// apply writes the planned settings onto node n (waiting for a role change to take effect) and
// reads the node back into plan. op (create or update) names the timeout that bounds the wait.
func (r *nodeResource) apply(ctx context.Context, n apiswarm.Node, plan *nodeResourceModel, budget opBudget, op string, diags *diag.Diagnostics) {
	var specDiags diag.Diagnostics
	err := r.client.UpdateNode(ctx, n.ID, func(s *apiswarm.NodeSpec) {
		merged, d := expandNodeSpec(ctx, *plan, *s)
		specDiags = d
		*s = merged
	})
	diags.Append(specDiags...)
	if err != nil {
		diags.AddError("Error updating the swarm node", err.Error())
		return
	}
	if setAndKnown(plan.Role) && roleChangePending(n, plan.Role.ValueString()) {
		if err := r.client.WaitNodeRole(ctx, n.ID, apiswarm.NodeRole(plan.Role.ValueString()), budget.left()); err != nil {
			diags.AddError("Error changing the swarm node's role", timeoutErr(ctx, "swarm_node", op, err))
			return
		}
	}
	got, err := r.client.InspectNode(ctx, n.ID)
	if err != nil {
		diags.AddError("Error reading the swarm node", err.Error())
		return
	}
	flat, d := flattenNode(ctx, got, *plan)
	diags.Append(d...)
	*plan = flat
}

func (r *nodeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state nodeResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.InspectNode(ctx, state.ID.ValueString())
	if errors.Is(err, swarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading the swarm node", err.Error())
		return
	}
	flat, diags := flattenNode(ctx, n, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &flat)...)
}

func (r *nodeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, state nodeResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	budget, diags := operationBudget(ctx, plan.Timeouts, "update", nodeRoleTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.InspectNode(ctx, state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading the swarm node", err.Error())
		return
	}
	r.apply(ctx, n, &plan, budget, "update", &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *nodeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state nodeResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() || !state.RemoveLabelsOnDestroy.ValueBool() {
		return
	}
	remove := map[string]string{}
	if setAndKnown(state.Labels) {
		resp.Diagnostics.Append(state.Labels.ElementsAs(ctx, &remove, false)...)
	}
	if len(remove) == 0 {
		return
	}
	err := r.client.UpdateNode(ctx, state.ID.ValueString(), func(s *apiswarm.NodeSpec) {
		for k := range remove {
			delete(s.Labels, k)
		}
	})
	if err != nil && !errors.Is(err, swarm.ErrNotFound) {
		resp.Diagnostics.AddError("Error removing the swarm node's labels", err.Error())
	}
}

func (r *nodeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	key, diags := importIDOf(ctx, req, "Import a swarm_node by its node ID or hostname: terraform import swarm_node.example <node-id-or-hostname>")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.FindNode(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error importing the swarm node",
			"Expected a node ID or hostname of the swarm; "+key+": "+err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), n.ID)...)
	// `node` keeps what the import named (an ID or a hostname); an identity names the node by ID,
	// and configurations name nodes by hostname.
	named := key
	if req.ID == "" {
		named = n.Description.Hostname
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("node"), named)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("remove_labels_on_destroy"), false)...)
}
