package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure      = (*stackResource)(nil)
	_ resource.ResourceWithIdentity       = (*stackResource)(nil)
	_ resource.ResourceWithImportState    = (*stackResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*stackResource)(nil)
	_ resource.ResourceWithValidateConfig = (*stackResource)(nil)
	_ stackEngine                         = (*swarm.Client)(nil)
)

const (
	defaultStackCreateTimeout = 10 * time.Minute
	defaultStackUpdateTimeout = 10 * time.Minute
	defaultStackDeleteTimeout = 5 * time.Minute
)

// NewStackResource is the swarm_stack resource.
func NewStackResource() resource.Resource {
	return &stackResource{}
}

type stackResource struct {
	client stackEngine
}

type stackResourceModel struct {
	ID                types.String `tfsdk:"id"`
	Name              types.String `tfsdk:"name"`
	ComposeFiles      types.List   `tfsdk:"compose_files"`
	Variables         types.Map    `tfsdk:"variables"`
	EnvFile           types.String `tfsdk:"env_file"`
	WorkingDir        types.String `tfsdk:"working_dir"`
	UnmanagedReplicas types.Set    `tfsdk:"unmanaged_replicas"`
	Services          types.Map    `tfsdk:"services"`
	Objects           types.Map    `tfsdk:"objects"`
	// ConvergenceMonitor is swarm_service's convergence_monitor, for every service of the stack.
	ConvergenceMonitor semString      `tfsdk:"convergence_monitor"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
}

type stackServiceModel struct {
	ID       types.String `tfsdk:"id"`
	Image    types.String `tfsdk:"image"`
	Replicas types.Int64  `tfsdk:"replicas"`
	Spec     types.String `tfsdk:"spec"`
	Drift    types.List   `tfsdk:"drift"`
}

var stackServiceAttrTypes = map[string]attr.Type{
	"id": types.StringType, "image": types.StringType, "replicas": types.Int64Type,
	"spec": types.StringType, "drift": types.ListType{ElemType: types.StringType},
}

var stackServiceType = types.ObjectType{AttrTypes: stackServiceAttrTypes}

// source is what the configuration gives to load the compose files; known is false while any
// of it is unknown (plan of a configuration that depends on other resources).
func (m stackResourceModel) source(ctx context.Context) (src swarm.StackSource, known bool, diags diag.Diagnostics) {
	if m.ComposeFiles.IsUnknown() || m.Variables.IsUnknown() || m.EnvFile.IsUnknown() || m.WorkingDir.IsUnknown() {
		return src, false, diags
	}
	var files []types.String
	diags.Append(m.ComposeFiles.ElementsAs(ctx, &files, false)...)
	for _, f := range files {
		if f.IsUnknown() {
			return src, false, diags
		}
		src.Files = append(src.Files, f.ValueString())
	}
	vars := map[string]types.String{}
	diags.Append(m.Variables.ElementsAs(ctx, &vars, false)...)
	src.Variables = map[string]string{}
	for k, v := range vars {
		if v.IsUnknown() {
			return src, false, diags
		}
		src.Variables[k] = v.ValueString()
	}
	src.DotEnv = m.EnvFile.ValueString()
	src.WorkingDir = m.WorkingDir.ValueString()
	return src, !diags.HasError(), diags
}

func (m stackResourceModel) unmanaged(ctx context.Context) (map[string]bool, diag.Diagnostics) {
	var names []string
	diags := m.UnmanagedReplicas.ElementsAs(ctx, &names, false)
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out, diags
}

func (r *stackResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_stack"
}

func (r *stackResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A compose file deployed as a stack, exactly as `docker stack deploy` deploys it: loaded and " +
			"converted with the Docker CLI's own packages (`cli/compose/loader` and `cli/compose/convert`), with the names " +
			"(`<stack>_<name>`) and the `com.docker.stack.namespace` label that `docker stack ls/ps/services/rm` look for. " +
			"Services, networks, secrets and configs of the file are created, updated in place and removed when the file no " +
			"longer has them; `external: true` objects are looked up by name and never touched. Every apply waits for each " +
			"service to converge and reports the error of each failing task. A secret or config from a `file:` whose content " +
			"changed gets a new version (`<stack>_<name>-v2`, …) and the services move to it without downtime, as with " +
			"`swarm_secret`; its content never enters state (`objects` keeps a digest).\n\n" +
			"The compose inputs are write-only (Terraform 1.11 or later): they never enter state, so a stack made by " +
			"`docker stack deploy` and imported by its name plans nothing when the same file is configured. State keeps, per " +
			"service, the spec the file gives (`services[*].spec`); a refresh compares the live service with it and names " +
			"the fields that differ in `services[*].drift`, and the next apply restores them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "The stack's name.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "The stack's name (its namespace, `docker stack deploy`'s last argument): every object of the " +
					"stack is called `<name>_<compose name>` and labelled `com.docker.stack.namespace=<name>`. Changing it replaces the stack.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 50),
					stringvalidator.RegexMatches(swarmNamePattern, "must be letters and digits, with - or _ only between them"),
				},
			},
			"compose_files": schema.ListAttribute{
				MarkdownDescription: "The compose files' contents (typically `file(\"docker-compose.yml\")`), merged in order like " +
					"`docker stack deploy -c a.yml -c b.yml`: later files override earlier ones. A syntax error or an unknown key " +
					"fails the plan with the file's line and key. Write-only: never stored in state.",
				ElementType: types.StringType,
				Required:    true,
				WriteOnly:   true,
				Validators:  []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"variables": schema.MapAttribute{
				MarkdownDescription: "Values for the `${VAR}` interpolation of the files (what `docker stack deploy` takes from its " +
					"environment; the provider does not read its own environment). They win over `env_file`. Write-only.",
				ElementType: types.StringType,
				Optional:    true,
				WriteOnly:   true,
			},
			"env_file": schema.StringAttribute{
				MarkdownDescription: "The content of an `.env`-style file of defaults for the interpolation: `KEY=VALUE` lines, blank " +
					"lines and `#` comments skipped, values taken as written (as `docker run --env-file` reads them). Write-only.",
				Optional:  true,
				WriteOnly: true,
			},
			"working_dir": schema.StringAttribute{
				MarkdownDescription: "The directory that relative paths in the files are relative to (`file:` of secrets and configs, " +
					"bind mounts), like the directory of the first `-c` file for `docker stack deploy`. Defaults to Terraform's " +
					"working directory; `path.module` is the usual value. Files of secrets and configs are read at plan time (for " +
					"the digest) and again at apply time. Write-only.",
				Optional:  true,
				WriteOnly: true,
			},
			"unmanaged_replicas": schema.SetAttribute{
				MarkdownDescription: "Compose names of services whose replica count is left as the swarm has it (an autoscaler or " +
					"`docker service scale` owns it), as `swarm_service` does with `mode.replicated.unmanaged_replicas`: the file's " +
					"`deploy.replicas` is used when the service is created only, and a changed count is no drift.",
				ElementType: types.StringType,
				Optional:    true,
			},
			"convergence_monitor": convergenceMonitorAttribute(
				"How long create and update keep watching the stack's services once every task of each runs, as `swarm_service`'s " +
					"`convergence_monitor` does: a task that stops in that time sends its service's wait back, and a service whose tasks " +
					"keep failing fails the apply with their errors. The services are watched side by side (jobs are not watched). " +
					"Left out, the wait ends as soon as every task runs."),
			"services": schema.MapNestedAttribute{
				MarkdownDescription: "The stack's services by compose name (read-only), for outputs and `check` blocks.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":       schema.StringAttribute{MarkdownDescription: "The service's ID.", Computed: true},
					"image":    schema.StringAttribute{MarkdownDescription: "The image the service runs (as the Engine has it).", Computed: true},
					"replicas": schema.Int64Attribute{MarkdownDescription: "The replica count the Engine has (null for global services and jobs).", Computed: true},
					"spec": schema.StringAttribute{
						MarkdownDescription: "The service spec the compose file gives, as JSON without IDs, versions and values the " +
							"Engine fills in (the replica count is left out for `unmanaged_replicas` services). The plan shows a " +
							"change of the file as a change of this.",
						Computed: true,
					},
					"drift": schema.ListAttribute{
						MarkdownDescription: "The fields, in compose terms (`replicas`, `image`, `environment`, `deploy.labels`, " +
							"`deploy.resources`, …), in which the live service differs from `spec`; empty when it matches. A " +
							"refresh-only plan shows drift here; an apply restores the file's values.",
						ElementType: types.StringType,
						Computed:    true,
					},
				}},
			},
			"objects": schema.MapAttribute{
				MarkdownDescription: "A digest (`sha256:…`) of the content of each secret (`secret.<name>`) and config " +
					"(`config.<name>`) that the file defines (external ones are not listed), or `adopted` for a secret imported " +
					"with the stack (the Engine never returns a secret's content, so it is kept as it is). A changed digest " +
					"rotates the object.",
				ElementType: types.StringType,
				Computed:    true,
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true}),
		},
	}
}

func (r *stackResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The stack's name.")
}

func (r *stackResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *stackResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, config stackResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultStackCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp.Diagnostics.Append(r.apply(ctx, "creating", plan, config, stackResourceModel{}, &resp.State)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, plan.Name.ValueString())...)
}

func (r *stackResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state stackResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := state.Name.ValueString()
	live, err := r.client.ReadStack(ctx, ns)
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm stack", fmt.Sprintf("Stack %s: %s", ns, err))
		return
	}
	if live.Empty() {
		resp.State.RemoveResource(ctx)
		return
	}
	prior, diags := stackServicesOf(ctx, state.Services)
	resp.Diagnostics.Append(diags...)
	unmanaged, diags := state.unmanaged(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	services, diags := flattenStackServices(ctx, ns, live, prior, unmanaged)
	resp.Diagnostics.Append(diags...)
	state.Services = services
	state.Objects = readStackObjects(state.Objects, live)
	state.ID = types.StringValue(ns)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, ns)...)
}

func (r *stackResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, config, prior stackResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &prior)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultStackUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp.Diagnostics.Append(r.apply(ctx, "updating", plan, config, prior, &resp.State)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, plan.Name.ValueString())...)
}

func (r *stackResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state stackResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultStackDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.client.RemoveStack(ctx, state.Name.ValueString()); err != nil {
		resp.Diagnostics.AddError("Error removing Swarm stack", fmt.Sprintf("Stack %s: %s", state.Name.ValueString(), timeoutErr(ctx, "swarm_stack", "delete", err)))
	}
}

func (r *stackResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	name, diags := importIDOf(ctx, req, "Import a swarm_stack by its name (the namespace given to docker stack deploy): terraform import swarm_stack.example <name>")
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	live, err := r.client.ReadStack(ctx, name)
	if err != nil {
		resp.Diagnostics.AddError("Error importing Swarm stack", fmt.Sprintf("Stack %s: %s", name, err))
		return
	}
	if live.Empty() {
		resp.Diagnostics.AddError("Error importing Swarm stack", fmt.Sprintf("No service, network, secret or config carries the label %s=%s.", swarm.LabelNamespace, name))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), name)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, name)...)
}

func (r *stackResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config stackResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || config.ComposeFiles.IsNull() {
		return
	}
	src, known, diags := config.source(ctx)
	resp.Diagnostics.Append(diags...)
	if !known || resp.Diagnostics.HasError() {
		return
	}
	if _, _, err := swarm.LoadCompose(src); err != nil {
		resp.Diagnostics.Append(composeDiag("Invalid compose file", err)...)
	}
}

func (r *stackResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config stackResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	var prior *stackResourceModel
	if !req.State.Raw.IsNull() {
		prior = &stackResourceModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, prior)...)
	}
	src, known, diags := config.source(ctx)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !known || plan.Name.IsUnknown() || plan.UnmanagedReplicas.IsUnknown() {
		plan.Services = types.MapUnknown(stackServiceType)
		plan.Objects = types.MapUnknown(types.StringType)
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	spec, warnings, diags := loadStackSpec(ctx, plan.Name.ValueString(), src)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, w := range warnings {
		resp.Diagnostics.AddAttributeWarning(path.Root("compose_files"), "Compose file option ignored", w)
	}
	unmanaged, diags := plan.unmanaged(ctx)
	resp.Diagnostics.Append(diags...)
	for name := range unmanaged {
		if _, ok := spec.Services[name]; !ok {
			resp.Diagnostics.AddAttributeError(path.Root("unmanaged_replicas"), "Unknown stack service",
				fmt.Sprintf("The compose files have no service %q (they have %s).", name, strings.Join(spec.ServiceNames(), ", ")))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	var priorServices map[string]stackServiceModel
	var priorObjects types.Map
	if prior != nil {
		priorServices, diags = stackServicesOf(ctx, prior.Services)
		resp.Diagnostics.Append(diags...)
		priorObjects = prior.Objects
	}
	services, diags := planStackServices(ctx, spec, priorServices, unmanaged)
	resp.Diagnostics.Append(diags...)
	plan.Services = services
	plan.Objects = planStackObjects(spec, priorObjects)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// apply deploys the configuration and writes what the Engine then holds into state.
func (r *stackResource) apply(ctx context.Context, verb string, plan, config, prior stackResourceModel, state stateSetter) diag.Diagnostics {
	var diags diag.Diagnostics
	ns := plan.Name.ValueString()
	src, _, d := config.source(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	spec, _, d := loadStackSpec(ctx, ns, src)
	diags.Append(d...)
	unmanaged, d := plan.unmanaged(ctx)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	objects := planStackObjects(spec, prior.Objects)
	rotate := map[string]bool{}
	changed := stackRotations(prior.Objects, objects)
	for _, o := range slices.Concat(spec.Secrets, spec.Configs) {
		if changed[objectKey(o)] {
			rotate[o.Name] = true
		}
	}
	auths, d := stackRegistryAuths(r.client.RegistryAuth(), spec)
	diags.Append(d...)
	if diags.HasError() {
		return diags
	}
	deployErr := r.client.DeployStack(ctx, spec, swarm.StackDeployOptions{
		UnmanagedReplicas: unmanaged,
		Rotate:            rotate,
		RegistryAuth:      func(image string) string { return auths[image] },
		Converge:          swarm.ConvergeOptions{Monitor: durationOr(plan.ConvergenceMonitor, 0), Progress: convergeProgress(ctx)},
	})
	// Whatever was deployed goes into state, also when some service failed (a failed apply taints).
	readCtx, readCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer readCancel()
	live, err := r.client.ReadStack(readCtx, ns)
	if err != nil {
		diags.AddError("Error reading Swarm stack after "+verb, fmt.Sprintf("Stack %s: %s", ns, err))
		return diags
	}
	desired := map[string]stackServiceModel{}
	for key, s := range spec.Services {
		canon, err := swarm.CanonicalSpec(s, nil, !unmanaged[key])
		if err != nil {
			diags.AddError("Error converting compose file", err.Error())
			return diags
		}
		desired[key] = stackServiceModel{Spec: types.StringValue(canon)}
	}
	services, d := flattenStackServices(ctx, ns, swarm.StackState{Services: onlyKeys(live.Services, spec.Services), Logical: live.Logical}, desired, unmanaged)
	diags.Append(d...)
	out := plan
	out.ID = types.StringValue(ns)
	out.ComposeFiles = types.ListNull(types.StringType)
	out.Variables = types.MapNull(types.StringType)
	out.EnvFile = types.StringNull()
	out.WorkingDir = types.StringNull()
	out.Services = services
	out.Objects = objects
	diags.Append(state.Set(ctx, &out)...)
	if deployErr != nil {
		op := map[string]string{"creating": "create", "updating": "update"}[verb]
		diags.AddError("Error "+verb+" Swarm stack", fmt.Sprintf("Stack %s: %s", ns, timeoutErr(ctx, "swarm_stack", op, deployErr)))
	}
	return diags
}

type stateSetter interface {
	Set(ctx context.Context, val any) diag.Diagnostics
}

func onlyKeys[V any, W any](m map[string]V, keep map[string]W) map[string]V {
	out := map[string]V{}
	for k, v := range m {
		if _, ok := keep[k]; ok {
			out[k] = v
		}
	}
	return out
}

// loadStackSpec loads and converts the files; errors name the attribute they come from.
func loadStackSpec(ctx context.Context, ns string, src swarm.StackSource) (swarm.StackSpec, []string, diag.Diagnostics) {
	cfg, warnings, err := swarm.LoadCompose(src)
	if err != nil {
		return swarm.StackSpec{}, nil, composeDiag("Invalid compose file", err)
	}
	spec, err := swarm.ConvertStack(ctx, ns, cfg)
	if err != nil {
		var diags diag.Diagnostics
		diags.AddAttributeError(path.Root("compose_files"), "Invalid compose file", err.Error())
		return swarm.StackSpec{}, nil, diags
	}
	return spec, warnings, nil
}

// composeDiag puts a loading error on the attribute path of the file it is about.
func composeDiag(summary string, err error) diag.Diagnostics {
	var diags diag.Diagnostics
	p := path.Root("compose_files")
	var ce *swarm.ComposeError
	if errors.As(err, &ce) {
		switch {
		case ce.File >= 0:
			p = p.AtListIndex(ce.File)
		case ce.Line > 0 && strings.Contains(ce.Err.Error(), ".env"):
			p = path.Root("env_file")
		}
	}
	diags.AddAttributeError(p, summary, err.Error())
	return diags
}

func stackServicesOf(ctx context.Context, m types.Map) (map[string]stackServiceModel, diag.Diagnostics) {
	out := map[string]stackServiceModel{}
	if m.IsNull() || m.IsUnknown() {
		return out, nil
	}
	diags := m.ElementsAs(ctx, &out, false)
	return out, diags
}

// flattenStackServices turns the live services into the `services` map. spec stays what the file
// gave (prior), or becomes the live spec for a service state does not know yet (an import).
func flattenStackServices(ctx context.Context, ns string, live swarm.StackState, prior map[string]stackServiceModel, unmanaged map[string]bool) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]stackServiceModel{}
	for key, svc := range live.Services {
		liveCanon, err := swarm.CanonicalSpec(svc.Spec, live.Logical, !unmanaged[key])
		if err != nil {
			diags.AddError("Error reading Swarm stack", fmt.Sprintf("Service %s_%s: %s", ns, key, err))
			continue
		}
		m := stackServiceModel{ID: types.StringValue(svc.ID), Replicas: types.Int64Null(), Image: types.StringNull()}
		if cs := svc.Spec.TaskTemplate.ContainerSpec; cs != nil {
			m.Image = types.StringValue(cs.Image)
		}
		if n := swarm.ReplicasOf(svc.Spec); n >= 0 {
			m.Replicas = types.Int64Value(n)
		}
		want := liveCanon
		if p, ok := prior[key]; ok && !p.Spec.IsNull() && !p.Spec.IsUnknown() {
			want = p.Spec.ValueString()
		}
		drift, err := swarm.SpecDrift(want, liveCanon)
		if err != nil {
			diags.AddError("Error reading Swarm stack", fmt.Sprintf("Service %s_%s: %s", ns, key, err))
			continue
		}
		m.Spec = types.StringValue(want)
		d, dd := types.ListValueFrom(ctx, types.StringType, drift)
		diags.Append(dd...)
		m.Drift = d
		out[key] = m
	}
	v, d := types.MapValueFrom(ctx, stackServiceType, out)
	diags.Append(d...)
	return v, diags
}

// planStackServices is the `services` the file gives: a service whose spec, replica count or
// drift would change gets unknown values where the Engine decides (ID of a new service, image).
func planStackServices(ctx context.Context, spec swarm.StackSpec, prior map[string]stackServiceModel, unmanaged map[string]bool) (types.Map, diag.Diagnostics) {
	var diags diag.Diagnostics
	out := map[string]stackServiceModel{}
	noDrift, _ := types.ListValueFrom(ctx, types.StringType, []string{})
	for key, s := range spec.Services {
		canon, err := swarm.CanonicalSpec(s, nil, !unmanaged[key])
		if err != nil {
			diags.AddAttributeError(path.Root("compose_files"), "Invalid compose file", fmt.Sprintf("Service %s: %s", key, err))
			continue
		}
		m := stackServiceModel{ID: types.StringUnknown(), Image: types.StringUnknown(), Replicas: types.Int64Null(), Spec: types.StringValue(canon), Drift: types.ListUnknown(types.StringType)}
		if n := swarm.ReplicasOf(s); n >= 0 {
			m.Replicas = types.Int64Value(n)
		}
		p, ok := prior[key]
		if ok {
			m.ID, m.Drift = p.ID, noDrift
			if unmanaged[key] && !p.Replicas.IsNull() {
				m.Replicas = p.Replicas
			}
			if p.Spec.Equal(m.Spec) && p.Drift.Equal(m.Drift) && p.Replicas.Equal(m.Replicas) {
				m.Image = p.Image
			} else {
				// The apply reads the drift back: a value the Engine fills in that the
				// comparison does not know yet then shows as a diff, not as a failed apply.
				m.Drift = types.ListUnknown(types.StringType)
			}
		}
		out[key] = m
	}
	v, d := types.MapValueFrom(ctx, stackServiceType, out)
	diags.Append(d...)
	return v, diags
}

// digestAdopted stands for the content of a secret imported with the stack.
const digestAdopted = "adopted"

func objectKey(o swarm.StackObject) string { return string(o.Kind) + "." + o.Key }

// planStackObjects is the `objects` map the file gives; a secret that state holds as adopted
// (imported: its content cannot be read back) stays adopted.
func planStackObjects(spec swarm.StackSpec, prior types.Map) types.Map {
	priorVals := stringMapOf(prior)
	out := map[string]attr.Value{}
	for _, o := range slices.Concat(spec.Secrets, spec.Configs) {
		if o.External {
			continue // looked up by name, never written: nothing to compare
		}
		k, d := objectKey(o), o.Digest()
		if priorVals[k] == digestAdopted {
			d = digestAdopted
		}
		out[k] = types.StringValue(d)
	}
	return types.MapValueMust(types.StringType, out)
}

// readStackObjects keeps the digests of state; an imported stack gets the digests of its configs
// (the Engine returns their data) and `adopted` for its secrets.
func readStackObjects(prior types.Map, live swarm.StackState) types.Map {
	if !prior.IsNull() && !prior.IsUnknown() {
		return prior
	}
	out := map[string]attr.Value{}
	for _, o := range live.Secrets {
		if o.Generation() <= 1 {
			out["secret."+keyOf(o)] = types.StringValue(digestAdopted)
		}
	}
	for _, o := range live.Configs {
		if o.Generation() <= 1 {
			out["config."+keyOf(o)] = types.StringValue(swarm.StackObject{Data: o.Data}.Digest())
		}
	}
	return types.MapValueMust(types.StringType, out)
}

// keyOf is the compose name of a stack object: the part after "<stack>_" of its logical name.
func keyOf(o swarm.Object) string {
	n := o.Name
	if f := o.Family(); f != "" {
		n = f
	}
	ns := o.Labels[swarm.LabelNamespace]
	return strings.TrimPrefix(n, ns+"_")
}

func stringMapOf(m types.Map) map[string]string {
	out := map[string]string{}
	if m.IsNull() || m.IsUnknown() {
		return out
	}
	for k, v := range m.Elements() {
		if s, ok := v.(types.String); ok {
			out[k] = s.ValueString()
		}
	}
	return out
}

// stackRotations lists the `objects` keys whose digest changed.
func stackRotations(prior, next types.Map) map[string]bool {
	p, n := stringMapOf(prior), stringMapOf(next)
	out := map[string]bool{}
	for _, k := range slices.Sorted(maps.Keys(n)) {
		old, ok := p[k]
		if !ok || old == n[k] || old == digestAdopted {
			continue
		}
		out[k] = true
	}
	return out
}

// stackRegistryAuths looks up the provider's registry credentials for every image of the stack
// (as `docker stack deploy --with-registry-auth` does), before anything is deployed: a broken
// credential source fails the apply with nothing changed. Images with no credentials get "".
func stackRegistryAuths(reg *swarm.RegistryAuth, spec swarm.StackSpec) (map[string]string, diag.Diagnostics) {
	var diags diag.Diagnostics
	auths := map[string]string{}
	for _, key := range spec.ServiceNames() {
		image := spec.Services[key].TaskTemplate.ContainerSpec.Image
		if _, done := auths[image]; done {
			continue
		}
		enc, err := reg.EncodedAuth(image, nil)
		if err != nil {
			diags.AddAttributeError(path.Root("compose_files"), "Registry credentials",
				fmt.Sprintf("Service %s, image %s: %s", key, image, err))
			continue
		}
		auths[image] = enc
	}
	return auths, diags
}
