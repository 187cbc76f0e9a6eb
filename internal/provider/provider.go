// Package provider is the Terraform glue of the Swarm provider: schemas, plan and state handling.
// Everything that talks to the Docker Engine lives in internal/swarm.
package provider

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ provider.Provider                       = (*swarmProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*swarmProvider)(nil)
	_ provider.ProviderWithConfigValidators   = (*swarmProvider)(nil)
	_ provider.ProviderWithListResources      = (*swarmProvider)(nil)
)

// New returns the provider factory for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &swarmProvider{version: version}
	}
}

type swarmProvider struct {
	version string
	// client is the Engine client of the last Configure, for the protocol-level fast path
	// (service_fastread.go), which runs beside the framework.
	client atomic.Pointer[swarm.Client]
}

type providerModel struct {
	Host       types.String `tfsdk:"host"`
	Hosts      types.List   `tfsdk:"hosts"`
	CAPEM      types.String `tfsdk:"ca_pem"`
	CertPEM    types.String `tfsdk:"cert_pem"`
	KeyPEM     types.String `tfsdk:"key_pem"`
	CertPath   types.String `tfsdk:"cert_path"`
	TLSVerify  types.Bool   `tfsdk:"tls_verify"`
	SSHOpts    types.List   `tfsdk:"ssh_opts"`
	APIVersion types.String `tfsdk:"api_version"`
	Context    types.String `tfsdk:"context"`
	// Registry credentials (provider_registry.go).
	RegistryAuth []registryAuthModel `tfsdk:"registry_auth"`
	DockerConfig *dockerConfigModel  `tfsdk:"docker_config"`
}

func (m providerModel) connection() connectionModel {
	return connectionModel{
		Host: m.Host, CAPEM: m.CAPEM, CertPEM: m.CertPEM, KeyPEM: m.KeyPEM,
		CertPath: m.CertPath, TLSVerify: m.TLSVerify, SSHOpts: m.SSHOpts,
	}
}

func (p *swarmProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "swarm"
	resp.Version = p.version
}

func (p *swarmProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attrs := providerConnectionAttributes()
	attrs["host"] = schema.StringAttribute{
		MarkdownDescription: descHost + " Conflicts with `hosts`.",
		Optional:            true,
		Validators:          append(connectionHostValidators(), stringvalidator.ConflictsWith(path.MatchRoot("hosts"))),
	}
	attrs["hosts"] = schema.ListAttribute{
		MarkdownDescription: "Several manager endpoints of one swarm, in order of preference (same forms as `host`). " +
			"The provider uses the first that answers as a manager, and moves to the next one when it stops " +
			"answering, also in the middle of a run. TLS and ssh settings apply to every entry.",
		ElementType: types.StringType,
		Optional:    true,
		Validators: []validator.List{
			listvalidator.SizeAtLeast(1),
			listvalidator.UniqueValues(),
			listvalidator.ValueStringsAre(connectionHostValidators()...),
		},
	}
	attrs["context"] = providerContextAttribute()
	attrs["api_version"] = schema.StringAttribute{
		MarkdownDescription: "Pins the Engine API version (for example `1.41`). By default the provider negotiates the highest version both sides support.",
		Optional:            true,
		Validators:          []validator.String{apiVersionValidator()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages a Docker Swarm through the Docker Engine API: the cluster, its nodes, services, " +
			"secrets, configs, networks and volumes. Connections are made lazily, when a resource first needs the Engine.",
		Attributes: attrs,
		Blocks:     registryProviderBlocks(),
	}
}

// ConfigValidators check at plan time the connection settings that go together.
func (p *swarmProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{connectionSettingsValidator{}}
}

func (p *swarmProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "key_pem", "cert_pem", "ca_pem", "password", "content")

	conn := m.connection()
	if conn.unknown() || m.Hosts.IsUnknown() || m.APIVersion.IsUnknown() || m.Context.IsUnknown() ||
		registryUnknown(m.RegistryAuth, m.DockerConfig) {
		// A plan may run before the values the provider depends on exist. Resources that need the
		// Engine then say so; plans of new resources work.
		c := swarm.Unavailable(errors.New("the provider configuration depends on values that are not known yet; apply them first"))
		p.client.Store(c)
		resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ListResourceData = c, c, c, c
		return
	}
	var hosts []string
	if !m.Hosts.IsNull() {
		resp.Diagnostics.Append(m.Hosts.ElementsAs(ctx, &hosts, false)...)
	}
	endpoints, diags := conn.endpoints(ctx, hosts)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if len(hosts) == 0 {
		endpoints[0].Context = m.Context.ValueString()
	}
	auth, err := newRegistryAuth(m.RegistryAuth, m.DockerConfig)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("registry_auth"), "Invalid registry credentials", err.Error())
		return
	}
	c, err := swarm.New(swarm.Config{
		Endpoints:    endpoints,
		APIVersion:   m.APIVersion.ValueString(),
		UserAgent:    fmt.Sprintf("terraform-provider-swarm/%s", p.version),
		RegistryAuth: auth,
	})
	if err != nil {
		resp.Diagnostics.Append(connectionError(path.Empty(), err))
		return
	}
	tflog.Debug(ctx, "Docker Engine client configured", map[string]any{"hosts": c.Hosts()})
	p.client.Store(c)
	resp.ResourceData, resp.DataSourceData, resp.EphemeralResourceData, resp.ListResourceData = c, c, c, c
}

func (p *swarmProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewNetworkResource,
		NewSecretResource, NewConfigResource,
		NewServiceResource,
		NewStackResource,
		NewVolumeResource,
		NewClusterResource, NewJoinResource, NewNodeResource,
	}
}

func (p *swarmProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewClusterDataSource,
		NewNodeDataSource, NewNodesDataSource,
		NewServiceDataSource, NewServicesDataSource,
		NewSecretDataSource, NewConfigDataSource,
		NewNetworkDataSource,
		NewVolumeDataSource,
		NewRegistryImageDataSource,
	}
}

func (p *swarmProvider) EphemeralResources(_ context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewJoinTokenEphemeralResource,
	}
}

// ListResources are for `terraform query` (Terraform 1.14+); older Terraform never asks for them.
func (p *swarmProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewServiceListResource,
		NewSecretListResource, NewConfigListResource,
		NewNetworkListResource,
		NewVolumeListResource,
		NewNodeListResource,
	}
}
