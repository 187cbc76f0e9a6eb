package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// ---- mode ----

var modeKindNames = []string{"replicated", "global", "replicated_job", "global_job"}

// modeKind is the kind set in a mode object ("" when null, unknown or none).
func modeKind(o types.Object) string {
	if o.IsNull() || o.IsUnknown() {
		return ""
	}
	attrs := o.Attributes()
	for _, k := range modeKindNames {
		if v, ok := attrs[k]; ok && !v.IsNull() && !v.IsUnknown() {
			return k
		}
	}
	return ""
}

// modePlanModifier makes a left-out mode mean "replicated" (keeping the live replica count, which
// is then unmanaged) and replaces the service when the kind of mode changes, which Swarm cannot do
// in place.
type modePlanModifier struct{}

func (modePlanModifier) Description(context.Context) string {
	return "Left out means replicated; a change of the kind of mode replaces the service."
}
func (m modePlanModifier) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (modePlanModifier) PlanModifyObject(_ context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	if req.ConfigValue.IsNull() {
		if modeKind(req.StateValue) == "replicated" {
			resp.PlanValue = req.StateValue
			return
		}
		resp.PlanValue = replicatedModeValue(types.Int64Unknown())
		if !req.StateValue.IsNull() {
			resp.RequiresReplace = true
		}
		return
	}
	if req.StateValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if from, to := modeKind(req.StateValue), modeKind(req.PlanValue); from != "" && to != "" && from != to {
		resp.RequiresReplace = true
	}
}

// ---- secret_name / config_name ----

// refNamePlanModifier keeps the name of a referenced secret or config from state while its ID is
// unchanged, so that a left-out name is not "known after apply" on every change.
type refNamePlanModifier struct{ idAttr string }

func (m refNamePlanModifier) Description(context.Context) string {
	return "Keeps the name while the " + m.idAttr + " is unchanged."
}
func (m refNamePlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m refNamePlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	keepWhenSiblingUnchanged(ctx, req, resp, m.idAttr)
}

// networkIDPlanModifier keeps the resolved network ID while the target is unchanged.
type networkIDPlanModifier struct{}

func (networkIDPlanModifier) Description(context.Context) string {
	return "Keeps the resolved network ID while the target is unchanged."
}
func (m networkIDPlanModifier) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (networkIDPlanModifier) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	keepWhenSiblingUnchanged(ctx, req, resp, "target")
}

func keepWhenSiblingUnchanged(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse, sibling string) {
	if !req.ConfigValue.IsNull() || !req.PlanValue.IsUnknown() || req.StateValue.IsNull() || req.StateValue.IsUnknown() {
		return
	}
	p := req.Path.ParentPath().AtName(sibling)
	var planSib, stateSib types.String
	if d := req.Plan.GetAttribute(ctx, p, &planSib); d.HasError() {
		return
	}
	if d := req.State.GetAttribute(ctx, p, &stateSib); d.HasError() {
		return
	}
	if !planSib.IsUnknown() && !planSib.IsNull() && planSib.Equal(stateSib) {
		resp.PlanValue = req.StateValue
	}
}

// ---- validators ----

// exactlyOneModeValidator requires exactly one kind of mode.
type exactlyOneModeValidator struct{}

func (exactlyOneModeValidator) Description(context.Context) string {
	return "exactly one of " + strings.Join(modeKindNames, ", ") + " must be set"
}
func (v exactlyOneModeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (exactlyOneModeValidator) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var set []string
	attrs := req.ConfigValue.Attributes()
	for _, k := range modeKindNames {
		v := attrs[k]
		if v == nil || v.IsNull() {
			continue
		}
		if v.IsUnknown() {
			return
		}
		set = append(set, k)
	}
	if len(set) != 1 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid service mode",
			fmt.Sprintf("Set exactly one of %s; found %d (%s).", strings.Join(modeKindNames, ", "), len(set), strings.Join(set, ", ")))
	}
}

// healthcheckTestValidator checks the form of a health check's test.
type healthcheckTestValidator struct{}

func (healthcheckTestValidator) Description(context.Context) string {
	return "the first element is " + strings.Join(serviceHealthcheckTestCommands, ", ")
}
func (v healthcheckTestValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (healthcheckTestValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	elems := req.ConfigValue.Elements()
	if len(elems) == 0 {
		return
	}
	first, ok := elems[0].(types.String)
	if !ok || first.IsUnknown() {
		return
	}
	cmd := first.ValueString()
	switch {
	case cmd == "NONE" && len(elems) != 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", `["NONE"] takes no further elements.`)
	case (cmd == "CMD" || cmd == "CMD-SHELL") && len(elems) < 2:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid health check test", fmt.Sprintf("%q needs the command after it.", cmd))
	case cmd != "NONE" && cmd != "CMD" && cmd != "CMD-SHELL":
		resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(0), "Invalid health check test",
			fmt.Sprintf("The first element must be one of %s, not %q.", strings.Join(serviceHealthcheckTestCommands, ", "), cmd))
	}
}

// uniquePublishedPortsValidator refuses the same published port (and protocol) twice.
type uniquePublishedPortsValidator struct{}

func (uniquePublishedPortsValidator) Description(context.Context) string {
	return "no published port (with its protocol) may appear twice"
}
func (v uniquePublishedPortsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniquePublishedPortsValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(types.Object)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		attrs := o.Attributes()
		pub, _ := attrs["published_port"].(types.Int64)
		if pub.IsNull() || pub.IsUnknown() {
			continue
		}
		proto := "tcp"
		if p, ok := attrs["protocol"].(types.String); ok && !p.IsNull() && !p.IsUnknown() {
			proto = p.ValueString()
		}
		key := fmt.Sprintf("%d/%s", pub.ValueInt64(), proto)
		if j, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("published_port"), "Duplicate published port",
				fmt.Sprintf("The port %s is already published by ports[%d].", key, j))
			continue
		}
		seen[key] = i
	}
}

// ---- Engine API version gates ----

// serviceFieldMinAPI lists attributes newer than the oldest Engine API the provider talks to,
// with the version that brought them (from the Engine API changelog). The key is the attribute
// path without list indexes.
var serviceFieldMinAPI = map[string]string{
	"mode.replicated_job":                                        "1.41",
	"mode.global_job":                                            "1.41",
	"task_template.container_spec.capability_add":                "1.41",
	"task_template.container_spec.capability_drop":               "1.41",
	"task_template.container_spec.ulimits":                       "1.41",
	"task_template.resources.limits.pids":                        "1.41",
	"task_template.container_spec.healthcheck.start_interval":    "1.44",
	"task_template.container_spec.privileges.seccomp":            "1.44",
	"task_template.container_spec.privileges.apparmor":           "1.44",
	"task_template.container_spec.mounts.volume_options.subpath": "1.45",
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
// bool (false is what an older Engine does anyway), a non-empty list, set or map, or any other
// value. A value that does not decode as its own type counts as not set.
func gateValueSet(v tftypes.Value) bool {
	switch {
	case v.Type().Is(tftypes.Bool):
		var b bool
		return v.As(&b) == nil && b
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

func replicatedModeValue(replicas types.Int64) types.Object {
	vals := nullModeValues()
	vals["replicated"] = types.ObjectValueMust(modeKindTypes()["replicated"].AttrTypes, map[string]attr.Value{"replicas": replicas})
	return types.ObjectValueMust(modeObjectType().AttrTypes, vals)
}

// modeKindTypes has the object type of each kind of the mode attribute.
func modeKindTypes() map[string]types.ObjectType {
	return map[string]types.ObjectType{
		"replicated":     {AttrTypes: map[string]attr.Type{"replicas": types.Int64Type}},
		"global":         {AttrTypes: map[string]attr.Type{}},
		"replicated_job": {AttrTypes: map[string]attr.Type{"max_concurrent": types.Int64Type, "total_completions": types.Int64Type}},
		"global_job":     {AttrTypes: map[string]attr.Type{}},
	}
}

func modeObjectType() types.ObjectType {
	attrTypes := map[string]attr.Type{}
	for k, t := range modeKindTypes() {
		attrTypes[k] = t
	}
	return types.ObjectType{AttrTypes: attrTypes}
}

// nullModeValues maps every kind of the mode attribute to its null object: a mode value with
// no kind set yet.
func nullModeValues() map[string]attr.Value {
	vals := map[string]attr.Value{}
	for k, t := range modeKindTypes() {
		vals[k] = types.ObjectNull(t.AttrTypes)
	}
	return vals
}

// keepSemanticState plans the state's spelling when the configuration says the same thing
// another way ("128MiB" for "0.125GiB", "90s" for "1m30s"), so that no diff appears. Semantic
// equality alone only covers values read back from the Engine.
type keepSemanticState struct{ kind semKind }

func (keepSemanticState) Description(context.Context) string {
	return "An equal value in another spelling is not a change."
}
func (m keepSemanticState) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (m keepSemanticState) PlanModifyString(_ context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	if req.StateValue.IsNull() || req.StateValue.IsUnknown() || req.PlanValue.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if semEqual(m.kind, req.StateValue.ValueString(), req.PlanValue.ValueString()) {
		resp.PlanValue = req.StateValue
	}
}

// notEmptyObject refuses a nested object written with nothing in it (`dns_config = {}`): the
// Engine reads an empty setting back as no setting, so the object would be planned again at
// every run. Leaving it out says the same thing.
type notEmptyObject struct{}

func (notEmptyObject) Description(context.Context) string {
	return "must set at least one attribute (leave the object out instead of writing it empty)"
}

func (v notEmptyObject) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notEmptyObject) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || !objectEmpty(req.ConfigValue) {
		return
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Empty object",
		fmt.Sprintf("%s is written empty. The Engine reads an empty setting back as no setting, so leave %s out, or set at least one of its attributes.", req.Path, req.Path))
}

// objectEmpty says whether every attribute of a known object is null or itself an empty object.
func objectEmpty(o types.Object) bool {
	for _, v := range o.Attributes() {
		if v.IsNull() {
			continue
		}
		inner, ok := v.(types.Object)
		if !ok || inner.IsUnknown() || !objectEmpty(inner) {
			return false
		}
	}
	return true
}

// durationAtLeast refuses a duration below min that the Engine would not keep as written: it
// refuses it, or reads it back as its default. why says what the Engine does with it.
type durationAtLeast struct {
	min time.Duration
	why string
}

func (v durationAtLeast) Description(context.Context) string { return "must be " + v.bound() }

// bound words the lower bound: "longer than 0s" for the smallest positive duration.
func (v durationAtLeast) bound() string {
	if v.min <= time.Nanosecond {
		return "longer than `0s`"
	}
	return "at least `" + formatDuration(v.min) + "`"
}

func (v durationAtLeast) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationAtLeast) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := parseDuration(req.ConfigValue.ValueString())
	if err != nil || d >= v.min {
		return // a malformed duration is reported by its type
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Duration too short",
		fmt.Sprintf("%s is %q, but must be %s: %s", req.Path, req.ConfigValue.ValueString(), v.bound(), v.why))
}

// positiveSize refuses a size of zero: the Engine reads 0 back as "not set" (no limit, the
// default size), so leaving the attribute out says the same thing.
type positiveSize struct{}

func (positiveSize) Description(context.Context) string { return "must be larger than 0" }

func (v positiveSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (positiveSize) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n, err := parseSize(req.ConfigValue.ValueString()); err == nil && n == 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Size is zero",
			fmt.Sprintf("%s is %q: the Engine reads a size of 0 back as not set, so leave %s out instead.", req.Path, req.ConfigValue.ValueString(), req.Path))
	}
}

// canonicalIP requires an IP address in the spelling the Engine reads back (lower case, IPv6
// shortened: "2001:db8::1"), since the Engine keeps the parsed address, not the text.
type canonicalIP struct{}

func (canonicalIP) Description(context.Context) string {
	return "must be an IP address in its canonical spelling"
}

func (v canonicalIP) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (canonicalIP) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	a, err := parseAddr(s)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid IP address", fmt.Sprintf("%q is not an IP address: %v", s, err))
	case a.String() != s:
		resp.Diagnostics.AddAttributeError(req.Path, "IP address not in canonical form",
			fmt.Sprintf("Write %q as %q: the Engine keeps the address and reads it back in that spelling.", s, a.String()))
	}
}

// cpusValidator requires a positive CPU count that the Engine keeps exactly: it stores
// billionths of a CPU, so more than 9 decimals would read back rounded.
type cpusValidator struct{}

func (cpusValidator) Description(context.Context) string {
	return "must be at least 0.000000001, with at most 9 decimals"
}

func (v cpusValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cpusValidator) ValidateFloat64(_ context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	c := req.ConfigValue.ValueFloat64()
	n := cpusToNano(&c)
	switch {
	case n < 1:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v; it must be at least 0.000000001 (leave it out for no limit).", req.Path, c))
	case *nanoToCPUs(n) != c:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid CPU count",
			fmt.Sprintf("%s is %v, but the Engine keeps CPUs in billionths and would read it back as %v: write at most 9 decimals.",
				req.Path, c, *nanoToCPUs(n)))
	}
}

// notWithJobMode refuses update_config and rollback_config on a job: Swarm keeps no update
// settings for jobs (the provider sends none), so the values written would never be read back.
type notWithJobMode struct{}

func (notWithJobMode) Description(context.Context) string {
	return "must be left out when the mode is replicated_job or global_job"
}

func (v notWithJobMode) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notWithJobMode) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() {
		return
	}
	var mode types.Object
	if d := req.Config.GetAttribute(ctx, path.Root("mode"), &mode); d.HasError() {
		return
	}
	if k := modeKind(mode); k == "replicated_job" || k == "global_job" {
		resp.Diagnostics.AddAttributeError(req.Path, "Update settings on a job",
			fmt.Sprintf("%s is set, but the mode is %s: Swarm keeps no update or rollback settings for jobs. Leave %s out.", req.Path, k, req.Path))
	}
}
