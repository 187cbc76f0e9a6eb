package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var _ datasource.DataSourceWithConfigure = (*registryImageDataSource)(nil)

// NewRegistryImageDataSource is the swarm_registry_image data source: the digest an image tag
// points at in its registry now, asked with the provider's registry credentials.
func NewRegistryImageDataSource() datasource.DataSource {
	return &registryImageDataSource{}
}

type registryImageDataSource struct {
	client *swarm.Client
}

type registryImageDataModel struct {
	Name     semString    `tfsdk:"name"`
	Registry types.String `tfsdk:"registry"`
	Digest   types.String `tfsdk:"digest"`
	Pinned   types.String `tfsdk:"pinned"`
}

func (d *registryImageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_registry_image"
}

func (d *registryImageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The digest an image reference points at in its registry now, asked with the provider's registry " +
			"credentials (`registry_auth`, `docker_config`) through the Engine (`GET /distribution/{name}/json`). Use it to pin an " +
			"image yourself, or to see what `resolve_image` of a `swarm_service` would run.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				MarkdownDescription: "The image reference, as a service's `image` writes it (`registry.example.com:5000/team/app:1.4`).",
				Required:            true, CustomType: imageType,
			},
			"registry": schema.StringAttribute{MarkdownDescription: "The image's registry, normalised as the Docker CLI does (`docker.io` for Docker Hub).", Computed: true},
			"digest":   schema.StringAttribute{MarkdownDescription: "The digest (`sha256:…`) of the manifest the reference points at.", Computed: true},
			"pinned":   schema.StringAttribute{MarkdownDescription: "`name` pinned to `digest` (`name@sha256:…`).", Computed: true},
		},
	}
}

func (d *registryImageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.client = clientFromProviderData(req.ProviderData, &resp.Diagnostics)
}

func (d *registryImageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m registryImageDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	image := m.Name.ValueString()
	host, err := swarm.ImageRegistry(image)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Invalid image reference", err.Error())
		return
	}
	auth, err := d.client.RegistryAuth().EncodedAuth(image, nil)
	if err != nil {
		resp.Diagnostics.AddError("Error reading registry credentials", fmt.Sprintf("Image %s: %s", image, err))
		return
	}
	digest, err := d.client.ResolveDigest(ctx, image, auth)
	if err != nil {
		resp.Diagnostics.AddError("Error reading the image digest", err.Error())
		return
	}
	pinned, err := swarm.PinDigest(image, digest)
	if err != nil {
		resp.Diagnostics.AddError("Error reading the image digest", err.Error())
		return
	}
	m.Registry, m.Digest, m.Pinned = types.StringValue(host), types.StringValue(digest), types.StringValue(pinned)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
