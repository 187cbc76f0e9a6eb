package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

func TestProviderSchema(t *testing.T) {
	var resp fwprovider.SchemaResponse
	New("test")().Schema(context.Background(), fwprovider.SchemaRequest{}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", resp.Diagnostics)
	}
	if diags := resp.Schema.ValidateImplementation(context.Background()); diags.HasError() {
		t.Fatalf("schema implementation: %v", diags)
	}
	for name, attr := range resp.Schema.Attributes {
		if attr.GetMarkdownDescription() == "" {
			t.Errorf("provider attribute %q has no description", name)
		}
	}
	if !resp.Schema.Attributes["key_pem"].IsSensitive() {
		t.Error("key_pem must be sensitive")
	}
}

func TestHostValidator(t *testing.T) {
	tests := map[string]struct {
		value   types.String
		wantErr string
	}{
		"unix":       {value: types.StringValue("unix:///var/run/docker.sock")},
		"tcp":        {value: types.StringValue("tcp://m1:2376")},
		"ssh":        {value: types.StringValue("ssh://ops@m1")},
		"null":       {value: types.StringNull()},
		"unknown":    {value: types.StringUnknown()},
		"http":       {value: types.StringValue("http://m1"), wantErr: "must start with unix://, tcp:// or ssh://"},
		"bare name":  {value: types.StringValue("m1"), wantErr: "must start with"},
		"ssh passwd": {value: types.StringValue("ssh://a:b@m1"), wantErr: "password"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var resp validator.StringResponse
			hostValidator{}.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("host"), ConfigValue: tt.value,
			}, &resp)
			if tt.wantErr == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("unexpected error: %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatal("want an error")
			}
			if got := resp.Diagnostics.Errors()[0].Detail(); !strings.Contains(got, tt.wantErr) {
				t.Errorf("detail %q does not contain %q", got, tt.wantErr)
			}
		})
	}
}

func TestConnectionModelEndpoints(t *testing.T) {
	ctx := context.Background()
	opts, _ := types.ListValueFrom(ctx, types.StringType, []string{"-i", "k"})
	m := connectionModel{
		Host: types.StringNull(), CAPEM: types.StringValue("CA"), CertPEM: types.StringNull(), KeyPEM: types.StringNull(),
		CertPath: types.StringNull(), TLSVerify: types.BoolValue(false), SSHOpts: opts,
	}
	verify := false
	tests := map[string]struct {
		model connectionModel
		hosts []string
		want  []swarm.Endpoint
	}{
		"one host from the model": {
			model: func() connectionModel { c := m; c.Host = types.StringValue("tcp://m1:2376"); return c }(),
			want:  []swarm.Endpoint{{Host: "tcp://m1:2376", CAPEM: "CA", TLSVerify: &verify, SSHOpts: []string{"-i", "k"}}},
		},
		"hosts share the settings": {
			model: m,
			hosts: []string{"tcp://m1:2376", "tcp://m2:2376"},
			want: []swarm.Endpoint{
				{Host: "tcp://m1:2376", CAPEM: "CA", TLSVerify: &verify, SSHOpts: []string{"-i", "k"}},
				{Host: "tcp://m2:2376", CAPEM: "CA", TLSVerify: &verify, SSHOpts: []string{"-i", "k"}},
			},
		},
		"nothing set means the environment's engine": {
			model: connectionModel{Host: types.StringNull(), CAPEM: types.StringNull(), CertPEM: types.StringNull(), KeyPEM: types.StringNull(), CertPath: types.StringNull(), TLSVerify: types.BoolNull(), SSHOpts: types.ListNull(types.StringType)},
			want:  []swarm.Endpoint{{}},
		},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, diags := tt.model.endpoints(ctx, tt.hosts)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("endpoints mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenClusterState(t *testing.T) {
	ctx := context.Background()
	keep := uint64(2)
	history := int64(7)
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	var info apiswarm.ClusterInfo
	info.ID = "abc"
	info.CreatedAt = created
	info.UpdatedAt = created.Add(time.Hour)
	info.Spec.Name = "default"
	info.Spec.Labels = map[string]string{"env": "prod"}
	info.Spec.Orchestration.TaskHistoryRetentionLimit = &history
	info.Spec.Raft = apiswarm.RaftConfig{SnapshotInterval: 10000, KeepOldSnapshots: &keep, LogEntriesForSlowFollowers: 500, ElectionTick: 10, HeartbeatTick: 1}
	info.Spec.Dispatcher.HeartbeatPeriod = 5 * time.Second
	info.Spec.CAConfig.NodeCertExpiry = 90 * 24 * time.Hour
	info.Spec.EncryptionConfig.AutoLockManagers = true
	info.SubnetSize = 24
	info.DataPathPort = 4789

	got, diags := flattenClusterState(ctx, swarm.ClusterState{Info: info, Managers: 3, Workers: 1, ReadyNodes: 4, APIVersion: "1.41"})
	if diags.HasError() {
		t.Fatal(diags)
	}
	checks := map[string][2]any{
		"id":          {got.ID.ValueString(), "abc"},
		"created_at":  {got.CreatedAt.ValueString(), "2026-11-01T10:00:00Z"},
		"updated_at":  {got.UpdatedAt.ValueString(), "2026-11-01T11:00:00Z"},
		"history":     {got.TaskHistoryRetentionLimit.ValueInt64(), int64(7)},
		"heartbeat":   {got.DispatcherHeartbeatPeriod.ValueString(), "5s"},
		"cert expiry": {got.CANodeCertExpiry.ValueString(), "2160h0m0s"},
		"autolock":    {got.Autolock.ValueBool(), true},
		"managers":    {got.Managers.ValueInt64(), int64(3)},
		"ready":       {got.ReadyNodes.ValueInt64(), int64(4)},
		"api":         {got.APIVersion.ValueString(), "1.41"},
		"pools empty": {len(got.DefaultAddrPool.Elements()), 0},
		"label":       {got.Labels.Elements()["env"].String(), `"prod"`},
		"keep old":    {got.Raft.Attributes()["keep_old_snapshots"].String(), "2"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}

	// An engine that leaves optional values unset gives zeros, never nulls.
	got, diags = flattenClusterState(ctx, swarm.ClusterState{})
	if diags.HasError() {
		t.Fatal(diags)
	}
	if got.Labels.IsNull() || got.TaskHistoryRetentionLimit.IsNull() || got.Raft.IsNull() {
		t.Errorf("unset values flattened to null: %+v", got)
	}
}

func TestCountNodes(t *testing.T) {
	nodes := []apiswarm.Node{
		{Spec: apiswarm.NodeSpec{Role: apiswarm.NodeRoleManager}, Status: apiswarm.NodeStatus{State: apiswarm.NodeStateReady}},
		{Spec: apiswarm.NodeSpec{Role: apiswarm.NodeRoleManager}, Status: apiswarm.NodeStatus{State: apiswarm.NodeStateDown}},
		{Spec: apiswarm.NodeSpec{Role: apiswarm.NodeRoleWorker}, Status: apiswarm.NodeStatus{State: apiswarm.NodeStateReady}},
	}
	m, w, r := swarm.CountNodes(nodes)
	if m != 2 || w != 1 || r != 2 {
		t.Errorf("CountNodes = %d managers, %d workers, %d ready; want 2, 1, 2", m, w, r)
	}
}
