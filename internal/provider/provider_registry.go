package provider

// The provider's registry credentials: `registry_auth` blocks (any number of registries) and the
// `docker_config` block, which switches on the Docker CLI's own sources as
// `docker stack deploy --with-registry-auth` does. internal/swarm picks and encodes them.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

type registryAuthModel struct {
	Address  types.String `tfsdk:"address"`
	Username types.String `tfsdk:"username"`
	Password types.String `tfsdk:"password"`
}

type dockerConfigModel struct {
	Path    types.String `tfsdk:"path"`
	Content types.String `tfsdk:"content"`
}

// registryProviderBlocks are the provider's credential blocks.
func registryProviderBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		"registry_auth": schema.ListNestedBlock{
			MarkdownDescription: "Credentials of a container registry, one block per registry. The provider sends the credentials of a " +
				"service's image registry with every create and update of the service (the Engine's registry auth), so that every " +
				"node that runs a task can pull the image, and uses them to resolve the image's digest (`resolve_image`). These " +
				"come before `docker_config`; a service's own `registry_auth` block comes before both. Never stored in the state.",
			NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
				"address": schema.StringAttribute{
					MarkdownDescription: "The registry, as images name it: `ghcr.io`, `registry.example.com:5000`. Docker Hub may be written " +
						"`docker.io`, `index.docker.io`, `registry-1.docker.io` or `https://index.docker.io/v1/`; a scheme or a path is ignored, as the Docker CLI does.",
					Required: true, Validators: []validator.String{registryAddressValidator{}},
				},
				"username": schema.StringAttribute{MarkdownDescription: "User name.", Required: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
				"password": schema.StringAttribute{MarkdownDescription: "Password or access token.", Required: true, Sensitive: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			}},
			Validators: []validator.List{uniqueRegistriesValidator{}},
		},
		"docker_config": schema.SingleNestedBlock{
			MarkdownDescription: "Switches on the Docker CLI's own credential sources, as `--with-registry-auth` does for `docker stack deploy`: " +
				"the CLI's config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, or `path` or `content`) with its `auths`, " +
				"`credsStore` and `credHelpers` (`docker-credential-*` helpers on `PATH`, run as the CLI runs them). Read with the Docker CLI's own " +
				"packages. An empty block `docker_config {}` uses the CLI's own location. Left out, nothing of the CLI is read.",
			Attributes: map[string]schema.Attribute{
				"path": schema.StringAttribute{
					MarkdownDescription: "A Docker config file, or a directory holding `config.json`, instead of the CLI's own location. Conflicts with `content`.",
					Optional:            true, Validators: []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("content"))},
				},
				"content": schema.StringAttribute{
					MarkdownDescription: "The JSON of a Docker config file (for example from a secret store), instead of a file.",
					Optional:            true, Sensitive: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
				},
			},
		},
	}
}

// unknown says whether a credential setting is not known yet.
func registryUnknown(auths []registryAuthModel, dc *dockerConfigModel) bool {
	for _, a := range auths {
		if a.Address.IsUnknown() || a.Username.IsUnknown() || a.Password.IsUnknown() {
			return true
		}
	}
	return dc != nil && (dc.Path.IsUnknown() || dc.Content.IsUnknown())
}

// newRegistryAuth turns the provider's blocks into internal/swarm's credentials.
func newRegistryAuth(auths []registryAuthModel, dc *dockerConfigModel) (*swarm.RegistryAuth, error) {
	creds := make([]swarm.RegistryCredential, len(auths))
	for i, a := range auths {
		creds[i] = swarm.RegistryCredential{Address: a.Address.ValueString(), Username: a.Username.ValueString(), Password: a.Password.ValueString()}
	}
	var cfg swarm.DockerConfig
	if dc != nil {
		cfg = swarm.DockerConfig{Enabled: true, Path: dc.Path.ValueString(), Content: dc.Content.ValueString()}
	}
	return swarm.NewRegistryAuth(creds, cfg, nil)
}

// registryAddressValidator refuses a registry address the Docker CLI could not normalise.
type registryAddressValidator struct{}

func (registryAddressValidator) Description(context.Context) string {
	return "must be a registry host[:port] or a URL of one"
}

func (v registryAddressValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (registryAddressValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := swarm.RegistryHost(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid registry address", err.Error())
	}
}

// uniqueRegistriesValidator refuses two registry_auth blocks for one registry (in any spelling).
type uniqueRegistriesValidator struct{}

func (uniqueRegistriesValidator) Description(context.Context) string {
	return "each registry at most once"
}

func (v uniqueRegistriesValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (uniqueRegistriesValidator) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	seen := map[string]int{}
	for i, e := range req.ConfigValue.Elements() {
		o, ok := e.(basetypes.ObjectValue)
		if !ok || o.IsNull() || o.IsUnknown() {
			continue
		}
		a, ok := o.Attributes()["address"].(basetypes.StringValue)
		if !ok || a.IsNull() || a.IsUnknown() {
			continue
		}
		host, err := swarm.RegistryHost(a.ValueString())
		if err != nil {
			continue
		}
		if j, dup := seen[host]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i).AtName("address"), "Duplicate registry",
				fmt.Sprintf("Registry %s already has credentials in registry_auth[%d].", host, j))
			continue
		}
		seen[host] = i
	}
}
