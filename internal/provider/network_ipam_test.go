package provider

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestPlanIPAM: what the `ipam` block writes is compared with what the network has
// (effective_ipam); only a difference replaces the network.
func TestPlanIPAM(t *testing.T) {
	t.Parallel()
	configsType := types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}
	ipam := func(driver types.String, options types.Map, configs ...attr.Value) types.Object {
		return types.ObjectValueMust(networkIPAMAttrTypes, map[string]attr.Value{
			"driver": driver, "options": options, "configs": types.ListValueMust(configsType, configs),
		})
	}
	config := func(subnet, ipRange, gateway types.String, aux types.Map) attr.Value {
		return types.ObjectValueMust(networkIPAMConfigAttrTypes, map[string]attr.Value{
			"subnet": subnet, "ip_range": ipRange, "gateway": gateway, "aux_addresses": aux,
		})
	}
	str, null := types.StringValue, types.StringNull()
	effective := testIPAM("default", nullStringMap, testIPAMConfig("10.200.3.0/24", "", "10.200.3.1", nullStringMap))
	configsPath := path.Root("ipam").AtName("configs")
	// plan stands for the framework's plan: it is returned as it is when the network is replaced.
	plan := types.ObjectUnknown(networkIPAMAttrTypes)
	aux := testStringMap("db", "10.200.3.5")
	cases := map[string]struct {
		config      types.Object
		stateAux    map[string]types.Map
		want        types.Object
		wantReplace path.Paths
	}{
		"no block asks for nothing": {
			config: types.ObjectNull(networkIPAMAttrTypes),
			want:   types.ObjectNull(networkIPAMAttrTypes),
		},
		"the subnet the Engine chose, written": {
			config: ipam(null, nullStringMap, config(str("10.200.3.0/24"), null, null, nullStringMap)),
			want:   ipam(str("default"), nullStringMap, config(str("10.200.3.0/24"), null, str("10.200.3.1"), nullStringMap)),
		},
		"configs left out keep the network's": {
			config: ipam(str("default"), nullStringMap),
			want:   ipam(str("default"), nullStringMap),
		},
		"aux addresses kept in the state": {
			config:   ipam(null, nullStringMap, config(str("10.200.3.0/24"), null, str("10.200.3.1"), aux)),
			stateAux: map[string]types.Map{"10.200.3.0/24": aux},
			want:     ipam(str("default"), nullStringMap, config(str("10.200.3.0/24"), null, str("10.200.3.1"), aux)),
		},
		"another subnet": {
			config:      ipam(null, nullStringMap, config(str("10.30.0.0/24"), null, null, nullStringMap)),
			want:        plan,
			wantReplace: path.Paths{configsPath.AtListIndex(0).AtName("subnet")},
		},
		"a subnet not known yet": {
			config:      ipam(null, nullStringMap, config(types.StringUnknown(), null, null, nullStringMap)),
			want:        plan,
			wantReplace: path.Paths{configsPath.AtListIndex(0).AtName("subnet")},
		},
		"another gateway and an ip_range": {
			config: ipam(null, nullStringMap, config(str("10.200.3.0/24"), str("10.200.3.128/25"), str("10.200.3.254"), nullStringMap)),
			want:   plan,
			wantReplace: path.Paths{
				configsPath.AtListIndex(0).AtName("ip_range"), configsPath.AtListIndex(0).AtName("gateway"),
			},
		},
		"a second pool": {
			config: ipam(null, nullStringMap,
				config(str("10.200.3.0/24"), null, null, nullStringMap), config(str("fd00:3::/64"), null, null, nullStringMap)),
			want:        plan,
			wantReplace: path.Paths{configsPath},
		},
		"aux addresses added": {
			config:      ipam(null, nullStringMap, config(str("10.200.3.0/24"), null, null, aux)),
			want:        plan,
			wantReplace: path.Paths{configsPath.AtListIndex(0).AtName("aux_addresses")},
		},
		"aux addresses removed": {
			config:      ipam(null, nullStringMap, config(str("10.200.3.0/24"), null, null, nullStringMap)),
			stateAux:    map[string]types.Map{"10.200.3.0/24": aux},
			want:        plan,
			wantReplace: path.Paths{configsPath.AtListIndex(0).AtName("aux_addresses")},
		},
		"options added": {
			config:      ipam(null, testStringMap("foo", "bar")),
			want:        plan,
			wantReplace: path.Paths{path.Root("ipam").AtName("options")},
		},
		"another driver": {
			config:      ipam(str("custom"), nullStringMap),
			want:        plan,
			wantReplace: path.Paths{path.Root("ipam").AtName("driver")},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, replace, diags := planIPAM(t.Context(), tc.config, plan, effective, tc.stateAux)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if !got.Equal(tc.want) {
				t.Errorf("planned ipam = %v\nwant           %v", got, tc.want)
			}
			if diff := cmp.Diff(tc.wantReplace, replace, cmp.Comparer(func(a, b path.Path) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("replacement paths (-want +got):\n%s", diff)
			}
		})
	}
}

// TestUpgradeNetworkStateJSONV0: a version 0 `ipam` moves to effective_ipam, and `ipam` keeps
// what does not look like the Engine's own choice.
func TestUpgradeNetworkStateJSONV0(t *testing.T) {
	t.Parallel()
	const chosen = `{"driver":"default","options":null,"configs":[{"subnet":"10.200.3.0/24","ip_range":null,"gateway":"10.200.3.1","aux_addresses":null}]}`
	const written = `{"driver":"default","options":null,"configs":[{"subnet":"10.20.0.0/24","ip_range":"10.20.0.128/25","gateway":"10.20.0.1","aux_addresses":{"db":"10.20.0.5"}}]}`
	const options = `{"driver":"default","options":{"foo":"bar"},"configs":[{"subnet":"10.200.3.0/24","ip_range":null,"gateway":"10.200.3.1","aux_addresses":null}]}`
	cases := map[string]struct {
		ipam, wantIPAM, wantEffective string
	}{
		"the Engine's choice":    {ipam: chosen, wantIPAM: `null`, wantEffective: chosen},
		"written pools":          {ipam: written, wantIPAM: written, wantEffective: written},
		"options, Engine's pool": {ipam: options, wantIPAM: `{"driver":"default","options":{"foo":"bar"},"configs":[]}`, wantEffective: options},
		"no ipam":                {ipam: `null`, wantIPAM: `null`, wantEffective: `null`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := `{"id":"n1","name":"front","driver":"overlay","attachable":false,"internal":false,"ingress":false,` +
				`"encrypted":false,"ipv6":false,"ipam":` + tc.ipam + `,"options":null,"labels":null,"scope":"swarm"}`
			out, err := upgradeNetworkStateJSONV0([]byte(in))
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
			for k, v := range map[string]string{"ipam": tc.wantIPAM, "effective_ipam": tc.wantEffective} {
				var x any
				if err := json.Unmarshal([]byte(v), &x); err != nil {
					t.Fatal(err)
				}
				want[k] = x
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// testUpgradeState runs a stored state of the given version through the provider's
// UpgradeResourceState, as Terraform does, and returns the upgraded attributes.
func testUpgradeState(t *testing.T, typeName string, version int64, state string) map[string]tftypes.Value {
	t.Helper()
	server, schemas := testProviderServer(t)
	resp, err := server.UpgradeResourceState(t.Context(), &tfprotov6.UpgradeResourceStateRequest{
		TypeName: typeName, Version: version, RawState: &tfprotov6.RawState{JSON: []byte(state)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Fatalf("%s: %s", d.Summary, d.Detail)
	}
	v, err := resp.UpgradedState.Unmarshal(schemas.ResourceSchemas[typeName].ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		t.Fatal(err)
	}
	return attrs
}

// TestNetworkStateUpgrade: a version 0 state of a network without a written ipam upgrades
// through the framework to an empty `ipam` and a filled effective_ipam.
func TestNetworkStateUpgrade(t *testing.T) {
	t.Parallel()
	attrs := testUpgradeState(t, "swarm_network", 0, `{"id":"n1","name":"front","driver":"overlay","attachable":false,`+
		`"internal":false,"ingress":false,"encrypted":false,"ipv6":false,"ipam":{"driver":"default","options":null,`+
		`"configs":[{"subnet":"10.200.3.0/24","ip_range":null,"gateway":"10.200.3.1","aux_addresses":null}]},`+
		`"options":null,"labels":null,"scope":"swarm"}`)
	if !attrs["ipam"].IsNull() {
		t.Errorf("ipam = %v, want null", attrs["ipam"])
	}
	var effective map[string]tftypes.Value
	if err := attrs["effective_ipam"].As(&effective); err != nil {
		t.Fatal(err)
	}
	var configs []tftypes.Value
	if err := effective["configs"].As(&configs); err != nil || len(configs) != 1 {
		t.Fatalf("effective_ipam.configs = %v (%v), want one pool", effective["configs"], err)
	}
	var pool map[string]tftypes.Value
	var subnet string
	if err := configs[0].As(&pool); err != nil {
		t.Fatal(err)
	}
	if err := pool["subnet"].As(&subnet); err != nil || subnet != "10.200.3.0/24" {
		t.Errorf("effective_ipam.configs[0].subnet = %q (%v), want 10.200.3.0/24", subnet, err)
	}
}
