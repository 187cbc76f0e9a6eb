package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The mode block of swarm_service: its kinds, plan modifier and validators.

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

// modePlanModifier replaces the service when the kind of mode changes, which Swarm cannot do in
// place. A left-out mode (null) is the replicated kind with an unmanaged replica count.
type modePlanModifier struct{}

func (modePlanModifier) Description(context.Context) string {
	return "Left out means replicated; a change of the kind of mode replaces the service."
}

func (m modePlanModifier) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (modePlanModifier) PlanModifyObject(_ context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.PlanValue.IsUnknown() {
		return
	}
	if from, to := modeKindOrReplicated(req.StateValue), modeKindOrReplicated(req.PlanValue); from != "" && to != "" && from != to {
		resp.RequiresReplace = true
	}
}

// modeKindOrReplicated is the kind of a mode, where a left-out mode is replicated ("" when the
// kind is not known yet).
func modeKindOrReplicated(o types.Object) string {
	if o.IsNull() {
		return "replicated"
	}
	return modeKind(o)
}

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

// notWithJobMode refuses a setting that means nothing for a job: summary is the error's, reason
// says why.
type notWithJobMode struct{ summary, reason string }

var (
	// Swarm keeps no update settings for jobs (the provider sends none), so the values written
	// would never be read back.
	updateNotWithJob = notWithJobMode{"Update settings on a job", "Swarm keeps no update or rollback settings for jobs"}
	// A job converges when its tasks completed, and completed tasks stay so.
	monitorNotWithJob = notWithJobMode{"Convergence watch on a job", "a job's completed tasks are not watched"}
)

func (notWithJobMode) Description(context.Context) string {
	return "must be left out when the mode is replicated_job or global_job"
}

func (v notWithJobMode) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v notWithJobMode) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if !req.ConfigValue.IsNull() {
		v.check(ctx, req.Config, req.Path, &resp.Diagnostics)
	}
}

func (v notWithJobMode) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() {
		v.check(ctx, req.Config, req.Path, &resp.Diagnostics)
	}
}

func (v notWithJobMode) check(ctx context.Context, config tfsdk.Config, p path.Path, diags *diag.Diagnostics) {
	var mode types.Object
	if d := config.GetAttribute(ctx, path.Root("mode"), &mode); d.HasError() {
		return
	}
	if k := modeKind(mode); k == "replicated_job" || k == "global_job" {
		diags.AddAttributeError(p, v.summary, fmt.Sprintf("%s is set, but the mode is %s: %s. Leave %s out.", p, k, v.reason, p))
	}
}
