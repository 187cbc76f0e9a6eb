package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure    = (*clusterResource)(nil)
	_ resource.ResourceWithIdentity     = (*clusterResource)(nil)
	_ resource.ResourceWithImportState  = (*clusterResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*clusterResource)(nil)
	_ resource.ResourceWithUpgradeState = (*clusterResource)(nil)
)

// NewClusterResource is the swarm_cluster resource: a swarm initialised on (or adopted from) the
// engine the provider connects to.
func NewClusterResource() resource.Resource {
	return &clusterResource{}
}

type clusterResource struct {
	client clusterEngine
}

type clusterResourceModel struct {
	ID                        types.String   `tfsdk:"id"`
	NodeID                    types.String   `tfsdk:"node_id"`
	AdvertiseAddr             types.String   `tfsdk:"advertise_addr"`
	ListenAddr                types.String   `tfsdk:"listen_addr"`
	DataPathAddr              types.String   `tfsdk:"data_path_addr"`
	DataPathPort              types.Int64    `tfsdk:"data_path_port"`
	DefaultAddrPool           types.List     `tfsdk:"default_addr_pool"`
	SubnetSize                types.Int64    `tfsdk:"subnet_size"`
	Labels                    types.Map      `tfsdk:"labels"`
	TaskHistoryRetentionLimit types.Int64    `tfsdk:"task_history_retention_limit"`
	Raft                      types.Object   `tfsdk:"raft"`
	DispatcherHeartbeatPeriod semString      `tfsdk:"dispatcher_heartbeat_period"`
	CANodeCertExpiry          semString      `tfsdk:"ca_node_cert_expiry"`
	Autolock                  types.Bool     `tfsdk:"autolock"`
	RotateWorkerToken         types.String   `tfsdk:"rotate_worker_token"`
	RotateManagerToken        types.String   `tfsdk:"rotate_manager_token"`
	RotateUnlockKey           types.String   `tfsdk:"rotate_unlock_key"`
	UnlockKey                 types.String   `tfsdk:"unlock_key"`
	Timeouts                  timeouts.Value `tfsdk:"timeouts"`
}

func (r *clusterResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cluster"
}

// replaceWhenChangedAfterCreate replaces the swarm when an init-only address changes between two
// set values. A value the state does not know (after import) or that is removed from the
// configuration is only recorded: the Engine does not report these addresses.
func replaceWhenChangedAfterCreate() planmodifier.String {
	return stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = !req.StateValue.IsNull() && !req.PlanValue.IsNull() && !req.PlanValue.IsUnknown()
	}, "Changing this address after the swarm exists re-creates the swarm.", "Changing this address after the swarm exists re-creates the swarm.")
}

func (r *clusterResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	initString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: desc + " Used at init only; changing it later re-creates the swarm (after an import it is only recorded).",
			Optional:            true,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers:       []planmodifier.String{replaceWhenChangedAfterCreate()},
		}
	}
	// UseNonNullStateForUnknown: a raft setting left out of a raft block that was just added
	// is the Engine's, known after apply (the state has no value for it, not a null one).
	specInt := func(desc string, atLeast int64) schema.Int64Attribute {
		return schema.Int64Attribute{
			MarkdownDescription: desc + " Defaults to the Engine's value.",
			Optional:            true, Computed: true,
			Validators:    []validator.Int64{int64validator.AtLeast(atLeast)},
			PlanModifiers: []planmodifier.Int64{int64planmodifier.UseNonNullStateForUnknown()},
		}
	}
	durationString := func(desc string, minimum time.Duration, why string) schema.StringAttribute {
		a := withDurationMin(optDuration(desc+" Defaults to the Engine's value."), minimum, why)
		a.Computed = true
		a.PlanModifiers = append(a.PlanModifiers, stringplanmodifier.UseStateForUnknown())
		return a
	}
	rotate := func(what string) schema.StringAttribute {
		return schema.StringAttribute{
			MarkdownDescription: "Any value; every change of it (after the swarm exists) rotates the " + what +
				". For example a date, or a counter bumped by hand.",
			Optional: true,
		}
	}
	resp.Schema = schema.Schema{
		// Version 1: `raft` is a block, null when not written and the Engine has the defaults.
		Version: 1,
		MarkdownDescription: "A Docker Swarm: `docker swarm init` on the engine the provider connects to (its `host`, or the " +
			"first of its `hosts` that answers), and the swarm's settings afterwards, changed in place.\n\n" +
			"Import adopts the swarm the engine is already part of, by the swarm's ID.\n\n" +
			"~> **Destroy makes that engine leave the swarm with force**, which dissolves a swarm whose last manager it is: " +
			"every service, secret, config and network of the swarm is lost. Guard this resource with " +
			"`lifecycle { prevent_destroy = true }`.\n\n" +
			"Join tokens are never stored: use the `swarm_join_token` ephemeral resource. The unlock key is stored " +
			"(as a sensitive value) only when `autolock` is on.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The swarm's ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"node_id": schema.StringAttribute{
				MarkdownDescription: "Node ID of the engine that initialised the swarm (after an import: of the engine the provider talks to).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"advertise_addr": initString("Address (`ip`, `ip:port` or interface name) that other nodes use to reach this manager. " +
				"Required by the Engine when the host has several addresses."),
			"listen_addr":    initString("Address on which this manager listens for the other nodes. Defaults to `0.0.0.0:2377`."),
			"data_path_addr": initString("Address or interface for the overlay data traffic, when it should differ from `advertise_addr`."),
			"data_path_port": schema.Int64Attribute{
				MarkdownDescription: "UDP port of the overlay data path (VXLAN), 1024 to 49151. Defaults to 4789. Set at init; changing it re-creates the swarm.",
				Optional:            true, Computed: true,
				Validators:    []validator.Int64{int64validator.Between(1024, 49151)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()},
			},
			"default_addr_pool": schema.ListAttribute{
				MarkdownDescription: "CIDR ranges from which overlay networks get their subnets. Defaults to `[\"10.0.0.0/8\"]`. Set at init; changing it re-creates the swarm.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				Validators:    []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(cidrValidator{})},
				PlanModifiers: []planmodifier.List{listplanmodifier.UseStateForUnknown(), listplanmodifier.RequiresReplace()},
			},
			"subnet_size": schema.Int64Attribute{
				MarkdownDescription: "Prefix length of the subnets taken from `default_addr_pool`. Defaults to 24. Set at init; changing it re-creates the swarm.",
				Optional:            true, Computed: true,
				Validators:    []validator.Int64{int64validator.Between(1, 32)},
				PlanModifiers: []planmodifier.Int64{int64planmodifier.UseStateForUnknown(), int64planmodifier.RequiresReplace()},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "The swarm's labels. When set, these are all of its labels (others are removed); when not set, the swarm's labels are left alone.",
				ElementType:         types.StringType,
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.UseStateForUnknown()},
			},
			"task_history_retention_limit": specInt("How many finished tasks the swarm keeps per service slot.", 0),
			"dispatcher_heartbeat_period": durationString("How often nodes report to the dispatcher.",
				time.Nanosecond, "the Engine refuses a zero duration here."),
			"ca_node_cert_expiry": durationString("Validity of node certificates.",
				time.Hour, "Swarm refuses node certificates valid for less than an hour."),
			"autolock": schema.BoolAttribute{
				MarkdownDescription: "Whether managers are locked after a restart until `docker swarm unlock` is given the `unlock_key`. Defaults to `false`.",
				Optional:            true, Computed: true,
				PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()},
			},
			"rotate_worker_token":  rotate("worker join token"),
			"rotate_manager_token": rotate("manager join token"),
			"rotate_unlock_key":    rotate("unlock key (with `autolock`)"),
			"unlock_key": schema.StringAttribute{
				MarkdownDescription: "The key that unlocks the managers after a restart; only when `autolock` is on, else null.",
				Computed:            true,
				Sensitive:           true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
				CreateDescription: "How long the init and the first configuration of the swarm may take (default `" + defaultClusterTimeout.String() + "`). " +
					"An init whose answer does not come (this timeout, an interrupt, a broken connection) but that the engine finishes keeps " +
					"its new swarm: the state holds it, tainted, and the error says so.",
				UpdateDescription: "How long a change of the swarm's settings, with token and key rotations, may take (default `" + defaultClusterTimeout.String() + "`).",
				DeleteDescription: "How long leaving the swarm may take (default `" + defaultClusterTimeout.String() + "`)."}),
			"raft": schema.SingleNestedBlock{
				MarkdownDescription: "Raft settings of the managers. Without this block the swarm keeps the Engine's defaults " +
					"(" + clusterDefaultRaftDescription + "): values changed outside Terraform show as drift, and the " +
					"next apply restores the defaults. In the block, settings left out keep the Engine's values.",
				Attributes: map[string]schema.Attribute{
					"snapshot_interval":              specInt("Log entries between snapshots.", 1),
					"keep_old_snapshots":             specInt("Snapshots kept beyond the current one.", 0),
					"log_entries_for_slow_followers": specInt("Log entries kept after a snapshot for slow followers.", 0),
					"heartbeat_tick":                 specInt("Ticks between heartbeats.", 1),
					"election_tick":                  specInt("Ticks without a leader before an election; must be larger than `heartbeat_tick`.", 1),
				},
				Validators: []validator.Object{raftTicksValidator{}},
			},
		},
	}
}

func (r *clusterResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The swarm's ID.")
}

func (r *clusterResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *clusterResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan clusterResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts, diags := expandInitOptions(ctx, plan)
	resp.Diagnostics.Append(diags...)
	ctx, cancel, diags := clusterOperationContext(ctx, plan.Timeouts, "create")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer cancel()
	nodeID, err := r.client.InitSwarm(ctx, opts)
	var late *swarm.InitOutlivedError
	if errors.As(err, &late) {
		r.keepLateInit(ctx, late, plan, resp)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating the swarm", timeoutErr(ctx, "swarm_cluster", "create", err)+
			"\n\nAn engine that is already part of a swarm can be adopted with `terraform import`.")
		return
	}
	plan.NodeID = types.StringValue(nodeID)
	// The Engine merges only some of the spec given at init; write it once more so that every
	// setting the configuration gives is in place.
	var specDiags diag.Diagnostics
	if err := r.client.UpdateSwarm(ctx, func(s *apiswarm.Spec) {
		merged, d := expandSwarmSpec(ctx, plan, *s)
		specDiags = d
		*s = merged
	}, swarm.Rotation{}); err != nil {
		resp.Diagnostics.AddError("Error configuring the new swarm", timeoutErr(ctx, "swarm_cluster", "create", err))
	}
	resp.Diagnostics.Append(specDiags...)
	r.readInto(ctx, &plan, &resp.Diagnostics)
	if plan.ID.IsNull() {
		resp.Diagnostics.AddError("Error creating the swarm", "The engine is in no swarm right after the init.")
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// keepLateInit records a swarm whose init got no answer (the create stopped waiting for it, or the
// connection broke) but that the engine finished: rather than lose it, the state holds it as the engine has it, and the create fails, so that
// Terraform marks it tainted. The settings that a create writes after the init are not written.
func (r *clusterResource) keepLateInit(ctx context.Context, late *swarm.InitOutlivedError, plan clusterResourceModel, resp *resource.CreateResponse) {
	summary := "Error creating the swarm"
	detail := timeoutErr(ctx, "swarm_cluster", "create", late)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	plan.NodeID = types.StringValue(late.NodeID)
	var diags diag.Diagnostics
	r.readInto(rctx, &plan, &diags)
	if diags.HasError() || plan.ID.IsNull() {
		resp.Diagnostics.Append(diags...)
		resp.Diagnostics.AddError(summary, detail+"\n\nThe new swarm could not be read; adopt it with `terraform import`.")
		return
	}
	resp.Diagnostics.AddError(summary, detail+fmt.Sprintf("\n\nThe swarm (%s) is kept in the state, marked tainted: the next apply "+
		"replaces it (the engine leaves it and initialises a new one). To keep it instead, run `terraform untaint` "+
		"on this resource; the next apply then writes the settings of the configuration that the swarm does not have.", plan.ID.ValueString()))
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// readInto reads the swarm back onto m; a swarm that is gone leaves m.ID null.
func (r *clusterResource) readInto(ctx context.Context, m *clusterResourceModel, diags *diag.Diagnostics) {
	sw, err := r.client.ReadSwarm(ctx)
	if errors.Is(err, swarm.ErrNotFound) {
		m.ID = types.StringNull()
		return
	}
	if err != nil {
		diags.AddError("Error reading the swarm", err.Error())
		return
	}
	flat, d := flattenSwarm(ctx, sw, *m)
	diags.Append(d...)
	*m = flat
	if m.NodeID.IsNull() || m.NodeID.IsUnknown() {
		local, err := r.client.LocalNode(ctx)
		if err != nil {
			diags.AddError("Error reading the engine's node", err.Error())
			return
		}
		m.NodeID = types.StringValue(local.NodeID)
	}
	m.UnlockKey = types.StringNull()
	if sw.Spec.EncryptionConfig.AutoLockManagers {
		key, err := r.client.UnlockKey(ctx)
		if err != nil {
			diags.AddError("Error reading the swarm's unlock key", err.Error())
			return
		}
		m.UnlockKey = types.StringValue(key)
	}
}

func (r *clusterResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state clusterResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	wantID := state.ID.ValueString()
	r.readInto(ctx, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if state.ID.IsNull() || (wantID != "" && state.ID.ValueString() != wantID) {
		// The engine left the swarm, or is part of another one now.
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *clusterResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, state clusterResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, diags := clusterOperationContext(ctx, plan.Timeouts, "update")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer cancel()
	worker, manager, unlock := clusterRotation(plan, state)
	var specDiags diag.Diagnostics
	err := r.client.UpdateSwarm(ctx, func(s *apiswarm.Spec) {
		merged, d := expandSwarmSpec(ctx, plan, *s)
		specDiags = d
		*s = merged
	}, swarm.Rotation{WorkerToken: worker, ManagerToken: manager, UnlockKey: unlock})
	resp.Diagnostics.Append(specDiags...)
	if err != nil {
		resp.Diagnostics.AddError("Error updating the swarm", timeoutErr(ctx, "swarm_cluster", "update", err))
		return
	}
	r.readInto(ctx, &plan, &resp.Diagnostics)
	if plan.ID.IsNull() {
		resp.Diagnostics.AddError("Error updating the swarm", "The engine is in no swarm any more.")
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *clusterResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state clusterResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, diags := clusterOperationContext(ctx, state.Timeouts, "delete")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer cancel()
	sw, err := r.client.ReadSwarm(ctx)
	if errors.Is(err, swarm.ErrNotFound) {
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading the swarm before leaving it", timeoutErr(ctx, "swarm_cluster", "delete", err))
		return
	}
	if sw.ID != state.ID.ValueString() {
		resp.Diagnostics.AddWarning("The engine is part of another swarm",
			"Swarm "+state.ID.ValueString()+" is gone from the engine, which is now part of swarm "+sw.ID+"; it is left as it is.")
		return
	}
	if err := r.client.LeaveSwarm(ctx, true); err != nil {
		resp.Diagnostics.AddError("Error leaving the swarm", timeoutErr(ctx, "swarm_cluster", "delete", err))
	}
}

func (r *clusterResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
}

// ModifyPlan says when the unlock key will change: with autolock switched or its rotation.
func (r *clusterResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var plan, state clusterResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	_, _, unlock := clusterRotation(plan, state)
	switch {
	case plan.Autolock.IsUnknown() || plan.RotateUnlockKey.IsUnknown():
		plan.UnlockKey = types.StringUnknown()
	case !plan.Autolock.ValueBool():
		plan.UnlockKey = types.StringNull()
	case !state.Autolock.ValueBool() || unlock:
		plan.UnlockKey = types.StringUnknown()
	default:
		plan.UnlockKey = state.UnlockKey
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("unlock_key"), plan.UnlockKey)...)
}

// UpgradeState upgrades version 0 states, where `raft` was always filled (see
// upgradeClusterStateJSONV0).
func (r *clusterResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeClusterStateV0},
	}
}
