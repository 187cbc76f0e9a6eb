package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var _ datasource.DataSourceWithConfigure = (*nodesDataSource)(nil)

// NewNodesDataSource is the swarm_nodes data source: the swarm's nodes, optionally filtered.
func NewNodesDataSource() datasource.DataSource {
	return &nodesDataSource{}
}

type nodesDataSource struct {
	client *swarm.Client
}

type nodesDataSourceModel struct {
	Role         types.String `tfsdk:"role"`
	Availability types.String `tfsdk:"availability"`
	Labels       types.Map    `tfsdk:"labels"`
	Nodes        types.List   `tfsdk:"nodes"`
}

func (d *nodesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_nodes"
}

func (d *nodesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The nodes of the swarm, read through a manager, in the order the Engine lists them. " +
			"The filters combine: a node is listed when it matches all that are set.",
		Attributes: map[string]schema.Attribute{
			"role": schema.StringAttribute{
				MarkdownDescription: "Only nodes with this role: " + quotedList(nodeRoleValues) + ".",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(nodeRoleValues...)},
			},
			"availability": schema.StringAttribute{
				MarkdownDescription: "Only nodes with this availability: " + quotedList(nodeAvailabilityValues) + ".",
				Optional:            true,
				Validators:          []validator.String{stringvalidator.OneOf(nodeAvailabilityValues...)},
			},
			"labels": schema.MapAttribute{
				MarkdownDescription: "Only nodes that carry all these node labels with these values.",
				ElementType:         types.StringType,
				Optional:            true,
			},
			"nodes": schema.ListNestedAttribute{
				MarkdownDescription: "The matching nodes.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: nodeSummaryAttributes()},
			},
		},
	}
}

func (d *nodesDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *nodesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m nodesDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	f := nodeFilter{Role: m.Role.ValueString(), Availability: m.Availability.ValueString()}
	if !m.Labels.IsNull() {
		f.Labels = map[string]string{}
		resp.Diagnostics.Append(m.Labels.ElementsAs(ctx, &f.Labels, false)...)
	}
	nodes, err := d.client.ListNodes(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error listing the swarm's nodes", err.Error())
		return
	}
	items := []attr.Value{}
	for _, n := range filterNodes(nodes, f) {
		obj, diags := flattenNodeSummary(ctx, n)
		resp.Diagnostics.Append(diags...)
		items = append(items, obj)
	}
	list, diags := types.ListValue(types.ObjectType{AttrTypes: nodeSummaryAttrTypes}, items)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	m.Nodes = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// nodeSummaryAttributes describe one node as flattenNodeSummary shows it: an entry of swarm_nodes,
// and the swarm_node data source.
func nodeSummaryAttributes() map[string]schema.Attribute {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		"id":             str("The node's ID."),
		"hostname":       str("The node's hostname."),
		"role":           str("The node's role: " + quotedList(nodeRoleValues) + "."),
		"availability":   str("The node's availability: " + quotedList(nodeAvailabilityValues) + "."),
		"status":         str("The node's status as the managers see it: `ready`, `down`, `disconnected` or `unknown`."),
		"status_message": str("The message that goes with the status, if any."),
		"address":        str("The node's IP address as the managers see it."),
		"manager_reachability": str("For managers: whether the other managers reach it in the raft group " +
			"(`reachable`, `unreachable` or `unknown`); null for workers."),
		"manager_addr": str("For managers: the address and port other nodes join through; null for workers."),
		"leader":       schema.BoolAttribute{MarkdownDescription: "Whether the node is the raft leader.", Computed: true},
		"labels": schema.MapAttribute{
			MarkdownDescription: "The node's labels.",
			ElementType:         types.StringType,
			Computed:            true,
		},
		"engine_version": str("The Docker Engine version on the node."),
	}
}
