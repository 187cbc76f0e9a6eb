package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/volume"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*volumeDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*volumeDataSource)(nil)
)

// NewVolumeDataSource is the swarm_volume data source: one volume of the provider's engine, by
// name.
func NewVolumeDataSource() datasource.DataSource {
	return &volumeDataSource{}
}

type volumeDataSource struct {
	client *swarm.Client
}

type volumeDataModel struct {
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Driver     types.String `tfsdk:"driver"`
	DriverOpts types.Map    `tfsdk:"driver_opts"`
	Labels     types.Map    `tfsdk:"labels"`
	Mountpoint types.String `tfsdk:"mountpoint"`
	Scope      types.String `tfsdk:"scope"`
}

func (d *volumeDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_volume"
}

func (d *volumeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	strMap := func(desc string) schema.MapAttribute {
		return schema.MapAttribute{MarkdownDescription: desc, ElementType: types.StringType, Computed: true}
	}
	attrs := map[string]schema.Attribute{
		"driver":      str("The volume driver (`local` for the Engine's own)."),
		"driver_opts": strMap("The options of the driver (for the `local` driver, the arguments of `mount`)."),
		"labels":      strMap("The volume's labels."),
		"mountpoint":  str("Where the volume's data lives on its engine's host."),
		"scope":       str("`local` for a volume of one engine, `global` for a driver whose volumes every node sees."),
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One named volume that exists outside this configuration (made with `docker volume " +
			"create`, by a stack, or by `swarm_volume` in another configuration), on the engine the provider talks to. " +
			"Volumes belong to one engine and have no swarm-wide ID: a volume is found by its name, and `id` is that " +
			"name too (as in the `swarm_volume` resource).",
		Attributes: lookupAttributes(attrs, "The volume's name: volumes are identified by name on their engine.", "name", "The volume's name."),
	}
}

func (d *volumeDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *volumeDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	v, ok := volumeLookup(d.client).read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	m := flattenVolume(v, volumeResourceModel{DriverOpts: emptyStringMap, Labels: emptyStringMap})
	resp.Diagnostics.Append(resp.State.Set(ctx, &volumeDataModel{
		ID: m.ID, Name: m.Name, Driver: m.Driver, DriverOpts: m.DriverOpts, Labels: m.Labels, Mountpoint: m.Mountpoint, Scope: m.Scope,
	})...)
}

func (d *volumeDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return volumeLookup(nil).validators()
}

// volumeLookup finds a volume of the provider's engine by its name, which is also its ID.
func volumeLookup(c *swarm.Client) lookup[volume.Volume] {
	return lookup[volume.Volume]{
		kind: "volume", nameAttr: "name",
		find:  func(ctx context.Context, _ bool, key string) (volume.Volume, error) { return c.InspectVolume(ctx, key) },
		exact: func(v volume.Volume, _ bool, key string) bool { return v.Name == key },
	}
}
