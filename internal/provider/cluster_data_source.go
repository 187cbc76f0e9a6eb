package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var _ datasource.DataSourceWithConfigure = (*clusterDataSource)(nil)

// NewClusterDataSource is the swarm_cluster data source: the swarm the provider talks to.
func NewClusterDataSource() datasource.DataSource {
	return &clusterDataSource{}
}

type clusterDataSource struct {
	client *swarm.Client
}

type clusterDataSourceModel struct {
	ID                        types.String `tfsdk:"id"`
	CreatedAt                 types.String `tfsdk:"created_at"`
	UpdatedAt                 types.String `tfsdk:"updated_at"`
	Name                      types.String `tfsdk:"name"`
	Labels                    types.Map    `tfsdk:"labels"`
	TaskHistoryRetentionLimit types.Int64  `tfsdk:"task_history_retention_limit"`
	Raft                      types.Object `tfsdk:"raft"`
	DispatcherHeartbeatPeriod types.String `tfsdk:"dispatcher_heartbeat_period"`
	CANodeCertExpiry          types.String `tfsdk:"ca_node_cert_expiry"`
	Autolock                  types.Bool   `tfsdk:"autolock"`
	DefaultAddrPool           types.List   `tfsdk:"default_addr_pool"`
	SubnetSize                types.Int64  `tfsdk:"subnet_size"`
	DataPathPort              types.Int64  `tfsdk:"data_path_port"`
	Managers                  types.Int64  `tfsdk:"managers"`
	Workers                   types.Int64  `tfsdk:"workers"`
	ReadyNodes                types.Int64  `tfsdk:"ready_nodes"`
	APIVersion                types.String `tfsdk:"api_version"`
}

var raftAttrTypes = map[string]attr.Type{
	"snapshot_interval":              types.Int64Type,
	"keep_old_snapshots":             types.Int64Type,
	"log_entries_for_slow_followers": types.Int64Type,
	"heartbeat_tick":                 types.Int64Type,
	"election_tick":                  types.Int64Type,
}

func (d *clusterDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cluster"
}

func (d *clusterDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computedInt := func(desc string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	}
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The swarm the provider talks to, read through its manager. Join tokens are " +
			"deliberately not exposed here; use the `swarm_join_token` ephemeral resource.",
		Attributes: map[string]schema.Attribute{
			"id":                           computedString("The swarm's ID."),
			"created_at":                   computedString("When the swarm was created (RFC 3339)."),
			"updated_at":                   computedString("When the swarm's spec last changed (RFC 3339)."),
			"name":                         computedString("The swarm's name (`default` unless changed)."),
			"labels":                       schema.MapAttribute{MarkdownDescription: "The swarm's labels.", ElementType: types.StringType, Computed: true},
			"task_history_retention_limit": computedInt("How many finished tasks the swarm keeps per slot."),
			"raft": schema.SingleNestedAttribute{
				MarkdownDescription: "Raft settings of the managers.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"snapshot_interval":              computedInt("Log entries between snapshots."),
					"keep_old_snapshots":             computedInt("Snapshots kept beyond the current one."),
					"log_entries_for_slow_followers": computedInt("Log entries kept after a snapshot for slow followers."),
					"heartbeat_tick":                 computedInt("Ticks between heartbeats."),
					"election_tick":                  computedInt("Ticks without a leader before an election."),
				},
			},
			"dispatcher_heartbeat_period": computedString("How often nodes report to the dispatcher, as a Go duration (`5s`)."),
			"ca_node_cert_expiry":         computedString("Validity of node certificates, as a Go duration (`2160h0m0s`)."),
			"autolock":                    schema.BoolAttribute{MarkdownDescription: "Whether managers are locked with an unlock key after a restart.", Computed: true},
			"default_addr_pool":           schema.ListAttribute{MarkdownDescription: "Address pools from which overlay networks get their subnets.", ElementType: types.StringType, Computed: true},
			"subnet_size":                 computedInt("Prefix length of the subnets taken from the default address pool."),
			"data_path_port":              computedInt("UDP port of the overlay data path (VXLAN)."),
			"managers":                    computedInt("Number of manager nodes."),
			"workers":                     computedInt("Number of worker nodes."),
			"ready_nodes":                 computedInt("Number of nodes whose status is `ready`."),
			"api_version":                 computedString("The Engine API version the provider uses with this engine (negotiated, or pinned by `api_version`)."),
		},
	}
}

func (d *clusterDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *clusterDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	st, err := d.client.InspectCluster(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error reading the swarm", err.Error())
		return
	}
	m, diags := flattenClusterState(ctx, st)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// flattenClusterState turns the Engine's view of the swarm into the data source's model.
func flattenClusterState(ctx context.Context, st swarm.ClusterState) (clusterDataSourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	info := st.Info
	spec := info.Spec
	labels, d := types.MapValueFrom(ctx, types.StringType, nonNilMap(spec.Labels))
	diags.Append(d...)
	pools := make([]string, len(info.DefaultAddrPool))
	for i, p := range info.DefaultAddrPool {
		pools[i] = p.String()
	}
	poolList, d := types.ListValueFrom(ctx, types.StringType, pools)
	diags.Append(d...)
	var keepOld int64
	if spec.Raft.KeepOldSnapshots != nil {
		keepOld = int64(*spec.Raft.KeepOldSnapshots)
	}
	raft, d := types.ObjectValue(raftAttrTypes, map[string]attr.Value{
		"snapshot_interval":              types.Int64Value(int64(spec.Raft.SnapshotInterval)),
		"keep_old_snapshots":             types.Int64Value(keepOld),
		"log_entries_for_slow_followers": types.Int64Value(int64(spec.Raft.LogEntriesForSlowFollowers)),
		"heartbeat_tick":                 types.Int64Value(int64(spec.Raft.HeartbeatTick)),
		"election_tick":                  types.Int64Value(int64(spec.Raft.ElectionTick)),
	})
	diags.Append(d...)
	var history int64
	if spec.Orchestration.TaskHistoryRetentionLimit != nil {
		history = *spec.Orchestration.TaskHistoryRetentionLimit
	}
	return clusterDataSourceModel{
		ID:                        types.StringValue(info.ID),
		CreatedAt:                 types.StringValue(info.CreatedAt.UTC().Format(time.RFC3339)),
		UpdatedAt:                 types.StringValue(info.UpdatedAt.UTC().Format(time.RFC3339)),
		Name:                      types.StringValue(spec.Name),
		Labels:                    labels,
		TaskHistoryRetentionLimit: types.Int64Value(history),
		Raft:                      raft,
		DispatcherHeartbeatPeriod: types.StringValue(spec.Dispatcher.HeartbeatPeriod.String()),
		CANodeCertExpiry:          types.StringValue(spec.CAConfig.NodeCertExpiry.String()),
		Autolock:                  types.BoolValue(spec.EncryptionConfig.AutoLockManagers),
		DefaultAddrPool:           poolList,
		SubnetSize:                types.Int64Value(int64(info.SubnetSize)),
		DataPathPort:              types.Int64Value(int64(info.DataPathPort)),
		Managers:                  types.Int64Value(int64(st.Managers)),
		Workers:                   types.Int64Value(int64(st.Workers)),
		ReadyNodes:                types.Int64Value(int64(st.ReadyNodes)),
		APIVersion:                types.StringValue(st.APIVersion),
	}, diags
}
