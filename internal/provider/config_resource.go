package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	tfswarm "github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure        = (*configResource)(nil)
	_ resource.ResourceWithImportState      = (*configResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*configResource)(nil)
	_ resource.ResourceWithConfigValidators = (*configResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*configResource)(nil)
)

// NewConfigResource is the swarm_config resource.
func NewConfigResource() resource.Resource { return &configResource{} }

type configResource struct {
	client *tfswarm.Client
}

type configResourceModel struct {
	objectModel
	DataSHA256 types.String `tfsdk:"data_sha256"`
}

func (r *configResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_config"
}

func (r *configResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := objectAttributes(tfswarm.KindConfig)
	attrs["data_sha256"] = schema.StringAttribute{
		MarkdownDescription: "SHA-256 (hex) of the content of the current version as the Engine has it. Config content is " +
			"readable, so a config replaced outside Terraform with other content shows here as drift, and the next apply " +
			"restores the configured content as a new version.",
		Computed:      true,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Docker Swarm config, rotated without downtime. Give the content as `data`, or as `data_wo` " +
			"with `data_wo_version` (Terraform 1.11+) to keep it out of the state. The Engine returns a config's content, so " +
			"a config deleted or replaced outside Terraform, also with other content, shows as drift." +
			objectRotationDescription(tfswarm.KindConfig),
		Attributes: attrs,
	}
}

func (r *configResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (r *configResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config configResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec, ok := r.spec(ctx, plan, config, &resp.Diagnostics)
	if !ok {
		return
	}
	o, err := r.client.CreateObject(ctx, tfswarm.KindConfig, spec)
	if err != nil {
		resp.Diagnostics.AddError("Error creating Swarm config", fmt.Sprintf("config %s: %s", spec.Name, err))
		return
	}
	flattenConfig(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *configResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state configResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	o, err := findObject(ctx, r.client, tfswarm.KindConfig, state.objectModel)
	if errors.Is(err, tfswarm.ErrNotFound) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm config", fmt.Sprintf("config %s: %s", state.ID.ValueString(), err))
		return
	}
	flattenConfig(o, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *configResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, config configResourceModel
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
	if configRotation(state, plan, config) != rotateNo {
		o, err = r.client.RotateObject(ctx, tfswarm.KindConfig, state.ID.ValueString(), spec)
	} else {
		o, err = r.client.SetObjectLabels(ctx, tfswarm.KindConfig, state.ID.ValueString(), spec)
	}
	if err != nil && o.ID == "" {
		resp.Diagnostics.AddError("Error updating Swarm config", fmt.Sprintf("config %s: %s", spec.Name, err))
		return
	}
	if err != nil {
		resp.Diagnostics.AddWarning("Superseded versions of the Swarm config were not all removed",
			fmt.Sprintf("config %s: %s. The next apply tries again.", spec.Name, err))
	}
	flattenConfig(o, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *configResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state configResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := r.client.DeleteObject(ctx, tfswarm.KindConfig, state.Name.ValueString(), state.ID.ValueString()); err != nil {
		resp.Diagnostics.AddError(objectDeleteError(tfswarm.KindConfig, state.ID.ValueString(), err))
	}
}

func (r *configResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	o, err := importObject(ctx, r.client, tfswarm.KindConfig, req.ID)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Swarm config", err.Error())
		return
	}
	m := configResourceModel{objectModel: importedObjectModel()}
	flattenConfig(o, &m)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}

// ModifyPlan makes id and versioned_name unknown exactly when the update creates a new version, and
// checks that the Engine knows the optional fields in use.
func (r *configResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config configResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkObjectAPI(ctx, r.client, path.Root("templating"), plan.Templating, apiTemplating, &resp.Diagnostics)
	if req.State.Raw.IsNull() {
		return
	}
	var state configResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if configRotation(state, plan, config) != rotateNo {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), types.StringUnknown())...)
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("versioned_name"), types.StringUnknown())...)
		sha := types.StringUnknown()
		if content, _, known, err := objectContent(plan.objectModel, config.objectModel); known && err == nil {
			sha = types.StringValue(sha256Hex(content))
		}
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("data_sha256"), sha)...)
	}
}

func (r *configResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("data"), path.MatchRoot("data_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("data_wo"), path.MatchRoot("data_wo_version")),
	}
}

func (r *configResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m configResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	objectValidateConfig(m.objectModel, &resp.Diagnostics)
}

// spec expands the plan; data_wo comes from the configuration.
func (r *configResource) spec(ctx context.Context, plan, config configResourceModel, diags *diagsT) (tfswarm.ObjectSpec, bool) {
	content, _, _, err := objectContent(plan.objectModel, config.objectModel)
	if err != nil {
		diags.AddAttributeError(path.Root("data"), "Invalid base64 content", err.Error())
		return tfswarm.ObjectSpec{}, false
	}
	spec, d := expandObjectSpec(ctx, plan.objectModel, content)
	diags.Append(d...)
	return spec, !diags.HasError()
}

// configRotation decides whether an update of a config needs a new version.
func configRotation(prior, plan, config configResourceModel) rotationDecision {
	return configDataRotation(prior.objectModel, plan.objectModel, config.objectModel, prior.DataSHA256).
		or(stringChanged(prior.Templating, plan.Templating))
}

func flattenConfig(o tfswarm.Object, m *configResourceModel) {
	flattenObject(o, &m.objectModel)
	m.DataSHA256 = types.StringValue(sha256Hex(o.Data))
}
