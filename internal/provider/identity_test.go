package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func identityOf(t *testing.T, id string) *tfsdk.ResourceIdentity {
	t.Helper()
	s := idIdentitySchema("test")
	typ := s.Type().TerraformType(context.Background())
	ident := &tfsdk.ResourceIdentity{Schema: s, Raw: tftypes.NewValue(typ, nil)}
	if d := ident.Set(context.Background(), idIdentityModel{ID: types.StringValue(id)}); d.HasError() {
		t.Fatal(d)
	}
	return ident
}

// TestImportIDOf: an import names its object by the import ID or by the identity's id; with
// neither, the error says how to import the type.
func TestImportIDOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := map[string]struct {
		req     fwresource.ImportStateRequest
		want    string
		wantErr bool
	}{
		"import ID":      {fwresource.ImportStateRequest{ID: "shop_api"}, "shop_api", false},
		"identity":       {fwresource.ImportStateRequest{Identity: identityOf(t, "9yq0tb4w6jqz")}, "9yq0tb4w6jqz", false},
		"ID wins":        {fwresource.ImportStateRequest{ID: "shop_api", Identity: identityOf(t, "other")}, "shop_api", false},
		"neither":        {fwresource.ImportStateRequest{}, "", true},
		"empty identity": {fwresource.ImportStateRequest{Identity: identityOf(t, "")}, "", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, diags := importIDOf(ctx, tc.req, "Import it by ID.")
			if diags.HasError() != tc.wantErr || got != tc.want {
				t.Fatalf("importIDOf = %q, %v; want %q, error %v", got, diags, tc.want, tc.wantErr)
			}
		})
	}
}

// TestSyncIDIdentity: the identity comes from the new state, or from the prior one when Read
// removed a gone object (the framework wants an identity after every Read without errors).
func TestSyncIDIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var schResp fwresource.SchemaResponse
	NewNetworkResource().Schema(ctx, fwresource.SchemaRequest{}, &schResp)
	sch := schResp.Schema
	stateWithID := func(id string) *tfsdk.State {
		st := &tfsdk.State{Schema: sch, Raw: tftypes.NewValue(sch.Type().TerraformType(ctx), nil)}
		if id != "" {
			if d := st.SetAttribute(ctx, path.Root("id"), id); d.HasError() {
				t.Fatal(d)
			}
		}
		return st
	}
	for name, tc := range map[string]struct {
		states []*tfsdk.State
		want   string
	}{
		"new state":            {[]*tfsdk.State{stateWithID("n1"), stateWithID("old")}, "n1"},
		"removed: prior state": {[]*tfsdk.State{stateWithID(""), stateWithID("old")}, "old"},
		"nothing written":      {[]*tfsdk.State{stateWithID("")}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			ident := identityOf(t, "")
			ident.Raw = tftypes.NewValue(ident.Schema.Type().TerraformType(ctx), nil)
			if d := syncIDIdentity(ctx, ident, tc.states...); d.HasError() {
				t.Fatal(d)
			}
			var got idIdentityModel
			if !ident.Raw.IsNull() {
				if d := ident.Get(ctx, &got); d.HasError() {
					t.Fatal(d)
				}
			}
			if got.ID.ValueString() != tc.want {
				t.Fatalf("identity %q, want %q", got.ID.ValueString(), tc.want)
			}
		})
	}
}
