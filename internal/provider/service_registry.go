package provider

// The registry side of swarm_service: the credentials sent with every create and update (the
// provider's, or the service's own `registry_auth` block, whose password is write-only) and the
// image digest the Engine runs (`resolve_image`, `image_digest`), with the Docker CLI's meanings
// of `docker stack deploy --resolve-image`.

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// The values of resolve_image, as `docker stack deploy --resolve-image` has them.
const (
	resolveAlways  = "always"
	resolveChanged = "changed"
	resolveNever   = "never"
)

var resolveImageModes = []string{resolveAlways, resolveChanged, resolveNever}

var imagePath = path.Root("task_template").AtName("container_spec").AtName("image")

type serviceRegistryAuthModel struct {
	Username          types.String `tfsdk:"username"`
	PasswordWO        types.String `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64  `tfsdk:"password_wo_version"`
}

// serviceRegistryAttributes are the top-level attributes of swarm_service about the image digest.
func serviceRegistryAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"resolve_image": schema.StringAttribute{
			MarkdownDescription: "Whether the provider asks the image's registry for the digest its tag points at and has the Engine " +
				"run `image@sha256:…`, so that every node runs the same build (`docker stack deploy --resolve-image`). " + enumDesc(resolveImageModes) +
				" `always` (the default, when left out) resolves at every plan: a tag pushed again shows as an update of `image_digest`, " +
				"and the apply rolls the service to it. `changed` resolves only when the service is created or its `image` changes. " +
				"`never` sends the image as written and the Engine's nodes resolve the tag each on its own. The configuration keeps " +
				"the tag. An image written with a digest is never resolved. When the registry cannot be reached, the plan warns and " +
				"changes nothing, and the apply warns and runs the tag unpinned, as the Docker CLI does. The digest is asked of the " +
				"registry through the Engine (`GET /distribution/{name}/json`, `docker manifest inspect`'s call) with the " +
				"image's registry credentials, once per image and credentials in each plan or apply, however many services name the image. An import of a service that runs its image unpinned (made with " +
				"`docker service create --no-resolve-image`, or by kreuzwerker/docker) sets `never`, which is how it was made: " +
				"leave that in the configuration to adopt it as it runs, or leave `resolve_image` out to have the next apply pin the tag.",
			Optional: true, Validators: []validator.String{stringvalidator.OneOf(resolveImageModes...)},
		},
		"image_digest": schema.StringAttribute{
			MarkdownDescription: "The digest (`sha256:…`) of the image the service runs, as the Engine holds it; null when it runs an unpinned tag.",
			Computed:            true,
		},
	}
}

// serviceRegistryBlocks is the service's own credentials block.
func serviceRegistryBlocks() map[string]schema.Block {
	return map[string]schema.Block{
		"registry_auth": withRequired(singleBlock("Credentials for the registry of this service's image, instead of the provider's "+
			"(`registry_auth` and `docker_config` of the provider). Sent with every create and update so that every node that runs a "+
			"task can pull; never stored: the password is write-only (Terraform 1.11 or newer).", map[string]schema.Attribute{
			"username": schema.StringAttribute{MarkdownDescription: "User name.", Optional: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Password or access token, write-only: it reaches the Engine, never the state or the plan. Terraform cannot " +
					"see a change of a write-only value: change `password_wo_version` to send a new one.",
				Optional: true, Sensitive: true, WriteOnly: true, Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "The version of `password_wo`: any change updates the service, which sends the current `password_wo`.",
				Optional:            true,
			},
		}, nil), "username", "password_wo"),
	}
}

// serviceAuth is the X-Registry-Auth value for the configured image: the service's block, else
// the provider's credentials. The password comes from the configuration (it is write-only).
func serviceAuth(ctx context.Context, engine serviceEngine, config tfsdk.Config, image string) (string, diag.Diagnostics) {
	var diags diag.Diagnostics
	var override *swarm.RegistryCredential
	var username, password types.String
	diags.Append(config.GetAttribute(ctx, path.Root("registry_auth").AtName("username"), &username)...)
	diags.Append(config.GetAttribute(ctx, path.Root("registry_auth").AtName("password_wo"), &password)...)
	if diags.HasError() {
		return "", diags
	}
	if !username.IsNull() && !password.IsNull() && !username.IsUnknown() && !password.IsUnknown() {
		override = &swarm.RegistryCredential{Username: username.ValueString(), Password: password.ValueString()}
	}
	enc, err := engine.RegistryAuth().EncodedAuth(image, override)
	if err != nil {
		// The error names the registry and the helper's words, never a credential.
		diags.AddAttributeError(path.Root("registry_auth"), "Error reading registry credentials", fmt.Sprintf("Image %s: %s", image, err))
	}
	return enc, diags
}

// configuredImage is the image as the configuration writes it (the plan keeps the state's
// spelling when it is the same image, pinned or not).
func configuredImage(ctx context.Context, config tfsdk.Config) (string, diag.Diagnostics) {
	var image semString
	diags := config.GetAttribute(ctx, imagePath, &image)
	return image.ValueString(), diags
}

// engineImage is the image the Engine gets on create or update: the configured one, pinned to the
// planned digest, or to the digest resolved now when the plan could not know it. resolveErr is
// the registry's answer when that failed (the image then goes unpinned, with a warning, as the
// CLI does); it explains a convergence failure.
func engineImage(ctx context.Context, engine serviceEngine, image string, planned types.String, auth string, diags *diag.Diagnostics) (string, error) {
	if swarm.HasDigest(image) || planned.IsNull() {
		return image, nil
	}
	digest := planned.ValueString()
	if planned.IsUnknown() {
		d, err := engine.ResolveDigest(ctx, image, auth)
		if err != nil {
			diags.AddAttributeWarning(imagePath, "Image digest not resolved", digestWarning(image, err))
			return image, err
		}
		digest = d
	}
	pinned, err := swarm.PinDigest(image, digest)
	if err != nil {
		diags.AddAttributeError(imagePath, "Invalid image digest", err.Error())
		return image, nil
	}
	return pinned, nil
}

func digestWarning(image string, err error) string {
	return fmt.Sprintf("The registry of %s could not be asked for its digest: %s\n\nThe service runs the tag unpinned: each node "+
		"resolves %s on its own, so different nodes may run different builds.", image, err, image)
}

// planImageDigest plans image_digest (see resolve_image). ModifyPlan calls it for creates and
// updates.
func (r *serviceResource) planImageDigest(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	digestPath := path.Root("image_digest")
	var mode types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("resolve_image"), &mode)...)
	image, d := configuredImage(ctx, req.Config)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	var imageValue semString
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, imagePath, &imageValue)...)
	if imageValue.IsUnknown() || mode.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, types.StringUnknown())...)
		return
	}
	if _, digest := swarm.SplitDigest(image); digest != "" {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, types.StringValue(digest))...)
		return
	}
	m := mode.ValueString()
	if mode.IsNull() {
		m = resolveAlways
	}
	if m == resolveNever {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, types.StringNull())...)
		return
	}
	var stateImage semString
	var stateDigest types.String
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, imagePath, &stateImage)...)
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, digestPath, &stateDigest)...)
	}
	if req.State.Raw.IsNull() || stateImage.IsNull() || !imagesEqual(image, stateImage.ValueString()) {
		// A new service, or another image: resolved at apply.
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, types.StringUnknown())...)
		return
	}
	if m == resolveChanged || r.client == nil {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, stateDigest)...)
		return
	}
	auth, d := serviceAuth(ctx, r.client, req.Config, image)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	digest, err := r.client.ResolveDigest(ctx, image, auth)
	if err != nil {
		tflog.Debug(ctx, "image digest not resolved at plan time", map[string]any{"image": image, "error": err.Error()})
		resp.Diagnostics.AddAttributeWarning(imagePath, "Image digest not resolved",
			fmt.Sprintf("The registry of %s could not be asked whether its tag moved: %s\n\nThe plan keeps the digest the service runs.", image, err))
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, stateDigest)...)
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, digestPath, types.StringValue(digest))...)
}

// liveImageDigest is the digest of the image the service's spec runs, or null.
func liveImageDigest(svc apiswarm.Service) types.String {
	if cs := svc.Spec.TaskTemplate.ContainerSpec; cs != nil {
		return liveDigest(cs.Image)
	}
	return types.StringNull()
}

// liveDigest is the digest of the image the Engine runs, or null.
func liveDigest(image string) types.String {
	if _, d := swarm.SplitDigest(image); d != "" {
		return types.StringValue(d)
	}
	return types.StringNull()
}

// registryHint adds to a convergence failure what the registry answered when the digest was
// asked (wrong credentials, unknown image): the tasks themselves only say that the image is
// missing.
func registryHint(resolveErr error) string {
	if resolveErr == nil {
		return ""
	}
	return "\n\nThe image's registry answered: " + resolveErr.Error()
}
