package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
	_ resource.ResourceWithConfigure   = (*volumeResource)(nil)
	_ resource.ResourceWithImportState = (*volumeResource)(nil)
	_ resource.ResourceWithIdentity    = (*volumeResource)(nil)
)

// NewVolumeResource is the swarm_volume resource.
func NewVolumeResource() resource.Resource {
	return &volumeResource{dial: dialVolumeEngine}
}

type volumeResource struct {
	client volumeEngine
	// dial builds the client of an `engine` block (dialVolumeEngine; tests put fakes in its place).
	dial func(ctx context.Context, engine types.Object) (remoteVolumes, diag.Diagnostics)
}

type volumeResourceModel struct {
	ID         types.String   `tfsdk:"id"`
	Name       types.String   `tfsdk:"name"`
	Driver     types.String   `tfsdk:"driver"`
	DriverOpts types.Map      `tfsdk:"driver_opts"`
	Labels     types.Map      `tfsdk:"labels"`
	Mountpoint types.String   `tfsdk:"mountpoint"`
	Scope      types.String   `tfsdk:"scope"`
	Engine     types.Object   `tfsdk:"engine"`
	Timeouts   timeouts.Value `tfsdk:"timeouts"`
}

// volumeIdentityModel names a volume: volumes have no swarm-wide ID, only a name on an engine.
type volumeIdentityModel struct {
	Name       types.String `tfsdk:"name"`
	EngineHost types.String `tfsdk:"engine_host"`
}

// volumeNamePattern is what the Engine's local driver accepts as a volume name.
var volumeNamePattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// volumeImportSeparator splits `<host>|<name>` import IDs.
const volumeImportSeparator = "|"

const volumeReplaces = " Changing it replaces the volume: the Engine cannot update a volume, and replacing it loses its data."

func (r *volumeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_volume"
}

func (r *volumeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A named volume on one Docker Engine. Volumes belong to a node, not to the swarm: this " +
			"resource creates the volume on the engine the provider talks to, or on the engine named in `engine` " +
			"(for example the node that will run a database). Destroying a volume that containers use fails with " +
			"their names; nothing is force-removed. The Engine cannot change a volume: every change of an argument " +
			"except the `engine` connection settings other than `host` plans a replacement.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The volume's name (volumes are identified by name on their engine).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The volume's name, unique on its engine: a letter or digit, then letters, digits, `_`, `.` or `-` (at least two characters)." + volumeReplaces,
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.RegexMatches(volumeNamePattern, "must start with a letter or digit, continue with letters, digits, _, . or -, and be at least two characters long"),
				},
			},
			"driver": schema.StringAttribute{
				MarkdownDescription: "The volume driver. Defaults to `local`." + volumeReplaces,
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("local"),
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"driver_opts": schema.MapAttribute{
				MarkdownDescription: "Options of the driver. For the `local` driver they are the arguments of `mount`: an NFS " +
					"share is `{ type = \"nfs\", o = \"addr=10.0.0.5,rw,nfsvers=4\", device = \":/exports/db\" }`, a tmpfs is " +
					"`{ type = \"tmpfs\", device = \"tmpfs\", o = \"size=100m\" }`. The local driver mounts them when a " +
					"container first uses the volume, so mistakes show then, not at creation." + volumeReplaces,
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapRequiresReplace()},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "Labels of the volume. The Engine cannot change the labels of a volume either." + volumeReplaces,
				ElementType:         types.StringType,
				Optional:            true,
				PlanModifiers:       []planmodifier.Map{mapRequiresReplace()},
			},
			"mountpoint": schema.StringAttribute{
				MarkdownDescription: "Where the volume's data lives on its engine's host.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"scope": schema.StringAttribute{
				MarkdownDescription: "`local` for a volume of one engine, `global` for a driver whose volumes every node sees.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Delete: true,
				DeleteDescription: "How long the removal may wait for containers that still use the volume to go (default `" + swarm.VolumeRemoveTimeout.String() + "`)."}),
			"engine": engineBlock(engineBlockSpec{
				description: "The engine to create the volume on, instead of the provider's engine: the same " +
					"connection settings as the provider's. A different `host` replaces the volume (it is another " +
					"engine's volume then); the other settings (certificates, ssh options) change in place. Values that " +
					"are not known at plan time are fine.",
				hostDescription: "The Docker Engine to create the volume on: `unix:///var/run/docker.sock`, `tcp://host:2376` or `ssh://user@host[:port]`.",
				modifiers: []planmodifier.Object{objectplanmodifier.RequiresReplaceIf(volumeEngineHostChanged,
					"A different engine host replaces the volume.", "A different engine `host` replaces the volume.")},
			}),
		},
	}
}

func (r *volumeResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"name": identityschema.StringAttribute{Description: "The volume's name.", RequiredForImport: true},
			"engine_host": identityschema.StringAttribute{
				Description:       "The `host` of the `engine` block the volume lives on; left out, the provider's engine.",
				OptionalForImport: true,
			},
		},
	}
}

func (r *volumeResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *volumeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncVolumeIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan volumeResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, done, diags := r.engineClient(ctx, plan.Engine)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer done()
	opts, diags := expandVolumeCreateOptions(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if _, err := c.CreateVolume(ctx, opts); err != nil {
		resp.Diagnostics.AddError("Error creating volume", fmt.Sprintf("Volume %q on %s: %v", opts.Name, engineName(c), err))
		return
	}
	r.readInto(ctx, c, opts.Name, plan, &resp.State, &resp.Diagnostics, "Error reading volume after creating it")
	if resp.Diagnostics.HasError() && resp.State.Raw.IsNull() {
		// The volume exists now: it goes into state (tainted), so the next apply does not find its
		// name taken by a volume nobody manages.
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), opts.Name)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), opts.Name)...)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("engine"), plan.Engine)...)
	}
}

func (r *volumeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncVolumeIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state volumeResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, done, diags := r.engineClient(ctx, state.Engine)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer done()
	name := state.Name.ValueString()
	v, err := c.InspectVolume(ctx, name)
	if errors.Is(err, swarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading volume", fmt.Sprintf("Volume %q on %s: %v", name, engineName(c), err))
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, flattenVolume(v, state))...)
}

// Update only changes how the engine is reached (certificates, ssh options): everything else
// requires replacement.
func (r *volumeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncVolumeIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan volumeResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, done, diags := r.engineClient(ctx, plan.Engine)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer done()
	r.readInto(ctx, c, plan.Name.ValueString(), plan, &resp.State, &resp.Diagnostics, "Error reading volume")
}

func (r *volumeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state volumeResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	c, done, diags := r.engineClient(ctx, state.Engine)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	defer done()
	name := state.Name.ValueString()
	timeout, d := state.Timeouts.Delete(ctx, swarm.VolumeRemoveTimeout)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := c.RemoveVolume(ctx, name, timeout); err != nil {
		resp.Diagnostics.AddError("Error deleting volume", fmt.Sprintf("Volume %q on %s: %s", name, engineName(c), timeoutErr(ctx, "swarm_volume", "delete", err)))
	}
}

// ImportState takes `<name>` (a volume of the provider's engine) or `<host>|<name>` (a volume of
// the engine at host, reached without TLS material of its own; add the rest of `engine` to the
// configuration).
//
// By identity (Terraform 1.12+), `name` and optionally `engine_host` say the same.
func (r *volumeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	key := req.ID
	if key == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		var ident volumeIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &ident)...)
		if resp.Diagnostics.HasError() {
			return
		}
		key = ident.Name.ValueString()
		if h := ident.EngineHost.ValueString(); h != "" {
			key = h + volumeImportSeparator + key
		}
	}
	host, name, err := parseVolumeImportID(key)
	if err != nil {
		resp.Diagnostics.AddError("Invalid import ID", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	if host != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("engine").AtName("host"), host)...)
	}
}

// syncVolumeIdentity records the identity from the name and engine host of the first of states
// that has a name (see syncIDIdentity).
func syncVolumeIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, states ...*tfsdk.State) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	for _, state := range states {
		if state == nil || state.Raw.IsNull() {
			continue
		}
		var m volumeIdentityModel
		if d := state.GetAttribute(ctx, path.Root("name"), &m.Name); d.HasError() || m.Name.IsNull() || m.Name.IsUnknown() {
			continue
		}
		var engine types.Object
		m.EngineHost = types.StringNull()
		if d := state.GetAttribute(ctx, path.Root("engine"), &engine); !d.HasError() && !engine.IsNull() && !engine.IsUnknown() {
			if h, ok := engine.Attributes()["host"].(types.String); ok && !h.IsUnknown() {
				m.EngineHost = h
			}
		}
		return identity.Set(ctx, m)
	}
	return nil
}

// parseVolumeImportID splits `<name>` or `<host>|<name>`.
func parseVolumeImportID(id string) (host, name string, err error) {
	name = id
	if i := strings.LastIndex(id, volumeImportSeparator); i >= 0 {
		host, name = id[:i], id[i+1:]
		if _, perr := swarm.ParseHost(host); perr != nil {
			return "", "", fmt.Errorf("the import ID is `<name>` or `<host>|<name>`; in %q the host is invalid: %v", id, perr)
		}
	}
	if !volumeNamePattern.MatchString(name) {
		return "", "", fmt.Errorf("the import ID is `<name>` or `<host>|<name>`; %q is not a valid volume name", name)
	}
	return host, name, nil
}

// readInto reads the volume back and stores it, flattened against prior.
func (r *volumeResource) readInto(ctx context.Context, c volumeEngine, name string, prior volumeResourceModel, state *tfsdk.State, diags *diag.Diagnostics, summary string) {
	v, err := c.InspectVolume(ctx, name)
	if err != nil {
		diags.AddError(summary, fmt.Sprintf("Volume %q on %s: %v", name, engineName(c), err))
		return
	}
	diags.Append(state.Set(ctx, flattenVolume(v, prior))...)
}

// engineClient is the client of the volume's engine: the provider's, or one built from the
// `engine` override for this one call (done closes it).
func (r *volumeResource) engineClient(ctx context.Context, engine types.Object) (volumeEngine, func(), diag.Diagnostics) {
	var diags diag.Diagnostics
	noop := func() {}
	if engine.IsNull() {
		if r.client == nil {
			diags.AddError("Provider not configured", "The provider has no Engine client; this is a bug in the provider.")
			return nil, noop, diags
		}
		return r.client, noop, diags
	}
	c, d := r.dial(ctx, engine)
	diags.Append(d...)
	if diags.HasError() {
		return nil, noop, diags
	}
	return c, func() { _ = c.Close() }, diags
}

func engineName(c volumeEngine) string {
	return "engine " + strings.Join(c.Hosts(), ", ")
}

// volumeEngineHostChanged replaces the volume when it moves to another engine. Adding or removing
// the block counts as a move unless the host stays the same; an unknown host is assumed to move.
func volumeEngineHostChanged(ctx context.Context, req planmodifier.ObjectRequest, resp *objectplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = volumeEngineHost(ctx, req.PlanValue) != volumeEngineHost(ctx, req.StateValue)
}

// volumeEngineHost is the host of an engine block: "" for none, "?" for unknown.
func volumeEngineHost(ctx context.Context, obj types.Object) string {
	if obj.IsNull() {
		return ""
	}
	if obj.IsUnknown() {
		return "?"
	}
	var conn connectionModel
	if diags := obj.As(ctx, &conn, basetypes.ObjectAsOptions{}); diags.HasError() || conn.Host.IsUnknown() {
		return "?"
	}
	return conn.Host.ValueString()
}
