package provider

// Resource identity: how Terraform 1.12+ names a managed object outside its state (import blocks
// with `identity`, `terraform query`). Most types are named by their Engine ID; swarm_volume by its
// name and the engine it lives on.

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// idIdentityModel is the identity of the types an Engine ID names.
type idIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

// idIdentitySchema is the identity schema of the types an Engine ID names; what says which ID
// ("The service's ID.").
func idIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{Description: what, RequiredForImport: true},
		},
	}
}

// setIDIdentity records the identity of an object an Engine ID names.
func setIDIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id string) diag.Diagnostics {
	if identity == nil || id == "" {
		return nil
	}
	return identity.Set(ctx, idIdentityModel{ID: types.StringValue(id)})
}

// syncIDIdentity records the identity from the `id` of the first of states that has one, once an
// operation has written it. Deferred at the top of Create, Read and Update, it covers every way
// they end. Read passes the prior state as well: the framework wants the identity even when Read
// removes an object that is gone. A state without an ID records nothing.
func syncIDIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, states ...*tfsdk.State) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	for _, state := range states {
		if state == nil || state.Raw.IsNull() {
			continue
		}
		var id types.String
		if d := state.GetAttribute(ctx, path.Root("id"), &id); d.HasError() || id.IsNull() || id.IsUnknown() {
			continue
		}
		return setIDIdentity(ctx, identity, id.ValueString())
	}
	return nil
}

// importIDOf is what an import names: the import ID (`terraform import`, an import block's `id`),
// or the `id` of the identity (an import block's `identity`, Terraform 1.12+). usage is the
// sentence that says how the type is imported, for the error when neither is given.
func importIDOf(ctx context.Context, req resource.ImportStateRequest, usage string) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	if req.ID != "" {
		return req.ID, diags
	}
	if req.Identity != nil && !req.Identity.Raw.IsNull() {
		var m idIdentityModel
		diags.Append(req.Identity.Get(ctx, &m)...)
		if !diags.HasError() && m.ID.ValueString() != "" {
			return m.ID.ValueString(), diags
		}
	}
	diags.AddError("Invalid import ID", usage)
	return "", diags
}
