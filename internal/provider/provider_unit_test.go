package provider

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/path"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
	"github.com/tfswarm/terraform-provider-swarm/internal/testpki"
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

// TestConnectionSettingsShared: the provider block and the engine blocks of swarm_volume and
// swarm_join have the same connection settings, with the same descriptions, sensitivity and
// validators (one definition, connectionSettings).
func TestConnectionSettingsShared(t *testing.T) {
	ctx := context.Background()
	var presp fwprovider.SchemaResponse
	New("test")().Schema(ctx, fwprovider.SchemaRequest{}, &presp)
	for name, r := range map[string]fwresource.Resource{"swarm_volume": NewVolumeResource(), "swarm_join": NewJoinResource()} {
		var rresp fwresource.SchemaResponse
		r.Schema(ctx, fwresource.SchemaRequest{}, &rresp)
		block, ok := rresp.Schema.Blocks["engine"].(rschema.SingleNestedBlock)
		if !ok {
			t.Fatalf("%s: engine is not a single nested block: %T", name, rresp.Schema.Blocks["engine"])
		}
		if _, ok := block.Attributes["host"]; !ok {
			t.Errorf("%s: the engine block has no host", name)
		}
		for _, s := range connectionSettings() {
			pa, ra := presp.Schema.Attributes[s.name], block.Attributes[s.name]
			if pa == nil || ra == nil {
				t.Errorf("%s: %s is missing (provider %v, engine block %v)", name, s.name, pa != nil, ra != nil)
				continue
			}
			if pa.GetMarkdownDescription() != ra.GetMarkdownDescription() || pa.IsSensitive() != ra.IsSensitive() ||
				pa.GetType() != ra.GetType() {
				t.Errorf("%s: %s differs between the provider and the engine block", name, s.name)
			}
		}
		if len(block.Attributes) != len(connectionSettings())+1 {
			t.Errorf("%s: the engine block has %d attributes, want host and the %d connection settings", name, len(block.Attributes), len(connectionSettings()))
		}
	}
}

// TestConnectionCertKeyPairing: cert_pem without key_pem (and the other way round) is refused at
// validation, in the provider block and in the engine blocks alike (swarm_volume's copy of the
// block once lost the check, and a half-configured block failed only at apply).
func TestConnectionCertKeyPairing(t *testing.T) {
	ctx := context.Background()
	server, schemas := testProviderServer(t)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	// A certificate and key that are a pair: the provider checks that too.
	pki := testpki.New(t)
	cert, key := str(pki.ClientCertPEM), str(pki.ClientKeyPEM)
	cases := map[string]struct {
		set     map[string]tftypes.Value
		wantErr string
	}{
		"cert without key": {set: map[string]tftypes.Value{"cert_pem": cert}, wantErr: "key_pem"},
		"key without cert": {set: map[string]tftypes.Value{"key_pem": key}, wantErr: "cert_pem"},
		"both":             {set: map[string]tftypes.Value{"cert_pem": cert, "key_pem": key}},
		"neither":          {set: map[string]tftypes.Value{}},
	}
	for name, tc := range cases {
		t.Run("provider/"+name, func(t *testing.T) {
			typ := testObjectType(t, schemas.Provider.ValueType())
			cfg := testObjectValue(t, typ, tc.set)
			resp, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: testDynamicValue(t, typ, cfg)})
			if err != nil {
				t.Fatal(err)
			}
			testExpectDiagnostic(t, resp.Diagnostics, tc.wantErr)
		})
		for _, rt := range []string{"swarm_volume", "swarm_join"} {
			t.Run(rt+"/"+name, func(t *testing.T) {
				typ := testObjectType(t, schemas.ResourceSchemas[rt].ValueType())
				engineSet := map[string]tftypes.Value{"host": str("tcp://127.0.0.1:2376")}
				maps.Copy(engineSet, tc.set)
				engine := testObjectValue(t, testObjectType(t, typ.AttributeTypes["engine"]), engineSet)
				top := map[string]tftypes.Value{"name": str("data"), "engine": engine}
				if rt == "swarm_join" {
					top = map[string]tftypes.Value{"engine": engine,
						"remote_addrs":  tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("10.0.0.1:2377")}),
						"join_token_wo": str("SWMTKN-1-x")}
				}
				cfg := testObjectValue(t, typ, top)
				resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
					TypeName: rt, Config: testDynamicValue(t, typ, cfg), ClientCapabilities: testWriteOnlyAllowed,
				})
				if err != nil {
					t.Fatal(err)
				}
				testExpectDiagnostic(t, resp.Diagnostics, tc.wantErr)
			})
		}
	}
}

// TestJoinEngineRequired: swarm_join without an engine block is refused at validation.
func TestJoinEngineRequired(t *testing.T) {
	ctx := context.Background()
	server, schemas := testProviderServer(t)
	typ := testObjectType(t, schemas.ResourceSchemas["swarm_join"].ValueType())
	cfg := testObjectValue(t, typ, map[string]tftypes.Value{
		"remote_addrs":  tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{tftypes.NewValue(tftypes.String, "10.0.0.1:2377")}),
		"join_token_wo": tftypes.NewValue(tftypes.String, "SWMTKN-1-x"),
	})
	resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: "swarm_join", Config: testDynamicValue(t, typ, cfg), ClientCapabilities: testWriteOnlyAllowed,
	})
	if err != nil {
		t.Fatal(err)
	}
	testExpectDiagnostic(t, resp.Diagnostics, "engine")
}

// TestEngineBlockRequiresHost: an engine block without host is refused at validation (host is
// Optional in the schema only because the framework checks Required attributes of left-out
// blocks too).
func TestEngineBlockRequiresHost(t *testing.T) {
	ctx := context.Background()
	server, schemas := testProviderServer(t)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	for _, rt := range []string{"swarm_volume", "swarm_join"} {
		t.Run(rt, func(t *testing.T) {
			typ := testObjectType(t, schemas.ResourceSchemas[rt].ValueType())
			engine := testObjectValue(t, testObjectType(t, typ.AttributeTypes["engine"]), map[string]tftypes.Value{"cert_path": str("/certs")})
			top := map[string]tftypes.Value{"name": str("data"), "engine": engine}
			if rt == "swarm_join" {
				top = map[string]tftypes.Value{"engine": engine,
					"remote_addrs":  tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("10.0.0.1:2377")}),
					"join_token_wo": str("SWMTKN-1-x")}
			}
			cfg := testObjectValue(t, typ, top)
			resp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
				TypeName: rt, Config: testDynamicValue(t, typ, cfg), ClientCapabilities: testWriteOnlyAllowed,
			})
			if err != nil {
				t.Fatal(err)
			}
			testExpectDiagnostic(t, resp.Diagnostics, "engine.host")
		})
	}
}

// testWriteOnlyAllowed is what Terraform 1.11 and later say about themselves (join_token_wo).
var testWriteOnlyAllowed = &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: true}

// testProviderServer is the provider as Terraform talks to it, and its schemas.
func testProviderServer(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range schemas.Diagnostics {
		t.Fatalf("provider schema: %s: %s", d.Summary, d.Detail)
	}
	return server, schemas
}

// testObjectType is typ as an object type.
func testObjectType(t *testing.T, typ tftypes.Type) tftypes.Object {
	t.Helper()
	o, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	return o
}

// testObjectValue is an object of typ with the given attributes set and every other one null.
func testObjectValue(t *testing.T, typ tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	t.Helper()
	vals := map[string]tftypes.Value{}
	for k, at := range typ.AttributeTypes {
		vals[k] = tftypes.NewValue(at, nil)
	}
	for k, v := range set {
		if _, ok := typ.AttributeTypes[k]; !ok {
			t.Fatalf("no attribute %q in %s", k, typ)
		}
		vals[k] = v
	}
	return tftypes.NewValue(typ, vals)
}

func testDynamicValue(t *testing.T, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// testExpectDiagnostic fails unless diags hold exactly one error that mentions want, or none
// when want is "".
func testExpectDiagnostic(t *testing.T, diags []*tfprotov6.Diagnostic, want string) {
	t.Helper()
	var errs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d.Summary+": "+d.Detail)
		}
	}
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("unexpected errors: %v", errs)
	case want != "" && (len(errs) != 1 || !strings.Contains(errs[0], want)):
		t.Errorf("errors %v, want one that mentions %q", errs, want)
	}
}
