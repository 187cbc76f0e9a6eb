package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var _ datasource.DataSourceWithConfigure = (*servicesDataSource)(nil)

// NewServicesDataSource is the swarm_services data source: the services a filter selects.
func NewServicesDataSource() datasource.DataSource {
	return &servicesDataSource{}
}

type servicesDataSource struct {
	client *swarm.Client
}

type servicesDataSourceModel struct {
	NamePrefix types.String       `tfsdk:"name_prefix"`
	Labels     map[string]string  `tfsdk:"labels"`
	Services   []serviceDataModel `tfsdk:"services"`
}

func (d *servicesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_services"
}

func (d *servicesDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = dschema.Schema{
		MarkdownDescription: "The Swarm services whose name starts with a prefix and that carry given labels, sorted by name, each with its whole spec.",
		Attributes: map[string]dschema.Attribute{
			"name_prefix": dschema.StringAttribute{
				MarkdownDescription: "Only services whose name starts with this.", Optional: true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"labels": dschema.MapAttribute{
				MarkdownDescription: "Only services that carry every one of these labels; an empty value matches any value of that label.",
				ElementType:         types.StringType, Optional: true,
			},
			"services": dschema.ListNestedAttribute{
				MarkdownDescription: "The services, sorted by name.", Computed: true,
				NestedObject: dschema.NestedAttributeObject{Attributes: serviceDataAttributes(ctx)},
			},
		},
	}
}

func (d *servicesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *servicesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m servicesDataSourceModel
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("name_prefix"), &m.NamePrefix)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("labels"), &m.Labels)...)
	if resp.Diagnostics.HasError() {
		return
	}
	svcs, err := d.client.ListServices(ctx, swarm.ServiceFilter{NamePrefix: m.NamePrefix.ValueString(), Labels: m.Labels})
	if err != nil {
		resp.Diagnostics.AddError("Error listing Swarm services", fmt.Sprint(err))
		return
	}
	m.Services = []serviceDataModel{}
	for _, s := range svcs {
		m.Services = append(m.Services, serviceDataFromLive(s))
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
