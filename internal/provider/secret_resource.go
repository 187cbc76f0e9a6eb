package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure        = (*secretResource)(nil)
	_ resource.ResourceWithImportState      = (*secretResource)(nil)
	_ resource.ResourceWithIdentity         = (*secretResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*secretResource)(nil)
	_ resource.ResourceWithConfigValidators = (*secretResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*secretResource)(nil)
)

// NewSecretResource is the swarm_secret resource.
func NewSecretResource() resource.Resource {
	return &secretResource{objectResource[secretResourceModel]{
		kind:     swarm.KindSecret,
		object:   func(m *secretResourceModel) *objectModel { return &m.objectModel },
		spec:     secretSpec,
		rotation: secretRotation,
		flatten:  flattenSecret,
		checkAPI: secretCheckAPI,
		validate: secretValidateConfig,
	}}
}

// secretResource takes Configure, Create, Read, Update, Delete, ImportState, ModifyPlan and
// ValidateConfig from objectResource.
type secretResource struct {
	objectResource[secretResourceModel]
}

type secretResourceModel struct {
	objectModel
	Driver types.String `tfsdk:"driver"`
}

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *secretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := objectAttributes(swarm.KindSecret)
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
			objectRotationDescription(swarm.KindSecret),
		Attributes: attrs,
	}
}

func (r *secretResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("data"), path.MatchRoot("data_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("data_wo"), path.MatchRoot("data_wo_version")),
	}
}

// secretValidateConfig asks for a source of the value, and warns that `data` is stored in the
// state (configs are not secrets: swarm_config does not warn).
func secretValidateConfig(m secretResourceModel, diags *diagsT) {
	if !m.Data.IsNull() {
		diags.AddAttributeWarning(path.Root("data"), "Content stored in the Terraform state",
			"`data` is kept in the Terraform state and plan files (marked sensitive, but readable by anyone who can read "+
				"the state). With Terraform 1.11 or newer use `data_wo` and `data_wo_version` instead: the value then reaches "+
				"the Engine only.")
	}
	if m.Data.IsNull() && m.DataWO.IsNull() && m.Driver.IsNull() {
		diags.AddAttributeError(path.Root("data_wo"), "Missing secret value",
			"Set one of data_wo (with data_wo_version) or data, or a driver that provides the value.")
	}
}

// secretCheckAPI checks that the Engine knows driver when it is set.
func secretCheckAPI(ctx context.Context, c apiVersionReader, plan secretResourceModel, diags *diagsT) {
	checkObjectAPI(ctx, c, path.Root("driver"), plan.Driver, apiSecretDriver, diags)
}

// secretSpec expands the plan; data_wo comes from the configuration.
func secretSpec(ctx context.Context, plan, config secretResourceModel, diags *diagsT) (swarm.ObjectSpec, bool) {
	spec, ok := objectSpec(ctx, plan.objectModel, config.objectModel, diags)
	if ok {
		spec.Driver = expandDriver(plan.Driver)
	}
	return spec, ok
}

// secretRotation decides whether an update of a secret needs a new version.
func secretRotation(prior, plan, config secretResourceModel) rotationDecision {
	return secretDataRotation(prior.objectModel, plan.objectModel, config.objectModel).
		or(stringChanged(prior.Templating, plan.Templating)).
		or(stringChanged(prior.Driver, plan.Driver))
}

func flattenSecret(o swarm.Object, m *secretResourceModel) {
	flattenObject(o, &m.objectModel)
	m.Driver = flattenDriver(o.Driver)
}
