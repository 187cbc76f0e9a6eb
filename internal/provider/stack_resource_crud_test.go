package provider

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeStackEngine holds one swarm's stacks in memory: DeployStack stores the services as sent
// (keeping the live replica count of unmanaged ones), as the Engine would hold them.
type fakeStackEngine struct {
	fakeCalls
	services map[string]map[string]apiswarm.Service // namespace -> compose name -> service
	deployed []swarm.StackDeployOptions
}

var _ stackEngine = (*fakeStackEngine)(nil)

func (f *fakeStackEngine) RegistryAuth() *swarm.RegistryAuth { return nil }

func newFakeStackEngine() *fakeStackEngine {
	return &fakeStackEngine{services: map[string]map[string]apiswarm.Service{}}
}

func (f *fakeStackEngine) ReadStack(_ context.Context, ns string) (swarm.StackState, error) {
	if err := f.call("ReadStack"); err != nil {
		return swarm.StackState{}, err
	}
	st := swarm.StackState{Services: map[string]apiswarm.Service{}, Logical: map[string]string{}}
	for k, s := range f.services[ns] {
		st.Services[k] = s
	}
	return st, nil
}

func (f *fakeStackEngine) DeployStack(_ context.Context, spec swarm.StackSpec, opts swarm.StackDeployOptions) error {
	f.deployed = append(f.deployed, opts)
	if err := f.call("DeployStack"); err != nil {
		return err
	}
	cur := f.services[spec.Namespace]
	next := map[string]apiswarm.Service{}
	for key, s := range spec.Services {
		svc := apiswarm.Service{ID: "id-" + key, Spec: s}
		if old, ok := cur[key]; ok && opts.UnmanagedReplicas[key] {
			svc.Spec.Mode.Replicated = old.Spec.Mode.Replicated
		}
		next[key] = svc
	}
	f.services[spec.Namespace] = next
	return nil
}

func (f *fakeStackEngine) RemoveStack(_ context.Context, ns string) error {
	if err := f.call("RemoveStack"); err != nil {
		return err
	}
	delete(f.services, ns)
	return nil
}

const stackTestFile = `version: '3.8'
services:
  web:
    image: ${IMAGE:-tfswarm/testapp:v1}
    environment:
      LEVEL: one
    deploy:
      replicas: 2
      labels:
        tier: web
    secrets: [token]
secrets:
  token:
    file: ./token.txt
`

func newStackTest(t *testing.T, f *fakeStackEngine) *testResource {
	return newTestResource(t, &stackResource{client: f})
}

func testStackConfig(t *testing.T, tr *testResource, token string, more ...attrs) tftypes.Value {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	return tr.value(merge(append([]attrs{{
		"name": "shop", "compose_files": []string{stackTestFile}, "working_dir": dir,
	}}, more...)...))
}

func stackServicesState(t *testing.T, tr *testResource, v tftypes.Value) map[string]stackServiceModel {
	t.Helper()
	m := modelOf[stackResourceModel](t, tr.state(v))
	out, d := stackServicesOf(context.Background(), m.Services)
	wantNoError(t, d)
	return out
}

func createdStack(t *testing.T, tr *testResource, f *fakeStackEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.deployed = nil, nil
	return resp.State.Raw
}

func TestStackResourceCreate(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	resp := tr.planAndCreate(testStackConfig(t, tr, "one"))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "DeployStack", "ReadStack")
	wantKnown(t, resp.State)
	svc := f.services["shop"]["web"]
	if svc.Spec.Name != "shop_web" || svc.Spec.Labels[swarm.LabelNamespace] != "shop" || svc.Spec.Labels["tier"] != "web" {
		t.Errorf("deployed %+v", svc.Spec.Annotations)
	}
	if len(f.deployed[0].Rotate) != 0 {
		t.Errorf("a new stack rotates nothing, got %v", f.deployed[0].Rotate)
	}
	got := stackServicesState(t, tr, resp.State.Raw)["web"]
	if got.ID.ValueString() != "id-web" || got.Replicas.ValueInt64() != 2 || got.Image.ValueString() != "tfswarm/testapp:v1" || len(got.Drift.Elements()) != 0 {
		t.Errorf("services.web = %+v", got)
	}
	m := modelOf[stackResourceModel](t, resp.State)
	if !m.ComposeFiles.IsNull() || !m.WorkingDir.IsNull() {
		t.Errorf("write-only inputs must not be in state: %v %v", m.ComposeFiles, m.WorkingDir)
	}
	if d := stringMapOf(m.Objects)["secret.token"]; !strings.HasPrefix(d, "sha256:") || strings.Contains(d, "one") {
		t.Errorf("objects[secret.token] = %q, want a digest", d)
	}
}

func TestStackResourcePlanIsStable(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	config := testStackConfig(t, tr, "one")
	state := createdStack(t, tr, f, config)
	read := tr.read(state)
	wantNoError(t, read.Diagnostics)
	wantSame(t, read.State, state)
	// What Terraform plans over the state (write-only inputs are null in plans and state).
	planned := tr.plan(config, read.State.Raw)
	planned = tr.with(planned, attrs{"compose_files": types.ListNull(types.StringType), "working_dir": types.StringNull()})
	if !planned.Equal(read.State.Raw) {
		t.Errorf("plan over an unchanged stack changes it:\n plan %v\nstate %v", planned, read.State.Raw)
	}
}

func TestStackResourceReadDrift(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	state := createdStack(t, tr, f, testStackConfig(t, tr, "one"))
	svc := f.services["shop"]["web"]
	n := uint64(5)
	svc.Spec.Mode.Replicated = &apiswarm.ReplicatedService{Replicas: &n}
	svc.Spec.TaskTemplate.ContainerSpec.Env = append(slices.Clone(svc.Spec.TaskTemplate.ContainerSpec.Env), "X=1")
	f.services["shop"]["web"] = svc

	resp := tr.read(state)
	wantNoError(t, resp.Diagnostics)
	got := stackServicesState(t, tr, resp.State.Raw)["web"]
	var drift []string
	wantNoError(t, got.Drift.ElementsAs(context.Background(), &drift, false))
	if !slices.Equal(drift, []string{"environment", "replicas"}) || got.Replicas.ValueInt64() != 5 {
		t.Errorf("drift %v replicas %v", drift, got.Replicas)
	}

	// Apply restores: the plan clears the drift and the update deploys again.
	up := tr.planAndUpdate(testStackConfig(t, tr, "one"), resp.State.Raw)
	wantNoError(t, up.Diagnostics)
	got = stackServicesState(t, tr, up.State.Raw)["web"]
	if len(got.Drift.Elements()) != 0 || got.Replicas.ValueInt64() != 2 {
		t.Errorf("after apply: %+v", got)
	}
}

func TestStackResourceUnmanagedReplicas(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	config := testStackConfig(t, tr, "one", attrs{"unmanaged_replicas": []string{"web"}})
	state := createdStack(t, tr, f, config)
	svc := f.services["shop"]["web"]
	n := uint64(7)
	svc.Spec.Mode.Replicated = &apiswarm.ReplicatedService{Replicas: &n}
	f.services["shop"]["web"] = svc

	resp := tr.read(state)
	wantNoError(t, resp.Diagnostics)
	got := stackServicesState(t, tr, resp.State.Raw)["web"]
	if len(got.Drift.Elements()) != 0 || got.Replicas.ValueInt64() != 7 {
		t.Errorf("unmanaged replicas: %+v", got)
	}
	planned := tr.plan(config, resp.State.Raw)
	if p := stackServicesState(t, tr, planned)["web"]; p.Replicas.ValueInt64() != 7 {
		t.Errorf("planned replicas %v, want the live 7", p.Replicas)
	}
}

func TestStackResourceRotatesChangedSecret(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	state := createdStack(t, tr, f, testStackConfig(t, tr, "one"))
	up := tr.planAndUpdate(testStackConfig(t, tr, "two"), state)
	wantNoError(t, up.Diagnostics)
	if !f.deployed[0].Rotate["shop_token"] {
		t.Errorf("rotate %v, want shop_token", f.deployed[0].Rotate)
	}
	f.deployed = nil
	tr.planAndUpdate(testStackConfig(t, tr, "two", attrs{"variables": map[string]string{"IMAGE": "tfswarm/testapp:v2"}}), up.State.Raw)
	if len(f.deployed) != 1 || len(f.deployed[0].Rotate) != 0 {
		t.Errorf("an unchanged secret is not rotated: %+v", f.deployed)
	}
	if img := f.services["shop"]["web"].Spec.TaskTemplate.ContainerSpec.Image; img != "tfswarm/testapp:v2" {
		t.Errorf("image %s", img)
	}
}

func TestStackResourceReadGone(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	state := createdStack(t, tr, f, testStackConfig(t, tr, "one"))
	delete(f.services, "shop")
	resp := tr.read(state)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

func TestStackResourceDelete(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	state := createdStack(t, tr, f, testStackConfig(t, tr, "one"))
	resp := tr.delete(state)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "RemoveStack")
	f.calls = nil
	f.failOn("RemoveStack", errEngine)
	wantError(t, tr.delete(state).Diagnostics, "Error removing Swarm stack", "engine says no")
}

func TestStackResourceImport(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	createdStack(t, tr, f, testStackConfig(t, tr, "one"))
	resp := tr.importState("shop")
	wantNoError(t, resp.Diagnostics)
	if attrOf[string](t, resp.State, "name") != "shop" {
		t.Error("import sets the name")
	}
	wantError(t, tr.importState("nothing").Diagnostics, "Error importing Swarm stack", "com.docker.stack.namespace=nothing")
}

func TestStackResourceDeployFailureKeepsState(t *testing.T) {
	f := newFakeStackEngine()
	tr := newStackTest(t, f)
	f.failOn("DeployStack", errEngine)
	resp := tr.planAndCreate(testStackConfig(t, tr, "one"))
	wantError(t, resp.Diagnostics, "Error creating Swarm stack", "engine says no")
	if resp.State.Raw.IsNull() {
		t.Error("a failed deploy still records the stack (to be tainted)")
	}
}
