package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure    = (*networkResource)(nil)
	_ resource.ResourceWithIdentity     = (*networkResource)(nil)
	_ resource.ResourceWithImportState  = (*networkResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*networkResource)(nil)
	_ resource.ResourceWithUpgradeState = (*networkResource)(nil)
)

// NewNetworkResource is the swarm_network resource.
func NewNetworkResource() resource.Resource {
	return &networkResource{}
}

type networkResource struct {
	client networkEngine
}

type networkResourceModel struct {
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Driver     types.String `tfsdk:"driver"`
	Attachable types.Bool   `tfsdk:"attachable"`
	Internal   types.Bool   `tfsdk:"internal"`
	Ingress    types.Bool   `tfsdk:"ingress"`
	Encrypted  types.Bool   `tfsdk:"encrypted"`
	IPv6       types.Bool   `tfsdk:"ipv6"`
	// IPAM is what the configuration writes (null when it writes no `ipam` block);
	// EffectiveIPAM is what the Engine has.
	IPAM          types.Object   `tfsdk:"ipam"`
	EffectiveIPAM types.Object   `tfsdk:"effective_ipam"`
	Options       types.Map      `tfsdk:"options"`
	Labels        types.Map      `tfsdk:"labels"`
	Scope         types.String   `tfsdk:"scope"`
	Timeouts      timeouts.Value `tfsdk:"timeouts"`
}

type networkIPAMModel struct {
	Driver  types.String `tfsdk:"driver"`
	Options types.Map    `tfsdk:"options"`
	Configs types.List   `tfsdk:"configs"`
}

type networkIPAMConfigModel struct {
	Subnet       types.String `tfsdk:"subnet"`
	IPRange      types.String `tfsdk:"ip_range"`
	Gateway      types.String `tfsdk:"gateway"`
	AuxAddresses types.Map    `tfsdk:"aux_addresses"`
}

// replaces ends the description of every argument: the Engine cannot update a network.
const replaces = " Changing it replaces the network (the Engine cannot update networks)."

func (r *networkResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_network"
}

func (r *networkResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replaceBool := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{
			MarkdownDescription: desc + " Defaults to `false`." + replaces,
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(false),
			PlanModifiers:       []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
		}
	}
	resp.Schema = schema.Schema{
		// Version 1: `ipam` holds what the configuration writes, effective_ipam what the Engine has.
		Version: 1,
		MarkdownDescription: "A swarm network (an `overlay` network by default) that services attach to. " +
			"The Engine cannot change a network once it exists: every change of an argument plans a replacement, and " +
			"the plan says so. Destroying a network waits (up to two minutes) for the tasks of services that were just " +
			"removed to detach, and fails naming the services that still use it.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The network's ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The network's name: letters and digits, with `-` or `_` between them (a DNS name component, at most 63 characters), unique in the swarm." + replaces,
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 63),
					stringvalidator.RegexMatches(swarmNamePattern, "must be letters and digits, with - or _ only between them (swarm requires a DNS name component)"),
				},
			},
			"driver": schema.StringAttribute{
				MarkdownDescription: "The network driver. Defaults to `overlay`, the driver that spans the swarm's nodes." + replaces,
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("overlay"),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"attachable": replaceBool("Whether standalone containers (`docker run --network`) may attach too, not only services."),
			"internal":   replaceBool("Whether the network is cut off from outside networks: no traffic leaves it."),
			"ingress": replaceBool("Whether this is the swarm's ingress network, which carries the routing mesh. A swarm has one; " +
				"remove the existing `ingress` network before creating another."),
			"encrypted": replaceBool("Whether the overlay data plane is encrypted with IPsec (the driver option `encrypted`). " +
				"Encryption costs throughput and needs the IPsec (ESP) kernel support on every node."),
			"ipv6": replaceBool("Whether the network also gets IPv6 addresses (compose's `enable_ipv6`). Configure an IPv6 subnet in `ipam.configs` as well."),
			"effective_ipam": schema.SingleNestedAttribute{
				MarkdownDescription: "The IP address management the network has on the Engine (read-only): what `ipam` " +
					"sets, and what the Engine chose for everything `ipam` leaves out, such as the subnet it took from the " +
					"swarm's default address pool when no `ipam` is written. IPAM options the Engine adds by itself are not " +
					"shown, and the Engine does not report the aux addresses of swarm networks.",
				Computed:      true,
				PlanModifiers: []planmodifier.Object{objectplanmodifier.UseNonNullStateForUnknown()},
				Attributes:    networkEffectiveIPAMAttributes(),
			},
			"options": schema.MapAttribute{
				MarkdownDescription: "Driver options (compose's `driver_opts`), such as `com.docker.network.driver.mtu`. Use `encrypted` rather than the " +
					"`encrypted` option. Options the Engine adds by itself (the overlay's VXLAN ID) are not shown." + replaces,
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapRequiresReplace()},
				Validators: []validator.Map{mapvalidator.KeysAre(stringvalidator.NoneOf(networkOptionEncrypted),
					stringvalidator.LengthAtLeast(1))},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "Labels of the network." + replaces,
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapRequiresReplace()},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "Where the network exists: `swarm` for networks that span the swarm (overlay), `local` for a network of the manager's engine only.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Delete: true,
				CreateDescription: "How long the create may wait for the swarm to allocate the network (default `" + swarm.NetworkAllocateTimeout.String() + "`).",
				DeleteDescription: "How long the removal may wait for tasks and containers that still use the network to go (default `" + swarm.NetworkRemoveTimeout.String() + "`)."}),
			"ipam": schema.SingleNestedBlock{
				MarkdownDescription: "IP address management: the driver and the address pools. What is not written here the " +
					"Engine chooses (a subnet from the swarm's default address pool, the `default` driver); " +
					"`effective_ipam` shows its choice. Writing here what the network already has (for example the " +
					"subnet the Engine chose) does not replace it, and neither does removing the block or leaving out " +
					"`configs`: the network keeps what it has." + replaces,
				Attributes: map[string]schema.Attribute{
					"driver": schema.StringAttribute{
						MarkdownDescription: "The IPAM driver. Defaults to the Engine's `default`." + replaces,
						Optional:            true,
						Computed:            true,
						Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
					},
					"options": schema.MapAttribute{
						MarkdownDescription: "Options of the IPAM driver." + replaces,
						ElementType:         types.StringType,
						Optional:            true,
						Validators:          []validator.Map{mapvalidator.SizeAtLeast(1)},
					},
				},
				Blocks: map[string]schema.Block{
					"configs": schema.ListNestedBlock{
						MarkdownDescription: "Address pools, one block per subnet (for example one IPv4 and one IPv6; compose's `ipam.config`, kreuzwerker/docker's `ipam_config`). " +
							"Adding or removing a pool replaces the network, unless the network already has exactly the " +
							"pools written." + replaces,
						NestedObject: schema.NestedBlockObject{
							Validators: []validator.Object{ipamConfigValidator{}},
							Attributes: map[string]schema.Attribute{
								"subnet": schema.StringAttribute{
									MarkdownDescription: "The subnet in CIDR notation, written as its network address in canonical form (`10.20.0.0/24`, `fd00:20::/64`)." + replaces,
									Required:            true,
									Validators:          []validator.String{cidrValidator{}},
								},
								"ip_range": schema.StringAttribute{
									MarkdownDescription: "The part of the subnet, in CIDR notation, that container addresses are taken from. Must lie inside `subnet`." + replaces,
									Optional:            true,
									Validators:          []validator.String{cidrValidator{}},
								},
								"gateway": schema.StringAttribute{
									MarkdownDescription: "The gateway address, inside `subnet`. Chosen by the Engine (the first address) when not set." + replaces,
									Optional:            true,
									Computed:            true,
									Validators:          []validator.String{ipValidator{}},
								},
								"aux_addresses": schema.MapAttribute{
									MarkdownDescription: "Addresses inside `subnet` that the network driver must not hand out, by host name (kreuzwerker/docker's `aux_address`). The Engine does not report them back for swarm networks: they are kept as configured, cannot show drift, and are empty after an import." + replaces,
									ElementType:         types.StringType,
									Optional:            true,
									Validators:          []validator.Map{mapvalidator.SizeAtLeast(1), mapvalidator.ValueStringsAre(ipValidator{})},
								},
							},
						},
					},
				},
			},
		},
	}
}

func (r *networkResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The network's ID.")
}

func (r *networkResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *networkResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan networkResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts, diags := expandNetworkCreateOptions(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, swarm.NetworkAllocateTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id, err := r.client.CreateNetwork(cctx, name, opts)
	// Keep the ID of a network that exists, even if it was not allocated in time or reading it back
	// fails, so that it is not orphaned (Terraform keeps it as tainted).
	if id != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	}
	if err != nil {
		resp.Diagnostics.AddError("Error creating Swarm network", fmt.Sprintf("Network %q: %s", name, timeoutErr(cctx, "swarm_network", "create", err)))
		return
	}
	r.readInto(ctx, id, plan, &resp.State, &resp.Diagnostics, "Error reading Swarm network after creating it")
}

func (r *networkResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state networkResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.InspectNetworkByID(ctx, state.ID.ValueString())
	if errors.Is(err, swarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm network", fmt.Sprintf("Network %s: %v", state.ID.ValueString(), err))
		return
	}
	m, diags := flattenNetwork(ctx, n, state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// Update is planned only for changes the network already satisfies (null and empty maps, an
// `ipam` block that writes what the network has, or is removed); it only refreshes the state.
func (r *networkResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, state networkResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.readInto(ctx, state.ID.ValueString(), plan, &resp.State, &resp.Diagnostics, "Error reading Swarm network")
}

func (r *networkResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state networkResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, swarm.NetworkRemoveTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.RemoveNetwork(ctx, state.ID.ValueString(), timeout); err != nil {
		resp.Diagnostics.AddError("Error deleting Swarm network",
			fmt.Sprintf("Network %q (%s): %s", state.Name.ValueString(), state.ID.ValueString(), timeoutErr(ctx, "swarm_network", "delete", err)))
	}
}

// ImportState takes a network ID or name.
func (r *networkResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	key, diags := importIDOf(ctx, req, "Import a swarm_network by its ID or name: terraform import swarm_network.example <id-or-name>")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	n, err := r.client.InspectNetwork(ctx, key)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Swarm network",
			fmt.Sprintf("No network with the ID or name %q could be read: %v", key, err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), n.ID)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, n.ID)...)
}

// ModifyPlan decides whether the `ipam` block asks for something the network does not have
// (see planIPAM).
func (r *networkResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || req.State.Raw.IsNull() {
		return
	}
	var config, plan, state networkResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ipam, replace, diags := planIPAM(ctx, config.IPAM, plan.IPAM, state.EffectiveIPAM, priorAuxAddresses(ctx, state.IPAM))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.RequiresReplace = append(resp.RequiresReplace, replace...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("ipam"), ipam)...)
}

// UpgradeState upgrades version 0 states, where `ipam` held the Engine's IPAM whether written or
// not (see upgradeNetworkStateJSONV0).
func (r *networkResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeNetworkStateV0},
	}
}

// readInto reads the network back and stores it, flattened against prior.
func (r *networkResource) readInto(ctx context.Context, id string, prior networkResourceModel, state *tfsdk.State, diags *diag.Diagnostics, summary string) {
	n, err := r.client.InspectNetworkByID(ctx, id)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Network %s: %v", id, err))
		return
	}
	m, d := flattenNetwork(ctx, n, prior)
	diags.Append(d...)
	if d.HasError() {
		return
	}
	diags.Append(state.Set(ctx, &m)...)
}

// networkEffectiveIPAMAttributes are the read-only attributes of the IPAM a network has on the
// Engine (the resource's effective_ipam, the data source's ipam).
func networkEffectiveIPAMAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"driver":  schema.StringAttribute{MarkdownDescription: "The IPAM driver.", Computed: true},
		"options": schema.MapAttribute{MarkdownDescription: "Options of the IPAM driver.", ElementType: types.StringType, Computed: true},
		"configs": schema.ListNestedAttribute{
			MarkdownDescription: "Address pools, one per subnet.",
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{
				Attributes: map[string]schema.Attribute{
					"subnet":        schema.StringAttribute{MarkdownDescription: "The subnet in CIDR notation.", Computed: true},
					"ip_range":      schema.StringAttribute{MarkdownDescription: "The part of the subnet that container addresses are taken from.", Computed: true},
					"gateway":       schema.StringAttribute{MarkdownDescription: "The gateway address.", Computed: true},
					"aux_addresses": schema.MapAttribute{MarkdownDescription: "Addresses the network driver does not hand out, by host name.", ElementType: types.StringType, Computed: true},
				},
			},
		},
	}
}

// mapRequiresReplace is mapplanmodifier.RequiresReplace for maps of an object the Engine cannot
// update, except between null and empty: the Engine stores both as nothing, and after an import
// (where the configuration is not known) an empty map reads back as null, so `x = {}` must not
// replace the object; the plan shows an update that only records the empty map.
func mapRequiresReplace() planmodifier.Map {
	return mapplanmodifier.RequiresReplaceIf(mapChangedBeyondEmpty,
		"Changing it replaces the object (an empty map and no map are the same to the Engine).",
		"Changing it replaces the object (an empty map and no map are the same to the Engine).")
}

func mapChangedBeyondEmpty(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
	empty := func(m types.Map) bool { return !m.IsUnknown() && len(m.Elements()) == 0 }
	resp.RequiresReplace = !empty(req.PlanValue) || !empty(req.StateValue)
}

// ipamConfigValidator checks that ip_range, gateway and aux_addresses lie inside the subnet.
type ipamConfigValidator struct{}

func (ipamConfigValidator) Description(context.Context) string {
	return "ip_range, gateway and aux_addresses must lie inside subnet"
}

func (v ipamConfigValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (ipamConfigValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m networkIPAMConfigModel
	if diags := req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{}); diags.HasError() {
		return
	}
	for _, e := range ipamConfigProblems(m) {
		resp.Diagnostics.AddAttributeError(req.Path.AtName(e.attr), "Address outside its subnet", e.msg)
	}
}

type ipamProblem struct{ attr, msg string }

// ipamConfigProblems lists what lies outside the subnet; values that are unknown or do not parse
// (their own validators report those) are skipped.
func ipamConfigProblems(m networkIPAMConfigModel) []ipamProblem {
	if m.Subnet.IsNull() || m.Subnet.IsUnknown() {
		return nil
	}
	subnet, err := netip.ParsePrefix(m.Subnet.ValueString())
	if err != nil {
		return nil
	}
	var out []ipamProblem
	if !m.IPRange.IsNull() && !m.IPRange.IsUnknown() {
		if r, err := netip.ParsePrefix(m.IPRange.ValueString()); err == nil &&
			(r.Bits() < subnet.Bits() || !subnet.Contains(r.Addr())) {
			out = append(out, ipamProblem{"ip_range", fmt.Sprintf("ip_range %s is not inside subnet %s", r, subnet)})
		}
	}
	if !m.Gateway.IsNull() && !m.Gateway.IsUnknown() {
		if a, err := netip.ParseAddr(m.Gateway.ValueString()); err == nil && !subnet.Contains(a) {
			out = append(out, ipamProblem{"gateway", fmt.Sprintf("gateway %s is not inside subnet %s", a, subnet)})
		}
	}
	if !m.AuxAddresses.IsNull() && !m.AuxAddresses.IsUnknown() {
		for k, v := range m.AuxAddresses.Elements() {
			s, ok := v.(types.String)
			if !ok || s.IsNull() || s.IsUnknown() {
				continue
			}
			if a, err := netip.ParseAddr(s.ValueString()); err == nil && !subnet.Contains(a) {
				out = append(out, ipamProblem{"aux_addresses", fmt.Sprintf("aux_addresses[%q] %s is not inside subnet %s", k, a, subnet)})
			}
		}
	}
	return out
}
