package provider

// `moved` blocks from kreuzwerker/docker (Terraform 1.8+): docker_service, docker_secret,
// docker_config, docker_network and docker_volume become swarm_service, swarm_secret,
// swarm_config, swarm_network and swarm_volume without recreating the object.
//
// Terraform hands the source state as raw JSON (the kreuzwerker schema is not ours to load), and
// then refreshes the moved object with the target's Read, which fills everything the Engine
// holds. So a move writes what an import of the same object would write (the ID, and for
// volumes the name), plus what Read cannot learn from the Engine: the content of secrets and
// configs. kreuzwerker kept it base64-encoded in `data` (or plain in a config's `data_raw`); the
// moved state keeps it as it was, with `data_is_base64 = true`, so that the configuration the
// migration guide gives (`data` unchanged, `data_is_base64 = true`) plans nothing. A secret's
// content is in the moved state only because the kreuzwerker configuration gave it as `data`;
// a configuration that switches to `data_wo` afterwards drops it from the state and rotates the
// secret (a new version), as any switch from `data` to `data_wo` does.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithMoveState = (*serviceResource)(nil)
	_ resource.ResourceWithMoveState = (*secretResource)(nil)
	_ resource.ResourceWithMoveState = (*configResource)(nil)
	_ resource.ResourceWithMoveState = (*networkResource)(nil)
	_ resource.ResourceWithMoveState = (*volumeResource)(nil)
)

// kreuzwerkerProvider ends the address of kreuzwerker/docker, whichever registry host (or
// mirror) it came from.
const kreuzwerkerProvider = "kreuzwerker/docker"

// kreuzwerkerState is the part of a kreuzwerker/docker state (every version since v2) that a
// move reads. Labels are a set of {label, value} objects there.
type kreuzwerkerState struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Data    string `json:"data"`
	DataRaw string `json:"data_raw"`
	Labels  []struct {
		Label string `json:"label"`
		Value string `json:"value"`
	} `json:"labels"`
}

func (s kreuzwerkerState) labels() map[string]string {
	if len(s.Labels) == 0 {
		return nil
	}
	out := make(map[string]string, len(s.Labels))
	for _, l := range s.Labels {
		out[l.Label] = l.Value
	}
	return out
}

// moveFromKreuzwerker is the StateMover of one kreuzwerker type. It leaves other sources alone
// (no target state), so that the framework reports a move it does not know. write sets the
// target state and identity from the decoded source.
func moveFromKreuzwerker(sourceType string, write func(ctx context.Context, src kreuzwerkerState, resp *resource.MoveStateResponse)) resource.StateMover {
	return resource.StateMover{
		StateMover: func(ctx context.Context, req resource.MoveStateRequest, resp *resource.MoveStateResponse) {
			if req.SourceTypeName != sourceType || !strings.HasSuffix(req.SourceProviderAddress, kreuzwerkerProvider) {
				return
			}
			var src kreuzwerkerState
			if req.SourceRawState == nil || json.Unmarshal(req.SourceRawState.JSON, &src) != nil || src.ID == "" {
				resp.Diagnostics.AddError("Unable to move the "+sourceType+" state",
					fmt.Sprintf("The %s state of %s has no readable `id`: it cannot name the object to move.", sourceType, req.SourceProviderAddress))
				return
			}
			write(ctx, src, resp)
		},
	}
}

// setMovedID writes the Engine ID, as an import by ID does, and the identity.
func setMovedID(ctx context.Context, src kreuzwerkerState, resp *resource.MoveStateResponse) {
	resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root("id"), src.ID)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.TargetIdentity, src.ID)...)
}

// MoveState takes docker_service of kreuzwerker/docker: the service's ID; Read fills the rest.
func (r *serviceResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{moveFromKreuzwerker("docker_service", setMovedID)}
}

// MoveState takes docker_network of kreuzwerker/docker: the network's ID; Read fills the rest.
func (r *networkResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{moveFromKreuzwerker("docker_network", setMovedID)}
}

// MoveState takes docker_volume of kreuzwerker/docker (its ID is the name) on the provider's
// engine, as an import by name does.
func (r *volumeResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{moveFromKreuzwerker("docker_volume", func(ctx context.Context, src kreuzwerkerState, resp *resource.MoveStateResponse) {
		name := src.Name
		if name == "" {
			name = src.ID
		}
		resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root("id"), name)...)
		resp.Diagnostics.Append(resp.TargetState.SetAttribute(ctx, path.Root("name"), name)...)
		if resp.TargetIdentity != nil {
			resp.Diagnostics.Append(resp.TargetIdentity.Set(ctx, volumeIdentityModel{Name: types.StringValue(name), EngineHost: types.StringNull()})...)
		}
	})}
}

// MoveState takes docker_secret of kreuzwerker/docker, with its content (see the file comment).
func (r *secretResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{moveFromKreuzwerker("docker_secret", func(ctx context.Context, src kreuzwerkerState, resp *resource.MoveStateResponse) {
		m, diags := movedObject(src, r.kind)
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		var state secretResourceModel
		state.objectModel = m.model
		r.flatten(m.object, &state)
		resp.Diagnostics.Append(resp.TargetState.Set(ctx, state)...)
		resp.Diagnostics.Append(setIDIdentity(ctx, resp.TargetIdentity, src.ID)...)
	})}
}

// MoveState takes docker_config of kreuzwerker/docker, with its content (see the file comment).
func (r *configResource) MoveState(context.Context) []resource.StateMover {
	return []resource.StateMover{moveFromKreuzwerker("docker_config", func(ctx context.Context, src kreuzwerkerState, resp *resource.MoveStateResponse) {
		m, diags := movedObject(src, r.kind)
		resp.Diagnostics.Append(diags...)
		if diags.HasError() {
			return
		}
		var state configResourceModel
		state.objectModel = m.model
		r.flatten(m.object, &state)
		resp.Diagnostics.Append(resp.TargetState.Set(ctx, state)...)
		resp.Diagnostics.Append(setIDIdentity(ctx, resp.TargetIdentity, src.ID)...)
	})}
}

// movedSecretOrConfig is a kreuzwerker secret or config as the Engine object it names (for the
// resource's own flatten) and the attributes of ours that a flatten leaves alone.
type movedSecretOrConfig struct {
	object swarm.Object
	model  objectModel
}

// movedObject reads a kreuzwerker secret or config: `data` is base64 (kept so, with
// data_is_base64), a config's `data_raw` plain text.
func movedObject(src kreuzwerkerState, k swarm.Kind) (movedSecretOrConfig, diag.Diagnostics) {
	var diags diag.Diagnostics
	m := movedSecretOrConfig{
		object: swarm.Object{ID: src.ID, Name: src.Name, Labels: src.labels()},
		model:  importedObjectModel(),
	}
	switch {
	case src.DataRaw != "":
		m.object.Data = []byte(src.DataRaw)
		m.model.Data = types.StringValue(src.DataRaw)
	case src.Data != "":
		content, err := base64.StdEncoding.DecodeString(src.Data)
		if err != nil {
			diags.AddAttributeError(path.Root("data"), "Unable to move the docker_"+string(k)+" state",
				fmt.Sprintf("kreuzwerker/docker keeps `data` base64-encoded, but the state of %s %q holds no valid base64: %v", k, src.Name, err))
			return m, diags
		}
		m.object.Data = content
		m.model.Data, m.model.DataIsBase64 = types.StringValue(src.Data), types.BoolValue(true)
	}
	if k == swarm.KindSecret {
		m.object.Data = nil // the Engine never returns a secret's content: flatten sees none
	}
	return m, diags
}
