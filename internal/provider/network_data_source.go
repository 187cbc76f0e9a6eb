package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/network"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*networkDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*networkDataSource)(nil)
)

// NewNetworkDataSource is the swarm_network data source: one network by ID or name.
func NewNetworkDataSource() datasource.DataSource {
	return &networkDataSource{}
}

type networkDataSource struct {
	client *swarm.Client
}

type networkDataModel struct {
	ID         types.String `tfsdk:"id"`
	Name       types.String `tfsdk:"name"`
	Driver     types.String `tfsdk:"driver"`
	Attachable types.Bool   `tfsdk:"attachable"`
	Internal   types.Bool   `tfsdk:"internal"`
	Ingress    types.Bool   `tfsdk:"ingress"`
	Encrypted  types.Bool   `tfsdk:"encrypted"`
	IPv6       types.Bool   `tfsdk:"ipv6"`
	IPAM       types.Object `tfsdk:"ipam"`
	Options    types.Map    `tfsdk:"options"`
	Labels     types.Map    `tfsdk:"labels"`
	Scope      types.String `tfsdk:"scope"`
}

func (d *networkDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_network"
}

func (d *networkDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	}
	attrs := map[string]schema.Attribute{
		"driver":     schema.StringAttribute{MarkdownDescription: "The network driver: `overlay` for a network that spans the swarm's nodes.", Computed: true},
		"attachable": boolean("Whether standalone containers (`docker run --network`) may attach too, not only services."),
		"internal":   boolean("Whether the network is cut off from outside networks."),
		"ingress":    boolean("Whether this is the swarm's ingress network, which carries the routing mesh."),
		"encrypted":  boolean("Whether the overlay data plane is encrypted with IPsec."),
		"ipv6":       boolean("Whether the network has IPv6 addresses (compose's `enable_ipv6`)."),
		"ipam": schema.SingleNestedAttribute{
			MarkdownDescription: "The network's IP address management as the Engine has it, with the subnets the Engine " +
				"chose. IPAM options the Engine adds by itself are not shown, and the Engine does not report the aux " +
				"addresses of swarm networks.",
			Computed:   true,
			Attributes: computedDataAttributes(networkEffectiveIPAMAttributes(), nil),
		},
		"options": schema.MapAttribute{
			MarkdownDescription: "The driver options (compose's `driver_opts`), without `encrypted` (see `encrypted`) and the ones the Engine adds by itself (the overlay's VXLAN ID).",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"labels": schema.MapAttribute{MarkdownDescription: "The network's labels.", ElementType: types.StringType, Computed: true},
		"scope": schema.StringAttribute{
			MarkdownDescription: "Where the network exists: `swarm` for a network that spans the swarm, `local` for a network of the manager's engine only (such as `bridge`).",
			Computed:            true,
		},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One network that exists outside this configuration (made with `docker network create`, by " +
			"a stack, or by `swarm_network` in another configuration), found by ID or by name, so that services can attach " +
			"to it. The provider's engine is asked, a manager: it knows the swarm's networks and its own local ones.",
		Attributes: lookupAttributes(attrs, "The network's ID.", "name", "The network's name."),
	}
}

func (d *networkDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *networkDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	n, ok := networkLookup(d.client).read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	m, diags := flattenNetworkData(ctx, n)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (d *networkDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return networkLookup(nil).validators()
}

// networkLookup finds a network by exact ID or exact name.
func networkLookup(c *swarm.Client) lookup[network.Inspect] {
	return lookup[network.Inspect]{
		kind: "network", nameAttr: "name",
		find: func(ctx context.Context, byID bool, key string) (network.Inspect, error) {
			if byID {
				return c.InspectNetworkByID(ctx, key)
			}
			return c.InspectNetwork(ctx, key)
		},
		exact: func(n network.Inspect, byID bool, key string) bool {
			return byID && n.ID == key || !byID && n.Name == key
		},
	}
}

// flattenNetworkData shows what the swarm_network resource shows of n, with its effective IPAM
// as `ipam`, and maps that are empty rather than null.
func flattenNetworkData(ctx context.Context, n network.Inspect) (networkDataModel, diag.Diagnostics) {
	m, diags := flattenNetwork(ctx, n, networkResourceModel{
		Name: types.StringValue(n.Name), IPAM: types.ObjectNull(networkIPAMAttrTypes), Options: emptyStringMap, Labels: emptyStringMap,
	})
	return networkDataModel{
		ID: m.ID, Name: m.Name, Driver: m.Driver, Attachable: m.Attachable, Internal: m.Internal, Ingress: m.Ingress,
		Encrypted: m.Encrypted, IPv6: m.IPv6, IPAM: m.EffectiveIPAM, Options: m.Options, Labels: m.Labels, Scope: m.Scope,
	}, diags
}
