package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ resource.ResourceWithConfigure    = (*serviceResource)(nil)
	_ resource.ResourceWithIdentity     = (*serviceResource)(nil)
	_ resource.ResourceWithImportState  = (*serviceResource)(nil)
	_ resource.ResourceWithModifyPlan   = (*serviceResource)(nil)
	_ resource.ResourceWithUpgradeState = (*serviceResource)(nil)
)

const (
	defaultServiceCreateTimeout = 10 * time.Minute
	defaultServiceUpdateTimeout = 10 * time.Minute
	defaultServiceDeleteTimeout = 5 * time.Minute
)

// serviceStateCodec writes serviceResourceModel as the state of the schema (state_codec.go).
var serviceStateCodec = lazyStateCodec{build: func(ctx context.Context) (*stateCodec, error) {
	return newStateCodec(ctx, serviceResourceSchema(ctx).Type(), reflect.TypeFor[serviceResourceModel]())
}}

// NewServiceResource is the swarm_service resource.
func NewServiceResource() resource.Resource {
	return &serviceResource{}
}

type serviceResource struct {
	client serviceEngine
}

type serviceResourceModel struct {
	ID                 types.String       `tfsdk:"id"`
	Name               types.String       `tfsdk:"name"`
	Labels             map[string]string  `tfsdk:"labels"`
	Mode               types.Object       `tfsdk:"mode"`
	TaskTemplate       taskTemplateModel  `tfsdk:"task_template"`
	UpdateConfig       *updateConfigModel `tfsdk:"update_config"`
	RollbackConfig     *updateConfigModel `tfsdk:"rollback_config"`
	EndpointSpec       *endpointSpecModel `tfsdk:"endpoint_spec"`
	WaitForConvergence types.Bool         `tfsdk:"wait_for_convergence"`
	ConvergenceMonitor semString          `tfsdk:"convergence_monitor"`
	Timeouts           timeouts.Value     `tfsdk:"timeouts"`
	// Registry credentials and digests (service_registry.go).
	ResolveImage types.String              `tfsdk:"resolve_image"`
	ImageDigest  types.String              `tfsdk:"image_digest"`
	RegistryAuth *serviceRegistryAuthModel `tfsdk:"registry_auth"`
}

func (m serviceResourceModel) spec() serviceSpecModel {
	return serviceSpecModel{
		Name: m.Name.ValueString(), Labels: m.Labels, Mode: m.Mode, TaskTemplate: m.TaskTemplate,
		UpdateConfig: m.UpdateConfig, RollbackConfig: m.RollbackConfig, EndpointSpec: m.EndpointSpec,
	}
}

// withLive returns the model with everything the Engine holds, keeping the provider-only
// attributes. present says which blocks of defaults the plan or prior state has.
func (m serviceResourceModel) withLive(svc apiswarm.Service, priorNetworks []networkAttachModel, present serviceBlocks) serviceResourceModel {
	s := flattenServiceSpec(svc.Spec, priorNetworks, present)
	out := serviceResourceModel{
		ID: types.StringValue(svc.ID), Name: types.StringValue(s.Name), Labels: s.Labels, Mode: s.Mode,
		TaskTemplate: s.TaskTemplate, UpdateConfig: s.UpdateConfig, RollbackConfig: s.RollbackConfig, EndpointSpec: s.EndpointSpec,
		WaitForConvergence: m.WaitForConvergence, ConvergenceMonitor: m.ConvergenceMonitor, Timeouts: m.Timeouts,
		ResolveImage: m.ResolveImage, ImageDigest: liveImageDigest(svc), RegistryAuth: m.RegistryAuth,
	}
	if out.RegistryAuth != nil {
		// Write-only: never stored.
		ra := *out.RegistryAuth
		ra.PasswordWO = types.StringNull()
		out.RegistryAuth = &ra
	}
	if out.WaitForConvergence.IsNull() || out.WaitForConvergence.IsUnknown() {
		out.WaitForConvergence = types.BoolValue(true)
	}
	if out.ConvergenceMonitor.IsNull() || out.ConvergenceMonitor.IsUnknown() {
		out.ConvergenceMonitor = nullDuration()
	}
	if out.Timeouts.IsNull() || out.Timeouts.IsUnknown() {
		out.Timeouts = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "update": types.StringType, "delete": types.StringType,
		})}
	}
	return out
}

// convergeOptions is how create (previous 0) and update (the version before it) wait.
func (m serviceResourceModel) convergeOptions(ctx context.Context, previous uint64) swarm.ConvergeOptions {
	return swarm.ConvergeOptions{PreviousVersion: previous, Monitor: durationOr(m.ConvergenceMonitor, 0), Progress: convergeProgress(ctx)}
}

func (r *serviceResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (r *serviceResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = serviceResourceSchema(ctx)
}

func (r *serviceResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = idIdentitySchema("The service's ID.")
}

func (r *serviceResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if c := clientFromProviderData(req.ProviderData, &resp.Diagnostics); c != nil {
		r.client = c
	}
}

func (r *serviceResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan serviceResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultServiceCreateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if err := r.fillReferenceNames(ctx, &plan.TaskTemplate.ContainerSpec); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("task_template").AtName("container_spec"), "Error creating Swarm service", err.Error())
		return
	}
	spec, diags := expandServiceSpec(plan.spec(), nil)
	resp.Diagnostics.Append(diags...)
	image, diags := configuredImage(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	auth, diags := serviceAuth(ctx, r.client, req.Config, image)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	engineImg, resolveErr := engineImage(ctx, r.client, image, plan.ImageDigest, auth, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	spec.TaskTemplate.ContainerSpec.Image = engineImg
	id, warnings, err := r.client.CreateService(ctx, spec, auth)
	if err != nil {
		resp.Diagnostics.AddError("Error creating Swarm service", fmt.Sprintf("Service %s: %s", spec.Name, err))
		return
	}
	logWarnings(ctx, spec.Name, warnings)

	var waitErr error
	if plan.WaitForConvergence.ValueBool() {
		waitErr = r.client.WaitConverged(ctx, id, plan.convergeOptions(ctx, 0))
	}
	// The service exists now: whatever happens next, it goes into state (a failed wait taints it).
	readCtx, readCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer readCancel()
	svc, err := r.client.InspectService(readCtx, id)
	if err != nil {
		plan.ID = types.StringValue(id)
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
		resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, id)...)
		resp.Diagnostics.AddError("Error reading Swarm service after create", fmt.Sprintf("Service %s (%s): %s", spec.Name, id, err))
		return
	}
	state := plan.withLive(svc, plan.TaskTemplate.Networks, plan.spec().blocks())
	resp.Diagnostics.Append(setState(ctx, &resp.State, &serviceStateCodec, state)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, id)...)
	if waitErr != nil {
		resp.Diagnostics.AddError("Swarm service did not converge",
			fmt.Sprintf("Service %s (%s) was created but did not converge; it stays in state and is marked for replacement.\n\n%s%s", spec.Name, id, timeoutErr(ctx, "swarm_service", "create", waitErr), registryHint(resolveErr)))
	}
}

func (r *serviceResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var p servicePriorModel
	resp.Diagnostics.Append(getState(ctx, req.State, &servicePriorCodec, &p)...)
	if resp.Diagnostics.HasError() {
		return
	}
	state, err := r.refresh(ctx, p)
	if errors.Is(err, swarm.ErrNotFound) {
		tflog.Warn(ctx, "Swarm service not found; removing it from state", map[string]any{"id": p.ID.ValueString()})
		resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, p.ID.ValueString())...)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm service", fmt.Sprintf("Service %s: %s", p.ID.ValueString(), err))
		return
	}
	resp.Diagnostics.Append(setState(ctx, &resp.State, &serviceStateCodec, state)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, state.ID.ValueString())...)
}

// refresh is Read's own work, shared with the protocol-level fast path (service_fastread.go): the
// state from what the Engine holds now and what the prior state keeps. The error wraps
// swarm.ErrNotFound when the service is gone.
func (r *serviceResource) refresh(ctx context.Context, p servicePriorModel) (serviceResourceModel, error) {
	prior := serviceResourceModel{
		WaitForConvergence: p.WaitForConvergence, ConvergenceMonitor: p.ConvergenceMonitor, Timeouts: p.Timeouts,
		ResolveImage: p.ResolveImage, RegistryAuth: p.RegistryAuth,
	}
	var priorNetworks []networkAttachModel
	if p.TaskTemplate != nil {
		priorNetworks = p.TaskTemplate.Networks
	}
	svc, err := r.client.InspectService(ctx, p.ID.ValueString())
	if err != nil {
		return serviceResourceModel{}, err
	}
	return prior.withLive(svc, priorNetworks, p.blocks()), nil
}

func (r *serviceResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state serviceResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultServiceUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	if err := r.fillReferenceNames(ctx, &plan.TaskTemplate.ContainerSpec); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("task_template").AtName("container_spec"), "Error updating Swarm service", err.Error())
		return
	}
	image, diags := configuredImage(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	auth, diags := serviceAuth(ctx, r.client, req.Config, image)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	engineImg, resolveErr := engineImage(ctx, r.client, image, plan.ImageDigest, auth, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var sent apiswarm.ServiceSpec
	res, err := r.client.UpdateService(ctx, id, auth, func(current apiswarm.Service) (apiswarm.ServiceSpec, error) {
		spec, d := expandServiceSpec(plan.spec(), &current)
		if d.HasError() {
			return spec, fmt.Errorf("%s", diagSummary(d))
		}
		spec.TaskTemplate.ContainerSpec.Image = engineImg
		sent = spec
		return spec, nil
	})
	if err != nil {
		resp.Diagnostics.AddError("Error updating Swarm service", fmt.Sprintf("Service %s (%s): %s", plan.Name.ValueString(), id, err))
		return
	}
	logWarnings(ctx, plan.Name.ValueString(), res.Warnings)

	var waitErr error
	if plan.WaitForConvergence.ValueBool() {
		waitErr = r.client.WaitConverged(ctx, id, plan.convergeOptions(ctx, res.Previous.Version.Index))
	}

	readCtx, readCancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer readCancel()
	if waitErr == nil {
		// Secret and config versions the old spec used and the new one does not may go now.
		oldSecrets, oldConfigs := swarm.ReferencedObjects(res.Previous.Spec)
		newSecrets, newConfigs := swarm.ReferencedObjects(sent)
		if err := r.client.PruneReleased(readCtx, swarm.Released(oldSecrets, newSecrets), swarm.Released(oldConfigs, newConfigs)); err != nil {
			resp.Diagnostics.AddWarning("Superseded secret or config versions were not removed", err.Error())
		}
	}
	svc, err := r.client.InspectService(readCtx, id)
	if err != nil {
		resp.Diagnostics.AddError("Error reading Swarm service after update", fmt.Sprintf("Service %s (%s): %s", plan.Name.ValueString(), id, err))
		return
	}
	newState := plan.withLive(svc, plan.TaskTemplate.Networks, plan.spec().blocks())
	resp.Diagnostics.Append(setState(ctx, &resp.State, &serviceStateCodec, newState)...)
	resp.Diagnostics.Append(setIDIdentity(ctx, resp.Identity, id)...)
	if waitErr != nil {
		resp.Diagnostics.AddError("Swarm service update did not converge",
			fmt.Sprintf("Service %s (%s): %s%s", plan.Name.ValueString(), id, timeoutErr(ctx, "swarm_service", "update", waitErr), registryHint(resolveErr)))
	}
}

func (r *serviceResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	// Only what the delete needs: a create whose read-back failed left a tainted state of the ID
	// alone, which the whole model cannot hold, and it must still be destroyable.
	var state struct {
		ID, Name types.String
		Timeouts timeouts.Value
	}
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &state.ID)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &state.Name)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &state.Timeouts)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultServiceDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	id := state.ID.ValueString()
	// What the live service references decides what may be pruned afterwards, and what its tasks
	// hold decides whether to wait for them (a service that cannot be read is waited for).
	var secretIDs, configIDs []string
	waitTasks := true
	if svc, err := r.client.InspectService(ctx, id); err == nil {
		secretIDs, configIDs = swarm.ReferencedObjects(svc.Spec)
		waitTasks = swarm.TasksHoldBookings(svc.Spec)
	}
	if err := r.client.RemoveService(ctx, id); err != nil {
		resp.Diagnostics.AddError("Error deleting Swarm service", fmt.Sprintf("Service %s (%s): %s", state.Name.ValueString(), id, err))
		return
	}
	// The tasks stop after the service is gone. Waiting for them here would hold one of
	// Terraform's parallel operations per service for the whole stop, which made a destroy of many
	// services about twice the swarm's own removal. Only tasks holding a host-mode port or a
	// reservation are waited for, so that a replacement (created after this delete) can be placed
	// on their nodes at once; a network or volume the service used waits for the tasks in its own
	// delete, and its secrets and configs are free as soon as no service names them.
	if waitTasks {
		if err := r.client.WaitServiceRemoved(ctx, id); err != nil {
			resp.Diagnostics.AddError("Error waiting for the Swarm service's tasks to stop",
				fmt.Sprintf("Service %s (%s) was removed, but its tasks did not all go away: %s", state.Name.ValueString(), id, timeoutErr(ctx, "swarm_service", "delete", err)))
			return
		}
	}
	if len(secretIDs)+len(configIDs) > 0 {
		if err := r.client.PruneReleased(ctx, secretIDs, configIDs); err != nil {
			resp.Diagnostics.AddWarning("Superseded secret or config versions were not removed", err.Error())
		}
	}
}

func (r *serviceResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID == "" && req.Identity == nil {
		resp.Diagnostics.AddError("Invalid import ID", "Import a swarm_service by its ID or its name: terraform import swarm_service.example <id-or-name>")
		return
	}
	resource.ImportStatePassthroughWithIdentity(ctx, path.Root("id"), path.Root("id"), req, resp)
	r.importResolveImage(ctx, resp)
}

// importResolveImage sets resolve_image = "never" on an import of a service that runs its image
// unpinned (made by `docker service create --no-resolve-image`, by kreuzwerker/docker, or by a
// configuration with resolve_image = "never"): that is how it was made, so a configuration saying
// so plans no change, where a left-out resolve_image (always) plans pinning the tag. The lookup is
// Read's to report: a service that is not there is left to it.
func (r *serviceResource) importResolveImage(ctx context.Context, resp *resource.ImportStateResponse) {
	if resp.Diagnostics.HasError() || r.client == nil {
		return
	}
	var id types.String
	if resp.Diagnostics.Append(resp.State.GetAttribute(ctx, path.Root("id"), &id)...); resp.Diagnostics.HasError() {
		return
	}
	svc, err := r.client.InspectService(ctx, id.ValueString())
	if err != nil || svc.Spec.TaskTemplate.ContainerSpec == nil || !liveImageDigest(svc).IsNull() {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("resolve_image"), resolveNever)...)
}

// ModifyPlan refuses attributes that the Engine's API version does not have yet, and plans the
// image digest (planImageDigest).
func (r *serviceResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	planUnmanagedReplicas(ctx, req, resp)
	if req.Plan.Raw.IsNull() {
		return
	}
	r.planImageDigest(ctx, req, resp)
	if r.client == nil {
		return
	}
	apiVersion, err := r.client.APIVersion(ctx)
	if err != nil || apiVersion == "" {
		// The Engine is not reachable at plan time (or the provider is not configured yet): the
		// apply will tell.
		tflog.Debug(ctx, "skipping the Engine API version check of swarm_service", map[string]any{"error": fmt.Sprint(err)})
		return
	}
	addAPIGateDiagnostics(&resp.Diagnostics, serviceAPIGateViolations(req.Config.Raw, apiVersion), apiVersion)
}

// UpgradeState moves states of versions 0 and 1 (service_state_upgrade.go). Both read the stored
// JSON: their file modes were numbers, which no prior schema of the current model can hold.
func (r *serviceResource) UpgradeState(context.Context) map[int64]resource.StateUpgrader {
	return map[int64]resource.StateUpgrader{
		0: {StateUpgrader: upgradeServiceStateV0},
		1: {StateUpgrader: upgradeServiceStateV1},
	}
}

// planUnmanagedReplicas makes a replica count that the configuration leaves out unknown when the
// service is updated for another reason: the apply then keeps the count the Engine holds at that
// moment (an autoscaler may have changed it since the plan) instead of the one the plan read.
func planUnmanagedReplicas(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || req.Plan.Raw.Equal(req.State.Raw) {
		return
	}
	replicasPath := path.Root("mode").AtName("replicated").AtName("replicas")
	var configured, planned types.Int64
	if d := req.Config.GetAttribute(ctx, replicasPath, &configured); d.HasError() || !configured.IsNull() {
		return
	}
	var replicated types.Object
	if d := req.Plan.GetAttribute(ctx, path.Root("mode").AtName("replicated"), &replicated); d.HasError() || replicated.IsNull() || replicated.IsUnknown() {
		return
	}
	if d := req.Plan.GetAttribute(ctx, replicasPath, &planned); d.HasError() || planned.IsUnknown() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, replicasPath, types.Int64Unknown())...)
}

// servicePriorModel is what Read takes from the prior state: the provider's own attributes, the
// networks as the user named them, and which blocks of defaults the state has (raw values: only
// whether they are null counts).
type servicePriorModel struct {
	ID                 types.String   `tfsdk:"id"`
	Name               tftypes.Value  `tfsdk:"name"`
	Mode               tftypes.Value  `tfsdk:"mode"`
	WaitForConvergence types.Bool     `tfsdk:"wait_for_convergence"`
	ConvergenceMonitor semString      `tfsdk:"convergence_monitor"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
	// Registry settings (service_registry.go), kept as written.
	ResolveImage types.String              `tfsdk:"resolve_image"`
	RegistryAuth *serviceRegistryAuthModel `tfsdk:"registry_auth"`
	TaskTemplate *struct {
		Networks      []networkAttachModel `tfsdk:"networks"`
		RestartPolicy tftypes.Value        `tfsdk:"restart_policy"`
		Placement     tftypes.Value        `tfsdk:"placement"`
	} `tfsdk:"task_template"`
	UpdateConfig   tftypes.Value `tfsdk:"update_config"`
	RollbackConfig tftypes.Value `tfsdk:"rollback_config"`
	EndpointSpec   tftypes.Value `tfsdk:"endpoint_spec"`
}

// servicePriorCodec reads servicePriorModel from the state (state_codec.go).
var servicePriorCodec = lazyStateCodec{build: func(ctx context.Context) (*stateCodec, error) {
	return newPartialStateCodec(ctx, serviceResourceSchema(ctx).Type(), reflect.TypeFor[servicePriorModel]())
}}

// blocks says which blocks of defaults the prior state has. A state that has only an ID comes
// from an import.
func (p servicePriorModel) blocks() serviceBlocks {
	if p.Name.IsNull() {
		return importedServiceBlocks
	}
	var tt struct{ RestartPolicy, Placement bool }
	if p.TaskTemplate != nil {
		tt.RestartPolicy, tt.Placement = !p.TaskTemplate.RestartPolicy.IsNull(), !p.TaskTemplate.Placement.IsNull()
	}
	return serviceBlocks{
		Mode:          !p.Mode.IsNull(),
		RestartPolicy: tt.RestartPolicy, Placement: tt.Placement,
		UpdateConfig: !p.UpdateConfig.IsNull(), RollbackConfig: !p.RollbackConfig.IsNull(),
		EndpointSpec: !p.EndpointSpec.IsNull(),
	}
}

// fillReferenceNames fills secret_name and config_name from the Engine when left out.
func (r *serviceResource) fillReferenceNames(ctx context.Context, cs *containerSpecModel) error {
	for i := range cs.Secrets {
		s := &cs.Secrets[i]
		if s.SecretName.IsNull() || s.SecretName.IsUnknown() {
			name, err := r.client.ObjectName(ctx, swarm.KindSecret, s.SecretID)
			if err != nil {
				return fmt.Errorf("secrets[%d]: %w", i, err)
			}
			s.SecretName = types.StringValue(name)
		}
	}
	for i := range cs.Configs {
		c := &cs.Configs[i]
		if c.ConfigName.IsNull() || c.ConfigName.IsUnknown() {
			name, err := r.client.ObjectName(ctx, swarm.KindConfig, c.ConfigID)
			if err != nil {
				return fmt.Errorf("configs[%d]: %w", i, err)
			}
			c.ConfigName = types.StringValue(name)
		}
	}
	return nil
}

// convergeProgress sends what a convergence wait is waiting for to the debug log
// (TF_LOG=debug), so that a long wait can be followed.
func convergeProgress(ctx context.Context) func(string, map[string]any) {
	return func(msg string, fields map[string]any) { tflog.Debug(ctx, msg, fields) }
}

func logWarnings(ctx context.Context, name string, warnings []string) {
	for _, w := range warnings {
		tflog.Warn(ctx, "Docker Engine warning", map[string]any{"service": name, "warning": w})
	}
}

func diagSummary(d diag.Diagnostics) string {
	var parts []string
	for _, e := range d.Errors() {
		parts = append(parts, e.Summary()+": "+e.Detail())
	}
	return strings.Join(parts, "; ")
}
