package provider

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// networkOptionEncrypted is the overlay driver option that turns on IPsec for the data plane;
// the resource shows it as the `encrypted` attribute, never inside `options`.
const networkOptionEncrypted = "encrypted"

// networkGeneratedOptions are driver options the Engine adds by itself. They are left out of
// `options` (unless the configuration sets them), so that they cause no diff.
var networkGeneratedOptions = map[string]bool{
	"com.docker.network.driver.overlay.vxlanid_list": true,
}

// networkGeneratedIPAMOptions are IPAM driver options the Engine adds by itself (swarmkit adds
// serial allocation as soon as any IPAM option is set). They are left out of `ipam.options`
// unless the configuration sets them.
var networkGeneratedIPAMOptions = map[string]bool{
	"com.docker.network.ipam.serial": true,
}

var networkIPAMAttrTypes = map[string]attr.Type{
	"driver":  types.StringType,
	"options": types.MapType{ElemType: types.StringType},
	"configs": types.ListType{ElemType: types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}},
}

var networkIPAMConfigAttrTypes = map[string]attr.Type{
	"subnet":        types.StringType,
	"ip_range":      types.StringType,
	"gateway":       types.StringType,
	"aux_addresses": types.MapType{ElemType: types.StringType},
}

// expandNetworkCreateOptions turns the plan into the Engine's create request (the name is passed
// separately).
func expandNetworkCreateOptions(ctx context.Context, m networkResourceModel) (client.NetworkCreateOptions, diag.Diagnostics) {
	var diags diag.Diagnostics
	opts := client.NetworkCreateOptions{
		Driver:     m.Driver.ValueString(),
		Internal:   m.Internal.ValueBool(),
		Attachable: m.Attachable.ValueBool(),
		Ingress:    m.Ingress.ValueBool(),
		Options:    expandEngineMap(ctx, m.Options, &diags),
		Labels:     expandEngineMap(ctx, m.Labels, &diags),
	}
	if m.IPv6.ValueBool() {
		v := true
		opts.EnableIPv6 = &v
	}
	if m.Encrypted.ValueBool() {
		if opts.Options == nil {
			opts.Options = map[string]string{}
		}
		opts.Options[networkOptionEncrypted] = ""
	}
	ipam, d := expandIPAM(ctx, m.IPAM)
	diags.Append(d...)
	opts.IPAM = ipam
	return opts, diags
}

// expandIPAM returns nil when the configuration leaves IPAM to the Engine.
func expandIPAM(ctx context.Context, obj types.Object) (*network.IPAM, diag.Diagnostics) {
	var diags diag.Diagnostics
	if obj.IsNull() || obj.IsUnknown() {
		return nil, diags
	}
	var m networkIPAMModel
	diags.Append(obj.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, diags
	}
	ipam := &network.IPAM{
		Driver:  m.Driver.ValueString(),
		Options: expandEngineMap(ctx, m.Options, &diags),
	}
	if !m.Configs.IsNull() && !m.Configs.IsUnknown() {
		var configs []networkIPAMConfigModel
		diags.Append(m.Configs.ElementsAs(ctx, &configs, false)...)
		for i, c := range configs {
			cfg, attr, err := expandIPAMConfig(ctx, c)
			if err != nil {
				diags.AddAttributeError(path.Root("ipam").AtName("configs").AtListIndex(i).AtName(attr), "Invalid IPAM configuration", err.Error())
				continue
			}
			ipam.Config = append(ipam.Config, cfg)
		}
	}
	return ipam, diags
}

// expandIPAMConfig parses one address pool; unknown or null values are left to the Engine. On
// error it names the attribute that does not parse (the validators refuse such values at plan
// time already).
func expandIPAMConfig(ctx context.Context, m networkIPAMConfigModel) (network.IPAMConfig, string, error) {
	var cfg network.IPAMConfig
	var err error
	if s := m.Subnet.ValueString(); s != "" {
		if cfg.Subnet, err = netip.ParsePrefix(s); err != nil {
			return cfg, "subnet", fmt.Errorf("subnet: %w", err)
		}
	}
	if s := m.IPRange.ValueString(); s != "" {
		if cfg.IPRange, err = netip.ParsePrefix(s); err != nil {
			return cfg, "ip_range", fmt.Errorf("ip_range: %w", err)
		}
	}
	if s := m.Gateway.ValueString(); s != "" {
		if cfg.Gateway, err = netip.ParseAddr(s); err != nil {
			return cfg, "gateway", fmt.Errorf("gateway: %w", err)
		}
	}
	var diags diag.Diagnostics
	aux := expandEngineMap(ctx, m.AuxAddresses, &diags)
	if diags.HasError() {
		return cfg, "aux_addresses", fmt.Errorf("aux_addresses: %v", diags)
	}
	if len(aux) > 0 {
		cfg.AuxAddress = make(map[string]netip.Addr, len(aux))
		for k, v := range aux {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return cfg, "aux_addresses", fmt.Errorf("aux_addresses[%q]: %w", k, err)
			}
			cfg.AuxAddress[k] = a
		}
	}
	return cfg, "", nil
}

// flattenNetwork turns the Engine's network into the resource model. prior (the plan or the
// state) decides between null and empty for maps, which Engine-generated options the
// configuration set itself, and whether the configuration writes an `ipam` block. A prior
// without a name is an import (name is required otherwise).
func flattenNetwork(ctx context.Context, n network.Inspect, prior networkResourceModel) (networkResourceModel, diag.Diagnostics) {
	var diags diag.Diagnostics
	options, encrypted := flattenNetworkOptions(n.Options, prior.Options)
	priorOptions := priorIPAMOptions(ctx, prior.IPAM)
	effective, d := flattenIPAM(n.IPAM, priorOptions, nil)
	diags.Append(d...)
	ipam, d := flattenWrittenIPAM(ctx, n.IPAM, prior.IPAM, priorAuxAddresses(ctx, prior.IPAM), prior.Name.IsNull())
	diags.Append(d...)
	return networkResourceModel{
		ID:            types.StringValue(n.ID),
		Name:          types.StringValue(n.Name),
		Driver:        types.StringValue(n.Driver),
		Attachable:    types.BoolValue(n.Attachable),
		Internal:      types.BoolValue(n.Internal),
		Ingress:       types.BoolValue(n.Ingress),
		Encrypted:     types.BoolValue(encrypted),
		IPv6:          types.BoolValue(n.EnableIPv6),
		IPAM:          ipam,
		EffectiveIPAM: effective,
		Options:       options,
		Labels:        flattenEngineMap(n.Labels, prior.Labels),
		Scope:         types.StringValue(n.Scope),
		Timeouts:      timeoutsOrNull(prior.Timeouts, "create", "delete"),
	}, diags
}

// flattenWrittenIPAM is the `ipam` block: the Engine's IPAM, in the parts the configuration
// writes. With no block in prior it stays null (effective_ipam shows the Engine's choice); with
// a block it is filled from the Engine, and its `configs` are empty when prior's are (the pools
// were left to the Engine). An import has no prior: it fills what does not look like the
// Engine's own choice (see ipamWrittenParts).
func flattenWrittenIPAM(ctx context.Context, ipam network.IPAM, prior types.Object, priorAux map[string]types.Map, imported bool) (types.Object, diag.Diagnostics) {
	var withConfigs bool
	switch {
	case imported:
		settings, configs := ipamWrittenParts(ipam, withoutGenerated(ipam.Options, networkGeneratedIPAMOptions, types.MapNull(types.StringType)))
		if !settings && !configs {
			return types.ObjectNull(networkIPAMAttrTypes), nil
		}
		withConfigs = configs
	case prior.IsNull() || prior.IsUnknown():
		return types.ObjectNull(networkIPAMAttrTypes), nil
	default:
		withConfigs = len(priorIPAMConfigs(ctx, prior)) > 0
	}
	if !withConfigs {
		ipam.Config = nil
	}
	return flattenIPAM(ipam, priorIPAMOptions(ctx, prior), priorAux)
}

// flattenNetworkOptions splits the Engine's driver options into the user's `options` and the
// `encrypted` flag, leaving out options the Engine generated unless prior holds them.
func flattenNetworkOptions(engine map[string]string, prior types.Map) (types.Map, bool) {
	_, encrypted := engine[networkOptionEncrypted]
	user := make(map[string]string, len(engine))
	for k, v := range withoutGenerated(engine, networkGeneratedOptions, prior) {
		if k != networkOptionEncrypted {
			user[k] = v
		}
	}
	return flattenEngineMap(user, prior), encrypted
}

// withoutGenerated returns engine without the keys in generated that prior does not hold.
func withoutGenerated(engine map[string]string, generated map[string]bool, prior types.Map) map[string]string {
	priorKeys := prior.Elements()
	out := make(map[string]string, len(engine))
	for k, v := range engine {
		if _, kept := priorKeys[k]; generated[k] && !kept {
			continue
		}
		out[k] = v
	}
	return out
}

// flattenIPAM turns the Engine's IPAM into an `ipam` (or `effective_ipam`) object. priorOptions
// are the prior `ipam.options` (they decide which Engine-generated options show); priorAux holds
// the aux_addresses of the prior `ipam` by subnet: the Engine does not report them for swarm
// networks, so `ipam` keeps them from the configuration (and they cannot show drift), while
// effective_ipam (nil priorAux) shows what the Engine reports.
func flattenIPAM(ipam network.IPAM, priorOptions types.Map, priorAux map[string]types.Map) (types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	configs := make([]attr.Value, 0, len(ipam.Config))
	for _, c := range ipam.Config {
		obj, d := flattenIPAMConfig(c, priorAux[c.Subnet.String()])
		diags.Append(d...)
		configs = append(configs, obj)
	}
	list, d := types.ListValue(types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}, configs)
	diags.Append(d...)
	obj, d := types.ObjectValue(networkIPAMAttrTypes, map[string]attr.Value{
		"driver":  types.StringValue(ipam.Driver),
		"options": flattenEngineMap(withoutGenerated(ipam.Options, networkGeneratedIPAMOptions, priorOptions), types.MapNull(types.StringType)),
		"configs": list,
	})
	diags.Append(d...)
	return obj, diags
}

// flattenIPAMConfig turns one address pool into an object; priorAux (may be the zero value)
// stands in for aux addresses the Engine does not report.
func flattenIPAMConfig(c network.IPAMConfig, priorAux types.Map) (types.Object, diag.Diagnostics) {
	prefix := func(p netip.Prefix) types.String {
		if !p.IsValid() {
			return types.StringNull()
		}
		return types.StringValue(p.String())
	}
	gateway := types.StringNull()
	if c.Gateway.IsValid() {
		gateway = types.StringValue(c.Gateway.String())
	}
	aux := make(map[string]string, len(c.AuxAddress))
	for k, v := range c.AuxAddress {
		aux[k] = v.String()
	}
	auxValue := flattenEngineMap(aux, types.MapNull(types.StringType))
	if len(aux) == 0 && !priorAux.IsNull() && !priorAux.IsUnknown() && len(priorAux.Elements()) > 0 {
		auxValue = priorAux
	}
	return types.ObjectValue(networkIPAMConfigAttrTypes, map[string]attr.Value{
		"subnet":        prefix(c.Subnet),
		"ip_range":      prefix(c.IPRange),
		"gateway":       gateway,
		"aux_addresses": auxValue,
	})
}

// expandEngineMap reads a map of strings; null and unknown give nil.
func expandEngineMap(ctx context.Context, m types.Map, diags *diag.Diagnostics) map[string]string {
	if m.IsNull() || m.IsUnknown() {
		return nil
	}
	out := make(map[string]string, len(m.Elements()))
	diags.Append(m.ElementsAs(ctx, &out, false)...)
	return out
}

// flattenEngineMap turns a map the Engine returns into a value: an empty map is null unless prior
// (what the configuration or state had) is an empty map, so that neither form causes a diff.
func flattenEngineMap(m map[string]string, prior types.Map) types.Map {
	if len(m) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType)
	}
	elems := make(map[string]attr.Value, len(m))
	for k, v := range m {
		elems[k] = types.StringValue(v)
	}
	return types.MapValueMust(types.StringType, elems)
}

// priorIPAMOptions returns the `options` of a prior `ipam` value (null when there is none).
func priorIPAMOptions(ctx context.Context, ipam types.Object) types.Map {
	if ipam.IsNull() || ipam.IsUnknown() {
		return types.MapNull(types.StringType)
	}
	var m networkIPAMModel
	if diags := ipam.As(ctx, &m, basetypes.ObjectAsOptions{}); diags.HasError() {
		return types.MapNull(types.StringType)
	}
	return m.Options
}

// priorIPAMConfigs returns the `configs` of a prior `ipam` value (none when there is none).
func priorIPAMConfigs(ctx context.Context, ipam types.Object) []networkIPAMConfigModel {
	if ipam.IsNull() || ipam.IsUnknown() {
		return nil
	}
	var m networkIPAMModel
	if diags := ipam.As(ctx, &m, basetypes.ObjectAsOptions{}); diags.HasError() || m.Configs.IsNull() || m.Configs.IsUnknown() {
		return nil
	}
	var configs []networkIPAMConfigModel
	if diags := m.Configs.ElementsAs(ctx, &configs, false); diags.HasError() {
		return nil
	}
	return configs
}

// priorAuxAddresses collects the aux_addresses of a prior `ipam` value by subnet.
func priorAuxAddresses(ctx context.Context, ipam types.Object) map[string]types.Map {
	configs := priorIPAMConfigs(ctx, ipam)
	if len(configs) == 0 {
		return nil
	}
	out := make(map[string]types.Map, len(configs))
	for _, c := range configs {
		if c.Subnet.IsNull() || c.Subnet.IsUnknown() {
			continue
		}
		if p, err := netip.ParsePrefix(c.Subnet.ValueString()); err == nil {
			out[p.String()] = c.AuxAddresses
		}
	}
	return out
}
