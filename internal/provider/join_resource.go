package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/objectvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure   = (*joinResource)(nil)
	_ resource.ResourceWithIdentity    = (*joinResource)(nil)
	_ resource.ResourceWithImportState = (*joinResource)(nil)
)

// Bounds of the waits of swarm_join.
const (
	joinTimeout  = 2 * time.Minute
	drainTimeout = 2 * time.Minute
	downTimeout  = time.Minute

	// The defaults of `timeouts`: the sums of the waits of each operation.
	defaultJoinCreateTimeout = 2*joinTimeout + nodeRoleTimeout
	defaultJoinUpdateTimeout = nodeRoleTimeout
	defaultJoinDeleteTimeout = nodeRoleTimeout + drainTimeout + downTimeout
)

// NewJoinResource is the swarm_join resource: an engine that joins the provider's swarm.
func NewJoinResource() resource.Resource {
	return &joinResource{dial: dialJoiningEngine}
}

type joinResource struct {
	client joinManager
	// dial builds the client of the joining engine (dialJoiningEngine; tests put fakes in its place).
	dial func(ctx context.Context, engine types.Object) (joiningEngine, diag.Diagnostics)
}

type joinResourceModel struct {
	ID            types.String   `tfsdk:"id"`
	Engine        types.Object   `tfsdk:"engine"`
	Role          types.String   `tfsdk:"role"`
	RemoteAddrs   types.List     `tfsdk:"remote_addrs"`
	JoinTokenWO   types.String   `tfsdk:"join_token_wo"`
	AdvertiseAddr types.String   `tfsdk:"advertise_addr"`
	ListenAddr    types.String   `tfsdk:"listen_addr"`
	DataPathAddr  types.String   `tfsdk:"data_path_addr"`
	Hostname      types.String   `tfsdk:"hostname"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

func (r *joinResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_join"
}

func (r *joinResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	joinString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: desc + " Used when joining; changing it later makes the engine leave and join again (after an import it is only recorded).",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       []planmodifier.String{replaceWhenChangedAfterCreate()},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Makes a Docker Engine join the provider's swarm (`docker swarm join`), as a worker or a manager. " +
			"The joining engine is reached through the `engine` block, so `for_each` over a map of hosts joins many; the " +
			"provider's own connection stays the manager through which the node is promoted, demoted and finally removed.\n\n" +
			"The join token is write-only (`join_token_wo`): take it from the `swarm_join_token` ephemeral resource and it " +
			"never reaches plan or state.\n\n" +
			"Destroy drains the node and waits (up to 2 minutes) for its tasks to move, makes the engine leave the swarm " +
			"(a manager is demoted first) and removes the node through the manager.\n\n" +
			"Import by node ID or hostname; the `engine` block and the join settings are then taken from the configuration " +
			"without joining again.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The node ID of the joined engine.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"role": schema.StringAttribute{
				MarkdownDescription: "The node's role: " + quotedList(nodeRoleValues) + ". Defaults to the role of the join token. " +
					"Changing it promotes or demotes the node in place.",
				Optional:      true,
				Computed:      true,
				Validators:    []validator.String{stringvalidator.OneOf(nodeRoleValues...)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"remote_addrs": schema.ListAttribute{
				MarkdownDescription: "Addresses (`host:port`, port 2377 by default) of managers of the swarm to join. Used when joining only.",
				ElementType:         types.StringType,
				Required:            true,
				Validators:          []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"join_token_wo": schema.StringAttribute{
				MarkdownDescription: "The join token (write-only: never stored), typically `ephemeral.swarm_join_token.<name>.token`. " +
					"Its role (worker or manager) is the node's role unless `role` says otherwise. Used when joining only.",
				Required:   true,
				WriteOnly:  true,
				Sensitive:  true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"advertise_addr": joinString("Address (`ip`, `ip:port` or interface) the other nodes use to reach this one."),
			"listen_addr":    joinString("Address this node listens on for swarm traffic. Defaults to `0.0.0.0:2377`."),
			"data_path_addr": joinString("Address or interface for overlay data traffic, when it should differ from `advertise_addr`."),
			"hostname": schema.StringAttribute{
				MarkdownDescription: "The joined node's hostname.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"engine": engineBlock(engineBlockSpec{
				description:     "How to reach the engine that joins (same settings as the provider's). Required.",
				hostDescription: "The joining Docker Engine: `unix:///path`, `tcp://host:2376` or `ssh://user@host[:port]`. Changing it joins another engine (the old one leaves).",
				hostModifiers:   []planmodifier.String{replaceWhenChangedAfterCreate()},
				validators:      []validator.Object{objectvalidator.IsRequired()},
			}),
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
				CreateDescription: "How long joining may take: the join, the node becoming ready and a role change (default `" + defaultJoinCreateTimeout.String() + "`).",
				UpdateDescription: "How long a role change may take (default `" + defaultJoinUpdateTimeout.String() + "`).",
				DeleteDescription: "How long leaving may take: the demotion of a manager, the drain and the node going down (default `" + defaultJoinDeleteTimeout.String() + "`)."}),
		},
	}
}

func (r *joinResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The node ID of the joined engine.")
}

func (r *joinResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

// engineClient builds the client of the joining engine from the engine block.
func (r *joinResource) engineClient(ctx context.Context, engine types.Object) (joiningEngine, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !setAndKnown(engine) {
		diags.AddAttributeError(path.Root("engine"), "Missing engine", "The engine block is needed to reach the joining engine.")
		return nil, diags
	}
	return r.dial(ctx, engine)
}

func (r *joinResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, config joinResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	budget, diags := operationBudget(ctx, plan.Timeouts, "create", defaultJoinCreateTimeout)
	resp.Diagnostics.Append(diags...)
	eng, diags := r.engineClient(ctx, plan.Engine)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer func() { _ = eng.Close() }()

	local, err := eng.LocalNode(ctx)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("engine"), "Error reaching the joining engine", err.Error())
		return
	}
	nodeID := local.NodeID
	if local.LocalNodeState == apiswarm.LocalNodeStateInactive {
		opts, d := expandJoinOptions(ctx, plan, config.JoinTokenWO)
		resp.Diagnostics.Append(d...)
		if resp.Diagnostics.HasError() {
			return
		}
		info, err := eng.JoinSwarm(ctx, opts, budget.left())
		if err != nil {
			resp.Diagnostics.AddError("Error joining the swarm", timeoutErr(ctx, "swarm_join", "create", err))
			return
		}
		nodeID = info.NodeID
	} else if _, err := r.client.InspectNode(ctx, nodeID); err != nil {
		// Already a member: adopted when it is a member of the provider's swarm (a retried apply).
		resp.Diagnostics.AddAttributeError(path.Root("engine"), "The engine is already part of a swarm",
			fmt.Sprintf("The engine's swarm state is %q with node ID %s, which the provider's swarm does not know (%v). "+
				"Make it leave its swarm first.", local.LocalNodeState, nodeID, err))
		return
	}
	n, err := r.client.WaitNodeReady(ctx, nodeID, budget.left())
	if err != nil {
		resp.Diagnostics.AddError("Error waiting for the joined node", timeoutErr(ctx, "swarm_join", "create", err))
		return
	}
	// Save what exists now, so that a failure below leaves a resource Terraform knows about.
	plan.ID = types.StringValue(n.ID)
	r.applyRole(ctx, n, &plan, budget, "create", &resp.Diagnostics)
	r.readInto(ctx, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// expandJoinOptions builds the join request from the plan and the write-only token.
func expandJoinOptions(ctx context.Context, m joinResourceModel, token types.String) (client.SwarmJoinOptions, diag.Diagnostics) {
	var diags diag.Diagnostics
	if !setAndKnown(token) {
		diags.AddAttributeError(path.Root("join_token_wo"), "Missing join token", "A join token is needed to join the swarm.")
		return client.SwarmJoinOptions{}, diags
	}
	var addrs []string
	diags.Append(m.RemoteAddrs.ElementsAs(ctx, &addrs, false)...)
	opts := client.SwarmJoinOptions{
		ListenAddr:    m.ListenAddr.ValueString(),
		AdvertiseAddr: m.AdvertiseAddr.ValueString(),
		DataPathAddr:  m.DataPathAddr.ValueString(),
		RemoteAddrs:   addrs,
		JoinToken:     token.ValueString(),
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "0.0.0.0:2377"
	}
	return opts, diags
}

// applyRole promotes or demotes the node when the plan asks for another role, or waits for a
// change of role that has not taken effect yet (roleChangePending); op (create or update) names the
// timeout that bounds the wait.
func (r *joinResource) applyRole(ctx context.Context, n apiswarm.Node, plan *joinResourceModel, budget opBudget, op string, diags *diag.Diagnostics) {
	if !setAndKnown(plan.Role) || !roleChangePending(n, plan.Role.ValueString()) {
		return
	}
	if err := r.client.SetNodeRole(ctx, n.ID, apiswarm.NodeRole(plan.Role.ValueString()), budget.left()); err != nil {
		diags.AddAttributeError(path.Root("role"), "Error changing the node's role", timeoutErr(ctx, "swarm_join", op, err))
	}
}

// readInto reads the node back into m; a node that is gone leaves m.ID null.
func (r *joinResource) readInto(ctx context.Context, m *joinResourceModel, diags *diag.Diagnostics) {
	n, err := r.client.InspectNode(ctx, m.ID.ValueString())
	if errors.Is(err, swarm.ErrNotFound) {
		m.ID = types.StringNull()
		return
	}
	if err != nil {
		diags.AddError("Error reading the joined node", err.Error())
		return
	}
	m.Hostname = types.StringValue(n.Description.Hostname)
	m.Role = types.StringValue(string(n.Spec.Role))
	m.JoinTokenWO = types.StringNull()
}

func (r *joinResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state joinResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.readInto(ctx, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.ID.IsNull() {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *joinResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan joinResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	budget, diags := operationBudget(ctx, plan.Timeouts, "update", defaultJoinUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.InspectNode(ctx, plan.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddError("Error reading the joined node", err.Error())
		return
	}
	r.applyRole(ctx, n, &plan, budget, "update", &resp.Diagnostics)
	r.readInto(ctx, &plan, &resp.Diagnostics)
	if plan.ID.IsNull() {
		resp.Diagnostics.AddError("Error updating the joined node", "The node is gone from the swarm.")
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *joinResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state joinResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	budget, diags := operationBudget(ctx, state.Timeouts, "delete", defaultJoinDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	n, err := r.client.InspectNode(ctx, id)
	gone := errors.Is(err, swarm.ErrNotFound)
	if err != nil && !gone {
		resp.Diagnostics.AddError("Error reading the joined node", err.Error())
		return
	}
	if !gone {
		if n.Spec.Role == apiswarm.NodeRoleManager {
			if err := r.client.SetNodeRole(ctx, id, apiswarm.NodeRoleWorker, budget.left()); err != nil {
				resp.Diagnostics.AddError("Error demoting the node before it leaves", timeoutErr(ctx, "swarm_join", "delete", err))
				return
			}
		}
		// The drain may use what the removal does not need; its timeout is only a warning.
		if err := r.client.DrainNode(ctx, id, max(budget.left()-downTimeout, budget.left()/2)); err != nil {
			if !errors.Is(err, swarm.ErrTimeout) {
				resp.Diagnostics.AddError("Error draining the node", err.Error())
				return
			}
			resp.Diagnostics.AddWarning("Tasks did not move off the node in time", err.Error()+"; the node leaves anyway.")
		}
	}
	r.leave(ctx, state, id, &resp.Diagnostics)
	if resp.Diagnostics.HasError() || gone {
		return
	}
	if err := r.client.RemoveNode(ctx, id, budget.left()); err != nil {
		resp.Diagnostics.AddError("Error removing the node from the swarm", timeoutErr(ctx, "swarm_join", "delete", err))
	}
}

// leave makes the joining engine leave the swarm, when it is still the node with this ID. An
// engine that cannot be reached is only a warning: the node is then removed with force.
func (r *joinResource) leave(ctx context.Context, state joinResourceModel, id string, diags *diag.Diagnostics) {
	if !setAndKnown(state.Engine) {
		diags.AddWarning("The engine is not known", "The node is removed from the swarm, but its engine (no `engine` in state, as after an import) was not told to leave.")
		return
	}
	eng, d := r.engineClient(ctx, state.Engine)
	diags.Append(d...)
	if d.HasError() {
		return
	}
	defer func() { _ = eng.Close() }()
	local, err := eng.LocalNode(ctx)
	if err != nil {
		diags.AddWarning("The joined engine cannot be reached", err.Error()+"\n\nThe node is removed from the swarm with force; make the engine leave with `docker swarm leave --force` when it is back.")
		return
	}
	if local.NodeID != id || local.LocalNodeState == apiswarm.LocalNodeStateInactive {
		return
	}
	if err := eng.LeaveSwarm(ctx, false); err != nil {
		if ferr := eng.LeaveSwarm(ctx, true); ferr != nil {
			diags.AddError("Error leaving the swarm", err.Error())
		}
	}
}

func (r *joinResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	key, diags := importIDOf(ctx, req, "Import a swarm_join by the node ID or hostname: terraform import swarm_join.example <node-id-or-hostname>")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.FindNode(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error importing the joined node",
			"Expected a node ID or hostname of the swarm; "+key+": "+err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), n.ID)...)
}
