package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// upgradeServiceStateV0 moves a state written before nested settings became blocks (version 0).
// Its objects have the shape of version 1, but the blocks whose absence means the Engine's
// defaults were always filled: where they hold exactly the defaults they become null, as a
// configuration that leaves them out now plans them; the mode is kept, as after an import. (A
// configuration that writes such a block with only default values plans one in-place update that
// changes nothing on the swarm.) The version 1 changes (upgradeServiceStateJSONV1) apply first.
func upgradeServiceStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	if !upgradeServiceStateRaw(req, resp, 0) {
		return
	}
	var m serviceResourceModel
	resp.Diagnostics.Append(resp.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := m.spec()
	s.dropDefaultBlocks(importedServiceBlocks)
	m.TaskTemplate, m.UpdateConfig, m.RollbackConfig, m.EndpointSpec = s.TaskTemplate, s.UpdateConfig, s.RollbackConfig, s.EndpointSpec
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// upgradeServiceStateV1 moves a version 1 state, whose file modes were numbers and whose `hosts`
// mapped a name to one address.
func upgradeServiceStateV1(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	upgradeServiceStateRaw(req, resp, 1)
}

// upgradeServiceStateRaw converts the stored JSON of a version 0 or 1 state and sets it as the
// upgraded state; false when it could not.
func upgradeServiceStateRaw(req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse, version int) bool {
	summary := fmt.Sprintf("Unable to upgrade the version %d swarm_service state", version)
	if req.RawState == nil || req.RawState.JSON == nil {
		resp.Diagnostics.AddError(summary, "The stored state holds no JSON data.")
		return false
	}
	out, err := upgradeServiceStateJSONV1(req.RawState.JSON)
	if err != nil {
		resp.Diagnostics.AddError(summary, err.Error())
		return false
	}
	v, err := tftypes.ValueFromJSONWithOpts(out, resp.State.Schema.Type().TerraformType(context.Background()),
		tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true})
	if err != nil {
		resp.Diagnostics.AddError(summary, err.Error())
		return false
	}
	resp.State.Raw = v
	return true
}

// upgradeServiceStateJSONV1 writes the file modes of secrets, configs and tmpfs mounts as octal
// strings (292 becomes "0444") and each `hosts` address as a list of one.
func upgradeServiceStateJSONV1(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var state map[string]any
	if err := dec.Decode(&state); err != nil {
		return nil, fmt.Errorf("reading the stored state: %w", err)
	}
	cs := jsonObject(jsonObject(state["task_template"])["container_spec"])
	if cs == nil {
		return json.Marshal(state)
	}
	for _, list := range []string{"secrets", "configs"} {
		refs, _ := cs[list].([]any)
		for i, r := range refs {
			ref, _ := r.(map[string]any)
			if ref == nil {
				continue
			}
			mode, err := octalMode(ref["mode"])
			if err != nil {
				return nil, fmt.Errorf("task_template.container_spec.%s[%d].mode: %w", list, i, err)
			}
			ref["mode"] = mode
		}
	}
	mounts, _ := cs["mounts"].([]any)
	for i, mt := range mounts {
		tmpfs, _ := jsonObject(mt)["tmpfs_options"].(map[string]any)
		if tmpfs == nil {
			continue
		}
		mode, err := octalMode(tmpfs["mode"])
		if err != nil {
			return nil, fmt.Errorf("task_template.container_spec.mounts[%d].tmpfs_options.mode: %w", i, err)
		}
		tmpfs["mode"] = mode
	}
	if hosts, ok := cs["hosts"].(map[string]any); ok {
		for name, addr := range hosts {
			if s, ok := addr.(string); ok {
				hosts[name] = []any{s}
			}
		}
	}
	return json.Marshal(state)
}

// jsonObject is v as a JSON object, or nil.
func jsonObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// octalMode converts a stored number of permission bits into its octal string; null and strings
// (already upgraded) stay as they are.
func octalMode(v any) (any, error) {
	n, ok := v.(json.Number)
	if !ok {
		return v, nil
	}
	bits, err := strconv.ParseUint(n.String(), 10, 32)
	if err != nil || bits > 0o7777 {
		return nil, fmt.Errorf("%s is not a file mode", n)
	}
	return formatFileMode(uint32(bits)), nil
}
