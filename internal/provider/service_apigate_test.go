package provider

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestServiceAPIGateViolations(t *testing.T) {
	t.Parallel()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	nullStr := tftypes.NewValue(tftypes.String, nil)
	emptyList := tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{})
	capList := tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("NET_ADMIN")})
	cfg := func(startInterval tftypes.Value, caps tftypes.Value) tftypes.Value {
		return obj(map[string]tftypes.Value{
			"task_template": obj(map[string]tftypes.Value{
				"container_spec": obj(map[string]tftypes.Value{
					"healthcheck":    obj(map[string]tftypes.Value{"start_interval": startInterval, "interval": str("5s")}),
					"capability_add": caps,
				}),
			}),
		})
	}
	tests := map[string]struct {
		cfg     tftypes.Value
		version string
		want    []string
	}{
		"new field on an old engine":      {cfg(str("1s"), emptyList), "1.41", []string{"task_template.container_spec.healthcheck.start_interval"}},
		"new field on a new engine":       {cfg(str("1s"), capList), "1.44", nil},
		"unset field on an old engine":    {cfg(nullStr, emptyList), "1.41", nil},
		"empty list is not set":           {cfg(nullStr, emptyList), "1.40", nil},
		"non-empty list on an old engine": {cfg(nullStr, capList), "1.40", []string{"task_template.container_spec.capability_add"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, v := range serviceAPIGateViolations(tc.cfg, tc.version) {
				got = append(got, v.Name)
				if v.Path.String() != v.Name {
					t.Errorf("path %s for %s", v.Path, v.Name)
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
}

// TestServiceAPIGateNewerFields: each field and mount type newer than API 1.41 is refused on this
// machine's Engine (1.41) at its own path, and accepted on an Engine that has it.
func TestServiceAPIGateNewerFields(t *testing.T) {
	t.Parallel()
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	num := func(n int64) tftypes.Value { return tftypes.NewValue(tftypes.Number, n) }
	boolean := func(b bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, b) }
	list := func(vs ...tftypes.Value) tftypes.Value {
		typ := tftypes.Type(tftypes.String)
		if len(vs) > 0 {
			typ = vs[0].Type()
		}
		return tftypes.NewValue(tftypes.List{ElementType: typ}, vs)
	}
	// A tuple holds mounts of different shapes, as a list of one object type would not here.
	tuple := func(vs ...tftypes.Value) tftypes.Value {
		types := make([]tftypes.Type, len(vs))
		for i, v := range vs {
			types[i] = v.Type()
		}
		return tftypes.NewValue(tftypes.Tuple{ElementTypes: types}, vs)
	}
	mounts := []tftypes.Value{
		obj(map[string]tftypes.Value{"type": str("image"), "image_options": obj(map[string]tftypes.Value{"subpath": str("etc")})}),
		obj(map[string]tftypes.Value{"type": str("cluster")}),
		obj(map[string]tftypes.Value{"type": str("bind"), "bind_options": obj(map[string]tftypes.Value{
			"create_mountpoint": boolean(true), "read_only_non_recursive": boolean(true), "read_only_force_recursive": boolean(false)})}),
		obj(map[string]tftypes.Value{"type": str("tmpfs"), "tmpfs_options": obj(map[string]tftypes.Value{"options": list(str("noexec"))})}),
	}
	cfg := func(oom int64) tftypes.Value {
		return obj(map[string]tftypes.Value{
			"task_template": obj(map[string]tftypes.Value{
				"container_spec": obj(map[string]tftypes.Value{"oom_score_adj": num(oom), "mounts": tuple(mounts...)}),
				"resources":      obj(map[string]tftypes.Value{"swap_bytes": num(-1), "memory_swappiness": num(0)}),
			}),
		})
	}
	cs := "task_template.container_spec."
	tests := map[string]struct {
		cfg     tftypes.Value
		version string
		want    []string
	}{
		"API 1.41": {cfg(-500), "1.41", []string{
			cs + "mounts[0].image_options", cs + "mounts[0].type", cs + "mounts[1].type",
			cs + "mounts[2].bind_options.create_mountpoint", cs + "mounts[2].bind_options.read_only_non_recursive",
			cs + "mounts[3].tmpfs_options.options", cs + "oom_score_adj", "task_template.resources.swap_bytes",
		}},
		"API 1.44, oom_score_adj 0": {cfg(0), "1.44", []string{
			cs + "mounts[0].image_options", cs + "mounts[0].type", cs + "mounts[3].tmpfs_options.options", "task_template.resources.swap_bytes",
		}},
		"API 1.52": {cfg(-500), "1.52", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, v := range serviceAPIGateViolations(tc.cfg, tc.version) {
				got = append(got, v.Path.String())
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
}
