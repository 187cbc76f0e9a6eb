package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	tfswarm "github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure        = (*secretResource)(nil)
	_ resource.ResourceWithImportState      = (*secretResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*secretResource)(nil)
	_ resource.ResourceWithConfigValidators = (*secretResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*secretResource)(nil)
)

// NewSecretResource is the swarm_secret resource.
func NewSecretResource() resource.Resource { return &secretResource{} }

type secretResource struct {
	client *tfswarm.Client
}

type secretResourceModel struct {
	objectModel
	Driver types.String `tfsdk:"driver"`
}

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *secretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := objectAttributes(tfswarm.KindSecret)
	attrs["driver"] = schema.StringAttribute{
		MarkdownDescription: "Name of a secrets driver plugin that provides the value (the Engine's `--driver`). Without `data` " +
			"and `data_wo` the driver alone supplies it. Needs Engine API " + apiSecretDriver + ". A change creates a new version.",
		Optional:   true,
		Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Docker Swarm secret, rotated without downtime. The value never has to be in the Terraform " +
			"state: use `data_wo` with `data_wo_version` (Terraform 1.11+). The Engine never returns a secret's value, so " +
			"a value changed outside Terraform cannot show as drift; a secret deleted or replaced outside Terraform can." +
			objectRotationDescription(tfswarm.KindSecret),
		Attributes: attrs,
	}
}

func (r *secretResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *secretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config secretResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, plan, config, &resp.Diagnostics)
	if !ok {
		return
	}
	o, err := r.client.CreateObject(ctx, tfswarm.KindSecret, spec)
	if err != nil {
		resp.Diagnostics.AddError("Error creating Swarm secret", fmt.Sprintf("secret %s: %s", spec.Name, err))
		return
	}
	flattenSecret(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state secretResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	o, err := findObject(ctx, r.client, tfswarm.KindSecret, state.objectModel)
	if errors.Is(err, tfswarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm secret", fmt.Sprintf("secret %s: %s", state.ID.ValueString(), err))
		return
	}
	flattenSecret(o, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *secretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config secretResourceModel
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
	var o tfswarm.Object
	var err error
	if secretRotation(state, plan, config) != rotateNo {
		o, err = r.client.RotateObject(ctx, tfswarm.KindSecret, state.ID.ValueString(), spec)
	} else {
		o, err = r.client.SetObjectLabels(ctx, tfswarm.KindSecret, state.ID.ValueString(), spec)
	}
	if err != nil && o.ID == "" {
		resp.Diagnostics.AddError("Error updating Swarm secret", fmt.Sprintf("secret %s: %s", spec.Name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddWarning("Superseded versions of the Swarm secret were not all removed",
			fmt.Sprintf("secret %s: %s. The next apply tries again.", spec.Name, err))
	}
	flattenSecret(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *secretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state secretResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteObject(ctx, tfswarm.KindSecret, state.Name.ValueString(), state.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError(objectDeleteError(tfswarm.KindSecret, state.ID.ValueString(), err))
	}
}

func (r *secretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	o, err := importObject(ctx, r.client, tfswarm.KindSecret, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Swarm secret", err.Error())
		return
	}
	m := secretResourceModel{objectModel: importedObjectModel()}
	flattenSecret(o, &m)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// ModifyPlan makes id and versioned_name unknown exactly when the update creates a new version, and
// checks that the Engine knows the optional fields in use.
func (r *secretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config secretResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkObjectAPI(ctx, r.client, path.Root("templating"), plan.Templating, apiTemplating, &resp.Diagnostics)
	checkObjectAPI(ctx, r.client, path.Root("driver"), plan.Driver, apiSecretDriver, &resp.Diagnostics)
	if req.State.Raw.IsNull() {
		return
	}
	var state secretResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if secretRotation(state, plan, config) != rotateNo {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("versioned_name"), types.StringUnknown())...)
	}
}

func (r *secretResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("data"), path.MatchRoot("data_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("data_wo"), path.MatchRoot("data_wo_version")),
	}
}

func (r *secretResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m secretResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	objectValidateConfig(m.objectModel, &resp.Diagnostics)
	if m.Data.IsNull() && m.DataWO.IsNull() && m.Driver.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("data_wo"), "Missing secret value",
			"Set one of data_wo (with data_wo_version) or data, or a driver that provides the value.")
	}
}

// spec expands the plan; data_wo comes from the configuration.
func (r *secretResource) spec(ctx context.Context, plan, config secretResourceModel, diags *diagsT) (tfswarm.ObjectSpec, bool) {
	content, _, _, err := objectContent(plan.objectModel, config.objectModel)
	if err != nil {
		diags.AddAttributeError(path.Root("data"), "Invalid base64 content", err.Error())
		return tfswarm.ObjectSpec{}, false
	}
	spec, d := expandObjectSpec(ctx, plan.objectModel, content)
	diags.Append(d...)
	spec.Driver = expandDriver(plan.Driver)
	return spec, !diags.HasError()
}

// secretRotation decides whether an update of a secret needs a new version.
func secretRotation(prior, plan, config secretResourceModel) rotationDecision {
	return secretDataRotation(prior.objectModel, plan.objectModel, config.objectModel).
		or(stringChanged(prior.Templating, plan.Templating)).
		or(stringChanged(prior.Driver, plan.Driver))
}

func flattenSecret(o tfswarm.Object, m *secretResourceModel) {
	flattenObject(o, &m.objectModel)
	m.Driver = flattenDriver(o.Driver)
}
