package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*serviceDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*serviceDataSource)(nil)
)

// NewServiceDataSource is the swarm_service data source: one service by ID or name.
func NewServiceDataSource() datasource.DataSource {
	return &serviceDataSource{}
}

type serviceDataSource struct {
	client *swarm.Client
}

// serviceDataModel is a service as the data sources show it: the resource's attributes without
// the provider-only ones.
type serviceDataModel struct {
	ID             types.String       `tfsdk:"id"`
	Name           types.String       `tfsdk:"name"`
	Labels         map[string]string  `tfsdk:"labels"`
	Mode           types.Object       `tfsdk:"mode"`
	TaskTemplate   taskTemplateModel  `tfsdk:"task_template"`
	UpdateConfig   *updateConfigModel `tfsdk:"update_config"`
	RollbackConfig *updateConfigModel `tfsdk:"rollback_config"`
	EndpointSpec   *endpointSpecModel `tfsdk:"endpoint_spec"`
	ImageDigest    types.String       `tfsdk:"image_digest"`
}

func serviceDataFromLive(svc apiswarm.Service) serviceDataModel {
	s := flattenServiceSpec(svc.Spec, nil, allServiceBlocks)
	return serviceDataModel{
		ID: types.StringValue(svc.ID), Name: types.StringValue(s.Name), Labels: s.Labels, Mode: s.Mode,
		TaskTemplate: s.TaskTemplate, UpdateConfig: s.UpdateConfig, RollbackConfig: s.RollbackConfig, EndpointSpec: s.EndpointSpec,
		ImageDigest: liveImageDigest(svc),
	}
}

// serviceDataAttributes turns the resource schema into computed data source attributes, so that
// the three stay the same shape. The resource's blocks (what users write) become read-only nested
// attributes here.
func serviceDataAttributes(ctx context.Context) map[string]dschema.Attribute {
	s := serviceResourceSchema(ctx)
	out := computedDataAttributes(s.Attributes, s.Blocks)
	delete(out, "wait_for_convergence")
	delete(out, "convergence_monitor")
	delete(out, "timeouts")
	// Provider-side settings of the resource, not the Engine's.
	delete(out, "resolve_image")
	delete(out, "registry_auth")
	return out
}

func (d *serviceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (d *serviceDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{
		MarkdownDescription: "One Swarm service, found by ID or name, with its whole spec as the `swarm_service` resource shows it.",
		Attributes:          lookupAttributes(serviceDataAttributes(ctx), "The service's ID.", "name", "The service's name."),
	}
}

func (d *serviceDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return serviceLookup(nil).validators()
}

func (d *serviceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *serviceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	svc, ok := serviceLookup(d.client).read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	m := serviceDataFromLive(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// serviceLookup finds a service by exact ID or exact name.
func serviceLookup(c *swarm.Client) lookup[apiswarm.Service] {
	return lookup[apiswarm.Service]{
		kind: "service", nameAttr: "name",
		find: func(ctx context.Context, _ bool, key string) (apiswarm.Service, error) {
			return c.InspectService(ctx, key)
		},
		exact: func(svc apiswarm.Service, byID bool, key string) bool {
			return byID && svc.ID == key || !byID && svc.Spec.Name == key
		},
	}
}
