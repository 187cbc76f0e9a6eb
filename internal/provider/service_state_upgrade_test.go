package provider

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// tfValueJSON is a value as Terraform stores it in a state file's `attributes`.
func tfValueJSON(t testing.TB, v tftypes.Value) any {
	t.Helper()
	if v.IsNull() {
		return nil
	}
	switch typ := v.Type().(type) {
	case tftypes.Object:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for k := range typ.AttributeTypes {
			out[k] = tfValueJSON(t, m[k])
		}
		return out
	case tftypes.Map:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			t.Fatal(err)
		}
		out := map[string]any{}
		for k, e := range m {
			out[k] = tfValueJSON(t, e)
		}
		return out
	case tftypes.List, tftypes.Set:
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			t.Fatal(err)
		}
		out := []any{}
		for _, e := range l {
			out = append(out, tfValueJSON(t, e))
		}
		return out
	}
	switch {
	case v.Type().Is(tftypes.String):
		var s string
		_ = v.As(&s)
		return s
	case v.Type().Is(tftypes.Bool):
		var b bool
		_ = v.As(&b)
		return b
	case v.Type().Is(tftypes.Number):
		n := new(big.Float)
		_ = v.As(&n)
		return json.Number(n.Text('g', -1))
	}
	t.Fatalf("no JSON for %s", v.Type())
	return nil
}

// serviceStateV1JSON is the state of spec as versions 0 and 1 stored it: every block present, file
// modes as numbers and one address per extra host.
func serviceStateV1JSON(t *testing.T, spec apiswarm.ServiceSpec) string {
	t.Helper()
	ctx := context.Background()
	s := flattenServiceSpec(spec, nil, allServiceBlocks)
	m := serviceResourceModel{ID: types.StringValue("svc1"), Name: types.StringValue(s.Name), Labels: s.Labels, Mode: s.Mode,
		TaskTemplate: s.TaskTemplate, UpdateConfig: s.UpdateConfig, RollbackConfig: s.RollbackConfig, EndpointSpec: s.EndpointSpec,
		WaitForConvergence: types.BoolValue(true),
		Timeouts:           timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType, "update": types.StringType, "delete": types.StringType})}}
	sch := serviceResourceSchema(ctx)
	st := tfsdk.State{Schema: sch, Raw: tftypes.NewValue(sch.Type().TerraformType(ctx), nil)}
	if d := st.Set(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	state := jsonAs[map[string]any](t, tfValueJSON(t, st.Raw))
	oldServiceAttributes(t, jsonAs[map[string]any](t, jsonAs[map[string]any](t, state["task_template"])["container_spec"]))
	out, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// jsonAs is v, decoded from JSON, as a T; the test fails when it is not one.
func jsonAs[T any](t *testing.T, v any) T {
	t.Helper()
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%v is a %T, not a %T", v, v, x)
	}
	return x
}

// oldServiceAttributes rewrites a container_spec as versions 0 and 1 stored it: file modes as
// numbers, the first address of each extra host as a string.
func oldServiceAttributes(t *testing.T, cs map[string]any) {
	t.Helper()
	number := func(mode any) any {
		if mode == nil {
			return nil
		}
		bits, err := parseFileMode(jsonAs[string](t, mode))
		if err != nil {
			t.Fatal(err)
		}
		return bits
	}
	for _, list := range []string{"secrets", "configs"} {
		for _, r := range jsonAs[[]any](t, cs[list]) {
			ref := jsonAs[map[string]any](t, r)
			ref["mode"] = number(ref["mode"])
		}
	}
	for _, mt := range jsonAs[[]any](t, cs["mounts"]) {
		if tmpfs, ok := jsonAs[map[string]any](t, mt)["tmpfs_options"].(map[string]any); ok {
			tmpfs["mode"] = number(tmpfs["mode"])
		}
	}
	hosts := jsonAs[map[string]any](t, cs["hosts"])
	for name, addrs := range hosts {
		hosts[name] = jsonAs[[]any](t, addrs)[0]
	}
}

// upgradedServiceModel runs a stored state through the provider's UpgradeResourceState.
func upgradedServiceModel(t *testing.T, version int64, state string) serviceResourceModel {
	t.Helper()
	ctx := context.Background()
	attrs := testUpgradeState(t, "swarm_service", version, state)
	sch := serviceResourceSchema(ctx)
	typ := sch.Type().TerraformType(ctx)
	st := tfsdk.State{Schema: sch, Raw: tftypes.NewValue(typ, func() map[string]tftypes.Value {
		out := map[string]tftypes.Value{}
		for k, v := range attrs {
			out[k] = v
		}
		return out
	}())}
	var m serviceResourceModel
	if d := st.Get(ctx, &m); d.HasError() {
		t.Fatal(d)
	}
	return m
}

var upgradeTestSpec = func() apiswarm.ServiceSpec {
	three := uint64(3)
	return apiswarm.ServiceSpec{
		Annotations: apiswarm.Annotations{Name: "web"},
		Mode:        apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &three}},
		TaskTemplate: apiswarm.TaskSpec{
			ContainerSpec: &apiswarm.ContainerSpec{
				Image: "nginx:1",
				Hosts: []string{"10.0.0.2 db"},
				Secrets: []*apiswarm.SecretReference{{SecretID: "s1", SecretName: "token",
					File: &apiswarm.SecretReferenceFileTarget{Name: "token", UID: "0", GID: "0", Mode: 0o400}}},
				Configs: []*apiswarm.ConfigReference{{ConfigID: "c1", ConfigName: "conf",
					File: &apiswarm.ConfigReferenceFileTarget{Name: "/etc/app.conf", UID: "0", GID: "0", Mode: 0o444}}},
				Mounts: []mount.Mount{
					{Type: mount.TypeTmpfs, Target: "/sticky", TmpfsOptions: &mount.TmpfsOptions{Mode: 0o1777}},
					{Type: mount.TypeTmpfs, Target: "/tmp", TmpfsOptions: &mount.TmpfsOptions{SizeBytes: 1 << 20}},
				},
			},
			Placement: &apiswarm.Placement{Constraints: []string{"node.role == worker"}},
		},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: "dnsrr"},
	}
}()

// checkUpgradedModes: the numbers of version 1 are the octal strings of version 2, one address
// per host a list of one.
func checkUpgradedModes(t *testing.T, got serviceResourceModel) {
	t.Helper()
	cs := got.TaskTemplate.ContainerSpec
	modes := map[string]string{
		"secret": cs.Secrets[0].Mode.ValueString(), "config": cs.Configs[0].Mode.ValueString(),
		"sticky tmpfs": cs.Mounts[0].TmpfsOptions.Mode.ValueString(),
	}
	want := map[string]string{"secret": "0400", "config": "0444", "sticky tmpfs": "1777"}
	if d := cmp.Diff(want, modes); d != "" {
		t.Errorf("modes after the upgrade (-want +got):\n%s", d)
	}
	if !cs.Mounts[1].TmpfsOptions.Mode.IsNull() {
		t.Errorf("a tmpfs mode left out reads %v after the upgrade, want null", cs.Mounts[1].TmpfsOptions.Mode)
	}
	if d := cmp.Diff(map[string][]string{"db": {"10.0.0.2"}}, cs.Hosts); d != "" {
		t.Errorf("hosts after the upgrade (-want +got):\n%s", d)
	}
	if got.TaskTemplate.ContainerSpec.Image.ValueString() != "nginx:1" || got.EndpointSpec == nil || got.EndpointSpec.Mode != "dnsrr" || got.ID.ValueString() != "svc1" {
		t.Fatalf("upgraded state lost values: %+v", got)
	}
}

// TestUpgradeServiceStateV1: file modes stored as numbers become octal strings, extra hosts lists
// of addresses; the blocks stay as they were.
func TestUpgradeServiceStateV1(t *testing.T) {
	t.Parallel()
	got := upgradedServiceModel(t, 1, serviceStateV1JSON(t, upgradeTestSpec))
	checkUpgradedModes(t, got)
	if d := cmp.Diff(allServiceBlocks, got.spec().blocks()); d != "" {
		t.Fatalf("blocks after the upgrade (-want +got):\n%s", d)
	}
}

// TestUpgradeServiceStateV0: a state written before nested settings became blocks holds every
// block of defaults; the upgrade nulls those that hold exactly the defaults, keeps the rest, and
// converts the file modes and hosts as from version 1.
func TestUpgradeServiceStateV0(t *testing.T) {
	t.Parallel()
	got := upgradedServiceModel(t, 0, serviceStateV1JSON(t, upgradeTestSpec))
	checkUpgradedModes(t, got)
	want := serviceBlocks{Mode: true, Placement: true, EndpointSpec: true}
	if d := cmp.Diff(want, got.spec().blocks()); d != "" {
		t.Fatalf("blocks after the upgrade (-want +got):\n%s", d)
	}
}

func TestUpgradeServiceStateJSONV1(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want, err string }{
		"no task template":   {in: `{"id":"s","task_template":null}`, want: `{"id":"s","task_template":null}`},
		"already a string":   {in: `{"task_template":{"container_spec":{"secrets":[{"mode":"0440"}]}}}`, want: `{"task_template":{"container_spec":{"secrets":[{"mode":"0440"}]}}}`},
		"null tmpfs mode":    {in: `{"task_template":{"container_spec":{"mounts":[{"tmpfs_options":{"mode":null}},{"tmpfs_options":null}]}}}`, want: `{"task_template":{"container_spec":{"mounts":[{"tmpfs_options":{"mode":null}},{"tmpfs_options":null}]}}}`},
		"number":             {in: `{"task_template":{"container_spec":{"configs":[{"mode":292}],"hosts":{"a":"::1"}}}}`, want: `{"task_template":{"container_spec":{"configs":[{"mode":"0444"}],"hosts":{"a":["::1"]}}}}`},
		"out of range":       {in: `{"task_template":{"container_spec":{"secrets":[{"mode":4096}]}}}`, err: "secrets[0].mode: 4096 is not a file mode"},
		"hosts already list": {in: `{"task_template":{"container_spec":{"hosts":{"a":["::1","10.0.0.1"]}}}}`, want: `{"task_template":{"container_spec":{"hosts":{"a":["::1","10.0.0.1"]}}}}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := upgradeServiceStateJSONV1([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
}
