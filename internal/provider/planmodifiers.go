package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Plan modifiers of swarm_service.

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
