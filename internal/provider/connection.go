package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	pschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// connectionModel holds the settings that say how to reach an engine. The provider has them at the
// top level, and resources that talk to one particular engine (swarm_volume, swarm_join) have
// them in their `engine` block. connectionSettings defines them once for both.
type connectionModel struct {
	Host      types.String `tfsdk:"host"`
	CAPEM     types.String `tfsdk:"ca_pem"`
	CertPEM   types.String `tfsdk:"cert_pem"`
	KeyPEM    types.String `tfsdk:"key_pem"`
	CertPath  types.String `tfsdk:"cert_path"`
	TLSVerify types.Bool   `tfsdk:"tls_verify"`
	SSHOpts   types.List   `tfsdk:"ssh_opts"`
}

// Descriptions shared by the provider schema and the resources' engine blocks.
const (
	descHost = "The Docker Engine to talk to: `unix:///var/run/docker.sock`, `tcp://host:2376` or " +
		"`ssh://user@host[:port]` (which runs `docker system dial-stdio` on the remote host through the " +
		"`ssh` command). Defaults to the `DOCKER_HOST` environment variable, then the local socket."
	descCAPEM    = "PEM-encoded CA certificate that signed the engine's certificate (tcp only). Without it the system's trusted roots are used; verification is never switched off by its absence."
	descCertPEM  = "PEM-encoded client certificate for TLS client authentication (tcp only). Set together with `key_pem`."
	descKeyPEM   = "PEM-encoded private key of the client certificate (tcp only). Set together with `cert_pem`."
	descCertPath = "Directory holding `ca.pem`, `cert.pem` and `key.pem`, as the Docker CLI lays them out. Defaults to `DOCKER_CERT_PATH`; when `DOCKER_TLS_VERIFY` is set and `DOCKER_CERT_PATH` is not, to the Docker CLI's configuration directory (`DOCKER_CONFIG`, else `~/.docker`), as the CLI does (its `ca.pem` must then exist). Values given as `*_pem` win over files."
	descVerify   = "Whether to verify the engine's TLS certificate. Defaults to `true`; setting it, even to `false`, turns TLS on for a tcp host, and so does `DOCKER_TLS_VERIFY` set to any value that is not empty (as in the Docker CLI, `0` too). Only an explicit `false` disables verification."
	descSSHOpts  = "Extra arguments for the `ssh` command, such as `[\"-i\", \"~/.ssh/ops\", \"-o\", \"StrictHostKeyChecking=yes\"]` (ssh hosts only)."
)

// connectionKind is the type of a connection setting.
type connectionKind int

const (
	connectionString connectionKind = iota
	connectionBool
	connectionStringList
)

// connectionSetting is one connection setting other than the host: its name, description,
// type and validators. Both the provider schema and the engine blocks are built from
// connectionSettings, so the two cannot drift apart.
type connectionSetting struct {
	name, description string
	kind              connectionKind
	sensitive         bool
	stringValidators  []validator.String
	listValidators    []validator.List
}

// connectionSettings lists the settings besides the host. cert_pem and key_pem name each other
// relative to their own level, so that the pairing holds at the provider's top level and inside
// an engine block alike.
func connectionSettings() []connectionSetting {
	alsoRequires := func(other string) []validator.String {
		return []validator.String{stringvalidator.AlsoRequires(path.MatchRelative().AtParent().AtName(other))}
	}
	return []connectionSetting{
		{name: "ca_pem", description: descCAPEM, kind: connectionString},
		{name: "cert_pem", description: descCertPEM, kind: connectionString, stringValidators: alsoRequires("key_pem")},
		{name: "key_pem", description: descKeyPEM, kind: connectionString, sensitive: true, stringValidators: alsoRequires("cert_pem")},
		{name: "cert_path", description: descCertPath, kind: connectionString, stringValidators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		{name: "tls_verify", description: descVerify, kind: connectionBool},
		{name: "ssh_opts", description: descSSHOpts, kind: connectionStringList,
			listValidators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
	}
}

// providerContextAttribute is the provider's `context`: a Docker CLI context, which brings its own
// host and TLS settings.
func providerContextAttribute() pschema.StringAttribute {
	conflicts := []path.Expression{path.MatchRoot("host"), path.MatchRoot("hosts")}
	for _, s := range connectionSettings() {
		if s.name != "ssh_opts" {
			conflicts = append(conflicts, path.MatchRoot(s.name))
		}
	}
	return pschema.StringAttribute{
		MarkdownDescription: "A Docker CLI context (as `docker context ls` lists them) whose Docker endpoint, with its TLS material, the provider uses. " +
			"Without `host`, `hosts`, `context` and TLS settings, the Docker CLI's own order applies: `DOCKER_HOST`, then `DOCKER_CONTEXT`, " +
			"then the current context of the CLI's `config.json` (in `DOCKER_CONFIG` or `~/.docker`), then the local socket. " +
			"`default` means no context. Conflicts with `host`, `hosts` and the TLS settings.",
		Optional:   true,
		Validators: []validator.String{contextNameValidator{}, stringvalidator.ConflictsWith(conflicts...)},
	}
}

// contextNameValidator checks a Docker context name as the Docker CLI does.
type contextNameValidator struct{}

func (contextNameValidator) Description(context.Context) string {
	return "must be a Docker context name: letters, digits, `_`, `.`, `+` and `-`, beginning with a letter or digit"
}

func (v contextNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (contextNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := swarm.CheckContextName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Docker context", err.Error())
	}
}

// connectionHostValidators check a host URL (the provider's `host` and `hosts` entries, and the
// `host` of an engine block).
func connectionHostValidators() []validator.String {
	return []validator.String{hostValidator{}}
}

// providerConnectionAttributes are the provider schema's connection settings besides `host` and
// `hosts`.
func providerConnectionAttributes() map[string]pschema.Attribute {
	attrs := make(map[string]pschema.Attribute)
	for _, s := range connectionSettings() {
		switch s.kind {
		case connectionString:
			attrs[s.name] = pschema.StringAttribute{MarkdownDescription: s.description, Optional: true, Sensitive: s.sensitive, Validators: s.stringValidators}
		case connectionBool:
			attrs[s.name] = pschema.BoolAttribute{MarkdownDescription: s.description, Optional: true, Sensitive: s.sensitive}
		case connectionStringList:
			attrs[s.name] = pschema.ListAttribute{MarkdownDescription: s.description, ElementType: types.StringType, Optional: true, Sensitive: s.sensitive, Validators: s.listValidators}
		}
	}
	return attrs
}

// engineBlockSpec says what differs between the engine blocks of swarm_volume and swarm_join.
type engineBlockSpec struct {
	description     string
	hostDescription string
	hostModifiers   []planmodifier.String
	validators      []validator.Object
	modifiers       []planmodifier.Object
}

// engineBlock is the `engine` block of a resource that talks to one particular engine: a `host`
// that the block requires (withRequired: the framework would check a Required attribute even
// where the block is left out), and the provider's other connection settings.
func engineBlock(spec engineBlockSpec) rschema.SingleNestedBlock {
	attrs := map[string]rschema.Attribute{
		"host": rschema.StringAttribute{
			MarkdownDescription: spec.hostDescription,
			Required:            true,
			Validators:          connectionHostValidators(),
			PlanModifiers:       spec.hostModifiers,
		},
	}
	for _, s := range connectionSettings() {
		switch s.kind {
		case connectionString:
			attrs[s.name] = rschema.StringAttribute{MarkdownDescription: s.description, Optional: true, Sensitive: s.sensitive, Validators: s.stringValidators}
		case connectionBool:
			attrs[s.name] = rschema.BoolAttribute{MarkdownDescription: s.description, Optional: true, Sensitive: s.sensitive}
		case connectionStringList:
			attrs[s.name] = rschema.ListAttribute{MarkdownDescription: s.description, ElementType: types.StringType, Optional: true, Sensitive: s.sensitive, Validators: s.listValidators}
		}
	}
	return withRequired(rschema.SingleNestedBlock{
		MarkdownDescription: spec.description,
		Attributes:          attrs,
		Validators:          append([]validator.Object{engineSettingsValidator{}}, spec.validators...),
		PlanModifiers:       spec.modifiers,
	}, "host")
}

// engineAttrTypes is the object type of an engine block.
var engineAttrTypes = func() map[string]attr.Type {
	out := map[string]attr.Type{"host": types.StringType}
	for _, s := range connectionSettings() {
		switch s.kind {
		case connectionString:
			out[s.name] = types.StringType
		case connectionBool:
			out[s.name] = types.BoolType
		case connectionStringList:
			out[s.name] = types.ListType{ElemType: types.StringType}
		}
	}
	return out
}()

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

// unknown says whether any connection value is not known yet (a plan before the values
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

// connectionError is the diagnostic for a connection configuration the swarm package refused,
// at the setting it names under p (the provider's top level, or an engine block).
func connectionError(p path.Path, err error) diag.Diagnostic {
	var se *swarm.SettingError
	if errors.As(err, &se) && se.Setting != "" {
		p = p.AtName(se.Setting)
	}
	return diag.NewAttributeErrorDiagnostic(p, "Invalid Docker Engine connection", fmt.Sprint(err))
}

// checkConnectionSettings reports at plan time, at the attribute, what the swarm package would
// refuse in the connection settings of one level (base is the provider's top level or an engine
// block) whatever the environment holds (swarm.Endpoint.Check), for each host: TLS settings on a
// unix or ssh host, ssh_opts on a host that is not ssh, a ca_pem without a certificate, a
// cert_pem and key_pem that are no pair. Unknown values are left to Configure.
func checkConnectionSettings(ctx context.Context, base path.Path, m connectionModel, hosts types.List, diags *diag.Diagnostics) {
	if m.unknown() || hosts.IsUnknown() {
		return
	}
	var hostNames []string
	if !hosts.IsNull() {
		var elems []types.String
		if d := hosts.ElementsAs(ctx, &elems, false); d.HasError() {
			return
		}
		for _, h := range elems {
			if h.IsUnknown() {
				return
			}
			hostNames = append(hostNames, h.ValueString())
		}
	}
	eps, d := m.endpoints(ctx, hostNames)
	if d.HasError() {
		return
	}
	seen := map[string]bool{}
	for _, ep := range eps {
		for _, err := range ep.Check() {
			if seen[err.Error()] {
				continue
			}
			seen[err.Error()] = true
			diags.Append(connectionError(base, err))
		}
	}
}

// connectionSettingsValidator is checkConnectionSettings for the provider block.
type connectionSettingsValidator struct{}

func (connectionSettingsValidator) Description(context.Context) string {
	return "TLS settings go with tcp hosts, ssh_opts with ssh hosts; ca_pem holds a certificate, cert_pem and key_pem are a pair"
}

func (v connectionSettingsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (connectionSettingsValidator) ValidateProvider(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var m providerModel
	if d := req.Config.Get(ctx, &m); d.HasError() {
		return
	}
	checkConnectionSettings(ctx, path.Empty(), m.connection(), m.Hosts, &resp.Diagnostics)
}

// engineSettingsValidator is checkConnectionSettings for an engine block.
type engineSettingsValidator struct{}

func (engineSettingsValidator) Description(ctx context.Context) string {
	return connectionSettingsValidator{}.Description(ctx)
}

func (v engineSettingsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (engineSettingsValidator) ValidateObject(ctx context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var m connectionModel
	if d := req.ConfigValue.As(ctx, &m, basetypes.ObjectAsOptions{}); d.HasError() {
		return
	}
	checkConnectionSettings(ctx, req.Path, m, types.ListNull(types.StringType), &resp.Diagnostics)
}
