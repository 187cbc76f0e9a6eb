package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/moby/moby/api/types/network"
)

// A network's IPAM lives in two places: the `ipam` block holds what the configuration writes,
// and the read-only `effective_ipam` what the Engine has, including its own choices for what the
// block leaves out. This file holds what ties them together: the plan of an update (replace the
// network only when the written IPAM differs from what it has), what an import or an upgraded
// state takes for written, and the upgrade of version 0 states, where `ipam` held both.

// planIPAM plans the `ipam` block of an update. What the configuration writes (config) is
// compared with what the network has (effective, from the state; stateAux are the aux addresses
// the state's `ipam` keeps by subnet, as the Engine does not report them for swarm networks).
// Left out, the driver, a gateway and the whole `configs` leave the Engine's choice in place, and
// a left-out block asks for nothing. Every difference is a path that replaces the network; with
// none, the values left to the Engine are planned as the network has them, else plan is kept.
func planIPAM(ctx context.Context, config, plan, effective types.Object, stateAux map[string]types.Map) (types.Object, path.Paths, diag.Diagnostics) {
	var diags diag.Diagnostics
	root := path.Root("ipam")
	if config.IsNull() {
		return config, nil, diags
	}
	if config.IsUnknown() || effective.IsNull() || effective.IsUnknown() {
		return plan, path.Paths{root}, diags
	}
	var written, current networkIPAMModel
	diags.Append(config.As(ctx, &written, basetypes.ObjectAsOptions{})...)
	diags.Append(effective.As(ctx, &current, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return plan, nil, diags
	}
	var replace path.Paths
	differs := func(p path.Path, w, c attr.Value) {
		if w.IsUnknown() || !w.Equal(c) {
			replace = append(replace, p)
		}
	}
	if !written.Driver.IsNull() {
		differs(root.AtName("driver"), written.Driver, current.Driver)
	}
	differs(root.AtName("options"), written.Options, current.Options)

	var writtenConfigs, currentConfigs []networkIPAMConfigModel
	if written.Configs.IsUnknown() {
		replace = append(replace, root.AtName("configs"))
	} else if !written.Configs.IsNull() {
		diags.Append(written.Configs.ElementsAs(ctx, &writtenConfigs, false)...)
	}
	if !current.Configs.IsNull() && !current.Configs.IsUnknown() {
		diags.Append(current.Configs.ElementsAs(ctx, &currentConfigs, false)...)
	}
	if diags.HasError() {
		return plan, nil, diags
	}
	if len(writtenConfigs) > 0 && len(writtenConfigs) != len(currentConfigs) {
		replace = append(replace, root.AtName("configs"))
	}
	plannedConfigs := make([]attr.Value, 0, len(writtenConfigs))
	for i, w := range writtenConfigs {
		if i >= len(currentConfigs) {
			break
		}
		c := currentConfigs[i]
		p := root.AtName("configs").AtListIndex(i)
		differs(p.AtName("subnet"), w.Subnet, c.Subnet)
		differs(p.AtName("ip_range"), w.IPRange, c.IPRange)
		gateway := w.Gateway
		if gateway.IsNull() {
			gateway = c.Gateway
		} else {
			differs(p.AtName("gateway"), w.Gateway, c.Gateway)
		}
		aux := c.AuxAddresses
		if aux.IsNull() || len(aux.Elements()) == 0 {
			aux = types.MapNull(types.StringType)
			if kept, ok := stateAux[c.Subnet.ValueString()]; ok && !kept.IsUnknown() && len(kept.Elements()) > 0 {
				aux = kept
			}
		}
		differs(p.AtName("aux_addresses"), w.AuxAddresses, aux)
		obj, d := types.ObjectValue(networkIPAMConfigAttrTypes, map[string]attr.Value{
			"subnet": w.Subnet, "ip_range": w.IPRange, "gateway": gateway, "aux_addresses": w.AuxAddresses,
		})
		diags.Append(d...)
		plannedConfigs = append(plannedConfigs, obj)
	}
	if len(replace) > 0 || diags.HasError() {
		return plan, replace, diags
	}
	driver := written.Driver
	if driver.IsNull() {
		driver = current.Driver
	}
	configs, d := types.ListValue(types.ObjectType{AttrTypes: networkIPAMConfigAttrTypes}, plannedConfigs)
	diags.Append(d...)
	planned, d := types.ObjectValue(networkIPAMAttrTypes, map[string]attr.Value{
		"driver": driver, "options": written.Options, "configs": configs,
	})
	diags.Append(d...)
	return planned, nil, diags
}

// ipamWrittenParts tells which parts of a network's IPAM are not what the Engine chooses by
// itself: settings (a driver other than `default`, or options) and configs (any pool with an
// ip_range, aux addresses, or a gateway other than the subnet's first address). Pools that the
// Engine took from the default address pool look like one written with only a subnet; such a
// subnet is then shown in effective_ipam only, which replaces nothing (see planIPAM).
func ipamWrittenParts(ipam network.IPAM, options map[string]string) (settings, configs bool) {
	settings = (ipam.Driver != "" && ipam.Driver != "default") || len(options) > 0
	for _, c := range ipam.Config {
		if !ipamConfigChosenByEngine(c) {
			configs = true
		}
	}
	return settings, configs
}

// ipamConfigChosenByEngine says whether a pool looks like one the Engine chose: a subnet only,
// with the gateway the Engine gives it.
func ipamConfigChosenByEngine(c network.IPAMConfig) bool {
	if c.IPRange.IsValid() || len(c.AuxAddress) > 0 || !c.Subnet.IsValid() {
		return false
	}
	return !c.Gateway.IsValid() || c.Gateway == c.Subnet.Masked().Addr().Next()
}

// networkIPAMJSON is an `ipam` object as stored in a state.
type networkIPAMJSON struct {
	Driver  *string                 `json:"driver"`
	Options map[string]string       `json:"options"`
	Configs []networkIPAMConfigJSON `json:"configs"`
}

type networkIPAMConfigJSON struct {
	Subnet       *string           `json:"subnet"`
	IPRange      *string           `json:"ip_range"`
	Gateway      *string           `json:"gateway"`
	AuxAddresses map[string]string `json:"aux_addresses"`
}

// upgradeNetworkStateV0 upgrades a version 0 state, whose `ipam` was always filled with what the
// Engine had, written or not.
func upgradeNetworkStateV0(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError("Unable to upgrade the swarm_network state", "The stored state holds no JSON data.")
		return
	}
	out, err := upgradeNetworkStateJSONV0(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError("Unable to upgrade the swarm_network state", err.Error())
		return
	}
	resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
}

// upgradeNetworkStateJSONV0 moves the version 0 `ipam` to `effective_ipam`, and keeps in `ipam`
// what an import would take for written (ipamWrittenParts): what the configuration wrote is not
// recorded in a version 0 state. A guess that is wrong costs a plan that records `ipam`, never
// a replacement, as planIPAM compares what is written with `effective_ipam`.
func upgradeNetworkStateJSONV0(raw []byte) ([]byte, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(raw, &state); err != nil {
		return nil, fmt.Errorf("reading the version 0 state: %w", err)
	}
	old, ok := state["ipam"]
	if !ok || string(old) == "null" {
		state["effective_ipam"] = json.RawMessage("null")
		state["ipam"] = json.RawMessage("null")
		return json.Marshal(state)
	}
	var ipam networkIPAMJSON
	if err := json.Unmarshal(old, &ipam); err != nil {
		return nil, fmt.Errorf("reading ipam of the version 0 state: %w", err)
	}
	state["effective_ipam"] = old
	settings, configs := ipamWrittenParts(ipam.engine(), ipam.Options)
	switch {
	case !settings && !configs:
		state["ipam"] = json.RawMessage("null")
	case !configs:
		ipam.Configs = []networkIPAMConfigJSON{}
		written, err := json.Marshal(ipam)
		if err != nil {
			return nil, err
		}
		state["ipam"] = written
	}
	return json.Marshal(state)
}

// engine is the stored IPAM as the Engine's type, for ipamWrittenParts (the state holds
// validated values; one that does not parse is left out).
func (j networkIPAMJSON) engine() network.IPAM {
	var out network.IPAM
	if j.Driver != nil {
		out.Driver = *j.Driver
	}
	for _, c := range j.Configs {
		var cfg network.IPAMConfig
		if c.Subnet != nil {
			cfg.Subnet, _ = netip.ParsePrefix(*c.Subnet)
		}
		if c.IPRange != nil {
			cfg.IPRange, _ = netip.ParsePrefix(*c.IPRange)
		}
		if c.Gateway != nil {
			cfg.Gateway, _ = netip.ParseAddr(*c.Gateway)
		}
		if len(c.AuxAddresses) > 0 {
			cfg.AuxAddress = map[string]netip.Addr{}
			for k, v := range c.AuxAddresses {
				cfg.AuxAddress[k], _ = netip.ParseAddr(v)
			}
		}
		out.Config = append(out.Config, cfg)
	}
	return out
}
