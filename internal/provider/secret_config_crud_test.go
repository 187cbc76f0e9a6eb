package provider

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeObjectEngine holds the secrets or configs of a swarm in memory, with the version families
// of internal/swarm: RotateObject makes the next generation of a family, and the Engine's inspect
// also matches names (which importObject must not take for an ID match).
type fakeObjectEngine struct {
	fakeCalls
	kind       swarm.Kind
	objects    []swarm.Object // oldest first
	apiVersion string
	// inUse names the services that use an object, by ID: DeleteObject refuses to remove it.
	inUse map[string][]string
	// pruneErr is returned with the object by RotateObject and SetObjectLabels: the new state
	// is there, but superseded versions could not all be removed.
	pruneErr error
	specs    []swarm.ObjectSpec // what CreateObject, RotateObject and SetObjectLabels received
}

var _ objectEngine = (*fakeObjectEngine)(nil)

func newFakeObjectEngine(kind swarm.Kind) *fakeObjectEngine {
	return &fakeObjectEngine{kind: kind, apiVersion: "1.47", inUse: map[string][]string{}}
}

func (f *fakeObjectEngine) notFound(ref string) error {
	return fmt.Errorf("%s %s: %w", f.kind, ref, swarm.ErrNotFound)
}

// returned is o as the Engine returns it: never a secret's data.
func (f *fakeObjectEngine) returned(o swarm.Object) swarm.Object {
	if f.kind == swarm.KindSecret {
		o.Data = nil
	}
	o.Labels = maps.Clone(o.Labels)
	return o
}

func (f *fakeObjectEngine) index(id string) int {
	return slices.IndexFunc(f.objects, func(o swarm.Object) bool { return o.ID == id })
}

func (f *fakeObjectEngine) APIVersion(context.Context) (string, error) {
	return f.apiVersion, f.call("APIVersion")
}

func (f *fakeObjectEngine) InspectObject(_ context.Context, k swarm.Kind, id string) (swarm.Object, error) {
	if err := f.call("InspectObject"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	for _, o := range f.objects {
		if o.ID == id || o.Name == id {
			return f.returned(o), nil
		}
	}
	return swarm.Object{}, f.notFound(id)
}

func (f *fakeObjectEngine) FindObjectByName(_ context.Context, k swarm.Kind, name string) (swarm.Object, error) {
	if err := f.call("FindObjectByName"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	for _, o := range f.objects {
		if o.Name == name {
			return f.returned(o), nil
		}
	}
	return swarm.Object{}, f.notFound(name)
}

func (f *fakeObjectEngine) FindCurrent(_ context.Context, k swarm.Kind, name string) (swarm.Object, error) {
	if err := f.call("FindCurrent"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	var cur *swarm.Object
	for i, o := range f.objects {
		if o.Family() == name && (cur == nil || o.Generation() > cur.Generation()) {
			cur = &f.objects[i]
		}
	}
	if cur == nil {
		return f.FindObjectByName(context.Background(), k, name)
	}
	return f.returned(*cur), nil
}

// add makes the next version of spec's family.
func (f *fakeObjectEngine) add(spec swarm.ObjectSpec) swarm.Object {
	g := 1
	for _, o := range f.objects {
		if o.Family() == spec.Name && o.Generation() >= g {
			g = o.Generation() + 1
		}
	}
	labels := maps.Clone(spec.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, swarm.ManagedLabels(spec.Name, g, spec.Keep))
	o := swarm.Object{
		ID: fmt.Sprintf("%s-id-%d", f.kind, len(f.objects)+1), Version: 1, Name: swarm.VersionedName(spec.Name, g),
		Labels: labels, Data: spec.Data, Driver: spec.Driver, Template: spec.Template,
	}
	f.objects = append(f.objects, o)
	return f.returned(o)
}

func (f *fakeObjectEngine) CreateObject(_ context.Context, k swarm.Kind, spec swarm.ObjectSpec) (swarm.Object, error) {
	f.specs = append(f.specs, spec)
	if err := f.call("CreateObject"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	return f.add(spec), nil
}

func (f *fakeObjectEngine) RotateObject(_ context.Context, k swarm.Kind, currentID string, spec swarm.ObjectSpec) (swarm.Object, error) {
	f.specs = append(f.specs, spec)
	if err := f.call("RotateObject"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	if f.index(currentID) < 0 {
		return swarm.Object{}, f.notFound(currentID)
	}
	return f.add(spec), f.pruneErr
}

func (f *fakeObjectEngine) SetObjectLabels(_ context.Context, k swarm.Kind, id string, spec swarm.ObjectSpec) (swarm.Object, error) {
	f.specs = append(f.specs, spec)
	if err := f.call("SetObjectLabels"); err != nil {
		return swarm.Object{}, err
	}
	f.wantKind(k)
	i := f.index(id)
	if i < 0 {
		return swarm.Object{}, f.notFound(id)
	}
	o := &f.objects[i]
	o.Labels = maps.Clone(spec.Labels)
	if o.Labels == nil {
		o.Labels = map[string]string{}
	}
	maps.Copy(o.Labels, swarm.ManagedLabels(spec.Name, max(f.objects[i].Generation(), 1), spec.Keep))
	o.Version++
	return f.returned(*o), f.pruneErr
}

func (f *fakeObjectEngine) DeleteObject(_ context.Context, k swarm.Kind, name, currentID string) error {
	if err := f.call("DeleteObject"); err != nil {
		return err
	}
	f.wantKind(k)
	if svcs := f.inUse[currentID]; len(svcs) > 0 {
		return &swarm.InUseError{Kind: k, Name: name, Services: svcs}
	}
	f.objects = slices.DeleteFunc(f.objects, func(o swarm.Object) bool {
		return o.ID == currentID || o.Family() == name && len(f.inUse[o.ID]) == 0
	})
	return nil // a family that is gone already is no error
}

// wantKind panics when the resource asks for the other kind: a fake serves one.
func (f *fakeObjectEngine) wantKind(k swarm.Kind) {
	if k != f.kind {
		panic(fmt.Sprintf("asked for a %s of a fake that holds %ss", k, f.kind))
	}
}

// newObjectTest is the secret or config resource of kind on f.
func newObjectTest(t *testing.T, f *fakeObjectEngine) *testResource {
	switch f.kind {
	case swarm.KindSecret:
		r, _ := NewSecretResource().(*secretResource)
		r.client = f
		return newTestResource(t, r)
	default:
		r, _ := NewConfigResource().(*configResource)
		r.client = f
		return newTestResource(t, r)
	}
}

var objectKinds = []swarm.Kind{swarm.KindSecret, swarm.KindConfig}

// testObjectConfig configures the object "db" with write-only content v1, and more.
func testObjectConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{"name": "db", "data_wo": "v1", "data_wo_version": int64(1)}}, more...)...))
}

// createdObject is the state after config was created on f; f then forgets the calls.
func createdObject(t *testing.T, tr *testResource, f *fakeObjectEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.specs = nil, nil
	return resp.State.Raw
}

func objectModelOf(t *testing.T, s tfsdk.State) objectModel {
	t.Helper()
	return objectModel{
		ID:             attrOf[types.String](t, s, "id"),
		Name:           attrOf[types.String](t, s, "name"),
		VersionedName:  attrOf[types.String](t, s, "versioned_name"),
		Labels:         attrOf[types.Map](t, s, "labels"),
		Data:           attrOf[types.String](t, s, "data"),
		DataWO:         attrOf[types.String](t, s, "data_wo"),
		DataWOVersion:  attrOf[types.Int64](t, s, "data_wo_version"),
		VersionsToKeep: attrOf[types.Int64](t, s, "versions_to_keep"),
	}
}

func TestObjectResourceCreate(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			resp := tr.planAndCreate(testObjectConfig(tr, attrs{"labels": map[string]string{"team": "a"}}))

			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, "CreateObject")
			want := swarm.ObjectSpec{Name: "db", Labels: map[string]string{"team": "a"}, Data: []byte("v1"), Keep: swarm.DefaultVersionsToKeep}
			if diff := cmp.Diff([]swarm.ObjectSpec{want}, f.specs); diff != "" {
				t.Errorf("spec sent (-want +got):\n%s", diff)
			}
			wantKnown(t, resp.State)
			m := objectModelOf(t, resp.State)
			if m.ID.ValueString() != string(kind)+"-id-1" || m.VersionedName.ValueString() != "db" || m.Name.ValueString() != "db" {
				t.Errorf("state: id %s, versioned_name %s, name %s", m.ID, m.VersionedName, m.Name)
			}
			if !m.DataWO.IsNull() {
				t.Error("data_wo is in the state")
			}
			if got := m.Labels.Elements(); len(got) != 1 {
				t.Errorf("labels in state %v: the managed labels must not show", got)
			}
		})
	}
}

// A config's state has the hash of the content the Engine returned.
func TestConfigResourceCreate_dataSHA256(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindConfig)
	tr := newObjectTest(t, f)
	resp := tr.planAndCreate(tr.value(attrs{"name": "db", "data": "hello"}))
	wantNoError(t, resp.Diagnostics)
	if got := attrOf[types.String](t, resp.State, "data_sha256"); got.ValueString() != sha256Hex([]byte("hello")) {
		t.Errorf("data_sha256 %s", got)
	}
}

func TestObjectResourceCreate_fails(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			f.failOn("CreateObject", errEngine)
			tr := newObjectTest(t, f)
			resp := tr.planAndCreate(testObjectConfig(tr))
			wantError(t, resp.Diagnostics, "Error creating Swarm "+string(kind), "db", errEngine.Error())
			wantRemoved(t, resp.State)
		})
	}
}

func TestObjectResourceRead(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			f.objects[0].Labels["added"] = "outside"

			resp := tr.read(prior)
			wantNoError(t, resp.Diagnostics)
			wantKnown(t, resp.State)
			f.wantCalls(t, "InspectObject")
			if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"added": "outside"}) {
				t.Errorf("labels %v: a label added outside Terraform must show as drift", got)
			}
			if got := attrOf[types.Int64](t, resp.State, "data_wo_version"); got.ValueInt64() != 1 {
				t.Errorf("data_wo_version %s: content attributes stay as they were", got)
			}
		})
	}
}

// An object replaced outside Terraform under the same name is adopted, so that the replacement
// shows as drift.
func TestObjectResourceRead_replacedOutside(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindConfig)
	tr := newObjectTest(t, f)
	prior := createdObject(t, tr, f, testObjectConfig(tr))
	f.objects[0].ID = "replaced"
	f.objects[0].Data = []byte("other")

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectObject", "FindObjectByName")
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "replaced" {
		t.Errorf("id %s", got)
	}
	if got := attrOf[types.String](t, resp.State, "data_sha256"); got.ValueString() != sha256Hex([]byte("other")) {
		t.Errorf("data_sha256 %s: the other content must show", got)
	}
}

func TestObjectResourceRead_notFound(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			f.objects = nil
			resp := tr.read(prior)
			wantNoError(t, resp.Diagnostics)
			wantRemoved(t, resp.State)
			f.wantCalls(t, "InspectObject", "FindObjectByName")
		})
	}
}

func TestObjectResourceRead_error(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			f.failOn("InspectObject", errEngine)
			resp := tr.read(prior)
			wantError(t, resp.Diagnostics, "Error reading Swarm "+string(kind), errEngine.Error())
			wantSame(t, resp.State, prior)
			f.wantCalls(t, "InspectObject")
		})
	}
}

// New content is a new version (RotateObject): id and versioned_name follow it. Which services
// use which version is then swarm_service's update, and the prune of the old version its
// PruneReleased after convergence (TestServiceResourceUpdate_prunesAfterConvergence).
func TestObjectResourceUpdate_rotates(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))

			resp := tr.planAndUpdate(testObjectConfig(tr, attrs{"data_wo": "v2", "data_wo_version": int64(2)}), prior)
			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, "RotateObject")
			if got := string(f.specs[0].Data); got != "v2" {
				t.Errorf("content sent %q", got)
			}
			wantKnown(t, resp.State)
			m := objectModelOf(t, resp.State)
			if m.ID.ValueString() != string(kind)+"-id-2" || m.VersionedName.ValueString() != "db-v2" || m.Name.ValueString() != "db" {
				t.Errorf("state: id %s, versioned_name %s, name %s", m.ID, m.VersionedName, m.Name)
			}
		})
	}
}

// Labels change in place on the current version.
func TestObjectResourceUpdate_labelsInPlace(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))

			resp := tr.planAndUpdate(testObjectConfig(tr, attrs{"labels": map[string]string{"team": "b"}}), prior)
			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, "SetObjectLabels")
			wantKnown(t, resp.State)
			if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != string(kind)+"-id-1" {
				t.Errorf("id %s: a label change must not make a new version", got)
			}
			if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"team": "b"}) {
				t.Errorf("labels %v", got)
			}
		})
	}
}

// The new version exists but older ones could not be pruned: a warning, and the state has the
// new version.
func TestObjectResourceUpdate_pruneFailsWarns(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			f.pruneErr = errEngine

			resp := tr.planAndUpdate(testObjectConfig(tr, attrs{"data_wo": "v2", "data_wo_version": int64(2)}), prior)
			wantWarning(t, resp.Diagnostics, "were not all removed", errEngine.Error())
			if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != string(kind)+"-id-2" {
				t.Errorf("id %s, want the new version", got)
			}
		})
	}
}

func TestObjectResourceUpdate_fails(t *testing.T) {
	for _, method := range []string{"RotateObject", "SetObjectLabels"} {
		t.Run(method, func(t *testing.T) {
			f := newFakeObjectEngine(swarm.KindSecret)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			f.failOn(method, errEngine)
			config := testObjectConfig(tr, attrs{"labels": map[string]string{"team": "b"}})
			if method == "RotateObject" {
				config = testObjectConfig(tr, attrs{"data_wo": "v2", "data_wo_version": int64(2)})
			}
			resp := tr.planAndUpdate(config, prior)
			wantError(t, resp.Diagnostics, "Error updating Swarm secret", errEngine.Error())
			wantSame(t, resp.State, prior)
		})
	}
}

func TestObjectResourceDelete(t *testing.T) {
	for _, kind := range objectKinds {
		t.Run(string(kind), func(t *testing.T) {
			f := newFakeObjectEngine(kind)
			tr := newObjectTest(t, f)
			prior := createdObject(t, tr, f, testObjectConfig(tr))
			resp := tr.delete(prior)
			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, "DeleteObject")
			if len(f.objects) != 0 {
				t.Errorf("left %v", f.objects)
			}
		})
	}
}

// A family that is already gone is deleted.
func TestObjectResourceDelete_notFound(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindSecret)
	tr := newObjectTest(t, f)
	prior := createdObject(t, tr, f, testObjectConfig(tr))
	f.objects = nil
	wantNoError(t, tr.delete(prior).Diagnostics)
}

// A version that services use is not removed, and the error names them.
func TestObjectResourceDelete_inUse(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindSecret)
	tr := newObjectTest(t, f)
	prior := createdObject(t, tr, f, testObjectConfig(tr))
	f.inUse["secret-id-1"] = []string{"web"}
	resp := tr.delete(prior)
	wantError(t, resp.Diagnostics, "Swarm secret still in use", `"web"`)
	if len(f.objects) != 1 {
		t.Errorf("objects %v: a version in use must stay", f.objects)
	}
}

func TestObjectResourceDelete_error(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindConfig)
	tr := newObjectTest(t, f)
	prior := createdObject(t, tr, f, testObjectConfig(tr))
	f.failOn("DeleteObject", errEngine)
	wantError(t, tr.delete(prior).Diagnostics, "Error deleting Swarm config", "config-id-1", errEngine.Error())
}

// Import takes an Engine ID, or a logical name, which means the newest version of the family
// (the Engine's inspect matches the name of version 1 too: that is no ID match).
func TestObjectResourceImportState(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindSecret)
	tr := newObjectTest(t, f)
	f.add(swarm.ObjectSpec{Name: "db", Keep: 3})
	f.add(swarm.ObjectSpec{Name: "db", Keep: 3, Labels: map[string]string{"team": "a"}})
	f.objects = append(f.objects, swarm.Object{ID: "plain-id", Name: "plain"})

	tests := map[string]struct {
		id, wantID, wantName, wantVersioned string
		wantKeep                            int64
		wantCalls                           []string
	}{
		"by ID":         {id: "secret-id-1", wantID: "secret-id-1", wantName: "db", wantVersioned: "db", wantKeep: 3, wantCalls: []string{"InspectObject"}},
		"by name":       {id: "db", wantID: "secret-id-2", wantName: "db", wantVersioned: "db-v2", wantKeep: 3, wantCalls: []string{"InspectObject", "FindCurrent"}},
		"made by hand":  {id: "plain", wantID: "plain-id", wantName: "plain", wantVersioned: "plain", wantKeep: 1, wantCalls: []string{"InspectObject", "FindCurrent", "FindObjectByName"}},
		"by hand by ID": {id: "plain-id", wantID: "plain-id", wantName: "plain", wantVersioned: "plain", wantKeep: 1, wantCalls: []string{"InspectObject"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f.calls = nil
			resp := tr.importState(tt.id)
			wantNoError(t, resp.Diagnostics)
			f.wantCalls(t, tt.wantCalls...)
			wantKnown(t, resp.State)
			m := objectModelOf(t, resp.State)
			if m.ID.ValueString() != tt.wantID || m.Name.ValueString() != tt.wantName ||
				m.VersionedName.ValueString() != tt.wantVersioned || m.VersionsToKeep.ValueInt64() != tt.wantKeep {
				t.Errorf("state: id %s, name %s, versioned_name %s, versions_to_keep %s", m.ID, m.Name, m.VersionedName, m.VersionsToKeep)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		wantError(t, tr.importState("nothing").Diagnostics, "Error importing Swarm secret", `no Swarm secret has the ID or name "nothing"`)
	})
	t.Run("error", func(t *testing.T) {
		f.failOn("InspectObject", errEngine)
		defer delete(f.fail, "InspectObject")
		wantError(t, tr.importState("db").Diagnostics, "Error importing Swarm secret", errEngine.Error())
	})
}

// ModifyPlan asks the Engine whether it knows the optional fields in use.
func TestObjectResourceModifyPlan_engineTooOld(t *testing.T) {
	f := newFakeObjectEngine(swarm.KindSecret)
	f.apiVersion = "1.30"
	tr := newObjectTest(t, f)
	config := testObjectConfig(tr, attrs{"driver": "vault"})
	plan := tr.plan(config, tr.null())
	mr, _ := tr.r.(resource.ResourceWithModifyPlan)
	req := resource.ModifyPlanRequest{
		Config: tfsdk.Config{Schema: tr.schema, Raw: config},
		Plan:   tfsdk.Plan{Schema: tr.schema, Raw: plan},
		State:  tr.state(tr.null()),
	}
	resp := resource.ModifyPlanResponse{Plan: req.Plan}
	mr.ModifyPlan(context.Background(), req, &resp)
	wantError(t, resp.Diagnostics, "Not supported by this Docker Engine", "driver needs Engine API 1.31", "speaks 1.30")

	f.apiVersion = "1.31"
	resp = resource.ModifyPlanResponse{Plan: req.Plan}
	mr.ModifyPlan(context.Background(), req, &resp)
	wantNoError(t, resp.Diagnostics)
}
