package provider

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// clusterRaftJSON is a `raft` object as stored in a state.
type clusterRaftJSON struct {
	SnapshotInterval           *int64 `json:"snapshot_interval"`
	KeepOldSnapshots           *int64 `json:"keep_old_snapshots"`
	LogEntriesForSlowFollowers *int64 `json:"log_entries_for_slow_followers"`
	HeartbeatTick              *int64 `json:"heartbeat_tick"`
	ElectionTick               *int64 `json:"election_tick"`
}

// upgradeClusterStateV0 upgrades a version 0 state, whose `raft` was always filled.
func upgradeClusterStateV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Unable to upgrade the swarm_cluster state", "The stored state holds no JSON data.")
		return
	}
	out, err := upgradeClusterStateJSONV0(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the swarm_cluster state", err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
}

// upgradeClusterStateJSONV0 empties a version 0 `raft` that holds the Engine's defaults, as a
// version 1 state has no raft block then (flattenSwarm); other values stay, as written or as
// drift that the next apply restores.
func upgradeClusterStateJSONV0(raw []byte) ([]byte, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(raw, &state); err != nil {
		return nil, fmt.Errorf("reading the version 0 state: %w", err)
	}
	old, ok := state["raft"]
	if !ok || string(old) == "null" {
		state["raft"] = json.RawMessage("null")
		return json.Marshal(state)
	}
	var r clusterRaftJSON
	if err := json.Unmarshal(old, &r); err != nil {
		return nil, fmt.Errorf("reading raft of the version 0 state: %w", err)
	}
	if cfg := r.engine(); cfg != nil && isDefaultRaftConfig(*cfg) {
		state["raft"] = json.RawMessage("null")
	}
	return json.Marshal(state)
}

// engine is the stored raft object as the Engine's type; nil when a value is missing.
func (r clusterRaftJSON) engine() *apiswarm.RaftConfig {
	if r.SnapshotInterval == nil || r.KeepOldSnapshots == nil || r.LogEntriesForSlowFollowers == nil ||
		r.HeartbeatTick == nil || r.ElectionTick == nil {
		return nil
	}
	keepOld := uint64(*r.KeepOldSnapshots)
	return &apiswarm.RaftConfig{
		SnapshotInterval:           uint64(*r.SnapshotInterval),
		KeepOldSnapshots:           &keepOld,
		LogEntriesForSlowFollowers: uint64(*r.LogEntriesForSlowFollowers),
		HeartbeatTick:              int(*r.HeartbeatTick),
		ElectionTick:               int(*r.ElectionTick),
	}
}
