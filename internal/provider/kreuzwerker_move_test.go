package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// kreuzwerkerFixture is a real kreuzwerker/docker v4 state (testdata/kreuzwerker-v4, written by
// `terraform apply` of main.tf.txt there; the objects are gone). It is kept as state.json, byte
// for byte the terraform.tfstate that run wrote: the repository ignores *.tfstate files.
const kreuzwerkerFixture = "testdata/kreuzwerker-v4/state.json"

const kreuzwerkerAddress = "registry.terraform.io/kreuzwerker/docker"

// kreuzwerkerInstance returns the raw attributes and schema version of the fixture's resource.
func kreuzwerkerInstance(t *testing.T, typ, name string) ([]byte, int64) {
	t.Helper()
	raw, err := os.ReadFile(filepath.FromSlash(kreuzwerkerFixture))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type, Name string
			Instances  []struct {
				SchemaVersion int64           `json:"schema_version"`
				Attributes    json.RawMessage `json:"attributes"`
			}
		}
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Resources {
		if r.Type == typ && r.Name == name {
			return r.Instances[0].Attributes, r.Instances[0].SchemaVersion
		}
	}
	t.Fatalf("no %s.%s in %s", typ, name, kreuzwerkerFixture)
	return nil, 0
}

// moveState runs r's state movers the way the framework does: each in turn until one writes a
// target state.
func moveState(t *testing.T, r resource.Resource, sourceType, address string, attrs []byte, version int64) (tfsdk.State, *tfsdk.ResourceIdentity, resource.MoveStateResponse) {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	withIdentity, ok := r.(resource.ResourceWithIdentity)
	if !ok {
		t.Fatalf("%T has no identity", r)
	}
	mover, ok := r.(resource.ResourceWithMoveState)
	if !ok {
		t.Fatalf("%T has no MoveState", r)
	}
	var iresp resource.IdentitySchemaResponse
	withIdentity.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &iresp)
	resp := resource.MoveStateResponse{
		TargetState:    tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)},
		TargetIdentity: &tfsdk.ResourceIdentity{Schema: iresp.IdentitySchema, Raw: tftypes.NewValue(iresp.IdentitySchema.Type().TerraformType(ctx), nil)},
	}
	req := resource.MoveStateRequest{
		SourceProviderAddress: address,
		SourceTypeName:        sourceType,
		SourceSchemaVersion:   version,
		SourceRawState:        &tfprotov6.RawState{JSON: attrs},
	}
	for _, m := range mover.MoveState(ctx) {
		m.StateMover(ctx, req, &resp)
		if resp.Diagnostics.HasError() || !resp.TargetState.Raw.IsNull() {
			break
		}
	}
	return resp.TargetState, resp.TargetIdentity, resp
}

func TestMoveStateFromKreuzwerker(t *testing.T) {
	ctx := context.Background()
	str := types.StringValue
	cases := map[string]struct {
		resource     resource.Resource
		sourceType   string
		sourceName   string
		wantIdentity map[string]tftypes.Value
		// check compares the moved state with what it must hold.
		check func(t *testing.T, st tfsdk.State)
	}{
		"service": {
			resource: NewServiceResource(), sourceType: "docker_service", sourceName: "api",
			wantIdentity: map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "wm3t54pcr5vo2y0psiel30epe")},
			check: func(t *testing.T, st tfsdk.State) {
				// As an import by ID: the ID only; Read fills the rest.
				var id types.String
				if d := st.GetAttribute(ctx, path.Root("id"), &id); d.HasError() {
					t.Fatal(d)
				}
				if id != str("wm3t54pcr5vo2y0psiel30epe") {
					t.Errorf("id = %v", id)
				}
			},
		},
		"network": {
			resource: NewNetworkResource(), sourceType: "docker_network", sourceName: "backend",
			wantIdentity: map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "sqdep8ljo0dr9uqz5i4hueldq")},
			check: func(t *testing.T, st tfsdk.State) {
				var m networkResourceModel
				if d := st.Get(ctx, &m); d.HasError() {
					t.Fatal(d)
				}
				if m.ID != str("sqdep8ljo0dr9uqz5i4hueldq") {
					t.Errorf("id = %v", m.ID)
				}
			},
		},
		"volume": {
			resource: NewVolumeResource(), sourceType: "docker_volume", sourceName: "data",
			wantIdentity: map[string]tftypes.Value{"name": tftypes.NewValue(tftypes.String, "kwfix_data"), "engine_host": tftypes.NewValue(tftypes.String, nil)},
			check: func(t *testing.T, st tfsdk.State) {
				var m volumeResourceModel
				if d := st.Get(ctx, &m); d.HasError() {
					t.Fatal(d)
				}
				if m.ID != str("kwfix_data") || m.Name != str("kwfix_data") || !m.Engine.IsNull() {
					t.Errorf("id, name, engine = %v, %v, %v; want kwfix_data, kwfix_data, null", m.ID, m.Name, m.Engine)
				}
			},
		},
		"secret": {
			resource: NewSecretResource(), sourceType: "docker_secret", sourceName: "db_password",
			wantIdentity: map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "s92qxssodtvnncwm5xmoqm1k1")},
			check: func(t *testing.T, st tfsdk.State) {
				var m secretResourceModel
				if d := st.Get(ctx, &m); d.HasError() {
					t.Fatal(d)
				}
				want := objectModel{
					ID: str("s92qxssodtvnncwm5xmoqm1k1"), Name: str("kwfix_db_password"), VersionedName: str("kwfix_db_password"),
					Labels: types.MapNull(types.StringType), Data: str("bm90LWEtcmVhbC1wYXNzd29yZA=="), DataIsBase64: types.BoolValue(true),
					DataWO: types.StringNull(), DataWOVersion: types.Int64Null(), Templating: types.StringNull(),
					VersionsToKeep: types.Int64Value(1),
				}
				if diff := cmp.Diff(want, m.objectModel); diff != "" {
					t.Errorf("moved secret (-want +got):\n%s", diff)
				}
				if !m.Driver.IsNull() {
					t.Errorf("driver = %v, want null", m.Driver)
				}
			},
		},
		"config": {
			resource: NewConfigResource(), sourceType: "docker_config", sourceName: "app",
			wantIdentity: map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, "oplw1890g1sorld29z1y3dl7m")},
			check: func(t *testing.T, st tfsdk.State) {
				var m configResourceModel
				if d := st.Get(ctx, &m); d.HasError() {
					t.Fatal(d)
				}
				if m.Data != str("bGlzdGVuIDgwODAK") || m.DataIsBase64 != types.BoolValue(true) || m.Name != str("kwfix_app_config") {
					t.Errorf("data, data_is_base64, name = %v, %v, %v", m.Data, m.DataIsBase64, m.Name)
				}
				if m.DataSHA256 != str(sha256Hex([]byte("listen 8080\n"))) {
					t.Errorf("data_sha256 = %v, want the hash of the decoded content", m.DataSHA256)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			attrs, version := kreuzwerkerInstance(t, tc.sourceType, tc.sourceName)
			st, ident, resp := moveState(t, tc.resource, tc.sourceType, kreuzwerkerAddress, attrs, version)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			if st.Raw.IsNull() {
				t.Fatal("no state moved")
			}
			tc.check(t, st)
			var got map[string]tftypes.Value
			if err := ident.Raw.As(&got); err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(tc.wantIdentity, got, cmp.Comparer(func(a, b tftypes.Value) bool { return a.Equal(b) })) {
				t.Errorf("identity = %v, want %v", got, tc.wantIdentity)
			}

			// Another provider's type of the same name, or another type, is not ours to move.
			if st, _, _ := moveState(t, tc.resource, tc.sourceType, "registry.terraform.io/someone/docker", attrs, version); !st.Raw.IsNull() {
				t.Error("moved a state of another provider")
			}
			if st, _, _ := moveState(t, tc.resource, "docker_container", kreuzwerkerAddress, attrs, version); !st.Raw.IsNull() {
				t.Error("moved a docker_container")
			}
		})
	}
}

func TestMoveStateFromKreuzwerker_invalid(t *testing.T) {
	cases := map[string]struct {
		resource   resource.Resource
		sourceType string
		attrs      string
	}{
		"no id":          {NewServiceResource(), "docker_service", `{"name":"x"}`},
		"not json":       {NewNetworkResource(), "docker_network", `{`},
		"data not b64":   {NewSecretResource(), "docker_secret", `{"id":"abc","name":"x","data":"%%%"}`},
		"config not b64": {NewConfigResource(), "docker_config", `{"id":"abc","name":"x","data":"not base64!"}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, _, resp := moveState(t, tc.resource, tc.sourceType, kreuzwerkerAddress, []byte(tc.attrs), 0)
			if !resp.Diagnostics.HasError() {
				t.Fatal("want an error")
			}
		})
	}
}

func TestMoveStateFromKreuzwerker_configDataRaw(t *testing.T) {
	st, _, resp := moveState(t, NewConfigResource(), "docker_config", kreuzwerkerAddress,
		[]byte(`{"id":"abc","name":"plain","data":"","data_raw":"listen 80\n","labels":[{"label":"tier","value":"web"}]}`), 0)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	var m configResourceModel
	if d := st.Get(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	if m.Data.ValueString() != "listen 80\n" || m.DataIsBase64.ValueBool() {
		t.Errorf("data, data_is_base64 = %v, %v; want the plain data_raw", m.Data, m.DataIsBase64)
	}
	if got := m.Labels.Elements()["tier"]; got != types.StringValue("web") {
		t.Errorf("labels = %v, want tier=web", m.Labels)
	}
}
