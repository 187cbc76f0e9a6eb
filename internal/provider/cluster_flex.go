package provider

import (
	"context"
	"net/netip"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// clusterRaftModel is the raft block of swarm_cluster.
type clusterRaftModel struct {
	SnapshotInterval           types.Int64 `tfsdk:"snapshot_interval"`
	KeepOldSnapshots           types.Int64 `tfsdk:"keep_old_snapshots"`
	LogEntriesForSlowFollowers types.Int64 `tfsdk:"log_entries_for_slow_followers"`
	HeartbeatTick              types.Int64 `tfsdk:"heartbeat_tick"`
	ElectionTick               types.Int64 `tfsdk:"election_tick"`
}

// expandInitOptions builds the init request of swarm_cluster's Create from the plan.
func expandInitOptions(ctx context.Context, m clusterResourceModel) (client.SwarmInitOptions, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec, d := expandSwarmSpec(ctx, m, apiswarm.Spec{})
	diags.Append(d...)
	opts := client.SwarmInitOptions{
		ListenAddr:       m.ListenAddr.ValueString(),
		AdvertiseAddr:    m.AdvertiseAddr.ValueString(),
		DataPathAddr:     m.DataPathAddr.ValueString(),
		DataPathPort:     uint32(m.DataPathPort.ValueInt64()),
		SubnetSize:       uint32(m.SubnetSize.ValueInt64()),
		Spec:             spec,
		AutoLockManagers: m.Autolock.ValueBool(),
	}
	if opts.ListenAddr == "" {
		opts.ListenAddr = "0.0.0.0:2377"
	}
	if setAndKnown(m.DefaultAddrPool) {
		var pools []string
		diags.Append(m.DefaultAddrPool.ElementsAs(ctx, &pools, false)...)
		for i, p := range pools {
			prefix, err := netip.ParsePrefix(p)
			if err != nil {
				diags.AddAttributeError(path.Root("default_addr_pool").AtListIndex(i), "Invalid address pool", err.Error())
				continue
			}
			opts.DefaultAddrPool = append(opts.DefaultAddrPool, prefix)
		}
	}
	return opts, diags
}

// expandSwarmSpec applies the spec attributes the configuration sets (known and not null) onto
// base, the swarm's current spec (or the zero spec at init, where the Engine fills in defaults).
func expandSwarmSpec(ctx context.Context, m clusterResourceModel, base apiswarm.Spec) (apiswarm.Spec, diag.Diagnostics) {
	var diags diag.Diagnostics
	spec := base
	if setAndKnown(m.Labels) {
		labels := map[string]string{}
		diags.Append(m.Labels.ElementsAs(ctx, &labels, false)...)
		spec.Labels = labels
	}
	if setAndKnown(m.TaskHistoryRetentionLimit) {
		v := m.TaskHistoryRetentionLimit.ValueInt64()
		spec.Orchestration.TaskHistoryRetentionLimit = &v
	}
	switch {
	case setAndKnown(m.Raft):
		var r clusterRaftModel
		diags.Append(m.Raft.As(ctx, &r, basetypes.ObjectAsOptions{})...)
		spec.Raft = expandRaftConfig(r, spec.Raft)
	case m.Raft.IsNull() && !isZeroRaftConfig(base.Raft):
		// No raft block: the Engine's defaults (at init, the Engine fills them in itself).
		spec.Raft = clusterDefaultRaft()
	}
	// The durations' type has checked them at plan time.
	spec.Dispatcher.HeartbeatPeriod = durationOr(m.DispatcherHeartbeatPeriod, spec.Dispatcher.HeartbeatPeriod)
	spec.CAConfig.NodeCertExpiry = durationOr(m.CANodeCertExpiry, spec.CAConfig.NodeCertExpiry)
	if setAndKnown(m.Autolock) {
		spec.EncryptionConfig.AutoLockManagers = m.Autolock.ValueBool()
	}
	return spec, diags
}

// expandRaftConfig applies the known raft settings onto base.
func expandRaftConfig(r clusterRaftModel, base apiswarm.RaftConfig) apiswarm.RaftConfig {
	out := base
	if setAndKnown(r.SnapshotInterval) {
		out.SnapshotInterval = uint64(r.SnapshotInterval.ValueInt64())
	}
	if setAndKnown(r.KeepOldSnapshots) {
		v := uint64(r.KeepOldSnapshots.ValueInt64())
		out.KeepOldSnapshots = &v
	}
	if setAndKnown(r.LogEntriesForSlowFollowers) {
		out.LogEntriesForSlowFollowers = uint64(r.LogEntriesForSlowFollowers.ValueInt64())
	}
	if setAndKnown(r.HeartbeatTick) {
		out.HeartbeatTick = int(r.HeartbeatTick.ValueInt64())
	}
	if setAndKnown(r.ElectionTick) {
		out.ElectionTick = int(r.ElectionTick.ValueInt64())
	}
	return out
}

// clusterDefaultRaftDescription names the Engine's raft defaults (clusterDefaultRaft).
const clusterDefaultRaftDescription = "`snapshot_interval` 10000, `keep_old_snapshots` 0, " +
	"`log_entries_for_slow_followers` 500, `heartbeat_tick` 1, `election_tick` 10"

// clusterDefaultRaft is the raft configuration the Engine gives a new swarm.
func clusterDefaultRaft() apiswarm.RaftConfig {
	keepOld := uint64(0)
	return apiswarm.RaftConfig{SnapshotInterval: 10000, KeepOldSnapshots: &keepOld, LogEntriesForSlowFollowers: 500, HeartbeatTick: 1, ElectionTick: 10}
}

// isDefaultRaftConfig says whether r is the Engine's default raft configuration.
func isDefaultRaftConfig(r apiswarm.RaftConfig) bool {
	d := clusterDefaultRaft()
	return r.SnapshotInterval == d.SnapshotInterval && (r.KeepOldSnapshots == nil || *r.KeepOldSnapshots == 0) &&
		r.LogEntriesForSlowFollowers == d.LogEntriesForSlowFollowers && r.HeartbeatTick == d.HeartbeatTick && r.ElectionTick == d.ElectionTick
}

// isZeroRaftConfig says whether r is the zero value (the spec given at init).
func isZeroRaftConfig(r apiswarm.RaftConfig) bool {
	return r.SnapshotInterval == 0 && r.KeepOldSnapshots == nil && r.LogEntriesForSlowFollowers == 0 && r.HeartbeatTick == 0 && r.ElectionTick == 0
}

// flattenRaftConfig turns the Engine's raft settings into the raft block.
func flattenRaftConfig(r apiswarm.RaftConfig) (types.Object, diag.Diagnostics) {
	var keepOld int64
	if r.KeepOldSnapshots != nil {
		keepOld = int64(*r.KeepOldSnapshots)
	}
	return types.ObjectValue(raftAttrTypes, map[string]attr.Value{
		"snapshot_interval":              types.Int64Value(int64(r.SnapshotInterval)),
		"keep_old_snapshots":             types.Int64Value(keepOld),
		"log_entries_for_slow_followers": types.Int64Value(int64(r.LogEntriesForSlowFollowers)),
		"heartbeat_tick":                 types.Int64Value(int64(r.HeartbeatTick)),
		"election_tick":                  types.Int64Value(int64(r.ElectionTick)),
	})
}

// flattenSwarm sets the attributes the Engine reports from sw onto prior (the plan or the state),
// keeping what the Engine does not report (init addresses, rotation triggers, node ID, unlock key).
// The raft block stays null when prior has none and the Engine has the defaults.
// A duration written differently from the Engine's form ("1m" for "1m0s") is kept as written.
func flattenSwarm(ctx context.Context, sw apiswarm.Swarm, prior clusterResourceModel) (clusterResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := prior
	spec := sw.Spec
	m.ID = types.StringValue(sw.ID)

	labels, d := types.MapValueFrom(ctx, types.StringType, nonNilMap(spec.Labels))
	diags.Append(d...)
	m.Labels = labels

	var history int64
	if spec.Orchestration.TaskHistoryRetentionLimit != nil {
		history = *spec.Orchestration.TaskHistoryRetentionLimit
	}
	m.TaskHistoryRetentionLimit = types.Int64Value(history)

	m.Raft = types.ObjectNull(raftAttrTypes)
	if !prior.Raft.IsNull() || !isDefaultRaftConfig(spec.Raft) {
		// Written, or changed from the defaults outside Terraform (drift), or imported with
		// other values than the defaults.
		raft, d := flattenRaftConfig(spec.Raft)
		diags.Append(d...)
		m.Raft = raft
	}

	m.DispatcherHeartbeatPeriod = flattenClusterDuration(prior.DispatcherHeartbeatPeriod, spec.Dispatcher.HeartbeatPeriod)
	m.CANodeCertExpiry = flattenClusterDuration(prior.CANodeCertExpiry, spec.CAConfig.NodeCertExpiry)
	m.Autolock = types.BoolValue(spec.EncryptionConfig.AutoLockManagers)

	pools := make([]string, len(sw.DefaultAddrPool))
	for i, p := range sw.DefaultAddrPool {
		pools[i] = p.String()
	}
	poolList, d := types.ListValueFrom(ctx, types.StringType, pools)
	diags.Append(d...)
	m.DefaultAddrPool = poolList
	m.SubnetSize = types.Int64Value(int64(sw.SubnetSize))
	m.DataPathPort = types.Int64Value(int64(sw.DataPathPort))
	return m, diags
}

// flattenClusterDuration keeps the prior spelling of a duration when it means the Engine's value.
func flattenClusterDuration(prior semString, d time.Duration) semString {
	if setAndKnown(prior) && semEqual(semDuration, prior.ValueString(), formatDuration(d)) {
		return prior
	}
	return newDuration(formatDuration(d))
}

// clusterRotation says which secrets an update rotates: those whose trigger changed.
func clusterRotation(plan, state clusterResourceModel) (worker, manager, unlock bool) {
	changed := func(a, b types.String) bool { return !a.IsUnknown() && !a.Equal(b) }
	return changed(plan.RotateWorkerToken, state.RotateWorkerToken),
		changed(plan.RotateManagerToken, state.RotateManagerToken),
		changed(plan.RotateUnlockKey, state.RotateUnlockKey)
}
