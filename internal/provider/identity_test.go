package provider

import (
	"context"
	"testing"

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
