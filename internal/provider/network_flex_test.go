package provider

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

func testStringMap(kv ...string) types.Map {
	elems := map[string]attr.Value{}
	for i := 0; i+1 < len(kv); i += 2 {
		elems[kv[i]] = types.StringValue(kv[i+1])
	}
	return types.MapValueMust(types.StringType, elems)
}

func testIPAMConfig(subnet, ipRange, gateway string, aux types.Map) attr.Value {
	s := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	return types.ObjectValueMust(networkIPAMConfigAttrTypes, map[string]attr.Value{
		"subnet": s(subnet), "ip_range": s(ipRange), "gateway": s(gateway), "aux_addresses": aux,
	})
}

func testIPAM(driver string, options types.Map, configs ...attr.Value) types.Object {
	return types.ObjectValueMust(networkIPAMAttrTypes, map[string]attr.Value{
		"driver":  types.StringValue(driver),
		"options": options,
		"configs": types.ListValueMust(types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}, configs),
	})
}

func testNetworkModel() networkResourceModel {
	return networkResourceModel{
		ID:            types.StringValue("n1"),
		Name:          types.StringValue("front"),
		Driver:        types.StringValue("overlay"),
		Attachable:    types.BoolValue(false),
		Internal:      types.BoolValue(false),
		Ingress:       types.BoolValue(false),
		Encrypted:     types.BoolValue(false),
		IPv6:          types.BoolValue(false),
		IPAM:          types.ObjectNull(networkIPAMAttrTypes),
		EffectiveIPAM: types.ObjectNull(networkIPAMAttrTypes),
		Options:       types.MapNull(types.StringType),
		Labels:        types.MapNull(types.StringType),
		Scope:         types.StringValue("swarm"),
	}
}

var nullStringMap = types.MapNull(types.StringType)

func TestExpandNetworkCreateOptions(t *testing.T) {
	t.Parallel()
	yes := true
	cases := map[string]struct {
		in   func(*networkResourceModel)
		want client.NetworkCreateOptions
	}{
		"defaults": {
			in:   func(*networkResourceModel) {},
			want: client.NetworkCreateOptions{Driver: "overlay"},
		},
		"flags, encrypted and maps": {
			in: func(m *networkResourceModel) {
				m.Attachable, m.Internal, m.Encrypted, m.IPv6 = types.BoolValue(true), types.BoolValue(true), types.BoolValue(true), types.BoolValue(true)
				m.Options = testStringMap("com.docker.network.driver.mtu", "1400")
				m.Labels = testStringMap("app", "shop")
			},
			want: client.NetworkCreateOptions{
				Driver: "overlay", Attachable: true, Internal: true, EnableIPv6: &yes,
				Options: map[string]string{"com.docker.network.driver.mtu": "1400", "encrypted": ""},
				Labels:  map[string]string{"app": "shop"},
			},
		},
		"encrypted without options": {
			in:   func(m *networkResourceModel) { m.Encrypted = types.BoolValue(true) },
			want: client.NetworkCreateOptions{Driver: "overlay", Options: map[string]string{"encrypted": ""}},
		},
		"ipam": {
			in: func(m *networkResourceModel) {
				m.IPAM = testIPAM("default", nullStringMap,
					testIPAMConfig("10.20.0.0/24", "10.20.0.128/25", "10.20.0.1", testStringMap("db", "10.20.0.5")))
			},
			want: client.NetworkCreateOptions{Driver: "overlay", IPAM: &network.IPAM{
				Driver: "default",
				Config: []network.IPAMConfig{{
					Subnet:     netip.MustParsePrefix("10.20.0.0/24"),
					IPRange:    netip.MustParsePrefix("10.20.0.128/25"),
					Gateway:    netip.MustParseAddr("10.20.0.1"),
					AuxAddress: map[string]netip.Addr{"db": netip.MustParseAddr("10.20.0.5")},
				}},
			}},
		},
		"ipam with unknown parts leaves them to the Engine": {
			in: func(m *networkResourceModel) {
				m.IPAM = types.ObjectValueMust(networkIPAMAttrTypes, map[string]attr.Value{
					"driver":  types.StringUnknown(),
					"options": nullStringMap,
					"configs": types.ListValueMust(types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}, []attr.Value{
						types.ObjectValueMust(networkIPAMConfigAttrTypes, map[string]attr.Value{
							"subnet": types.StringValue("10.21.0.0/16"), "ip_range": types.StringNull(),
							"gateway": types.StringUnknown(), "aux_addresses": nullStringMap,
						}),
					}),
				})
			},
			want: client.NetworkCreateOptions{Driver: "overlay", IPAM: &network.IPAM{
				Config: []network.IPAMConfig{{Subnet: netip.MustParsePrefix("10.21.0.0/16")}},
			}},
		},
		"unknown ipam": {
			in:   func(m *networkResourceModel) { m.IPAM = types.ObjectUnknown(networkIPAMAttrTypes) },
			want: client.NetworkCreateOptions{Driver: "overlay"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := testNetworkModel()
			tc.in(&m)
			got, diags := expandNetworkCreateOptions(t.Context(), m)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tc.want, got, cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
				cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestFlattenNetworkOptions(t *testing.T) {
	t.Parallel()
	vxlan := "com.docker.network.driver.overlay.vxlanid_list"
	cases := map[string]struct {
		engine        map[string]string
		prior         types.Map
		want          types.Map
		wantEncrypted bool
	}{
		"generated option hidden, null kept": {
			engine: map[string]string{vxlan: "4097"},
			prior:  nullStringMap,
			want:   nullStringMap,
		},
		"empty prior stays empty": {
			engine: map[string]string{vxlan: "4097"},
			prior:  testStringMap(),
			want:   testStringMap(),
		},
		"encrypted split off": {
			engine:        map[string]string{vxlan: "4097", "encrypted": "", "com.docker.network.driver.mtu": "1400"},
			prior:         nullStringMap,
			want:          testStringMap("com.docker.network.driver.mtu", "1400"),
			wantEncrypted: true,
		},
		"generated option the user set is kept": {
			engine: map[string]string{vxlan: "5000"},
			prior:  testStringMap(vxlan, "5000"),
			want:   testStringMap(vxlan, "5000"),
		},
		"option added out of band shows": {
			engine: map[string]string{"x": "y"},
			prior:  nullStringMap,
			want:   testStringMap("x", "y"),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, enc := flattenNetworkOptions(tc.engine, tc.prior)
			if !got.Equal(tc.want) {
				t.Errorf("options = %v, want %v", got, tc.want)
			}
			if enc != tc.wantEncrypted {
				t.Errorf("encrypted = %v, want %v", enc, tc.wantEncrypted)
			}
		})
	}
}

func TestFlattenIPAM(t *testing.T) {
	t.Parallel()
	serial := "com.docker.network.ipam.serial"
	cases := map[string]struct {
		in           network.IPAM
		priorOptions types.Map
		want         types.Object
	}{
		"generated option hidden": {
			in:           network.IPAM{Driver: "default", Options: map[string]string{serial: "true", "foo": "bar"}},
			priorOptions: testStringMap("foo", "bar"),
			want:         testIPAM("default", testStringMap("foo", "bar")),
		},
		"generated option hidden on import": {
			in:           network.IPAM{Driver: "default", Options: map[string]string{serial: "true", "foo": "bar"}},
			priorOptions: nullStringMap,
			want:         testIPAM("default", testStringMap("foo", "bar")),
		},
		"generated option the user set is kept": {
			in:           network.IPAM{Driver: "default", Options: map[string]string{serial: "true"}},
			priorOptions: testStringMap(serial, "true"),
			want:         testIPAM("default", testStringMap(serial, "true")),
		},
		"engine's choice": {
			in: network.IPAM{Driver: "default", Config: []network.IPAMConfig{{
				Subnet: netip.MustParsePrefix("10.200.3.0/24"), Gateway: netip.MustParseAddr("10.200.3.1"),
			}}},
			want: testIPAM("default", nullStringMap, testIPAMConfig("10.200.3.0/24", "", "10.200.3.1", nullStringMap)),
		},
		"everything": {
			in: network.IPAM{Driver: "default", Options: map[string]string{"a": "b"}, Config: []network.IPAMConfig{{
				Subnet: netip.MustParsePrefix("10.20.0.0/24"), IPRange: netip.MustParsePrefix("10.20.0.128/25"),
				Gateway: netip.MustParseAddr("10.20.0.1"), AuxAddress: map[string]netip.Addr{"db": netip.MustParseAddr("10.20.0.5")},
			}, {
				Subnet: netip.MustParsePrefix("fd00:1::/64"),
			}}},
			want: testIPAM("default", testStringMap("a", "b"),
				testIPAMConfig("10.20.0.0/24", "10.20.0.128/25", "10.20.0.1", testStringMap("db", "10.20.0.5")),
				testIPAMConfig("fd00:1::/64", "", "", nullStringMap)),
		},
		"no configs": {
			in:   network.IPAM{Driver: "null"},
			want: testIPAM("null", nullStringMap),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, diags := flattenIPAM(tc.in, tc.priorOptions, nil)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if !got.Equal(tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// TestNetworkRoundTrip expands a full model, lets a fake Engine echo it (adding what the Engine
// adds), and flattens it back: the result must equal the model.
func TestNetworkRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	m := testNetworkModel()
	m.Attachable, m.Encrypted = types.BoolValue(true), types.BoolValue(true)
	m.Options = testStringMap("com.docker.network.driver.mtu", "1400")
	m.Labels = testStringMap("app", "shop")
	m.IPAM = testIPAM("default", nullStringMap, testIPAMConfig("10.20.0.0/24", "10.20.0.0/25", "10.20.0.1", testStringMap("db", "10.20.0.5")))
	m.EffectiveIPAM = m.IPAM
	opts, diags := expandNetworkCreateOptions(ctx, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	engineOpts := map[string]string{"com.docker.network.driver.overlay.vxlanid_list": "4100"}
	for k, v := range opts.Options {
		engineOpts[k] = v
	}
	n := network.Inspect{Network: network.Network{
		ID: "n1", Name: "front", Driver: opts.Driver, Scope: "swarm", Attachable: opts.Attachable,
		IPAM: *opts.IPAM, Options: engineOpts, Labels: opts.Labels,
	}}
	got, diags := flattenNetwork(ctx, n, m)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(m, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// An import (no prior) gives the same.
	imported, diags := flattenNetwork(ctx, n, networkResourceModel{Options: nullStringMap, Labels: nullStringMap})
	if diags.HasError() {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(m, imported); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}
}

func TestIPAMConfigProblems(t *testing.T) {
	t.Parallel()
	s := func(v string) types.String {
		if v == "" {
			return types.StringNull()
		}
		return types.StringValue(v)
	}
	cases := map[string]struct {
		subnet, ipRange, gateway string
		aux                      types.Map
		want                     []ipamProblem
	}{
		"all inside": {subnet: "10.0.0.0/24", ipRange: "10.0.0.128/25", gateway: "10.0.0.1", aux: testStringMap("a", "10.0.0.9")},
		"gateway outside": {subnet: "10.0.0.0/24", gateway: "10.0.1.1", aux: nullStringMap,
			want: []ipamProblem{{"gateway", "gateway 10.0.1.1 is not inside subnet 10.0.0.0/24"}}},
		"range wider than subnet": {subnet: "10.0.0.0/24", ipRange: "10.0.0.0/16", aux: nullStringMap,
			want: []ipamProblem{{"ip_range", "ip_range 10.0.0.0/16 is not inside subnet 10.0.0.0/24"}}},
		"range elsewhere": {subnet: "10.0.0.0/24", ipRange: "10.0.5.0/25", aux: nullStringMap,
			want: []ipamProblem{{"ip_range", "ip_range 10.0.5.0/25 is not inside subnet 10.0.0.0/24"}}},
		"aux outside": {subnet: "10.0.0.0/24", aux: testStringMap("db", "192.168.1.1"),
			want: []ipamProblem{{"aux_addresses", `aux_addresses["db"] 192.168.1.1 is not inside subnet 10.0.0.0/24`}}},
		"ipv6 gateway in ipv4 subnet": {subnet: "10.0.0.0/24", gateway: "fd00::1", aux: nullStringMap,
			want: []ipamProblem{{"gateway", "gateway fd00::1 is not inside subnet 10.0.0.0/24"}}},
		"bad subnet is reported elsewhere": {subnet: "nope", gateway: "10.0.1.1", aux: nullStringMap},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := ipamConfigProblems(networkIPAMConfigModel{Subnet: s(tc.subnet), IPRange: s(tc.ipRange), Gateway: s(tc.gateway), AuxAddresses: tc.aux})
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(ipamProblem{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlattenNetworkKeepsAuxAddresses: the Engine does not report aux addresses of swarm
// networks; the configured ones are kept, matched by subnet.
func TestFlattenNetworkKeepsAuxAddresses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	prior := testNetworkModel()
	prior.IPAM = testIPAM("default", nullStringMap, testIPAMConfig("10.20.0.0/24", "", "10.20.0.1", testStringMap("db", "10.20.0.5")))
	n := network.Inspect{Network: network.Network{ID: "n1", Name: "front", Driver: "overlay", Scope: "swarm",
		IPAM: network.IPAM{Driver: "default", Config: []network.IPAMConfig{{Subnet: netip.MustParsePrefix("10.20.0.0/24"), Gateway: netip.MustParseAddr("10.20.0.1")}}}}}
	got, diags := flattenNetwork(ctx, n, prior)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !got.IPAM.Equal(prior.IPAM) {
		t.Errorf("ipam = %v, want %v", got.IPAM, prior.IPAM)
	}
	// Another subnet on the Engine (recreated out of band): the old aux addresses do not carry over.
	n.IPAM.Config[0].Subnet = netip.MustParsePrefix("10.30.0.0/24")
	got, _ = flattenNetwork(ctx, n, prior)
	want := testIPAM("default", nullStringMap, testIPAMConfig("10.30.0.0/24", "", "10.20.0.1", nullStringMap))
	if !got.IPAM.Equal(want) {
		t.Errorf("ipam = %v, want %v", got.IPAM, want)
	}
}

// TestNetworkAddressValidators: the Engine reports addresses in canonical form, so other
// spellings are refused at plan time instead of failing after apply.
func TestNetworkAddressValidators(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		v     validator.String
		value string
		want  string
	}{
		"ipv4 subnet":                 {cidrValidator{}, "10.20.0.0/24", ""},
		"ipv6 subnet":                 {cidrValidator{}, "fd00:0:0:77::/64", ""},
		"ipv6 subnet upper case":      {cidrValidator{}, "FD00:0:0:77::/64", `write fd00:0:0:77::/64`},
		"ipv6 subnet zeros written":   {cidrValidator{}, "fd00:0:0:0::/64", `write fd00::/64`},
		"subnet with host bits":       {cidrValidator{}, "10.20.0.1/24", `write the network address: 10.20.0.0/24`},
		"not a subnet":                {cidrValidator{}, "10.20.0.0", `not in CIDR notation`},
		"ipv4 address":                {ipValidator{}, "10.20.0.1", ""},
		"ipv6 address":                {ipValidator{}, "fd00::1", ""},
		"ipv6 address with zeros":     {ipValidator{}, "fd00:0:0:77:0::1", `write fd00:0:0:77::1`},
		"ipv6 address upper case":     {ipValidator{}, "FD00::1", `write fd00::1`},
		"ipv4-mapped written as ipv4": {ipValidator{}, "::ffff:10.0.0.1", ""},
		"not an address":              {ipValidator{}, "10.20.0", `not an IP address`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := validator.StringRequest{Path: path.Root("x"), ConfigValue: types.StringValue(tc.value)}
			var resp validator.StringResponse
			tc.v.ValidateString(t.Context(), req, &resp)
			got := ""
			for _, d := range resp.Diagnostics.Errors() {
				got += d.Detail()
			}
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("errors %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMapChangedBeyondEmpty: null and empty maps are the same to the Engine, so moving between
// them (an import reads `{}` back as null) does not replace a network or a volume.
func TestMapChangedBeyondEmpty(t *testing.T) {
	t.Parallel()
	unknown := types.MapUnknown(types.StringType)
	cases := map[string]struct {
		plan, state types.Map
		want        bool
	}{
		"null to empty":      {testStringMap(), nullStringMap, false},
		"empty to null":      {nullStringMap, testStringMap(), false},
		"null to a value":    {testStringMap("a", "b"), nullStringMap, true},
		"empty to a value":   {testStringMap("a", "b"), testStringMap(), true},
		"a value to empty":   {testStringMap(), testStringMap("a", "b"), true},
		"a value changed":    {testStringMap("a", "c"), testStringMap("a", "b"), true},
		"unknown from null":  {unknown, nullStringMap, true},
		"unknown from value": {unknown, testStringMap("a", "b"), true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var resp mapplanmodifier.RequiresReplaceIfFuncResponse
			mapChangedBeyondEmpty(t.Context(), planmodifier.MapRequest{PlanValue: tc.plan, StateValue: tc.state}, &resp)
			if resp.RequiresReplace != tc.want {
				t.Errorf("RequiresReplace = %v, want %v", resp.RequiresReplace, tc.want)
			}
		})
	}
}

// TestFlattenNetworkWrittenIPAM: `ipam` holds what the configuration writes, effective_ipam what
// the Engine has; an import (no name in prior) fills `ipam` with what is not the Engine's choice.
func TestFlattenNetworkWrittenIPAM(t *testing.T) {
	t.Parallel()
	chosen := network.IPAMConfig{Subnet: netip.MustParsePrefix("10.200.3.0/24"), Gateway: netip.MustParseAddr("10.200.3.1")}
	written := network.IPAMConfig{Subnet: netip.MustParsePrefix("10.20.0.0/24"), IPRange: netip.MustParsePrefix("10.20.0.128/25"), Gateway: netip.MustParseAddr("10.20.0.1")}
	serial := "com.docker.network.ipam.serial"
	chosenObj := testIPAMConfig("10.200.3.0/24", "", "10.200.3.1", nullStringMap)
	writtenObj := testIPAMConfig("10.20.0.0/24", "10.20.0.128/25", "10.20.0.1", nullStringMap)
	imported := networkResourceModel{Options: nullStringMap, Labels: nullStringMap,
		IPAM: types.ObjectNull(networkIPAMAttrTypes), EffectiveIPAM: types.ObjectNull(networkIPAMAttrTypes)}
	cases := map[string]struct {
		engine        network.IPAM
		prior         func() networkResourceModel
		wantIPAM      types.Object
		wantEffective types.Object
	}{
		"no block: the Engine's choice shows in effective_ipam only": {
			engine:        network.IPAM{Driver: "default", Config: []network.IPAMConfig{chosen}},
			prior:         testNetworkModel,
			wantIPAM:      types.ObjectNull(networkIPAMAttrTypes),
			wantEffective: testIPAM("default", nullStringMap, chosenObj),
		},
		"block without configs keeps them empty": {
			engine: network.IPAM{Driver: "default", Options: map[string]string{"foo": "bar", serial: "true"}, Config: []network.IPAMConfig{chosen}},
			prior: func() networkResourceModel {
				m := testNetworkModel()
				m.IPAM = testIPAM("default", testStringMap("foo", "bar"))
				return m
			},
			wantIPAM:      testIPAM("default", testStringMap("foo", "bar")),
			wantEffective: testIPAM("default", testStringMap("foo", "bar"), chosenObj),
		},
		"block with configs is filled from the Engine": {
			engine: network.IPAM{Driver: "default", Config: []network.IPAMConfig{written}},
			prior: func() networkResourceModel {
				m := testNetworkModel()
				m.IPAM = types.ObjectValueMust(networkIPAMAttrTypes, map[string]attr.Value{
					"driver": types.StringUnknown(), "options": nullStringMap,
					"configs": types.ListValueMust(types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}, []attr.Value{
						testIPAMConfig("10.20.0.0/24", "10.20.0.128/25", "", nullStringMap)}),
				})
				return m
			},
			wantIPAM:      testIPAM("default", nullStringMap, writtenObj),
			wantEffective: testIPAM("default", nullStringMap, writtenObj),
		},
		"drift in a written block shows": {
			engine: network.IPAM{Driver: "default", Config: []network.IPAMConfig{chosen}},
			prior: func() networkResourceModel {
				m := testNetworkModel()
				m.IPAM = testIPAM("default", nullStringMap, writtenObj)
				return m
			},
			wantIPAM:      testIPAM("default", nullStringMap, chosenObj),
			wantEffective: testIPAM("default", nullStringMap, chosenObj),
		},
		"import of the Engine's choice": {
			engine:        network.IPAM{Driver: "default", Config: []network.IPAMConfig{chosen}},
			prior:         func() networkResourceModel { return imported },
			wantIPAM:      types.ObjectNull(networkIPAMAttrTypes),
			wantEffective: testIPAM("default", nullStringMap, chosenObj),
		},
		"import of options with the Engine's pool": {
			engine:        network.IPAM{Driver: "default", Options: map[string]string{"foo": "bar", serial: "true"}, Config: []network.IPAMConfig{chosen}},
			prior:         func() networkResourceModel { return imported },
			wantIPAM:      testIPAM("default", testStringMap("foo", "bar")),
			wantEffective: testIPAM("default", testStringMap("foo", "bar"), chosenObj),
		},
		"import of written pools": {
			engine:        network.IPAM{Driver: "default", Config: []network.IPAMConfig{written}},
			prior:         func() networkResourceModel { return imported },
			wantIPAM:      testIPAM("default", nullStringMap, writtenObj),
			wantEffective: testIPAM("default", nullStringMap, writtenObj),
		},
		"import of another driver": {
			engine:        network.IPAM{Driver: "custom", Config: []network.IPAMConfig{chosen}},
			prior:         func() networkResourceModel { return imported },
			wantIPAM:      testIPAM("custom", nullStringMap),
			wantEffective: testIPAM("custom", nullStringMap, chosenObj),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := network.Inspect{Network: network.Network{ID: "n1", Name: "front", Driver: "overlay", Scope: "swarm", IPAM: tc.engine}}
			got, diags := flattenNetwork(t.Context(), n, tc.prior())
			if diags.HasError() {
				t.Fatal(diags)
			}
			if !got.IPAM.Equal(tc.wantIPAM) {
				t.Errorf("ipam = %v\nwant   %v", got.IPAM, tc.wantIPAM)
			}
			if !got.EffectiveIPAM.Equal(tc.wantEffective) {
				t.Errorf("effective_ipam = %v\nwant             %v", got.EffectiveIPAM, tc.wantEffective)
			}
		})
	}
}

func TestIPAMConfigChosenByEngine(t *testing.T) {
	t.Parallel()
	p, a := netip.MustParsePrefix, netip.MustParseAddr
	cases := map[string]struct {
		in   network.IPAMConfig
		want bool
	}{
		"subnet and first address":  {network.IPAMConfig{Subnet: p("10.0.1.0/24"), Gateway: a("10.0.1.1")}, true},
		"subnet only":               {network.IPAMConfig{Subnet: p("10.0.1.0/24")}, true},
		"ipv6 subnet":               {network.IPAMConfig{Subnet: p("fd00:1::/64"), Gateway: a("fd00:1::1")}, true},
		"another gateway":           {network.IPAMConfig{Subnet: p("10.0.1.0/24"), Gateway: a("10.0.1.254")}, false},
		"ip range":                  {network.IPAMConfig{Subnet: p("10.0.1.0/24"), IPRange: p("10.0.1.128/25"), Gateway: a("10.0.1.1")}, false},
		"aux addresses":             {network.IPAMConfig{Subnet: p("10.0.1.0/24"), AuxAddress: map[string]netip.Addr{"db": a("10.0.1.5")}}, false},
		"no subnet is not a choice": {network.IPAMConfig{}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := ipamConfigChosenByEngine(tc.in); got != tc.want {
				t.Errorf("ipamConfigChosenByEngine = %v, want %v", got, tc.want)
			}
		})
	}
}
