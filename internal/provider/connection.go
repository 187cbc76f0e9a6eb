package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// connectionModel holds the attributes that say how to reach an engine. The provider has them,
// and resources that talk to one particular engine (swarm_volume, swarm_join) have them in an
// override block.
type connectionModel struct {
	Host      types.String `tfsdk:"host"`
	CAPEM     types.String `tfsdk:"ca_pem"`
	CertPEM   types.String `tfsdk:"cert_pem"`
	KeyPEM    types.String `tfsdk:"key_pem"`
	CertPath  types.String `tfsdk:"cert_path"`
	TLSVerify types.Bool   `tfsdk:"tls_verify"`
	SSHOpts   types.List   `tfsdk:"ssh_opts"`
}

// Descriptions shared by the provider schema and the resource override blocks.
const (
	descHost = "The Docker Engine to talk to: `unix:///var/run/docker.sock`, `tcp://host:2376` or " +
		"`ssh://user@host[:port]` (which runs `docker system dial-stdio` on the remote host through the " +
		"`ssh` command). Defaults to the `DOCKER_HOST` environment variable, then the local socket."
	descCAPEM    = "PEM-encoded CA certificate that signed the engine's certificate (tcp only). Without it the system's trusted roots are used; verification is never switched off by its absence."
	descCertPEM  = "PEM-encoded client certificate for TLS client authentication (tcp only). Set together with `key_pem`."
	descKeyPEM   = "PEM-encoded private key of the client certificate (tcp only)."
	descCertPath = "Directory holding `ca.pem`, `cert.pem` and `key.pem`, as the Docker CLI lays them out. Defaults to `DOCKER_CERT_PATH`. Values given as `*_pem` win over files."
	descVerify   = "Whether to verify the engine's TLS certificate. Defaults to `true` (or to `DOCKER_TLS_VERIFY` when that is set to `0`/`false` or `1`/`true`); setting it, even to `false`, turns TLS on for a tcp host. Only an explicit `false` disables verification."
	descSSHOpts  = "Extra arguments for the `ssh` command, such as `[\"-i\", \"~/.ssh/ops\", \"-o\", \"StrictHostKeyChecking=yes\"]` (ssh hosts only)."
)

// hostValidator checks a host URL at plan time.
type hostValidator struct{}

func (hostValidator) Description(context.Context) string {
	return "must be unix:///path, tcp://host:port or ssh://[user@]host[:port]"
}

func (v hostValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (hostValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := swarm.ParseHost(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Docker host", err.Error())
	}
}

func sshOptsValidators() []validator.List {
	return []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}
}

// endpoints turns the model into swarm endpoints, one per host. Unknown values must have been
// ruled out by the caller.
func (m connectionModel) endpoints(ctx context.Context, hosts []string) ([]swarm.Endpoint, diag.Diagnostics) {
	var diags diag.Diagnostics
	var opts []string
	if !m.SSHOpts.IsNull() {
		diags.Append(m.SSHOpts.ElementsAs(ctx, &opts, false)...)
	}
	base := swarm.Endpoint{
		CAPEM:    m.CAPEM.ValueString(),
		CertPEM:  m.CertPEM.ValueString(),
		KeyPEM:   m.KeyPEM.ValueString(),
		CertPath: m.CertPath.ValueString(),
		SSHOpts:  opts,
	}
	if !m.TLSVerify.IsNull() {
		v := m.TLSVerify.ValueBool()
		base.TLSVerify = &v
	}
	if len(hosts) == 0 {
		base.Host = m.Host.ValueString()
		return []swarm.Endpoint{base}, diags
	}
	eps := make([]swarm.Endpoint, len(hosts))
	for i, h := range hosts {
		eps[i] = base
		eps[i].Host = h
	}
	return eps, diags
}

// connectionUnknown says whether any connection value is not known yet (a plan before the values
// it depends on exist).
func (m connectionModel) unknown() bool {
	return m.Host.IsUnknown() || m.CAPEM.IsUnknown() || m.CertPEM.IsUnknown() || m.KeyPEM.IsUnknown() ||
		m.CertPath.IsUnknown() || m.TLSVerify.IsUnknown() || m.SSHOpts.IsUnknown()
}

// clientForEngine builds a client for the engine that a resource's `engine` block names
// (swarm_volume, swarm_join): the block's values must be known by now.
func clientForEngine(ctx context.Context, engine types.Object) (*swarm.Client, diag.Diagnostics) {
	var diags diag.Diagnostics
	notKnown := func() (*swarm.Client, diag.Diagnostics) {
		diags.AddAttributeError(path.Root("engine"), "Engine not known yet", "The `engine` settings are not known yet; apply what they depend on first.")
		return nil, diags
	}
	if engine.IsUnknown() {
		return notKnown()
	}
	var conn connectionModel
	diags.Append(engine.As(ctx, &conn, basetypes.ObjectAsOptions{})...)
	if diags.HasError() {
		return nil, diags
	}
	if conn.unknown() {
		return notKnown()
	}
	eps, d := conn.endpoints(ctx, nil)
	diags.Append(d...)
	if diags.HasError() {
		return nil, diags
	}
	c, err := swarm.New(swarm.Config{Endpoints: eps})
	if err != nil {
		diags.Append(connectionError(path.Root("engine"), err))
		return nil, diags
	}
	return c, diags
}

// connectionError is the diagnostic for a connection configuration the swarm package refused.
func connectionError(p path.Path, err error) diag.Diagnostic {
	return diag.NewAttributeErrorDiagnostic(p, "Invalid Docker Engine connection", fmt.Sprint(err))
}
