package provider

import (
	"context"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

func clusterTestPtr[T any](v T) *T { return &v }

// unsetClusterModel is a model where every spec attribute is unknown (not configured) and the
// raft block is not written.
func unsetClusterModel() clusterResourceModel {
	return clusterResourceModel{
		ID: types.StringUnknown(), NodeID: types.StringUnknown(),
		AdvertiseAddr: types.StringNull(), ListenAddr: types.StringNull(), DataPathAddr: types.StringNull(),
		DataPathPort: types.Int64Unknown(), DefaultAddrPool: types.ListUnknown(types.StringType), SubnetSize: types.Int64Unknown(),
		Labels: types.MapUnknown(types.StringType), TaskHistoryRetentionLimit: types.Int64Unknown(),
		Raft:                      types.ObjectNull(raftAttrTypes),
		DispatcherHeartbeatPeriod: unknownDuration(), CANodeCertExpiry: unknownDuration(), Autolock: types.BoolUnknown(),
		RotateWorkerToken: types.StringNull(), RotateManagerToken: types.StringNull(), RotateUnlockKey: types.StringNull(),
		UnlockKey: types.StringUnknown(),
	}
}

func testRaftObject(t *testing.T, vals map[string]attr.Value) types.Object {
	t.Helper()
	full := map[string]attr.Value{}
	for k := range raftAttrTypes {
		full[k] = types.Int64Unknown()
	}
	for k, v := range vals {
		full[k] = v
	}
	o, diags := types.ObjectValue(raftAttrTypes, full)
	if diags.HasError() {
		t.Fatal(diags)
	}
	return o
}

func TestExpandSwarmSpec(t *testing.T) {
	base := apiswarm.Spec{
		Annotations:      apiswarm.Annotations{Name: "default", Labels: map[string]string{"old": "1"}},
		Orchestration:    apiswarm.OrchestrationConfig{TaskHistoryRetentionLimit: clusterTestPtr(int64(5))},
		Raft:             apiswarm.RaftConfig{SnapshotInterval: 10000, KeepOldSnapshots: clusterTestPtr(uint64(0)), LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1},
		Dispatcher:       apiswarm.DispatcherConfig{HeartbeatPeriod: 5 * time.Second},
		CAConfig:         apiswarm.CAConfig{NodeCertExpiry: 2160 * time.Hour},
		EncryptionConfig: apiswarm.EncryptionConfig{AutoLockManagers: false},
	}
	cases := map[string]struct {
		model func() clusterResourceModel
		base  apiswarm.Spec // the zero value stands for base
		want  apiswarm.Spec
	}{
		"nothing configured keeps the spec": {
			model: unsetClusterModel,
			want:  base,
		},
		"everything configured": {
			model: func() clusterResourceModel {
				m := unsetClusterModel()
				m.Labels = nodeTestLabels(t, map[string]string{"env": "acc"})
				m.TaskHistoryRetentionLimit = types.Int64Value(3)
				m.Raft = testRaftObject(t, map[string]attr.Value{
					"snapshot_interval": types.Int64Value(5000), "keep_old_snapshots": types.Int64Value(2),
					"log_entries_for_slow_followers": types.Int64Value(100), "heartbeat_tick": types.Int64Value(2),
					"election_tick": types.Int64Value(20),
				})
				m.DispatcherHeartbeatPeriod = newDuration("1m")
				m.CANodeCertExpiry = newDuration("720h")
				m.Autolock = types.BoolValue(true)
				return m
			},
			want: apiswarm.Spec{
				Annotations:      apiswarm.Annotations{Name: "default", Labels: map[string]string{"env": "acc"}},
				Orchestration:    apiswarm.OrchestrationConfig{TaskHistoryRetentionLimit: clusterTestPtr(int64(3))},
				Raft:             apiswarm.RaftConfig{SnapshotInterval: 5000, KeepOldSnapshots: clusterTestPtr(uint64(2)), LogEntriesForSlowFollowers: 100, ElectionTick: 20, HeartbeatTick: 2},
				Dispatcher:       apiswarm.DispatcherConfig{HeartbeatPeriod: time.Minute},
				CAConfig:         apiswarm.CAConfig{NodeCertExpiry: 720 * time.Hour},
				EncryptionConfig: apiswarm.EncryptionConfig{AutoLockManagers: true},
			},
		},
		"partial raft keeps the other raft settings": {
			model: func() clusterResourceModel {
				m := unsetClusterModel()
				m.Raft = testRaftObject(t, map[string]attr.Value{"snapshot_interval": types.Int64Value(7)})
				return m
			},
			want: func() apiswarm.Spec {
				s := base
				s.Raft.SnapshotInterval = 7
				return s
			}(),
		},
		"no raft block restores the Engine's defaults": {
			model: unsetClusterModel,
			base: func() apiswarm.Spec {
				s := base
				s.Raft = apiswarm.RaftConfig{SnapshotInterval: 5000, KeepOldSnapshots: clusterTestPtr(uint64(2)), LogEntriesForSlowFollowers: 100, ElectionTick: 20, HeartbeatTick: 2}
				return s
			}(),
			want: base,
		},
		"empty labels remove all labels": {
			model: func() clusterResourceModel {
				m := unsetClusterModel()
				m.Labels = nodeTestLabels(t, map[string]string{})
				return m
			},
			want: func() apiswarm.Spec {
				s := base
				s.Labels = map[string]string{}
				return s
			}(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			b := tc.base
			if b.Raft == (apiswarm.RaftConfig{}) {
				b = base
			}
			got, diags := expandSwarmSpec(context.Background(), tc.model(), b)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("expandSwarmSpec (-want +got):\n%s", d)
			}
		})
	}
}

func TestExpandInitOptions(t *testing.T) {
	cases := map[string]struct {
		model func() clusterResourceModel
		want  client.SwarmInitOptions
	}{
		"defaults": {
			model: unsetClusterModel,
			want:  client.SwarmInitOptions{ListenAddr: "0.0.0.0:2377"},
		},
		"addresses and pools": {
			model: func() clusterResourceModel {
				m := unsetClusterModel()
				m.AdvertiseAddr = types.StringValue("10.77.0.31")
				m.ListenAddr = types.StringValue("10.77.0.31:2377")
				m.DataPathAddr = types.StringValue("eth0")
				m.DataPathPort = types.Int64Value(7789)
				m.SubnetSize = types.Int64Value(26)
				m.Autolock = types.BoolValue(true)
				l, _ := types.ListValueFrom(context.Background(), types.StringType, []string{"10.200.0.0/16"})
				m.DefaultAddrPool = l
				return m
			},
			want: client.SwarmInitOptions{
				ListenAddr: "10.77.0.31:2377", AdvertiseAddr: "10.77.0.31", DataPathAddr: "eth0", DataPathPort: 7789,
				SubnetSize: 26, DefaultAddrPool: []netip.Prefix{netip.MustParsePrefix("10.200.0.0/16")},
				AutoLockManagers: true, Spec: apiswarm.Spec{EncryptionConfig: apiswarm.EncryptionConfig{AutoLockManagers: true}},
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, diags := expandInitOptions(context.Background(), tc.model())
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); d != "" {
				t.Errorf("expandInitOptions (-want +got):\n%s", d)
			}
		})
	}
}

func TestFlattenSwarm(t *testing.T) {
	defaultRaft := apiswarm.RaftConfig{SnapshotInterval: 10000, KeepOldSnapshots: clusterTestPtr(uint64(0)), LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1}
	otherRaft := apiswarm.RaftConfig{SnapshotInterval: 5000, KeepOldSnapshots: clusterTestPtr(uint64(0)), LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1}
	sw := func(raft apiswarm.RaftConfig) apiswarm.Swarm {
		return apiswarm.Swarm{ClusterInfo: apiswarm.ClusterInfo{
			ID: "sw1",
			Spec: apiswarm.Spec{
				Annotations:      apiswarm.Annotations{Name: "default"},
				Orchestration:    apiswarm.OrchestrationConfig{TaskHistoryRetentionLimit: clusterTestPtr(int64(5))},
				Raft:             raft,
				Dispatcher:       apiswarm.DispatcherConfig{HeartbeatPeriod: time.Minute},
				CAConfig:         apiswarm.CAConfig{NodeCertExpiry: 2160 * time.Hour},
				EncryptionConfig: apiswarm.EncryptionConfig{AutoLockManagers: true},
			},
			DefaultAddrPool: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			SubnetSize:      24,
			DataPathPort:    4789,
		}}
	}
	raftObject := func(snapshotInterval int64) types.Object {
		return testRaftObject(t, map[string]attr.Value{
			"snapshot_interval": types.Int64Value(snapshotInterval), "keep_old_snapshots": types.Int64Value(0),
			"log_entries_for_slow_followers": types.Int64Value(500), "heartbeat_tick": types.Int64Value(1),
			"election_tick": types.Int64Value(10),
		})
	}
	cases := map[string]struct {
		engineRaft   apiswarm.RaftConfig
		prior        func() clusterResourceModel
		heartbeat    semString
		certExpiry   semString
		advertise    types.String
		rotateWorker types.String
		raft         types.Object
	}{
		"engine spelling of durations": {
			engineRaft: defaultRaft,
			prior:      unsetClusterModel,
			heartbeat:  newDuration("1m0s"), certExpiry: newDuration("2160h0m0s"),
			advertise: types.StringNull(), rotateWorker: types.StringNull(),
			raft: types.ObjectNull(raftAttrTypes),
		},
		"prior spelling kept when it means the same": {
			engineRaft: defaultRaft,
			prior: func() clusterResourceModel {
				m := unsetClusterModel()
				m.DispatcherHeartbeatPeriod = newDuration("60s")
				m.CANodeCertExpiry = newDuration("90h") // not the same: replaced
				m.AdvertiseAddr = types.StringValue("10.77.0.31")
				m.RotateWorkerToken = types.StringValue("1")
				return m
			},
			heartbeat: newDuration("60s"), certExpiry: newDuration("2160h0m0s"),
			advertise: types.StringValue("10.77.0.31"), rotateWorker: types.StringValue("1"),
			raft: types.ObjectNull(raftAttrTypes),
		},
		"a written raft block is filled, defaults too": {
			engineRaft: defaultRaft,
			prior: func() clusterResourceModel {
				m := unsetClusterModel()
				m.Raft = testRaftObject(t, map[string]attr.Value{"snapshot_interval": types.Int64Value(10000)})
				return m
			},
			heartbeat: newDuration("1m0s"), certExpiry: newDuration("2160h0m0s"),
			advertise: types.StringNull(), rotateWorker: types.StringNull(),
			raft: raftObject(10000),
		},
		"raft changed outside Terraform shows as drift": {
			engineRaft: otherRaft,
			prior:      unsetClusterModel,
			heartbeat:  newDuration("1m0s"), certExpiry: newDuration("2160h0m0s"),
			advertise: types.StringNull(), rotateWorker: types.StringNull(),
			raft: raftObject(5000),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, diags := flattenSwarm(context.Background(), sw(tc.engineRaft), tc.prior())
			if diags.HasError() {
				t.Fatal(diags)
			}
			pools, _ := types.ListValueFrom(context.Background(), types.StringType, []string{"10.0.0.0/8"})
			want := tc.prior()
			want.ID = types.StringValue("sw1")
			want.Labels = nodeTestLabels(t, map[string]string{})
			want.TaskHistoryRetentionLimit = types.Int64Value(5)
			want.Raft = tc.raft
			want.DispatcherHeartbeatPeriod = tc.heartbeat
			want.CANodeCertExpiry = tc.certExpiry
			want.Autolock = types.BoolValue(true)
			want.DefaultAddrPool = pools
			want.SubnetSize = types.Int64Value(24)
			want.DataPathPort = types.Int64Value(4789)
			want.AdvertiseAddr = tc.advertise
			want.RotateWorkerToken = tc.rotateWorker
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("flattenSwarm (-want +got):\n%s", d)
			}
		})
	}
}

// TestUpgradeClusterStateJSONV0: a version 0 raft object that holds the defaults becomes null.
func TestUpgradeClusterStateJSONV0(t *testing.T) {
	const defaults = `{"snapshot_interval":10000,"keep_old_snapshots":0,"log_entries_for_slow_followers":500,"heartbeat_tick":1,"election_tick":10}`
	const other = `{"snapshot_interval":5000,"keep_old_snapshots":0,"log_entries_for_slow_followers":500,"heartbeat_tick":1,"election_tick":10}`
	cases := map[string]struct{ raft, want string }{
		"defaults":      {raft: defaults, want: `null`},
		"other values":  {raft: other, want: other},
		"already empty": {raft: `null`, want: `null`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := `{"id":"sw1","node_id":"n1","labels":{},"task_history_retention_limit":5,"raft":` + tc.raft + `,"autolock":false,"unlock_key":null}`
			out, err := upgradeClusterStateJSONV0([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			var got, want map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatal(err)
			}
			var raft any
			if err := json.Unmarshal([]byte(tc.want), &raft); err != nil {
				t.Fatal(err)
			}
			want["raft"] = raft
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestClusterStateUpgrade: a version 0 state whose raft holds the defaults upgrades through the
// framework to no raft block.
func TestClusterStateUpgrade(t *testing.T) {
	attrs := testUpgradeState(t, "swarm_cluster", 0, `{"id":"sw1","node_id":"n1","advertise_addr":"10.77.0.31",`+
		`"listen_addr":null,"data_path_addr":null,"data_path_port":4789,"default_addr_pool":["10.0.0.0/8"],`+
		`"subnet_size":24,"labels":{},"task_history_retention_limit":5,"raft":{"snapshot_interval":10000,`+
		`"keep_old_snapshots":0,"log_entries_for_slow_followers":500,"heartbeat_tick":1,"election_tick":10},`+
		`"dispatcher_heartbeat_period":"5s","ca_node_cert_expiry":"2160h0m0s","autolock":false,`+
		`"rotate_worker_token":null,"rotate_manager_token":null,"rotate_unlock_key":null,"unlock_key":null}`)
	if !attrs["raft"].IsNull() {
		t.Errorf("raft = %v, want null", attrs["raft"])
	}
	var id string
	if err := attrs["id"].As(&id); err != nil || id != "sw1" {
		t.Errorf("id = %q (%v), want sw1", id, err)
	}
}

func TestRaftConfigRoundTrip(t *testing.T) {
	in := apiswarm.RaftConfig{SnapshotInterval: 10000, KeepOldSnapshots: clusterTestPtr(uint64(3)), LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1}
	obj, diags := flattenRaftConfig(in)
	if diags.HasError() {
		t.Fatal(diags)
	}
	var r clusterRaftModel
	if diags := obj.As(context.Background(), &r, basetypes.ObjectAsOptions{}); diags.HasError() {
		t.Fatal(diags)
	}
	if d := cmp.Diff(in, expandRaftConfig(r, apiswarm.RaftConfig{})); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
}

func TestClusterRotation(t *testing.T) {
	cases := map[string]struct {
		plan, state                     [3]types.String
		wantWorker, wantManager, wantUK bool
	}{
		"unchanged": {
			plan:  [3]types.String{types.StringValue("1"), types.StringNull(), types.StringValue("a")},
			state: [3]types.String{types.StringValue("1"), types.StringNull(), types.StringValue("a")},
		},
		"changed and set": {
			plan:       [3]types.String{types.StringValue("2"), types.StringValue("x"), types.StringValue("a")},
			state:      [3]types.String{types.StringValue("1"), types.StringNull(), types.StringValue("a")},
			wantWorker: true, wantManager: true,
		},
		"unlock key": {
			plan:   [3]types.String{types.StringNull(), types.StringNull(), types.StringValue("b")},
			state:  [3]types.String{types.StringNull(), types.StringNull(), types.StringValue("a")},
			wantUK: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			plan := clusterResourceModel{RotateWorkerToken: tc.plan[0], RotateManagerToken: tc.plan[1], RotateUnlockKey: tc.plan[2]}
			state := clusterResourceModel{RotateWorkerToken: tc.state[0], RotateManagerToken: tc.state[1], RotateUnlockKey: tc.state[2]}
			w, m, u := clusterRotation(plan, state)
			if w != tc.wantWorker || m != tc.wantManager || u != tc.wantUK {
				t.Errorf("clusterRotation = %t %t %t, want %t %t %t", w, m, u, tc.wantWorker, tc.wantManager, tc.wantUK)
			}
		})
	}
}
