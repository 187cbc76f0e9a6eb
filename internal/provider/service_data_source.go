package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
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
}

func serviceDataFromLive(svc apiswarm.Service) serviceDataModel {
	s := flattenServiceSpec(svc.Spec, nil, allServiceBlocks)
	return serviceDataModel{
		ID: types.StringValue(svc.ID), Name: types.StringValue(s.Name), Labels: s.Labels, Mode: s.Mode,
		TaskTemplate: s.TaskTemplate, UpdateConfig: s.UpdateConfig, RollbackConfig: s.RollbackConfig, EndpointSpec: s.EndpointSpec,
	}
}

// serviceDataAttributes turns the resource schema into computed data source attributes, so that
// the three stay the same shape. The resource's blocks (what users write) become read-only nested
// attributes here.
func serviceDataAttributes(ctx context.Context) map[string]dschema.Attribute {
	s := serviceResourceSchema(ctx)
	out := computedDataAttributes(s.Attributes, s.Blocks)
	delete(out, "wait_for_convergence")
	delete(out, "timeouts")
	return out
}

func computedDataAttribute(a rschema.Attribute) dschema.Attribute {
	desc := a.GetMarkdownDescription()
	switch a := a.(type) {
	case rschema.StringAttribute:
		return dschema.StringAttribute{MarkdownDescription: desc, Computed: true, CustomType: a.CustomType}
	case rschema.BoolAttribute:
		return dschema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	case rschema.Int64Attribute:
		return dschema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	case rschema.Float64Attribute:
		return dschema.Float64Attribute{MarkdownDescription: desc, Computed: true}
	case rschema.ListAttribute:
		return dschema.ListAttribute{MarkdownDescription: desc, Computed: true, ElementType: a.ElementType}
	case rschema.MapAttribute:
		return dschema.MapAttribute{MarkdownDescription: desc, Computed: true, ElementType: a.ElementType}
	}
	panic(fmt.Sprintf("computedDataAttribute: unhandled attribute type %T", a))
}

func computedDataBlock(b rschema.Block) dschema.Attribute {
	desc := b.GetMarkdownDescription()
	switch b := b.(type) {
	case rschema.SingleNestedBlock:
		return dschema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Attributes: computedDataAttributes(b.Attributes, b.Blocks)}
	case rschema.ListNestedBlock:
		return dschema.ListNestedAttribute{MarkdownDescription: desc, Computed: true,
			NestedObject: dschema.NestedAttributeObject{Attributes: computedDataAttributes(b.NestedObject.Attributes, b.NestedObject.Blocks)}}
	}
	panic(fmt.Sprintf("computedDataBlock: unhandled block type %T", b))
}

func computedDataAttributes(attrs map[string]rschema.Attribute, blocks map[string]rschema.Block) map[string]dschema.Attribute {
	out := make(map[string]dschema.Attribute, len(attrs)+len(blocks))
	for k, a := range attrs {
		out[k] = computedDataAttribute(a)
	}
	for k, b := range blocks {
		out[k] = computedDataBlock(b)
	}
	return out
}

func (d *serviceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (d *serviceDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := serviceDataAttributes(ctx)
	attrs["id"] = dschema.StringAttribute{MarkdownDescription: "The service's ID. Set `id` or `name`.", Optional: true, Computed: true}
	attrs["name"] = dschema.StringAttribute{MarkdownDescription: "The service's name. Set `id` or `name`.", Optional: true, Computed: true}
	resp.Schema = dschema.Schema{
		MarkdownDescription: "One Swarm service, found by ID or name, with its whole spec as the `swarm_service` resource shows it.",
		Attributes:          attrs,
	}
}

func (d *serviceDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{
		datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("name")),
	}
}

func (d *serviceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *serviceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var id, name types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("id"), &id)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name"), &name)...)
	if resp.Diagnostics.HasError() {
		return
	}
	key := id.ValueString()
	if key == "" {
		key = name.ValueString()
	}
	svc, err := d.client.InspectService(ctx, key)
	if errors.Is(err, swarm.ErrNotFound) {
		resp.Diagnostics.AddError("Swarm service not found", fmt.Sprintf("No service has the ID or name %q.", key))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm service", fmt.Sprintf("Service %s: %s", key, err))
		return
	}
	if !name.IsNull() && svc.Spec.Name != name.ValueString() {
		// The Engine also matches ID prefixes; a name must match exactly.
		resp.Diagnostics.AddError("Swarm service not found", fmt.Sprintf("No service is named %q.", name.ValueString()))
		return
	}
	m := serviceDataFromLive(svc)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
