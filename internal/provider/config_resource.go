package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure        = (*configResource)(nil)
	_ resource.ResourceWithImportState      = (*configResource)(nil)
	_ resource.ResourceWithIdentity         = (*configResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*configResource)(nil)
	_ resource.ResourceWithConfigValidators = (*configResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*configResource)(nil)
)

// NewConfigResource is the swarm_config resource.
func NewConfigResource() resource.Resource {
	return &configResource{objectResource[configResourceModel]{
		kind:         swarm.KindConfig,
		object:       func(m *configResourceModel) *objectModel { return &m.objectModel },
		spec:         configSpec,
		rotation:     configRotation,
		flatten:      flattenConfig,
		planRotation: configPlanRotation,
	}}
}

// configResource takes Configure, Create, Read, Update, Delete, ImportState, ModifyPlan and
// ValidateConfig from objectResource.
type configResource struct {
	objectResource[configResourceModel]
}

type configResourceModel struct {
	objectModel
	DataSHA256 types.String `tfsdk:"data_sha256"`
}

func (r *configResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_config"
}

func (r *configResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := objectAttributes(swarm.KindConfig)
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
			objectRotationDescription(swarm.KindConfig),
		Attributes: attrs,
	}
}

func (r *configResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("data"), path.MatchRoot("data_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("data_wo"), path.MatchRoot("data_wo_version")),
	}
}

// configSpec expands the plan; data_wo comes from the configuration.
func configSpec(ctx context.Context, plan, config configResourceModel, diags *diagsT) (swarm.ObjectSpec, bool) {
	return objectSpec(ctx, plan.objectModel, config.objectModel, diags)
}

// configRotation decides whether an update of a config needs a new version.
func configRotation(prior, plan, config configResourceModel) rotationDecision {
	return configDataRotation(prior.objectModel, plan.objectModel, config.objectModel, prior.DataSHA256).
		or(stringChanged(prior.Templating, plan.Templating))
}

// configPlanRotation plans data_sha256 of a new version: known when the content is.
func configPlanRotation(ctx context.Context, plan, config configResourceModel, resp *resource.ModifyPlanResponse) {
	sha := types.StringUnknown()
	if content, _, known, err := objectContent(plan.objectModel, config.objectModel); known && err == nil {
		sha = types.StringValue(sha256Hex(content))
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("data_sha256"), sha)...)
}

func flattenConfig(o swarm.Object, m *configResourceModel) {
	flattenObject(o, &m.objectModel)
	m.DataSHA256 = types.StringValue(sha256Hex(o.Data))
}
