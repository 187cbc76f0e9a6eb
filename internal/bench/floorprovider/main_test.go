package main

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	swarmprovider "github.com/tfswarm/terraform-provider-swarm/internal/provider"
)

// The floor's Read keeps the state as it is and writes the identity from its ID.
func TestRead(t *testing.T) {
	ctx := context.Background()
	s, is := swarmprovider.ServiceResourceSchema(ctx)
	state := tfsdk.State{Schema: s, Raw: tftypes.NewValue(s.Type().TerraformType(ctx), nil)}
	if d := state.SetAttribute(ctx, path.Root("id"), "svc1"); d.HasError() {
		t.Fatal(d)
	}
	if d := state.SetAttribute(ctx, path.Root("name"), "web"); d.HasError() {
		t.Fatal(d)
	}
	resp := resource.ReadResponse{
		State:    tfsdk.State{Schema: s, Raw: state.Raw.Copy()},
		Identity: &tfsdk.ResourceIdentity{Schema: is, Raw: tftypes.NewValue(is.Type().TerraformType(ctx), nil)},
	}
	serviceFloor{}.Read(ctx, resource.ReadRequest{State: state}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	if !resp.State.Raw.Equal(state.Raw) {
		t.Error("the floor's Read changed the state")
	}
	var id types.String
	if d := resp.Identity.GetAttribute(ctx, path.Root("id"), &id); d.HasError() || id.ValueString() != "svc1" {
		t.Errorf("identity id %s (%v)", id, d)
	}
}
