package provider

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/network"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// serviceSpecModel is the part of the resource model that mirrors apiswarm.ServiceSpec; the resource
// and both data sources share it.
type serviceSpecModel struct {
	Name           string
	Labels         map[string]string
	Mode           types.Object
	TaskTemplate   taskTemplateModel
	UpdateConfig   *updateConfigModel
	RollbackConfig *updateConfigModel
	EndpointSpec   *endpointSpecModel
}

// expandServiceSpec builds the spec to send. current is the live service (nil on create): the
// attributes the configuration leaves unmanaged (replicas, force_update) keep its values.
func expandServiceSpec(m serviceSpecModel, current *apiswarm.Service) (apiswarm.ServiceSpec, diag.Diagnostics) {
	var diags diag.Diagnostics
	var live *apiswarm.ServiceSpec
	if current != nil {
		live = &current.Spec
	}
	mode, d := expandServiceMode(m.Mode, live)
	diags.Append(d...)
	spec := apiswarm.ServiceSpec{
		Annotations:    apiswarm.Annotations{Name: m.Name, Labels: nonNilMap(m.Labels)},
		TaskTemplate:   expandTaskSpec(m.TaskTemplate, live),
		Mode:           mode,
		UpdateConfig:   expandUpdateConfig(m.UpdateConfig),
		RollbackConfig: expandUpdateConfig(m.RollbackConfig),
		EndpointSpec:   expandEndpointSpec(m.EndpointSpec),
	}
	if mode.ReplicatedJob != nil || mode.GlobalJob != nil {
		// Swarm refuses an update config on jobs; unset reads back as the defaults.
		spec.UpdateConfig, spec.RollbackConfig = nil, nil
	}
	return spec, diags
}

// flattenServiceSpec turns a live spec into the model. priorNetworks are the networks in state
// (or plan), so that a network the user named keeps its name while it resolves to the same ID.
// present says which of the blocks that fall back to the Engine's defaults the configuration
// has (see serviceBlocks).
func flattenServiceSpec(spec apiswarm.ServiceSpec, priorNetworks []networkAttachModel, present serviceBlocks) serviceSpecModel {
	m := serviceSpecModel{
		Name:           spec.Name,
		Labels:         nonNilMap(spec.Labels),
		Mode:           flattenServiceMode(spec.Mode),
		TaskTemplate:   flattenTaskSpec(spec.TaskTemplate, priorNetworks),
		UpdateConfig:   flattenUpdateConfig(spec.UpdateConfig),
		RollbackConfig: flattenUpdateConfig(spec.RollbackConfig),
		EndpointSpec:   flattenEndpointSpec(spec.EndpointSpec),
	}
	m.dropDefaultBlocks(present)
	return m
}

// dropDefaultBlocks nulls the blocks that present does not have while they hold exactly the
// Engine's defaults, and a mode that present does not have while it is replicated.
func (m *serviceSpecModel) dropDefaultBlocks(present serviceBlocks) {
	if !present.Mode && modeKind(m.Mode) == "replicated" {
		m.Mode = types.ObjectNull(modeObjectType().AttrTypes)
	}
	m.TaskTemplate.RestartPolicy = nilIfDefault(m.TaskTemplate.RestartPolicy, present.RestartPolicy, flattenRestartPolicy(nil))
	m.TaskTemplate.Placement = nilIfDefault(m.TaskTemplate.Placement, present.Placement, flattenPlacement(nil))
	m.UpdateConfig = nilIfDefault(m.UpdateConfig, present.UpdateConfig, flattenUpdateConfig(nil))
	m.RollbackConfig = nilIfDefault(m.RollbackConfig, present.RollbackConfig, flattenUpdateConfig(nil))
	m.EndpointSpec = nilIfDefault(m.EndpointSpec, present.EndpointSpec, flattenEndpointSpec(nil))
}

// serviceBlocks says which of the blocks whose absence means the Engine's defaults are written
// (in the plan, or in the prior state on a refresh). A block that is not written stays null while
// the Engine holds its defaults, and is filled as soon as the Engine holds anything else, so that
// the change shows as drift. A left-out mode stays null while the service is replicated.
type serviceBlocks struct {
	Mode, RestartPolicy, Placement, UpdateConfig, RollbackConfig, EndpointSpec bool
}

// allServiceBlocks shows every block, as the data sources do.
var allServiceBlocks = serviceBlocks{Mode: true, RestartPolicy: true, Placement: true, UpdateConfig: true, RollbackConfig: true, EndpointSpec: true}

// importedServiceBlocks is what an import assumes: a mode block (configurations usually state
// the replica count) and no block of defaults.
var importedServiceBlocks = serviceBlocks{Mode: true}

// blocks says which of those blocks the model has.
func (m serviceSpecModel) blocks() serviceBlocks {
	return serviceBlocks{
		Mode:          !m.Mode.IsNull(),
		RestartPolicy: m.TaskTemplate.RestartPolicy != nil, Placement: m.TaskTemplate.Placement != nil,
		UpdateConfig: m.UpdateConfig != nil, RollbackConfig: m.RollbackConfig != nil, EndpointSpec: m.EndpointSpec != nil,
	}
}

// nilIfDefault drops a flattened block that the configuration does not have while it equals the
// Engine's defaults.
func nilIfDefault[T any](v *T, present bool, defaults *T) *T {
	if !present && v != nil && reflect.DeepEqual(*v, *defaults) {
		return nil
	}
	return v
}

// ---- mode ----

func expandServiceMode(o types.Object, live *apiswarm.ServiceSpec) (apiswarm.ServiceMode, diag.Diagnostics) {
	var diags diag.Diagnostics
	var liveReplicas *uint64
	if live != nil && live.Mode.Replicated != nil {
		liveReplicas = live.Mode.Replicated.Replicas
	}
	if o.IsNull() || o.IsUnknown() {
		return apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: liveReplicas}}, diags
	}
	attrs := o.Attributes()
	switch modeKind(o) {
	case "global":
		return apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}}, diags
	case "global_job":
		return apiswarm.ServiceMode{GlobalJob: &apiswarm.GlobalJob{}}, diags
	case "replicated_job":
		job, _ := attrs["replicated_job"].(types.Object)
		ja := job.Attributes()
		return apiswarm.ServiceMode{ReplicatedJob: &apiswarm.ReplicatedJob{
			MaxConcurrent:    uint64Ptr(int64Attr(ja["max_concurrent"], 1)),
			TotalCompletions: uint64Ptr(int64Attr(ja["total_completions"], 1)),
		}}, diags
	default:
		replicas := liveReplicas
		if rep, ok := attrs["replicated"].(types.Object); ok && !rep.IsNull() && !rep.IsUnknown() {
			if r, ok := rep.Attributes()["replicas"].(types.Int64); ok && !r.IsNull() && !r.IsUnknown() {
				if r.ValueInt64() < 0 {
					diags.AddAttributeError(path.Root("mode").AtName("replicated").AtName("replicas"), "Invalid replicas", "replicas must not be negative")
				}
				replicas = uint64Ptr(r.ValueInt64())
			}
		}
		return apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: replicas}}, diags
	}
}

func flattenServiceMode(mode apiswarm.ServiceMode) types.Object {
	vals := nullModeValues()
	switch {
	case mode.Global != nil:
		vals["global"] = types.ObjectValueMust(map[string]attr.Type{}, map[string]attr.Value{})
	case mode.GlobalJob != nil:
		vals["global_job"] = types.ObjectValueMust(map[string]attr.Type{}, map[string]attr.Value{})
	case mode.ReplicatedJob != nil:
		vals["replicated_job"] = types.ObjectValueMust(modeKindTypes()["replicated_job"].AttrTypes, map[string]attr.Value{
			"max_concurrent":    types.Int64Value(int64(derefOr(mode.ReplicatedJob.MaxConcurrent, 1))),
			"total_completions": types.Int64Value(int64(derefOr(mode.ReplicatedJob.TotalCompletions, derefOr(mode.ReplicatedJob.MaxConcurrent, 1)))),
		})
	default:
		var replicas uint64 = 1
		if mode.Replicated != nil && mode.Replicated.Replicas != nil {
			replicas = *mode.Replicated.Replicas
		}
		return replicatedModeValue(types.Int64Value(int64(replicas)))
	}
	return types.ObjectValueMust(modeObjectType().AttrTypes, vals)
}

// ---- task template ----

func expandTaskSpec(m taskTemplateModel, live *apiswarm.ServiceSpec) apiswarm.TaskSpec {
	ts := apiswarm.TaskSpec{
		ContainerSpec: expandContainerSpec(m.ContainerSpec),
		Resources:     expandResourceRequirements(m.Resources),
		RestartPolicy: expandRestartPolicy(m.RestartPolicy),
		Placement:     expandPlacement(m.Placement),
		Networks:      expandNetworkAttachmentConfigs(m.Networks),
		LogDriver:     expandLogDriver(m.LogDriver),
	}
	switch {
	case !m.ForceUpdate.IsNull() && !m.ForceUpdate.IsUnknown():
		ts.ForceUpdate = uint64(max(m.ForceUpdate.ValueInt64(), 0))
	case live != nil:
		ts.ForceUpdate = live.TaskTemplate.ForceUpdate
	}
	if m.Runtime != "" {
		ts.Runtime = apiswarm.RuntimeType(m.Runtime)
	}
	return ts
}

func flattenTaskSpec(ts apiswarm.TaskSpec, priorNetworks []networkAttachModel) taskTemplateModel {
	m := taskTemplateModel{
		ContainerSpec: flattenContainerSpec(ts.ContainerSpec),
		Resources:     flattenResourceRequirements(ts.Resources),
		RestartPolicy: flattenRestartPolicy(ts.RestartPolicy),
		Placement:     flattenPlacement(ts.Placement),
		Networks:      flattenNetworkAttachmentConfigs(ts.Networks, priorNetworks),
		LogDriver:     flattenLogDriver(ts.LogDriver),
		ForceUpdate:   types.Int64Value(int64(ts.ForceUpdate)),
	}
	m.Runtime = string(ts.Runtime)
	if m.Runtime == "" {
		m.Runtime = string(apiswarm.RuntimeContainer)
	}
	return m
}

// ---- resources ----

func expandResourceRequirements(m *resourcesModel) *apiswarm.ResourceRequirements {
	if m == nil {
		return nil
	}
	r := &apiswarm.ResourceRequirements{SwapBytes: m.SwapBytes, MemorySwappiness: m.MemorySwappiness}
	if l := m.Limits; l != nil {
		r.Limits = &apiswarm.Limit{NanoCPUs: cpusToNano(l.CPUs), MemoryBytes: sizeBytes(l.Memory), Pids: derefOr(l.Pids, 0)}
	}
	if rv := m.Reservations; rv != nil {
		r.Reservations = &apiswarm.Resources{NanoCPUs: cpusToNano(rv.CPUs), MemoryBytes: sizeBytes(rv.Memory)}
		for _, g := range rv.GenericResources {
			r.Reservations.GenericResources = append(r.Reservations.GenericResources, expandGenericResource(g))
		}
	}
	return r
}

func flattenResourceRequirements(r *apiswarm.ResourceRequirements) *resourcesModel {
	if r == nil {
		return nil
	}
	m := &resourcesModel{SwapBytes: r.SwapBytes, MemorySwappiness: r.MemorySwappiness}
	if l := r.Limits; l != nil && (l.NanoCPUs != 0 || l.MemoryBytes != 0 || l.Pids != 0) {
		m.Limits = &limitsModel{CPUs: nanoToCPUs(l.NanoCPUs), Memory: bytesToSize(l.MemoryBytes), Pids: nonZero(l.Pids)}
	}
	if rv := r.Reservations; rv != nil && (rv.NanoCPUs != 0 || rv.MemoryBytes != 0 || len(rv.GenericResources) > 0) {
		m.Reservations = &reservationsModel{CPUs: nanoToCPUs(rv.NanoCPUs), Memory: bytesToSize(rv.MemoryBytes), GenericResources: []genericResourceModel{}}
		for _, g := range rv.GenericResources {
			m.Reservations.GenericResources = append(m.Reservations.GenericResources, flattenGenericResource(g))
		}
	}
	if m.Limits == nil && m.Reservations == nil && m.SwapBytes == nil && m.MemorySwappiness == nil {
		return nil
	}
	return m
}

func expandGenericResource(m genericResourceModel) apiswarm.GenericResource {
	if m.NamedValue != nil {
		return apiswarm.GenericResource{NamedResourceSpec: &apiswarm.NamedGenericResource{Kind: m.Kind, Value: *m.NamedValue}}
	}
	return apiswarm.GenericResource{DiscreteResourceSpec: &apiswarm.DiscreteGenericResource{Kind: m.Kind, Value: derefOr(m.DiscreteValue, 0)}}
}

func flattenGenericResource(g apiswarm.GenericResource) genericResourceModel {
	if g.NamedResourceSpec != nil {
		return genericResourceModel{Kind: g.NamedResourceSpec.Kind, NamedValue: strPtr(g.NamedResourceSpec.Value)}
	}
	if g.DiscreteResourceSpec != nil {
		return genericResourceModel{Kind: g.DiscreteResourceSpec.Kind, DiscreteValue: int64Ptr(g.DiscreteResourceSpec.Value)}
	}
	return genericResourceModel{}
}

// ---- restart policy ----

func expandRestartPolicy(p *restartPolicyModel) *apiswarm.RestartPolicy {
	m := derefOr(p, restartPolicyModel{})
	delay := durationOr(m.Delay, 5*time.Second)
	window := durationOr(m.Window, 0)
	attempts := uint64(max(m.MaxAttempts, 0))
	cond := m.Condition
	if cond == "" {
		cond = defaultRestartCondition
	}
	return &apiswarm.RestartPolicy{Condition: apiswarm.RestartPolicyCondition(cond), Delay: &delay, MaxAttempts: &attempts, Window: &window}
}

func flattenRestartPolicy(r *apiswarm.RestartPolicy) *restartPolicyModel {
	m := &restartPolicyModel{Condition: defaultRestartCondition, Delay: newDuration(defaultRestartDelay), Window: newDuration(defaultRestartWindow)}
	if r == nil {
		return m
	}
	if r.Condition != "" {
		m.Condition = string(r.Condition)
	}
	if r.Delay != nil {
		m.Delay = newDuration(formatDuration(*r.Delay))
	}
	if r.MaxAttempts != nil {
		m.MaxAttempts = int64(*r.MaxAttempts)
	}
	if r.Window != nil {
		m.Window = newDuration(formatDuration(*r.Window))
	}
	return m
}

// ---- placement ----

func expandPlacement(pm *placementModel) *apiswarm.Placement {
	m := derefOr(pm, placementModel{})
	p := &apiswarm.Placement{Constraints: m.Constraints, MaxReplicas: uint64(max(m.MaxReplicas, 0))}
	for _, s := range m.Preferences {
		p.Preferences = append(p.Preferences, apiswarm.PlacementPreference{Spread: &apiswarm.SpreadOver{SpreadDescriptor: s}})
	}
	for _, pl := range m.Platforms {
		p.Platforms = append(p.Platforms, apiswarm.Platform{Architecture: pl.Architecture, OS: pl.OS})
	}
	return p
}

func flattenPlacement(p *apiswarm.Placement) *placementModel {
	m := &placementModel{Constraints: []string{}, Preferences: []string{}, Platforms: []platformModel{}}
	if p == nil {
		return m
	}
	m.Constraints = nonNilSlice(p.Constraints)
	m.MaxReplicas = int64(p.MaxReplicas)
	for _, pref := range p.Preferences {
		if pref.Spread != nil {
			m.Preferences = append(m.Preferences, pref.Spread.SpreadDescriptor)
		}
	}
	for _, pl := range p.Platforms {
		m.Platforms = append(m.Platforms, platformModel{Architecture: pl.Architecture, OS: pl.OS})
	}
	return m
}

// ---- networks ----

func expandNetworkAttachmentConfigs(ms []networkAttachModel) []apiswarm.NetworkAttachmentConfig {
	var out []apiswarm.NetworkAttachmentConfig
	for _, m := range ms {
		out = append(out, apiswarm.NetworkAttachmentConfig{Target: m.Target, Aliases: m.Aliases, DriverOpts: m.DriverOpts})
	}
	return out
}

// flattenNetworkAttachmentConfigs keeps the target the user wrote (a name) when the prior
// attachment resolved to the same network ID.
func flattenNetworkAttachmentConfigs(ns []apiswarm.NetworkAttachmentConfig, prior []networkAttachModel) []networkAttachModel {
	out := []networkAttachModel{}
	for i, n := range ns {
		m := networkAttachModel{Target: n.Target, NetworkID: types.StringValue(n.Target), Aliases: nonNilSlice(n.Aliases), DriverOpts: nonNilMap(n.DriverOpts)}
		matched := false
		for _, p := range prior {
			if p.Target == n.Target || (!p.NetworkID.IsNull() && !p.NetworkID.IsUnknown() && p.NetworkID.ValueString() == n.Target) {
				m.Target, matched = p.Target, true
				break
			}
		}
		// Right after create or update the plan's new attachments have no resolved ID yet; the
		// Engine keeps the order they were sent in.
		if !matched && i < len(prior) && len(prior) == len(ns) && prior[i].NetworkID.IsUnknown() {
			m.Target = prior[i].Target
		}
		out = append(out, m)
	}
	return out
}

// ---- log driver ----

func expandLogDriver(m *logDriverModel) *apiswarm.Driver {
	if m == nil {
		return nil
	}
	return &apiswarm.Driver{Name: m.Name, Options: m.Options}
}

func flattenLogDriver(d *apiswarm.Driver) *logDriverModel {
	if d == nil || d.Name == "" {
		return nil
	}
	return &logDriverModel{Name: d.Name, Options: nonNilMap(d.Options)}
}

// ---- update and rollback config ----

func expandUpdateConfig(p *updateConfigModel) *apiswarm.UpdateConfig {
	m := derefOr(p, updateConfigModel{Parallelism: defaultUpdateParallelism})
	fa, order := m.FailureAction, m.Order
	if fa == "" {
		fa = defaultUpdateFailureAction
	}
	if order == "" {
		order = defaultUpdateOrder
	}
	return &apiswarm.UpdateConfig{
		Parallelism:     uint64(max(m.Parallelism, 0)),
		Delay:           durationOr(m.Delay, 0),
		FailureAction:   apiswarm.FailureAction(fa),
		Monitor:         durationOr(m.Monitor, 5*time.Second),
		MaxFailureRatio: float32(m.MaxFailureRatio),
		Order:           apiswarm.UpdateOrder(order),
	}
}

func flattenUpdateConfig(u *apiswarm.UpdateConfig) *updateConfigModel {
	if u == nil {
		return &updateConfigModel{
			Parallelism: defaultUpdateParallelism, Delay: newDuration(defaultUpdateDelay), FailureAction: defaultUpdateFailureAction,
			Monitor: newDuration(defaultUpdateMonitor), Order: defaultUpdateOrder,
		}
	}
	m := &updateConfigModel{
		Parallelism:     int64(u.Parallelism),
		Delay:           newDuration(formatDuration(u.Delay)),
		FailureAction:   string(u.FailureAction),
		Monitor:         newDuration(formatDuration(u.Monitor)),
		MaxFailureRatio: floatRound(u.MaxFailureRatio),
		Order:           string(u.Order),
	}
	if m.FailureAction == "" {
		m.FailureAction = defaultUpdateFailureAction
	}
	if u.Monitor == 0 {
		m.Monitor = newDuration(defaultUpdateMonitor)
	}
	if m.Order == "" {
		m.Order = defaultUpdateOrder
	}
	return m
}

// ---- endpoint spec ----

func expandEndpointSpec(p *endpointSpecModel) *apiswarm.EndpointSpec {
	m := derefOr(p, endpointSpecModel{})
	mode := m.Mode
	if mode == "" {
		mode = defaultEndpointMode
	}
	e := &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionMode(mode)}
	for _, p := range m.Ports {
		e.Ports = append(e.Ports, expandPortConfig(p))
	}
	return e
}

func flattenEndpointSpec(e *apiswarm.EndpointSpec) *endpointSpecModel {
	m := &endpointSpecModel{Mode: defaultEndpointMode, Ports: []portModel{}}
	if e == nil {
		return m
	}
	if e.Mode != "" {
		m.Mode = string(e.Mode)
	}
	for _, p := range e.Ports {
		m.Ports = append(m.Ports, flattenPortConfig(p))
	}
	return m
}

func expandPortConfig(m portModel) apiswarm.PortConfig {
	p := apiswarm.PortConfig{
		Name: derefOr(m.Name, ""), Protocol: swarmProtocol(m.Protocol), TargetPort: uint32(m.TargetPort),
		PublishMode: apiswarm.PortConfigPublishMode(m.PublishMode),
	}
	if m.PublishedPort != nil {
		p.PublishedPort = uint32(*m.PublishedPort)
	}
	if p.PublishMode == "" {
		p.PublishMode = apiswarm.PortConfigPublishModeIngress
	}
	return p
}

func flattenPortConfig(p apiswarm.PortConfig) portModel {
	m := portModel{Protocol: string(p.Protocol), TargetPort: int64(p.TargetPort), PublishMode: string(p.PublishMode)}
	if p.Name != "" {
		m.Name = strPtr(p.Name)
	}
	if p.PublishedPort != 0 {
		m.PublishedPort = int64Ptr(int64(p.PublishedPort))
	}
	if m.Protocol == "" {
		m.Protocol = "tcp"
	}
	if m.PublishMode == "" {
		m.PublishMode = string(apiswarm.PortConfigPublishModeIngress)
	}
	return m
}

func swarmProtocol(p string) network.IPProtocol {
	if p == "" {
		p = "tcp"
	}
	return network.IPProtocol(p)
}

// expandEnv turns the env map into KEY=value entries, sorted by key.
func expandEnv(env map[string]string) []string {
	if len(env) == 0 {
		return nil
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// flattenEnv splits KEY=value entries; an entry without "=" has an empty value.
func flattenEnv(env []string) map[string]string {
	out := map[string]string{}
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		out[k] = v
	}
	return out
}

// expandHosts turns hostname → IP into "IP hostname" lines, sorted by hostname.
func expandHosts(hosts map[string][]string) []string {
	if len(hosts) == 0 {
		return nil
	}
	out := make([]string, 0, len(hosts))
	for _, h := range slices.Sorted(maps.Keys(hosts)) {
		for _, ip := range hosts[h] {
			out = append(out, ip+" "+h)
		}
	}
	return out
}

// flattenHosts reads "IP hostname [alias…]" lines (and the "hostname:IP" form); a name's
// addresses keep the order of the lines.
func flattenHosts(lines []string) map[string][]string {
	out := map[string][]string{}
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) >= 2:
			for _, h := range f[1:] {
				out[h] = append(out[h], f[0])
			}
		case len(f) == 1:
			if h, ip, ok := strings.Cut(f[0], ":"); ok {
				out[h] = append(out[h], ip)
			}
		}
	}
	return out
}
