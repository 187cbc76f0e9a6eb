package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ datasource.DataSourceWithConfigure        = (*nodeDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*nodeDataSource)(nil)
)

// NewNodeDataSource is the swarm_node data source: one node of the swarm by ID or hostname.
func NewNodeDataSource() datasource.DataSource {
	return &nodeDataSource{}
}

type nodeDataSource struct {
	client *swarm.Client
}

// The model is the object flattenNodeSummary makes (an entry of swarm_nodes): the schema has
// exactly its attributes.

func (d *nodeDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_node"
}

func (d *nodeDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "One node of the swarm, found by ID or by hostname, as an entry of `swarm_nodes` shows " +
			"it: for placement constraints (`node.id == …`, `node.hostname == …`) and for checks on its state. Read " +
			"through a manager.",
		Attributes: lookupAttributes(nodeSummaryAttributes(), "The node's ID.", "hostname",
			"The node's hostname. A hostname must be unique in the swarm: several nodes with it are an error, which lists their IDs."),
	}
}

func (d *nodeDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *nodeDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	n, ok := nodeLookup(d.client).read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	obj, diags := flattenNodeSummary(ctx, n)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
}

func (d *nodeDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return nodeLookup(nil).validators()
}

// nodeLookup finds a node by exact ID or exact hostname.
func nodeLookup(c *swarm.Client) lookup[apiswarm.Node] {
	return lookup[apiswarm.Node]{
		kind: "node", nameAttr: "hostname",
		find: func(ctx context.Context, byID bool, key string) (apiswarm.Node, error) {
			if byID {
				return c.InspectNode(ctx, key)
			}
			return c.FindNode(ctx, key)
		},
		exact: func(n apiswarm.Node, byID bool, key string) bool {
			return byID && n.ID == key || !byID && n.Description.Hostname == key
		},
	}
}
