package provider

// List resources (`terraform query`, Terraform 1.14+): discovery of the services, secrets, configs,
// networks, volumes and nodes that already run, for import. Every result carries the identity of
// the managed resource type of the same name; with include_resource, the object as the managed
// resource would hold it right after an import: the list resource runs that resource's own
// ImportState and Read (its flatten, its defaults), so that `terraform query
// -generate-config-out` writes configuration that, imported, plans empty. One Engine inspect per
// result is the price of that, paid only with include_resource.

import (
	"context"
	"encoding/base64"
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	lschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ list.ListResource              = (*listResource)(nil)
	_ list.ListResourceWithConfigure = (*listResource)(nil)
)

// NewServiceListResource lists services.
func NewServiceListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "service", kind: "services", newResource: NewServiceResource, stack: true,
		list: func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, _ types.Object) ([]listedObject, error) {
			svcs, err := c.ListServices(ctx, f)
			out := make([]listedObject, len(svcs))
			for i, s := range svcs {
				out[i] = listedObject{name: s.Spec.Name, identity: idIdentityModel{ID: types.StringValue(s.ID)}}
			}
			return out, err
		},
	}}
}

// NewSecretListResource lists secrets.
func NewSecretListResource() list.ListResource {
	return &listResource{spec: objectListSpec(swarm.KindSecret, NewSecretResource)}
}

// NewConfigListResource lists configs.
func NewConfigListResource() list.ListResource {
	return &listResource{spec: objectListSpec(swarm.KindConfig, NewConfigResource)}
}

// objectListSpec lists secrets or configs: one result per object made elsewhere, and one per
// rotation family (its current version) for those made by this provider. The Engine returns a
// config's content: the result's `data` carries it (base64 with `data_is_base64` when it is not
// text), so that the generated configuration holds it. A secret's content never leaves the
// Engine: `data` stays null, and the generated configuration shows it as `null # sensitive`
// for the user to fill in.
func objectListSpec(k swarm.Kind, newResource func() resource.Resource) listSpec {
	return listSpec{
		typeName: string(k), kind: string(k) + "s", newResource: newResource, stack: true,
		list: func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, _ types.Object) ([]listedObject, error) {
			objs, err := c.ListObjects(ctx, k, f)
			out := make([]listedObject, len(objs))
			for i, o := range objs {
				name := o.Name
				if fam := o.Family(); fam != "" {
					name = fam
				}
				out[i] = listedObject{name: name, identity: idIdentityModel{ID: types.StringValue(o.ID)}}
				if k == swarm.KindConfig && o.Data != nil {
					out[i].adjust = withObjectContent(o.Data)
				}
			}
			return out, err
		},
	}
}

// withObjectContent sets `data` (and `data_is_base64`) of a listed config to the Engine's content.
func withObjectContent(content []byte) func(context.Context, *tfsdk.State) diag.Diagnostics {
	return func(ctx context.Context, st *tfsdk.State) diag.Diagnostics {
		data, b64 := string(content), false
		if !utf8.Valid(content) {
			data, b64 = base64.StdEncoding.EncodeToString(content), true
		}
		diags := st.SetAttribute(ctx, path.Root("data"), types.StringValue(data))
		diags.Append(st.SetAttribute(ctx, path.Root("data_is_base64"), types.BoolValue(b64))...)
		return diags
	}
}

// NewNetworkListResource lists swarm-scoped networks (not the ingress network).
func NewNetworkListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "network", kind: "networks", newResource: NewNetworkResource, stack: true,
		list: func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, _ types.Object) ([]listedObject, error) {
			nets, err := c.ListNetworks(ctx, f)
			out := make([]listedObject, len(nets))
			for i, n := range nets {
				out[i] = listedObject{name: n.Name, identity: idIdentityModel{ID: types.StringValue(n.ID)}}
			}
			return out, err
		},
	}}
}

// NewVolumeListResource lists the volumes of the provider's engine, or of the engine named in
// the `engine` block.
func NewVolumeListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "volume", kind: "volumes", newResource: NewVolumeResource, stack: true, engine: true,
		list: func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, engine types.Object) ([]listedObject, error) {
			vols, err := c.ListVolumes(ctx, f)
			host := volumeEngineHost(ctx, engine)
			out := make([]listedObject, len(vols))
			for i, v := range vols {
				ident := volumeIdentityModel{Name: types.StringValue(v.Name), EngineHost: types.StringNull()}
				if host != "" {
					ident.EngineHost = types.StringValue(host)
				}
				out[i] = listedObject{name: v.Name, identity: ident}
				if host != "" {
					// The identity carries only the host; the rest of the block (certificates,
					// ssh options) is what the list was given.
					out[i].adjust = func(ctx context.Context, st *tfsdk.State) diag.Diagnostics {
						return st.SetAttribute(ctx, path.Root("engine"), engine)
					}
				}
			}
			return out, err
		},
	}}
}

// NewNodeListResource lists the swarm's nodes, by hostname and node labels.
func NewNodeListResource() list.ListResource {
	return &listResource{spec: listSpec{
		typeName: "node", kind: "nodes", newResource: NewNodeResource,
		list: func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, _ types.Object) ([]listedObject, error) {
			nodes, err := c.ListNodesFiltered(ctx, f)
			out := make([]listedObject, len(nodes))
			for i, n := range nodes {
				out[i] = listedObject{name: n.Description.Hostname, identity: idIdentityModel{ID: types.StringValue(n.ID)}}
			}
			return out, err
		},
	}}
}

// listSpec says what one list resource lists.
type listSpec struct {
	typeName string // "service": the list resource is swarm_service, as its managed type
	kind     string // "services": for descriptions and messages
	// newResource makes the managed resource whose ImportState and Read fill include_resource.
	newResource func() resource.Resource
	stack       bool // the `stack` filter applies (not to nodes)
	engine      bool // the `engine` block (volumes)
	// list asks the Engine; engine is the `engine` block (null without one).
	list func(ctx context.Context, c *swarm.Client, f swarm.ListFilter, engine types.Object) ([]listedObject, error)
}

// listedObject is one result before it becomes a list.ListResult.
type listedObject struct {
	name     string // the display name
	identity any    // the identity model of the managed type
	// adjust, when set, edits the imported state before Read (what the import ID cannot carry).
	adjust func(context.Context, *tfsdk.State) diag.Diagnostics
}

type listResource struct {
	spec     listSpec
	client   *swarm.Client
	resource resource.Resource
}

// listConfigModel is the configuration of a list block; Engine is set for volumes only.
type listConfigModel struct {
	NamePrefix types.String
	Labels     types.Map
	Stack      types.String
	Engine     types.Object
}

func (l *listResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + l.spec.typeName
}

func (l *listResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	nameWhat := "name"
	if l.spec.typeName == "node" {
		nameWhat = "hostname"
	}
	attrs := map[string]lschema.Attribute{
		"name_prefix": lschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Lists only the %s whose %s begins with this.", l.spec.kind, nameWhat),
			Optional:            true,
		},
		"labels": lschema.MapAttribute{
			MarkdownDescription: fmt.Sprintf("Lists only the %s that have every one of these labels, with this value (an empty "+
				"value: with any value).", l.spec.kind),
			ElementType: types.StringType,
			Optional:    true,
		},
	}
	if l.spec.typeName == "node" {
		attrs["labels"] = lschema.MapAttribute{
			MarkdownDescription: "Lists only the nodes that have every one of these node labels (the ones `swarm_node` manages), " +
				"with this value (an empty value: with any value).",
			ElementType: types.StringType,
			Optional:    true,
		}
	}
	if l.spec.stack {
		attrs["stack"] = lschema.StringAttribute{
			MarkdownDescription: fmt.Sprintf("Lists only the %s of this stack (`docker stack deploy`): those labelled `%s` "+
				"with this name.", l.spec.kind, swarm.LabelStackNamespace),
			Optional: true,
		}
	}
	s := lschema.Schema{
		MarkdownDescription: fmt.Sprintf("Lists the %s of the swarm for `terraform query` (Terraform 1.14+), to import "+
			"them as `swarm_%s`. Every result has the resource identity; with `include_resource`, the object as it "+
			"would be imported, so that `-generate-config-out` writes configuration that plans empty once imported.",
			l.spec.kind, l.spec.typeName),
		Attributes: attrs,
	}
	if l.spec.engine {
		s.MarkdownDescription = "Lists the volumes of the provider's engine, or of the engine in `engine`, for `terraform " +
			"query` (Terraform 1.14+), to import them as `swarm_volume`. Every result has the resource identity; with " +
			"`include_resource`, the object as it would be imported, so that `-generate-config-out` writes " +
			"configuration that plans empty once imported."
		s.Blocks = map[string]lschema.Block{"engine": listEngineBlock()}
	}
	resp.Schema = s
}

// listEngineBlock is the `engine` block of the volume list: the settings of swarm_volume's
// `engine` block, in the list schema.
func listEngineBlock() lschema.SingleNestedBlock {
	attrs := map[string]lschema.Attribute{
		"host": lschema.StringAttribute{
			MarkdownDescription: "Required in this block. The engine to list the volumes of.",
			Optional:            true,
			Validators:          connectionHostValidators(),
		},
	}
	for _, s := range connectionSettings() {
		if s.sensitive {
			continue // a list block has no sensitive values: key material goes by cert_path
		}
		switch s.kind {
		case connectionString:
			attrs[s.name] = lschema.StringAttribute{MarkdownDescription: s.description, Optional: true, Validators: s.stringValidators}
		case connectionBool:
			attrs[s.name] = lschema.BoolAttribute{MarkdownDescription: s.description, Optional: true}
		case connectionStringList:
			attrs[s.name] = lschema.ListAttribute{MarkdownDescription: s.description, ElementType: types.StringType, Optional: true, Validators: s.listValidators}
		}
	}
	return lschema.SingleNestedBlock{
		MarkdownDescription: "The engine to list the volumes of, instead of the provider's engine: the settings of " +
			"`swarm_volume`'s `engine` block but the sensitive ones (list blocks have no sensitive values: give the " +
			"certificates by `cert_path`). Results carry the block, so that the generated configuration reaches the same engine.",
		Attributes: attrs,
	}
}

func (l *listResource) Configure(ctx context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.resource = l.spec.newResource()
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		l.client = c
	}
	if r, ok := l.resource.(resource.ResourceWithConfigure); ok {
		r.Configure(ctx, req, resp)
	}
}

// config reads the list block's configuration.
func (l *listResource) config(ctx context.Context, config tfsdk.Config) (listConfigModel, diag.Diagnostics) {
	var m listConfigModel
	var diags diag.Diagnostics
	diags.Append(config.GetAttribute(ctx, path.Root("name_prefix"), &m.NamePrefix)...)
	diags.Append(config.GetAttribute(ctx, path.Root("labels"), &m.Labels)...)
	m.Stack, m.Engine = types.StringNull(), types.ObjectNull(engineAttrTypes)
	if l.spec.stack {
		diags.Append(config.GetAttribute(ctx, path.Root("stack"), &m.Stack)...)
	}
	if l.spec.engine {
		m.Engine, diags = listEngineObject(ctx, config, diags)
	}
	return m, diags
}

// listEngineObject reads the list's `engine` block into the object type of swarm_volume's (the
// settings a list block leaves out are null there).
func listEngineObject(ctx context.Context, config tfsdk.Config, diags diag.Diagnostics) (types.Object, diag.Diagnostics) {
	var block types.Object
	diags.Append(config.GetAttribute(ctx, path.Root("engine"), &block)...)
	if diags.HasError() || block.IsNull() {
		return types.ObjectNull(engineAttrTypes), diags
	}
	vals := make(map[string]attr.Value, len(engineAttrTypes))
	for k, t := range engineAttrTypes {
		if v, ok := block.Attributes()[k]; ok {
			vals[k] = v
			continue
		}
		null, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
		if err != nil {
			diags.AddError("Provider bug", err.Error())
			return types.ObjectNull(engineAttrTypes), diags
		}
		vals[k] = null
	}
	obj, d := types.ObjectValue(engineAttrTypes, vals)
	diags.Append(d...)
	if h, ok := vals["host"].(types.String); ok && h.IsNull() {
		diags.AddAttributeError(path.Root("engine").AtName("host"), "Missing engine host", "The `engine` block needs `host`.")
	}
	return obj, diags
}

// filter is the swarm.ListFilter of a list block's configuration.
func (m listConfigModel) filter(ctx context.Context) (swarm.ListFilter, diag.Diagnostics) {
	f := swarm.ListFilter{NamePrefix: m.NamePrefix.ValueString(), Labels: map[string]string{}}
	var diags diag.Diagnostics
	if !m.Labels.IsNull() {
		diags.Append(m.Labels.ElementsAs(ctx, &f.Labels, false)...)
	}
	if s := m.Stack.ValueString(); s != "" {
		if v, ok := f.Labels[swarm.LabelStackNamespace]; ok && v != s {
			diags.AddAttributeError(path.Root("stack"), "Conflicting filters",
				fmt.Sprintf("`stack` is %q but `labels` asks for %s=%q: no object can match both.", s, swarm.LabelStackNamespace, v))
		}
		f.Labels[swarm.LabelStackNamespace] = s
	}
	return f, diags
}

func (l *listResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	m, diags := l.config(ctx, req.Config)
	f, d := m.filter(ctx)
	diags.Append(d...)
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	c := l.client
	if !m.Engine.IsNull() {
		ec, d := clientForEngine(ctx, m.Engine)
		diags.Append(d...)
		if diags.HasError() {
			stream.Results = list.ListResultsStreamDiagnostics(diags)
			return
		}
		defer func() { _ = ec.Close() }()
		c = ec
	}
	if c == nil {
		diags.AddError("Provider not configured", "Listing Swarm "+l.spec.kind+" needs the provider's Engine connection.")
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	objs, err := l.spec.list(ctx, c, f, m.Engine)
	if err != nil {
		diags.AddError("Error listing Swarm "+l.spec.kind, err.Error())
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	// The results are made here, not in the stream: the engine client of a volume list is closed
	// when List returns.
	var results []list.ListResult
	for _, o := range objs {
		if req.Limit > 0 && int64(len(results)) >= req.Limit {
			break
		}
		r, keep := l.result(ctx, req, o)
		if keep {
			results = append(results, r)
		}
	}
	stream.Results = func(push func(list.ListResult) bool) {
		for _, r := range results {
			if !push(r) {
				return
			}
		}
	}
}

// result turns a listed object into a list result. An object that is gone by the time Read
// looks at it is left out (keep false).
func (l *listResource) result(ctx context.Context, req list.ListRequest, o listedObject) (list.ListResult, bool) {
	r := req.NewListResult(ctx)
	r.DisplayName = o.name
	if !req.IncludeResource {
		r.Diagnostics.Append(r.Identity.Set(ctx, o.identity)...)
		return r, true
	}
	st, ident, diags := readAsImported(ctx, l.resource, req, o)
	r.Diagnostics.Append(diags...)
	if r.Diagnostics.HasError() {
		return r, true
	}
	if st.Raw.IsNull() {
		return r, false
	}
	r.Resource.Raw, r.Identity.Raw = st.Raw, ident.Raw
	if ident.Raw.IsNull() {
		r.Diagnostics.Append(r.Identity.Set(ctx, o.identity)...)
	}
	return r, true
}

// readAsImported is what the import block that `-generate-config-out` writes (import by
// identity) then refresh would give for the object: the managed resource's ImportState with the
// object's identity, then its Read. o.adjust edits the state in between, for what an identity
// cannot carry.
func readAsImported(ctx context.Context, r resource.Resource, req list.ListRequest, o listedObject) (tfsdk.State, tfsdk.ResourceIdentity, diag.Diagnostics) {
	var diags diag.Diagnostics
	state := tfsdk.State{Schema: req.ResourceSchema, Raw: tftypes.NewValue(req.ResourceSchema.Type().TerraformType(ctx), nil)}
	nullIdentity := tftypes.NewValue(req.ResourceIdentitySchema.Type().TerraformType(ctx), nil)
	identity := tfsdk.ResourceIdentity{Schema: req.ResourceIdentitySchema, Raw: nullIdentity}
	importer, ok := r.(resource.ResourceWithImportState)
	if !ok {
		diags.AddError("Provider bug", fmt.Sprintf("%T does not import: it cannot back a list resource.", r))
		return state, identity, diags
	}
	diags.Append(identity.Set(ctx, o.identity)...)
	if diags.HasError() {
		return state, identity, diags
	}
	imported := tfsdk.ResourceIdentity{Schema: req.ResourceIdentitySchema, Raw: identity.Raw.Copy()}
	ir := &resource.ImportStateResponse{State: state, Identity: &imported}
	importer.ImportState(ctx, resource.ImportStateRequest{Identity: &identity}, ir)
	diags.Append(ir.Diagnostics...)
	if diags.HasError() {
		return state, identity, diags
	}
	if o.adjust != nil {
		diags.Append(o.adjust(ctx, &ir.State)...)
	}
	read := tfsdk.ResourceIdentity{Schema: req.ResourceIdentitySchema, Raw: ir.Identity.Raw.Copy()}
	rr := &resource.ReadResponse{State: ir.State, Identity: &read}
	r.Read(ctx, resource.ReadRequest{State: ir.State, Identity: ir.Identity}, rr)
	diags.Append(rr.Diagnostics...)
	return rr.State, *rr.Identity, diags
}
