package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// expandVolumeCreateOptions turns the plan into the Engine's create request.
func expandVolumeCreateOptions(ctx context.Context, m volumeResourceModel) (client.VolumeCreateOptions, diag.Diagnostics) {
	var diags diag.Diagnostics
	return client.VolumeCreateOptions{
		Name:       m.Name.ValueString(),
		Driver:     m.Driver.ValueString(),
		DriverOpts: expandEngineMap(ctx, m.DriverOpts, &diags),
		Labels:     expandEngineMap(ctx, m.Labels, &diags),
	}, diags
}

// flattenVolume turns the Engine's volume into the resource model. The engine block is not the
// Engine's to say: it comes from prior, which also decides between null and empty maps.
func flattenVolume(v volume.Volume, prior volumeResourceModel) volumeResourceModel {
	engine := prior.Engine
	if engine.IsNull() || engine.IsUnknown() {
		engine = types.ObjectNull(engineAttrTypes)
	}
	return volumeResourceModel{
		ID:         types.StringValue(v.Name),
		Name:       types.StringValue(v.Name),
		Driver:     types.StringValue(v.Driver),
		DriverOpts: flattenEngineMap(v.Options, prior.DriverOpts),
		Labels:     flattenEngineMap(v.Labels, prior.Labels),
		Mountpoint: types.StringValue(v.Mountpoint),
		Scope:      types.StringValue(v.Scope),
		Engine:     engine,
		Timeouts:   timeoutsOrNull(prior.Timeouts, "delete"),
	}
}
