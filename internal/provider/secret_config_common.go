package provider

// Shared code of swarm_secret and swarm_config: both are immutable Engine objects that the provider
// rotates through a family of versions (see internal/swarm/rotation.go).

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// objectTemplatingDrivers are the templating drivers the Engine knows.
var objectTemplatingDrivers = []string{"golang"}

// Minimum Engine API versions of optional fields.
const (
	apiTemplating   = "1.37"
	apiSecretDriver = "1.31"
)

// objectModel holds the attributes swarm_secret and swarm_config share.
type objectModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	VersionedName  types.String `tfsdk:"versioned_name"`
	Labels         types.Map    `tfsdk:"labels"`
	Data           types.String `tfsdk:"data"`
	DataIsBase64   types.Bool   `tfsdk:"data_is_base64"`
	DataWO         types.String `tfsdk:"data_wo"`
	DataWOVersion  types.Int64  `tfsdk:"data_wo_version"`
	Templating     types.String `tfsdk:"templating"`
	VersionsToKeep types.Int64  `tfsdk:"versions_to_keep"`
}

// objectAttributes are the schema attributes both resources share; kind is "secret" or "config".
func objectAttributes(kind swarm.Kind) map[string]schema.Attribute {
	k := string(kind)
	return map[string]schema.Attribute{
		"id": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The Engine ID of the current version of the %s. Reference this from services: it changes "+
				"when the %s rotates, so the services update to the new version in the same apply.", k, k),
			Computed:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"name": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The logical name of the %s: the Engine name of its first version, and the prefix of "+
				"the later ones (`<name>-v2`, `<name>-v3`, …). Swarm's rule: letters, digits, `-`, `_` and `.`, beginning and "+
				"ending with a letter or digit; at most %d characters here, so that the version suffix fits in Swarm's %d. "+
				"Changing it replaces the resource.", k, swarm.LogicalNameMaxLen, swarm.ObjectNameMaxLen),
			Required:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			Validators: []validator.String{
				stringvalidator.LengthBetween(1, swarm.LogicalNameMaxLen),
				stringvalidator.RegexMatches(swarm.ObjectNamePattern,
					"must consist of letters, digits, '-', '_' and '.', and begin and end with a letter or digit"),
			},
		},
		"versioned_name": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("The Engine name of the current version: `name` for the first version, `<name>-v<n>` "+
				"for the n-th. Unknown in a plan that rotates the %s.", k),
			Computed:      true,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		},
		"labels": schema.MapAttribute{
			MarkdownDescription: fmt.Sprintf("Labels of the %s. They change in place, on the current version only. Keys beginning "+
				"with `com.tfswarm.` are reserved: the provider labels every version with `%s` (the name), `%s` (the version "+
				"number) and `%s` (`versions_to_keep`).", k, swarm.LabelFamily, swarm.LabelGeneration, swarm.LabelKeep),
			ElementType: types.StringType,
			Optional:    true,
			Validators: []validator.Map{
				mapvalidator.KeysAre(reservedLabelValidator{}),
			},
		},
		"data": schema.StringAttribute{
			MarkdownDescription: objectContentDescription(kind),
			Optional:            true,
			Sensitive:           kind == swarm.KindSecret,
			Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
		},
		"data_is_base64": schema.BoolAttribute{
			MarkdownDescription: "Whether `data` or `data_wo` is base64-encoded (for binary content); the Engine receives the decoded bytes. Defaults to `false`.",
			Optional:            true,
			Computed:            true,
			Default:             booldefault.StaticBool(false),
		},
		"data_wo": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Write-only content of the %s (Terraform 1.11 or newer): it reaches the Engine but "+
				"never the state or the plan. Terraform cannot see a change of a write-only value: bump `data_wo_version` to "+
				"rotate. Requires `data_wo_version`.", k),
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
		},
		"data_wo_version": schema.Int64Attribute{
			MarkdownDescription: "The version of `data_wo`: any change creates a new version of the " + k + " from the current `data_wo`. Required with `data_wo`.",
			Optional:            true,
		},
		"templating": schema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Templating driver: the Engine renders the %s for each task (placeholders such as "+
				"`{{ .Service.Name }}`). %s Needs Engine API %s. A change creates a new version.", k, enumDesc(objectTemplatingDrivers), apiTemplating),
			Optional:   true,
			Validators: []validator.String{stringvalidator.OneOf(objectTemplatingDrivers...)},
		},
		"versions_to_keep": schema.Int64Attribute{
			MarkdownDescription: fmt.Sprintf("How many superseded versions to keep on the Engine after a rotation (for rollbacks "+
				"by hand). Older ones are removed as soon as no service uses them. Defaults to `%d`.", swarm.DefaultVersionsToKeep),
			Optional:   true,
			Computed:   true,
			Default:    int64default.StaticInt64(swarm.DefaultVersionsToKeep),
			Validators: []validator.Int64{int64validator.Between(0, 100)},
		},
	}
}

// objectContentDescription describes `data`. A secret's is sensitive; a config's is not, so that
// plans show what changes in an nginx.conf: configs are not secrets (the Engine returns their
// content to anyone who may inspect them).
func objectContentDescription(kind swarm.Kind) string {
	if kind == swarm.KindSecret {
		return "The content of the secret (plain text, or base64 with `data_is_base64`). It is kept in the Terraform " +
			"state (marked sensitive): prefer `data_wo`, which is never stored. A change creates a new version (see the " +
			"rotation notes above). Exactly one of `data` and `data_wo`."
	}
	return "The content of the config (plain text, or base64 with `data_is_base64`). Configs are not secrets: the " +
		"content is kept in the Terraform state and shown in plans, so that a plan shows what changes. Content that " +
		"must stay hidden can be wrapped in `sensitive()` (hidden in plans, still in the state) or given as `data_wo` " +
		"(never stored). A change creates a new version (see the rotation notes above). Exactly one of `data` and `data_wo`."
}

// objectRotationDescription is the common part of the resource descriptions.
func objectRotationDescription(kind swarm.Kind) string {
	k := string(kind)
	return fmt.Sprintf("\n\n**Rotation.** Swarm %[1]ss are immutable. A new value (a change of `data`, a new "+
		"`data_wo_version`, or a change of `templating`%[2]s) does not replace this resource: the provider creates a new "+
		"Engine %[1]s called `<name>-v<n>` and `id` and `versioned_name` point to it. In the plan they are unknown exactly "+
		"when that happens, so services that reference `id` update in place in the same apply, and their own "+
		"`update_config` decides how tasks roll. Superseded versions are removed once no service uses them (the "+
		"swarm_service resource prunes them after its update), keeping `versions_to_keep` of them. No `lifecycle` block is needed.\n\n"+
		"**Import** by ID, or by name: the logical name imports the newest version made by this provider, or a %[1]s "+
		"made elsewhere with exactly that name. The content cannot be read back%[3]s; after an import the first apply "+
		"adopts the %[1]s as the current version of the configured value and does not rotate%[4]s.\n\n"+
		"**Delete** removes every version that no service uses; it fails, naming the services, while the current one is in use.",
		k,
		map[swarm.Kind]string{swarm.KindSecret: " or `driver`", swarm.KindConfig: ""}[kind],
		map[swarm.Kind]string{swarm.KindSecret: " (the Engine never returns it)", swarm.KindConfig: " into `data`"}[kind],
		map[swarm.Kind]string{swarm.KindSecret: ": bump `data_wo_version` (or change `data`) afterwards to push a new value",
			swarm.KindConfig: " unless the Engine's content differs from the configured one"}[kind],
	)
}

// reservedLabelPrefix begins the label keys the provider manages.
const reservedLabelPrefix = "com.tfswarm."

// reservedLabelValidator refuses label keys that begin with reservedLabelPrefix.
type reservedLabelValidator struct{}

func (reservedLabelValidator) Description(context.Context) string {
	return "must not begin with " + reservedLabelPrefix + " (reserved for the provider)"
}

func (v reservedLabelValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v reservedLabelValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if strings.HasPrefix(req.ConfigValue.ValueString(), reservedLabelPrefix) {
		resp.Diagnostics.AddAttributeError(req.Path, "Reserved label", fmt.Sprintf("The label %q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}

// objectContent returns the bytes to send to the Engine: data or data_wo (the latter read from the
// configuration), decoded when data_is_base64. known is false while the value is not known yet.
func objectContent(m objectModel, config objectModel) (content []byte, present, known bool, err error) {
	v := m.Data
	if v.IsNull() {
		v = config.DataWO
	}
	if v.IsNull() {
		return nil, false, true, nil
	}
	if v.IsUnknown() || m.DataIsBase64.IsUnknown() {
		return nil, true, false, nil
	}
	if m.DataIsBase64.ValueBool() {
		b, err := base64.StdEncoding.DecodeString(v.ValueString())
		if err != nil {
			return nil, true, true, fmt.Errorf("the value is not valid base64: %w", err)
		}
		return b, true, true, nil
	}
	return []byte(v.ValueString()), true, true, nil
}

// sha256Hex is the content hash swarm_config keeps in state.
func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// expandObjectSpec builds what the swarm package creates or labels.
func expandObjectSpec(ctx context.Context, m objectModel, content []byte) (swarm.ObjectSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := swarm.ObjectSpec{
		Name:     m.Name.ValueString(),
		Data:     content,
		Template: expandDriver(m.Templating),
		Keep:     int(m.VersionsToKeep.ValueInt64()),
	}
	if !m.Labels.IsNull() && !m.Labels.IsUnknown() {
		diags.Append(m.Labels.ElementsAs(ctx, &spec.Labels, false)...)
	}
	return spec, diags
}

// objectSpec expands the shared attributes of a plan; data_wo comes from the configuration.
func objectSpec(ctx context.Context, plan, config objectModel, diags *diagsT) (swarm.ObjectSpec, bool) {
	content, _, _, err := objectContent(plan, config)
	if err != nil {
		diags.AddAttributeError(path.Root("data"), "Invalid base64 content", err.Error())
		return swarm.ObjectSpec{}, false
	}
	spec, d := expandObjectSpec(ctx, plan, content)
	diags.Append(d...)
	return spec, !diags.HasError()
}

// expandDriver turns a driver name into the API's Driver (nil when not set).
func expandDriver(v types.String) *apiswarm.Driver {
	if v.IsNull() || v.IsUnknown() || v.ValueString() == "" {
		return nil
	}
	return &apiswarm.Driver{Name: v.ValueString()}
}

// flattenDriver is the inverse of expandDriver.
func flattenDriver(d *apiswarm.Driver) types.String {
	if d == nil || d.Name == "" {
		return types.StringNull()
	}
	return types.StringValue(d.Name)
}

// flattenObjectLabels returns the user's labels (without the managed ones). No user label is null
// or an empty map, whichever the prior value was, so that neither shows a perpetual diff.
func flattenObjectLabels(labels map[string]string, prior types.Map) types.Map {
	user := map[string]attr.Value{}
	for k, v := range labels {
		if !swarm.IsManagedLabel(k) {
			user[k] = types.StringValue(v)
		}
	}
	if len(user) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType)
	}
	return types.MapValueMust(types.StringType, user)
}

// flattenObject writes what the Engine has into the shared attributes. Content attributes (data,
// data_wo_version, data_is_base64) stay as they were: the Engine never returns a secret's data.
func flattenObject(o swarm.Object, m *objectModel) {
	m.ID = types.StringValue(o.ID)
	m.VersionedName = types.StringValue(o.Name)
	m.Labels = flattenObjectLabels(o.Labels, m.Labels)
	m.Templating = flattenDriver(o.Template)
	if o.Family() != "" {
		m.VersionsToKeep = types.Int64Value(int64(o.Keep()))
		m.Name = types.StringValue(o.Family())
	} else if m.Name.IsNull() || m.Name.IsUnknown() {
		m.Name = types.StringValue(o.Name)
	}
	if m.VersionsToKeep.IsNull() || m.VersionsToKeep.IsUnknown() {
		m.VersionsToKeep = types.Int64Value(swarm.DefaultVersionsToKeep)
	}
	if m.DataIsBase64.IsNull() || m.DataIsBase64.IsUnknown() {
		m.DataIsBase64 = types.BoolValue(false)
	}
	m.DataWO = types.StringNull() // write-only: never in state
}

// objectValidateConfig checks what the attribute validators cannot: base64 content.
func objectValidateConfig(m objectModel, diags *diag.Diagnostics) {
	if _, _, _, err := objectContent(m, m); err != nil {
		p := path.Root("data")
		if m.Data.IsNull() {
			p = path.Root("data_wo")
		}
		diags.AddAttributeError(p, "Invalid base64 content", "data_is_base64 is true but "+err.Error())
	}
}

// checkObjectAPI fails the plan when the Engine is too old for an optional field.
func checkObjectAPI(ctx context.Context, c apiVersionReader, p path.Path, v types.String, minAPI string, diags *diag.Diagnostics) {
	if c == nil || v.IsNull() || v.IsUnknown() {
		return
	}
	inUse, err := c.APIVersion(ctx)
	if err != nil {
		return // not reachable at plan time: the apply reports it
	}
	if !swarm.APIAtLeast(inUse, minAPI) {
		diags.AddAttributeError(p, "Not supported by this Docker Engine",
			fmt.Sprintf("%s needs Engine API %s or newer; the Engine speaks %s.", p, minAPI, inUse))
	}
}

// objectDeleteError words a failed delete.
func objectDeleteError(kind swarm.Kind, id string, err error) (string, string) {
	var inUse *swarm.InUseError
	if errors.As(err, &inUse) {
		return fmt.Sprintf("Swarm %s still in use", kind), err.Error()
	}
	return fmt.Sprintf("Error deleting Swarm %s", kind), fmt.Sprintf("%s %s: %s", kind, id, err)
}

// diagsT shortens signatures.
type diagsT = diag.Diagnostics

// findObject finds the object of a state: by ID, or else, when that is gone, an object with the
// same Engine name (a replacement made outside Terraform, adopted so that it shows as drift).
func findObject(ctx context.Context, c objectEngine, kind swarm.Kind, m objectModel) (swarm.Object, error) {
	o, err := c.InspectObject(ctx, kind, m.ID.ValueString())
	if !errors.Is(err, swarm.ErrNotFound) || m.VersionedName.ValueString() == "" {
		return o, err
	}
	return c.FindObjectByName(ctx, kind, m.VersionedName.ValueString())
}

// importObject finds what an import ID names: an Engine ID, or a logical name.
func importObject(ctx context.Context, c objectEngine, kind swarm.Kind, id string) (swarm.Object, error) {
	// The Engine's inspect also matches names and ID prefixes: only an exact ID counts here, a
	// name goes to FindCurrent, which prefers the newest version of a family.
	o, err := c.InspectObject(ctx, kind, id)
	if errors.Is(err, swarm.ErrNotFound) || (err == nil && o.ID != id) {
		o, err = c.FindCurrent(ctx, kind, id)
	}
	if errors.Is(err, swarm.ErrNotFound) {
		return o, fmt.Errorf("no Swarm %s has the ID or name %q", kind, id)
	}
	return o, err
}

// importedObjectModel is the state of an import before flattening: content unknown to Terraform.
func importedObjectModel() objectModel {
	return objectModel{
		Labels:         types.MapNull(types.StringType),
		DataIsBase64:   types.BoolValue(false),
		VersionsToKeep: types.Int64Value(swarm.DefaultVersionsToKeep),
	}
}

// objectResource is the Configure, Create, Read, Update, Delete, ImportState, ModifyPlan and
// ValidateConfig that swarm_secret and swarm_config share. M is the resource's model, which embeds objectModel; the function fields
// hold what differs between the two kinds.
type objectResource[M any] struct {
	client objectEngine
	kind   swarm.Kind
	// object returns the objectModel that m embeds.
	object func(m *M) *objectModel
	// spec expands the plan; data_wo comes from the configuration.
	spec func(ctx context.Context, plan, config M, diags *diagsT) (swarm.ObjectSpec, bool)
	// rotation decides whether an update needs a new version.
	rotation func(prior, plan, config M) rotationDecision
	// flatten writes what the Engine has into m.
	flatten func(o swarm.Object, m *M)
	// checkAPI, where set, checks that the Engine knows the kind's own optional fields in use.
	checkAPI func(ctx context.Context, c apiVersionReader, plan M, diags *diagsT)
	// planRotation, where set, plans the kind's own attributes that a new version changes.
	planRotation func(ctx context.Context, plan, config M, resp *resource.ModifyPlanResponse)
	// validate, where set, validates the kind's own attributes of a configuration.
	validate func(m M, diags *diagsT)
}

func (r *objectResource[M]) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *objectResource[M]) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, config M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, plan, config, &resp.Diagnostics)
	if !ok {
		return
	}
	o, err := r.client.CreateObject(ctx, r.kind, spec)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error creating Swarm %s", r.kind), fmt.Sprintf("%s %s: %s", r.kind, spec.Name, err))
		return
	}
	r.flatten(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *objectResource[M]) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State, &req.State)...) }()
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	o, err := findObject(ctx, r.client, r.kind, *r.object(&state))
	if errors.Is(err, swarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error reading Swarm %s", r.kind),
			fmt.Sprintf("%s %s: %s", r.kind, r.object(&state).ID.ValueString(), err))
		return
	}
	r.flatten(o, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *objectResource[M]) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	defer func() { resp.Diagnostics.Append(syncIDIdentity(ctx, resp.Identity, &resp.State)...) }()
	var plan, state, config M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, plan, config, &resp.Diagnostics)
	if !ok {
		return
	}
	id := r.object(&state).ID.ValueString()
	var o swarm.Object
	var err error
	if r.rotation(state, plan, config) != rotateNo {
		o, err = r.client.RotateObject(ctx, r.kind, id, spec)
	} else {
		o, err = r.client.SetObjectLabels(ctx, r.kind, id, spec)
	}
	if err != nil && o.ID == "" {
		resp.Diagnostics.AddError(fmt.Sprintf("Error updating Swarm %s", r.kind), fmt.Sprintf("%s %s: %s", r.kind, spec.Name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddWarning(fmt.Sprintf("Superseded versions of the Swarm %s were not all removed", r.kind),
			fmt.Sprintf("%s %s: %s. The next apply tries again.", r.kind, spec.Name, err))
	}
	r.flatten(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *objectResource[M]) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	m := r.object(&state)
	if err := r.client.DeleteObject(ctx, r.kind, m.Name.ValueString(), m.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError(objectDeleteError(r.kind, m.ID.ValueString(), err))
	}
}

// IdentitySchema: a secret or config is named by its Engine ID (of the version in use).
func (r *objectResource[M]) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The " + string(r.kind) + "'s ID (of the version in use).")
}

func (r *objectResource[M]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	key, diags := importIDOf(ctx, req, fmt.Sprintf("Import a swarm_%s by its ID or name: terraform import swarm_%s.example <id-or-name>", r.kind, r.kind))
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	o, err := importObject(ctx, r.client, r.kind, key)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error importing Swarm %s", r.kind), err.Error())
		return
	}
	var m M
	*r.object(&m) = importedObjectModel()
	r.flatten(o, &m)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, o.ID)...)
}

// ModifyPlan makes id and versioned_name unknown exactly when the update creates a new version, and
// checks that the Engine knows the optional fields in use.
func (r *objectResource[M]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config M
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkObjectAPI(ctx, r.client, path.Root("templating"), r.object(&plan).Templating, apiTemplating, &resp.Diagnostics)
	if r.checkAPI != nil {
		r.checkAPI(ctx, r.client, plan, &resp.Diagnostics)
	}
	if req.State.Raw.IsNull() {
		return
	}
	var state M
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.rotation(state, plan, config) != rotateNo {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("versioned_name"), types.StringUnknown())...)
		if r.planRotation != nil {
			r.planRotation(ctx, plan, config, resp)
		}
	}
}

func (r *objectResource[M]) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m M
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	objectValidateConfig(*r.object(&m), &resp.Diagnostics)
	if r.validate != nil {
		r.validate(m, &resp.Diagnostics)
	}
}
