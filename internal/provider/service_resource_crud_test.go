package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeServiceEngine is a swarm of services in memory.
type fakeServiceEngine struct {
	fakeCalls
	services    map[string]apiswarm.Service
	objectNames map[string]string // secret and config IDs → names
	apiVersion  string
	// otherWriter, when set, changes the service once between the resource's read and its write
	// in UpdateService, which then reads again and builds again (an update out of sequence).
	otherWriter func(*apiswarm.Service)
	builds      int // how often UpdateService called its build function
	converge    []swarm.ConvergeOptions
	pruned      [][2][]string // secret IDs, config IDs of each PruneReleased
	// Registry: the credentials the provider holds, the digest of each image reference the
	// registry knows (any other is not found, as the bed's local images), and the registry auth
	// sent with each create and update.
	registryAuth *swarm.RegistryAuth
	digests      map[string]string
	sentAuth     []string
}

var _ serviceEngine = (*fakeServiceEngine)(nil)

func newFakeServiceEngine() *fakeServiceEngine {
	return &fakeServiceEngine{services: map[string]apiswarm.Service{}, objectNames: map[string]string{}, apiVersion: "1.47"}
}

func (f *fakeServiceEngine) APIVersion(context.Context) (string, error) {
	return f.apiVersion, f.call("APIVersion")
}

func (f *fakeServiceEngine) CreateService(_ context.Context, spec apiswarm.ServiceSpec, auth string) (string, []string, error) {
	if err := f.call("CreateService"); err != nil {
		return "", nil, err
	}
	f.sentAuth = append(f.sentAuth, auth)
	id := fmt.Sprintf("svc%d", len(f.services)+1)
	f.services[id] = apiswarm.Service{ID: id, Meta: apiswarm.Meta{Version: apiswarm.Version{Index: 10}}, Spec: spec}
	return id, []string{"a warning"}, nil
}

func (f *fakeServiceEngine) InspectService(_ context.Context, id string) (apiswarm.Service, error) {
	if err := f.call("InspectService"); err != nil {
		return apiswarm.Service{}, err
	}
	s, ok := f.services[id]
	if !ok {
		return s, fmt.Errorf("service %s: %w", id, swarm.ErrNotFound)
	}
	return s, nil
}

func (f *fakeServiceEngine) UpdateService(_ context.Context, id, auth string, build func(apiswarm.Service) (apiswarm.ServiceSpec, error)) (swarm.ServiceUpdateResult, error) {
	if err := f.call("UpdateService"); err != nil {
		return swarm.ServiceUpdateResult{}, err
	}
	f.sentAuth = append(f.sentAuth, auth)
	current, ok := f.services[id]
	if !ok {
		return swarm.ServiceUpdateResult{}, fmt.Errorf("service %s: %w", id, swarm.ErrNotFound)
	}
	f.builds++
	spec, err := build(current)
	if err != nil {
		return swarm.ServiceUpdateResult{}, err
	}
	if f.otherWriter != nil {
		// The write is refused as out of sequence: read again, build again.
		f.otherWriter(&current)
		current.Version.Index++
		f.otherWriter = nil
		f.builds++
		if spec, err = build(current); err != nil {
			return swarm.ServiceUpdateResult{}, err
		}
	}
	next := current
	next.Spec = spec
	next.Version.Index++
	f.services[id] = next
	return swarm.ServiceUpdateResult{Previous: current}, nil
}

func (f *fakeServiceEngine) RemoveService(_ context.Context, id string) error {
	if err := f.call("RemoveService"); err != nil {
		return err
	}
	delete(f.services, id) // one that is already gone is no error, as in swarm.RemoveService
	return nil
}

func (f *fakeServiceEngine) WaitConverged(_ context.Context, _ string, opts swarm.ConvergeOptions) error {
	f.converge = append(f.converge, opts)
	return f.call("WaitConverged")
}

func (f *fakeServiceEngine) WaitServiceRemoved(context.Context, string) error {
	return f.call("WaitServiceRemoved")
}

func (f *fakeServiceEngine) PruneReleased(_ context.Context, secretIDs, configIDs []string) error {
	f.pruned = append(f.pruned, [2][]string{secretIDs, configIDs})
	return f.call("PruneReleased")
}

func (f *fakeServiceEngine) ObjectName(_ context.Context, _ swarm.Kind, id string) (string, error) {
	if err := f.call("ObjectName"); err != nil {
		return "", err
	}
	name, ok := f.objectNames[id]
	if !ok {
		return "", fmt.Errorf("object %s: %w", id, swarm.ErrNotFound)
	}
	return name, nil
}

func (f *fakeServiceEngine) RegistryAuth() *swarm.RegistryAuth { return f.registryAuth }

func (f *fakeServiceEngine) ResolveDigest(_ context.Context, image, _ string) (string, error) {
	if err := f.call("ResolveDigest"); err != nil {
		return "", err
	}
	d, ok := f.digests[image]
	if !ok {
		return "", fmt.Errorf("resolving the digest of %s: no registry knows it", image)
	}
	return d, nil
}

// errNotConverged is a failed convergence wait.
var errNotConverged = &swarm.ConvergenceError{ServiceName: "web", Mode: "replicated", Desired: 2, Running: 0}

func newServiceTest(t *testing.T, f *fakeServiceEngine) *testResource {
	return newTestResource(t, &serviceResource{client: f})
}

// testServiceConfig configures two replicas of web:1, and more.
func testServiceConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{
		"name":                               "web",
		"task_template.container_spec.image": "web:1",
		"mode.replicated.replicas":           int64(2),
	}}, more...)...))
}

// testSecretRef is secrets block i of a configuration, referencing secret id (file names differ
// per block: Swarm refuses two secrets with the same one).
func testSecretRef(i int, id string) attrs {
	p := fmt.Sprintf("task_template.container_spec.secrets[%d].", i)
	name := "db"
	if i > 0 {
		name = fmt.Sprintf("db%d", i)
	}
	return attrs{p + "secret_id": id, p + "file_name": name}
}

// createdService is the state after config was created on f; f then forgets the calls.
func createdService(t *testing.T, tr *testResource, f *fakeServiceEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.converge, f.pruned = nil, nil, nil
	return resp.State.Raw
}

// setReplicas changes the replica count of a service on the Engine, as an autoscaler does.
func (f *fakeServiceEngine) setReplicas(id string, n uint64) {
	s := f.services[id]
	s.Spec.Mode.Replicated.Replicas = &n
	s.Version.Index++
	f.services[id] = s
}

func TestServiceResourceCreate(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ResolveDigest", "CreateService", "WaitConverged", "InspectService")
	wantKnown(t, resp.State)
	m := modelOf[serviceResourceModel](t, resp.State)
	if m.ID.ValueString() != "svc1" || m.TaskTemplate.ContainerSpec.Image.ValueString() != "web:1" {
		t.Errorf("state: id %s, image %s", m.ID, m.TaskTemplate.ContainerSpec.Image)
	}
	if got := f.services["svc1"].Spec.Mode.Replicated.Replicas; got == nil || *got != 2 {
		t.Errorf("replicas sent: %v", got)
	}
	if f.converge[0].PreviousVersion != 0 {
		t.Errorf("a create waits from version 0, got %d", f.converge[0].PreviousVersion)
	}
	if got := attrOf[types.String](t, resp.Identity, "id"); got.ValueString() != "svc1" {
		t.Errorf("identity id %s", got)
	}
}

func TestServiceResourceCreate_noWait(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, attrs{"wait_for_convergence": false}))
	wantNoError(t, resp.Diagnostics)
	wantKnown(t, resp.State)
	f.wantCalls(t, "ResolveDigest", "CreateService", "InspectService")
}

// convergence_monitor reaches the wait of create and update, and stays in state as written; left
// out, the wait does not watch.
func TestServiceResourceCreate_convergenceMonitor(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, attrs{"convergence_monitor": "5s"}))
	wantNoError(t, resp.Diagnostics)
	if got := f.converge[0].Monitor; got != 5*time.Second {
		t.Errorf("create watched for %s, want 5s", got)
	}
	if got := attrOf[semString](t, resp.State, "convergence_monitor"); got.ValueString() != "5s" {
		t.Errorf("state convergence_monitor %s", got)
	}
	f.calls, f.converge = nil, nil

	up := tr.planAndUpdate(testServiceConfig(tr, attrs{"convergence_monitor": "1m30s"}), resp.State.Raw)
	wantNoError(t, up.Diagnostics)
	if got := f.converge[0].Monitor; got != 90*time.Second {
		t.Errorf("update watched for %s, want 1m30s", got)
	}
	f.calls, f.converge = nil, nil

	off := tr.planAndUpdate(testServiceConfig(tr), up.State.Raw)
	wantNoError(t, off.Diagnostics)
	if got := f.converge[0].Monitor; got != 0 {
		t.Errorf("with convergence_monitor left out the update watched for %s", got)
	}
	if got := attrOf[semString](t, off.State, "convergence_monitor"); !got.IsNull() {
		t.Errorf("state convergence_monitor %s, want null", got)
	}
}

// A service that does not converge stays in state with everything the Engine has, and the error
// makes Terraform taint it.
func TestServiceResourceCreate_waitFails(t *testing.T) {
	f := newFakeServiceEngine()
	f.failOn("WaitConverged", errNotConverged)
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))

	wantError(t, resp.Diagnostics, "did not converge", "svc1", "stays in state", "0 of 2 tasks running")
	f.wantCalls(t, "ResolveDigest", "CreateService", "WaitConverged", "InspectService")
	wantKnown(t, resp.State)
	m := modelOf[serviceResourceModel](t, resp.State)
	if m.ID.ValueString() != "svc1" || m.Name.ValueString() != "web" {
		t.Errorf("state after a failed wait: id %s, name %s", m.ID, m.Name)
	}
	if got := attrOf[types.String](t, resp.Identity, "id"); got.ValueString() != "svc1" {
		t.Errorf("identity id %s", got)
	}
}

func TestServiceResourceCreate_createFails(t *testing.T) {
	f := newFakeServiceEngine()
	f.failOn("CreateService", errEngine)
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))
	wantError(t, resp.Diagnostics, "Error creating Swarm service", "web", errEngine.Error())
	wantRemoved(t, resp.State)
	f.wantCalls(t, "ResolveDigest", "CreateService")
}

// When the new service cannot be read back, its ID still goes into state (tainted), so that it
// is not orphaned.
func TestServiceResourceCreate_readBackFails(t *testing.T) {
	f := newFakeServiceEngine()
	f.failOn("InspectService", errEngine)
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))
	wantError(t, resp.Diagnostics, "Error reading Swarm service after create", "svc1")
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "svc1" {
		t.Fatalf("id in state %s, want svc1", got)
	}
	if got := attrOf[types.String](t, resp.Identity, "id"); got.ValueString() != "svc1" {
		t.Errorf("identity id %s", got)
	}

	// That state (the ID, the rest null) can be destroyed, as the replacement of the tainted
	// service and terraform destroy do, without a refresh in between.
	f.calls, f.fail = nil, nil
	del := tr.delete(resp.State.Raw)
	wantNoError(t, del.Diagnostics)
	f.wantCalls(t, "InspectService", "RemoveService")
	if _, ok := f.services["svc1"]; ok {
		t.Error("the service is still on the Engine")
	}
}

// A secret_name left out is filled from the Engine before the service is created.
func TestServiceResourceCreate_fillsSecretName(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"] = "db-password"
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, testSecretRef(0, "sec1")))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ObjectName", "ResolveDigest", "CreateService", "WaitConverged", "InspectService")
	if got := f.services["svc1"].Spec.TaskTemplate.ContainerSpec.Secrets[0].SecretName; got != "db-password" {
		t.Errorf("secret name sent %q", got)
	}
	if got := attrOf[types.String](t, resp.State, "task_template.container_spec.secrets[0].secret_name"); got.ValueString() != "db-password" {
		t.Errorf("secret name in state %s", got)
	}
}

func TestServiceResourceCreate_secretNameFails(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, testSecretRef(0, "gone")))
	wantError(t, resp.Diagnostics, "Error creating Swarm service", "secrets[0]", "not found")
	wantRemoved(t, resp.State)
	f.wantCalls(t, "ObjectName")
}

func TestServiceResourceRead(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr, attrs{"wait_for_convergence": false}))
	f.setReplicas("svc1", 5) // scaled outside Terraform

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantKnown(t, resp.State)
	if got := attrOf[types.Int64](t, resp.State, "mode.replicated.replicas"); got.ValueInt64() != 5 {
		t.Errorf("replicas %s, want the live 5", got)
	}
	if got := attrOf[types.Bool](t, resp.State, "wait_for_convergence"); got.ValueBool() {
		t.Error("wait_for_convergence is the provider's own and must stay false")
	}
	f.wantCalls(t, "InspectService")
}

// An imported state has only the ID.
func TestServiceResourceRead_imported(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	createdService(t, tr, f, testServiceConfig(tr))
	resp := tr.read(tr.value(attrs{"id": "svc1"}))
	wantNoError(t, resp.Diagnostics)
	wantKnown(t, resp.State)
	m := modelOf[serviceResourceModel](t, resp.State)
	if m.Name.ValueString() != "web" || !m.WaitForConvergence.ValueBool() {
		t.Errorf("imported: name %s, wait_for_convergence %s", m.Name, m.WaitForConvergence)
	}
}

func TestServiceResourceRead_notFound(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	delete(f.services, "svc1")
	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

// Any other error is an error, never "gone".
func TestServiceResourceRead_error(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	f.failOn("InspectService", errEngine)
	resp := tr.read(prior)
	wantError(t, resp.Diagnostics, "Error reading Swarm service", "svc1", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// Secret versions the old spec used and the new one does not are pruned, and only after the
// update converged.
func TestServiceResourceUpdate_prunesAfterConvergence(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"], f.objectNames["sec2"], f.objectNames["keep"] = "db", "db-v2", "other"
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1"), testSecretRef(1, "keep")))

	resp := tr.planAndUpdate(testServiceConfig(tr, testSecretRef(0, "sec2"), testSecretRef(1, "keep")), prior)
	wantNoError(t, resp.Diagnostics)
	wantKnown(t, resp.State)
	f.wantCalls(t, "ObjectName", "UpdateService", "WaitConverged", "PruneReleased", "InspectService")
	if diff := cmp.Diff([][2][]string{{{"sec1"}, nil}}, f.pruned); diff != "" {
		t.Errorf("pruned (-want +got):\n%s", diff)
	}
	if got := f.converge[0].PreviousVersion; got != 10 {
		t.Errorf("the wait judges versions after %d, want 10 (the version before the update)", got)
	}
	if got := attrOf[types.String](t, resp.State, "task_template.container_spec.secrets[0].secret_id"); got.ValueString() != "sec2" {
		t.Errorf("state secret %s", got)
	}
}

// When the update does not converge, the state is what the Engine has and no version the
// service may roll back to is pruned.
func TestServiceResourceUpdate_waitFailsKeepsVersions(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"], f.objectNames["sec2"] = "db", "db-v2"
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1")))
	f.failOn("WaitConverged", errNotConverged)

	resp := tr.planAndUpdate(testServiceConfig(tr, testSecretRef(0, "sec2")), prior)
	wantError(t, resp.Diagnostics, "update did not converge", "svc1", "0 of 2 tasks running")
	f.wantCalls(t, "ObjectName", "UpdateService", "WaitConverged", "InspectService")
	if len(f.pruned) != 0 {
		t.Errorf("pruned %v after a failed wait", f.pruned)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "task_template.container_spec.secrets[0].secret_id"); got.ValueString() != "sec2" {
		t.Errorf("state secret %s: the state must say what the Engine has", got)
	}
}

func TestServiceResourceUpdate_pruneFailsWarns(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"], f.objectNames["sec2"] = "db", "db-v2"
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1")))
	f.failOn("PruneReleased", errEngine)
	resp := tr.planAndUpdate(testServiceConfig(tr, testSecretRef(0, "sec2")), prior)
	wantWarning(t, resp.Diagnostics, "were not removed", errEngine.Error())
	wantKnown(t, resp.State)
}

// A replica count the configuration leaves out (`mode { replicated {} }`) is not managed: the
// update writes what the Engine has at that moment, also when an autoscaler changed it after the
// plan, and again between the resource's read and its write (an update out of sequence).
func TestServiceResourceUpdate_keepsUnmanagedReplicas(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	config := func(image string) tftypes.Value {
		return testServiceConfig(tr, attrs{"mode.replicated.replicas": types.Int64Null(), "task_template.container_spec.image": image})
	}
	prior := createdService(t, tr, f, config("web:1"))
	f.setReplicas("svc1", 5)
	refreshed := tr.read(prior)
	wantNoError(t, refreshed.Diagnostics)
	plan := tr.plan(config("web:2"), refreshed.State.Raw)
	f.setReplicas("svc1", 6)
	f.otherWriter = func(s *apiswarm.Service) {
		n := uint64(7)
		s.Spec.Mode.Replicated.Replicas = &n
	}

	resp := tr.update(plan, refreshed.State.Raw, config("web:2"))
	wantNoError(t, resp.Diagnostics)
	if f.builds != 2 {
		t.Fatalf("build ran %d times, want 2 (once more after the out-of-sequence write)", f.builds)
	}
	spec := f.services["svc1"].Spec
	if got := *spec.Mode.Replicated.Replicas; got != 7 {
		t.Errorf("replicas written %d, want the live 7", got)
	}
	if spec.TaskTemplate.ContainerSpec.Image != "web:2" {
		t.Errorf("image written %q", spec.TaskTemplate.ContainerSpec.Image)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.Int64](t, resp.State, "mode.replicated.replicas"); got.ValueInt64() != 7 {
		t.Errorf("replicas in state %s, want 7", got)
	}
}

// A replica count the configuration sets is written, whatever the Engine has.
func TestServiceResourceUpdate_managedReplicas(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	resp := tr.planAndUpdate(testServiceConfig(tr, attrs{"mode.replicated.replicas": int64(3)}), prior)
	wantNoError(t, resp.Diagnostics)
	if got := *f.services["svc1"].Spec.Mode.Replicated.Replicas; got != 3 {
		t.Errorf("replicas written %d, want 3", got)
	}
}

func TestServiceResourceUpdate_noWait(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr, attrs{"wait_for_convergence": false}))
	resp := tr.planAndUpdate(testServiceConfig(tr, attrs{"wait_for_convergence": false, "task_template.container_spec.image": "web:2"}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ResolveDigest", "UpdateService", "PruneReleased", "InspectService")
}

// A failed update leaves the prior state alone.
func TestServiceResourceUpdate_updateFails(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	f.failOn("UpdateService", errEngine)
	resp := tr.planAndUpdate(testServiceConfig(tr, attrs{"task_template.container_spec.image": "web:2"}), prior)
	wantError(t, resp.Diagnostics, "Error updating Swarm service", "svc1", errEngine.Error())
	wantSame(t, resp.State, prior)
	f.wantCalls(t, "ResolveDigest", "UpdateService")
}

// The service is gone: the update fails and the next refresh removes it.
func TestServiceResourceUpdate_gone(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	delete(f.services, "svc1")
	resp := tr.planAndUpdate(testServiceConfig(tr, attrs{"task_template.container_spec.image": "web:2"}), prior)
	wantError(t, resp.Diagnostics, "Error updating Swarm service", "not found")
	wantSame(t, resp.State, prior)
}

func TestServiceResourceUpdate_readBackFails(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	prior := createdService(t, tr, f, testServiceConfig(tr))
	f.failOn("InspectService", errEngine)
	resp := tr.planAndUpdate(testServiceConfig(tr, attrs{"task_template.container_spec.image": "web:2"}), prior)
	wantError(t, resp.Diagnostics, "Error reading Swarm service after update", "svc1")
	wantSame(t, resp.State, prior)
}

// Delete removes the service and prunes the versions it used; its tasks stop on their own.
func TestServiceResourceDelete(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"] = "db"
	tr := newServiceTest(t, f)
	resp := tr.delete(createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1"))))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectService", "RemoveService", "PruneReleased")
	if diff := cmp.Diff([][2][]string{{{"sec1"}, nil}}, f.pruned); diff != "" {
		t.Errorf("pruned (-want +got):\n%s", diff)
	}
	if _, ok := f.services["svc1"]; ok {
		t.Error("the service is still there")
	}
}

// Tasks that hold a host-mode port or a reservation are waited for, so that a replacement can be
// placed on their nodes; the versions they used are pruned after that.
func TestServiceResourceDelete_waitsForBookings(t *testing.T) {
	for name, booking := range map[string]attrs{
		"host port": {"endpoint_spec.ports[0].target_port": int64(80), "endpoint_spec.ports[0].published_port": int64(8080),
			"endpoint_spec.ports[0].publish_mode": "host"},
		"memory reservation": {"task_template.resources.reservations.memory": "64MiB"},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeServiceEngine()
			f.objectNames["sec1"] = "db"
			tr := newServiceTest(t, f)
			resp := tr.delete(createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1"), booking)))
			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, "InspectService", "RemoveService", "WaitServiceRemoved", "PruneReleased")
		})
	}
	// An ingress port is the manager's, freed with the service.
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.delete(createdService(t, tr, f, testServiceConfig(tr, attrs{"endpoint_spec.ports[0].target_port": int64(80),
		"endpoint_spec.ports[0].published_port": int64(8080)})))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectService", "RemoveService")
}

// A service that is already gone is deleted.
func TestServiceResourceDelete_notFound(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	state := createdService(t, tr, f, testServiceConfig(tr))
	delete(f.services, "svc1")
	resp := tr.delete(state)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectService", "RemoveService", "WaitServiceRemoved")
}

func TestServiceResourceDelete_removeFails(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	state := createdService(t, tr, f, testServiceConfig(tr))
	f.failOn("RemoveService", errEngine)
	resp := tr.delete(state)
	wantError(t, resp.Diagnostics, "Error deleting Swarm service", "svc1", errEngine.Error())
	f.wantCalls(t, "InspectService", "RemoveService")
}

// Tasks that do not go away are an error, and nothing they may still use is pruned.
func TestServiceResourceDelete_waitFails(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"] = "db"
	tr := newServiceTest(t, f)
	state := createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1"), attrs{"task_template.resources.reservations.cpus": 0.5}))
	f.failOn("WaitServiceRemoved", swarm.ErrTimeout)
	resp := tr.delete(state)
	wantError(t, resp.Diagnostics, "tasks to stop", "svc1", "timed out")
	f.wantCalls(t, "InspectService", "RemoveService", "WaitServiceRemoved")
}

func TestServiceResourceDelete_pruneFailsWarns(t *testing.T) {
	f := newFakeServiceEngine()
	f.objectNames["sec1"] = "db"
	tr := newServiceTest(t, f)
	state := createdService(t, tr, f, testServiceConfig(tr, testSecretRef(0, "sec1")))
	f.failOn("PruneReleased", errEngine)
	resp := tr.delete(state)
	wantWarning(t, resp.Diagnostics, "were not removed", errEngine.Error())
}

func TestServiceResourceImportState(t *testing.T) {
	tr := newServiceTest(t, newFakeServiceEngine())
	resp := tr.importState("web")
	wantNoError(t, resp.Diagnostics)
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "web" {
		t.Errorf("id %s", got)
	}
	wantError(t, tr.importState("").Diagnostics, "Invalid import ID")
}

// An import says resolve_image = "never" of a service that runs its image unpinned (how it was
// made), and leaves it out (always) of one that runs a digest.
func TestServiceResourceImportState_resolveImage(t *testing.T) {
	f := newFakeServiceEngine()
	f.services["tag"] = apiswarm.Service{ID: "tag", Spec: apiswarm.ServiceSpec{TaskTemplate: apiswarm.TaskSpec{
		ContainerSpec: &apiswarm.ContainerSpec{Image: "registry.example:5000/shop/api:1.4"}}}}
	f.services["pinned"] = apiswarm.Service{ID: "pinned", Spec: apiswarm.ServiceSpec{TaskTemplate: apiswarm.TaskSpec{
		ContainerSpec: &apiswarm.ContainerSpec{Image: "shop/api:1.4@sha256:" + strings.Repeat("a", 64)}}}}
	tr := newServiceTest(t, f)
	for id, want := range map[string]types.String{
		"tag": types.StringValue(resolveNever), "pinned": types.StringNull(), "gone": types.StringNull(),
	} {
		resp := tr.importState(id)
		wantNoError(t, resp.Diagnostics)
		if got := attrOf[types.String](t, resp.State, "resolve_image"); !got.Equal(want) {
			t.Errorf("import of %s: resolve_image %s, want %s", id, got, want)
		}
	}
}
