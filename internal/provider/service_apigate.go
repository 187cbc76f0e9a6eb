package provider

import (
	"fmt"
	"math/big"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// Engine API version gates of swarm_service: attributes newer than the oldest Engine API the
// provider talks to are refused at plan time when the Engine is older.

// serviceFieldMinAPI lists attributes newer than the oldest Engine API the provider talks to,
// with the version that brought them (from the Engine API changelog). The key is the attribute
// path without list indexes.
var serviceFieldMinAPI = map[string]string{
	"mode.replicated_job":                                                        "1.41",
	"mode.global_job":                                                            "1.41",
	"task_template.container_spec.capability_add":                                "1.41",
	"task_template.container_spec.capability_drop":                               "1.41",
	"task_template.container_spec.ulimits":                                       "1.41",
	"task_template.resources.limits.pids":                                        "1.41",
	"task_template.container_spec.healthcheck.start_interval":                    "1.44",
	"task_template.container_spec.privileges.seccomp":                            "1.44",
	"task_template.container_spec.privileges.apparmor":                           "1.44",
	"task_template.container_spec.mounts.volume_options.subpath":                 "1.45",
	"task_template.container_spec.mounts.bind_options.create_mountpoint":         "1.42",
	"task_template.container_spec.mounts.bind_options.read_only_non_recursive":   "1.44",
	"task_template.container_spec.mounts.bind_options.read_only_force_recursive": "1.44",
	"task_template.container_spec.mounts.tmpfs_options.options":                  "1.46",
	"task_template.container_spec.oom_score_adj":                                 "1.46",
	"task_template.container_spec.mounts.image_options":                          "1.48",
	"task_template.resources.swap_bytes":                                         "1.52",
	"task_template.resources.memory_swappiness":                                  "1.52",
}

// serviceValueMinAPI lists attribute values newer than the oldest Engine API the provider talks
// to: the key is as in serviceFieldMinAPI, then the value.
var serviceValueMinAPI = map[string]map[string]string{
	"task_template.container_spec.mounts.type": {"cluster": "1.42", "image": "1.48"},
}

// apiGateViolation is a configured attribute the Engine's API version does not know.
type apiGateViolation struct {
	Path path.Path
	Name string
	Min  string
}

// serviceAPIGateViolations walks a configuration and lists every set attribute (a non-empty
// collection, or any other non-null value) newer than apiVersion.
func serviceAPIGateViolations(raw tftypes.Value, apiVersion string) []apiGateViolation {
	var out []apiGateViolation
	_ = tftypes.Walk(raw, func(p *tftypes.AttributePath, v tftypes.Value) (bool, error) {
		if v.IsNull() {
			return false, nil
		}
		name, fwPath := gatePathName(p)
		if byValue, ok := serviceValueMinAPI[name]; ok && v.IsKnown() && v.Type().Is(tftypes.String) {
			var s string
			if v.As(&s) == nil && byValue[s] != "" && !swarm.APIAtLeast(apiVersion, byValue[s]) {
				out = append(out, apiGateViolation{Path: fwPath, Name: name + " = \"" + s + "\"", Min: byValue[s]})
			}
		}
		minAPI, gated := serviceFieldMinAPI[name]
		if !gated || !v.IsKnown() {
			return true, nil
		}
		if gateValueSet(v) && !swarm.APIAtLeast(apiVersion, minAPI) {
			out = append(out, apiGateViolation{Path: fwPath, Name: name, Min: minAPI})
		}
		return false, nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path.String() < out[j].Path.String() })
	return out
}

// gateValueSet reports whether a known, non-null value counts as set for an API gate: a true
// bool or a non-zero number (false and 0 are what an older Engine does anyway), a non-empty list,
// set or map, or any other value. A value that does not decode as its own type counts as not set.
func gateValueSet(v tftypes.Value) bool {
	switch {
	case v.Type().Is(tftypes.Bool):
		var b bool
		return v.As(&b) == nil && b
	case v.Type().Is(tftypes.Number):
		n := new(big.Float)
		return v.As(&n) == nil && n.Sign() != 0
	case v.Type().Is(tftypes.Map{}):
		var m map[string]tftypes.Value
		return v.As(&m) == nil && len(m) > 0
	case v.Type().Is(tftypes.List{}) || v.Type().Is(tftypes.Set{}):
		var elems []tftypes.Value
		return v.As(&elems) == nil && len(elems) > 0
	}
	return true
}

// gatePathName turns a tftypes path into the gate key (attribute names joined by dots) and a
// framework path for the diagnostic.
func gatePathName(p *tftypes.AttributePath) (string, path.Path) {
	var names []string
	fw := path.Empty()
	for _, s := range p.Steps() {
		switch s := s.(type) {
		case tftypes.AttributeName:
			names = append(names, string(s))
			fw = fw.AtName(string(s))
		case tftypes.ElementKeyInt:
			fw = fw.AtListIndex(int(s))
		case tftypes.ElementKeyString:
			fw = fw.AtMapKey(string(s))
		}
	}
	return strings.Join(names, "."), fw
}

// addAPIGateDiagnostics reports each violation at its attribute.
func addAPIGateDiagnostics(diags *diag.Diagnostics, violations []apiGateViolation, apiVersion string) {
	for _, v := range violations {
		diags.AddAttributeError(v.Path, "Attribute needs a newer Docker Engine",
			fmt.Sprintf("`%s` needs Engine API %s or newer; the Engine speaks API %s. Remove the attribute or upgrade the Engine.",
				v.Name, v.Min, apiVersion))
	}
}
