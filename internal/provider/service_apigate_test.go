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
