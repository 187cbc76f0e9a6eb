package provider

// Helpers of the unit tests that drive a resource's own Create, Read, Update, Delete and
// ImportState with a fake Engine (the *_crud_test.go files): requests built from the resource's
// own schema, responses started the way the framework's server starts them, and the checks every
// such test makes.

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// testResource drives one resource. Its methods start each response as the framework's server
// does (fwserver): Create and ImportState from a null state, Read and Update from the prior
// state, Delete from the prior state, which the server clears only when Delete reports no error.
type testResource struct {
	t        *testing.T
	r        resource.Resource
	schema   schema.Schema
	identity *tfsdk.ResourceIdentity // a null identity, for resources that have one
}

func newTestResource(t *testing.T, r resource.Resource) *testResource {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	if sresp.Diagnostics.HasError() {
		t.Fatalf("schema: %v", sresp.Diagnostics)
	}
	tr := &testResource{t: t, r: r, schema: sresp.Schema}
	if ri, ok := r.(resource.ResourceWithIdentity); ok {
		var iresp resource.IdentitySchemaResponse
		ri.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &iresp)
		tr.identity = &tfsdk.ResourceIdentity{Schema: iresp.IdentitySchema, Raw: tftypes.NewValue(iresp.IdentitySchema.Type().TerraformType(ctx), nil)}
	}
	return tr
}

// plan is what Terraform plans for config over prior (null for a create): the provider, as
// Terraform talks to it, validates config and plans it with the defaults, unknown computed
// values, plan modifiers and ModifyPlan of the real resource (configured without an Engine). It
// fails the test on errors and on a planned replacement.
func (tr *testResource) plan(config, prior tftypes.Value) tftypes.Value {
	tr.t.Helper()
	ctx := context.Background()
	var meta resource.MetadataResponse
	tr.r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "swarm"}, &meta)
	server, _ := testProviderServer(tr.t)
	typ := tr.schema.Type().TerraformType(ctx)
	vresp, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{
		TypeName: meta.TypeName, Config: testDynamicValue(tr.t, typ, config), ClientCapabilities: testWriteOnlyAllowed,
	})
	if err != nil {
		tr.t.Fatal(err)
	}
	testExpectDiagnostic(tr.t, vresp.Diagnostics, "")
	presp, err := server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName:         meta.TypeName,
		PriorState:       testDynamicValue(tr.t, typ, prior),
		ProposedNewState: testDynamicValue(tr.t, typ, tr.proposedNew(config, prior)),
		Config:           testDynamicValue(tr.t, typ, config),
	})
	if err != nil {
		tr.t.Fatal(err)
	}
	testExpectDiagnostic(tr.t, presp.Diagnostics, "")
	if len(presp.RequiresReplace) > 0 {
		tr.t.Fatalf("the plan replaces the resource for %v", presp.RequiresReplace)
	}
	planned, err := presp.PlannedState.Unmarshal(typ)
	if err != nil {
		tr.t.Fatal(err)
	}
	return planned
}

// proposedNew is Terraform's proposed new state, simplified: the configuration, where a computed
// attribute it leaves null takes the prior value at the same path.
func (tr *testResource) proposedNew(config, prior tftypes.Value) tftypes.Value {
	tr.t.Helper()
	if prior.IsNull() {
		return config
	}
	ctx := context.Background()
	v, err := tftypes.Transform(config, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if !v.IsNull() || len(p.Steps()) == 0 {
			return v, nil
		}
		// Blocks and their elements are no attributes; a path the prior value lacks stays null.
		if a, err := tr.schema.AttributeAtTerraformPath(ctx, p); err == nil && a.IsComputed() {
			if pv, _, err := tftypes.WalkAttributePath(prior, p); err == nil {
				if pv, ok := pv.(tftypes.Value); ok {
					return pv, nil
				}
			}
		}
		return v, nil
	})
	if err != nil {
		tr.t.Fatal(err)
	}
	return v
}

// attrs are attribute values by path: "name", "task_template.container_spec.image",
// "task_template.container_spec.secrets[0].secret_id". A value is what tfsdk's SetAttribute takes:
// a Go value (string, bool, int64, []string, map[string]string) or an attr.Value (for unknown or
// null values). Attributes left out are null, as in a configuration that leaves them out.
type attrs map[string]any

// merge is the union of as; later ones win.
func merge(as ...attrs) attrs {
	out := attrs{}
	for _, a := range as {
		for k, v := range a {
			out[k] = v
		}
	}
	return out
}

// value builds an object of the resource's schema from a.
func (tr *testResource) value(a attrs) tftypes.Value {
	tr.t.Helper()
	return tr.with(tr.null(), a)
}

func (tr *testResource) null() tftypes.Value {
	return tftypes.NewValue(tr.schema.Type().TerraformType(context.Background()), nil)
}

// with returns v with the attributes of a set on top.
func (tr *testResource) with(v tftypes.Value, a attrs) tftypes.Value {
	tr.t.Helper()
	s := tfsdk.State{Schema: tr.schema, Raw: v.Copy()}
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a parent before its children
	for _, k := range keys {
		if d := s.SetAttribute(context.Background(), testPath(tr.t, k), a[k]); d.HasError() {
			tr.t.Fatalf("setting %s: %v", k, d)
		}
	}
	return s.Raw
}

var testPathStep = regexp.MustCompile(`^([a-z0-9_]+)((?:\[\d+\])*)$`)

// testPath parses "a.b[0].c".
func testPath(t *testing.T, s string) path.Path {
	t.Helper()
	var p path.Path
	for i, step := range strings.Split(s, ".") {
		m := testPathStep.FindStringSubmatch(step)
		if m == nil {
			t.Fatalf("bad path %q", s)
		}
		if i == 0 {
			p = path.Root(m[1])
		} else {
			p = p.AtName(m[1])
		}
		for _, idx := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			n, _ := strconv.Atoi(idx)
			p = p.AtListIndex(n)
		}
	}
	return p
}

func (tr *testResource) state(v tftypes.Value) tfsdk.State {
	return tfsdk.State{Schema: tr.schema, Raw: v.Copy()}
}

func (tr *testResource) newIdentity() *tfsdk.ResourceIdentity {
	if tr.identity == nil {
		return nil
	}
	return &tfsdk.ResourceIdentity{Schema: tr.identity.Schema, Raw: tr.identity.Raw.Copy()}
}

// planAndCreate plans config (plan) and creates it.
func (tr *testResource) planAndCreate(config tftypes.Value) resource.CreateResponse {
	tr.t.Helper()
	return tr.create(tr.plan(config, tr.null()), config)
}

// planAndUpdate plans config over prior (plan) and updates to it.
func (tr *testResource) planAndUpdate(config, prior tftypes.Value) resource.UpdateResponse {
	tr.t.Helper()
	return tr.update(tr.plan(config, prior), prior, config)
}

// create calls Create with the plan; the configuration is the plan unless given.
func (tr *testResource) create(plan tftypes.Value, config ...tftypes.Value) resource.CreateResponse {
	cfg := plan
	if len(config) > 0 {
		cfg = config[0]
	}
	req := resource.CreateRequest{
		Plan:   tfsdk.Plan{Schema: tr.schema, Raw: plan.Copy()},
		Config: tfsdk.Config{Schema: tr.schema, Raw: cfg.Copy()},
	}
	resp := resource.CreateResponse{State: tr.state(tr.null()), Identity: tr.newIdentity()}
	tr.r.Create(context.Background(), req, &resp)
	return resp
}

func (tr *testResource) read(state tftypes.Value) resource.ReadResponse {
	req := resource.ReadRequest{State: tr.state(state)}
	resp := resource.ReadResponse{State: tr.state(state), Identity: tr.newIdentity()}
	tr.r.Read(context.Background(), req, &resp)
	return resp
}

// update calls Update; the configuration is the plan unless given.
func (tr *testResource) update(plan, prior tftypes.Value, config ...tftypes.Value) resource.UpdateResponse {
	cfg := plan
	if len(config) > 0 {
		cfg = config[0]
	}
	req := resource.UpdateRequest{
		Plan:   tfsdk.Plan{Schema: tr.schema, Raw: plan.Copy()},
		State:  tr.state(prior),
		Config: tfsdk.Config{Schema: tr.schema, Raw: cfg.Copy()},
	}
	resp := resource.UpdateResponse{State: tr.state(prior), Identity: tr.newIdentity()}
	tr.r.Update(context.Background(), req, &resp)
	return resp
}

func (tr *testResource) delete(state tftypes.Value) resource.DeleteResponse {
	req := resource.DeleteRequest{State: tr.state(state)}
	resp := resource.DeleteResponse{State: tr.state(state), Identity: tr.newIdentity()}
	tr.r.Delete(context.Background(), req, &resp)
	return resp
}

func (tr *testResource) importState(id string) resource.ImportStateResponse {
	ri, ok := tr.r.(resource.ResourceWithImportState)
	if !ok {
		tr.t.Fatalf("%T has no ImportState", tr.r)
	}
	resp := resource.ImportStateResponse{State: tr.state(tr.null()), Identity: tr.newIdentity()}
	ri.ImportState(context.Background(), resource.ImportStateRequest{ID: id}, &resp)
	return resp
}

// modelOf reads a state into the resource's model.
func modelOf[M any](t *testing.T, s tfsdk.State) M {
	t.Helper()
	var m M
	if s.Raw.IsNull() {
		t.Fatal("the state is null (the resource was removed)")
	}
	if d := s.Get(context.Background(), &m); d.HasError() {
		t.Fatalf("reading the state into %T: %v", m, d)
	}
	return m
}

// attrGetter is a state, plan or identity.
type attrGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// attrOf reads one attribute of a state, plan or identity.
func attrOf[T any](t *testing.T, s attrGetter, p string) T {
	t.Helper()
	var v T
	if d := s.GetAttribute(context.Background(), testPath(t, p), &v); d.HasError() {
		t.Fatalf("reading %s: %v", p, d)
	}
	return v
}

// wantNoError fails on any error diagnostic.
func wantNoError(t *testing.T, diags diag.Diagnostics) {
	t.Helper()
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
}

// wantDiag requires a diagnostic of severity sev whose summary and detail together contain each
// of texts.
func wantDiag(t *testing.T, diags diag.Diagnostics, sev diag.Severity, texts ...string) {
	t.Helper()
	for _, d := range diags {
		if d.Severity() != sev {
			continue
		}
		all := d.Summary() + "\n" + d.Detail()
		if !slices.ContainsFunc(texts, func(s string) bool { return !strings.Contains(all, s) }) {
			return
		}
	}
	t.Fatalf("no %s diagnostic contains %q; got %v", sev, texts, diags)
}

func wantError(t *testing.T, diags diag.Diagnostics, texts ...string) {
	t.Helper()
	wantDiag(t, diags, diag.SeverityError, texts...)
}

func wantWarning(t *testing.T, diags diag.Diagnostics, texts ...string) {
	t.Helper()
	if diags.HasError() {
		t.Fatalf("unexpected errors: %v", diags)
	}
	wantDiag(t, diags, diag.SeverityWarning, texts...)
}

// wantRemoved requires a null state: Read removed the resource, or a failed Create wrote nothing.
func wantRemoved(t *testing.T, s tfsdk.State) {
	t.Helper()
	if !s.Raw.IsNull() {
		t.Fatalf("want no state, got %v", s.Raw)
	}
}

// wantKnown requires a state with no unknown value, as Terraform does after an apply.
func wantKnown(t *testing.T, s tfsdk.State) {
	t.Helper()
	if s.Raw.IsNull() {
		t.Fatal("want a state, got none")
	}
	if !s.Raw.IsFullyKnown() {
		t.Fatalf("the state has unknown values: %v", s.Raw)
	}
}

// wantSame requires the state to be exactly v (an error left the prior state alone).
func wantSame(t *testing.T, s tfsdk.State, v tftypes.Value) {
	t.Helper()
	if !s.Raw.Equal(v) {
		t.Fatalf("the state changed:\n got %v\nwant %v", s.Raw, v)
	}
}

// fakeCalls records the calls a fake Engine receives, and fails those a test names.
type fakeCalls struct {
	calls []string
	fail  map[string]error
}

// call records a call of method and returns the error injected for it.
func (f *fakeCalls) call(method string) error {
	f.calls = append(f.calls, method)
	return f.fail[method]
}

// failOn makes method fail with err.
func (f *fakeCalls) failOn(method string, err error) {
	if f.fail == nil {
		f.fail = map[string]error{}
	}
	f.fail[method] = err
}

// wantCalls requires exactly these calls, in this order.
func (f *fakeCalls) wantCalls(t *testing.T, want ...string) {
	t.Helper()
	if diff := cmp.Diff(want, f.calls); diff != "" {
		t.Fatalf("Engine calls (-want +got):\n%s", diff)
	}
}

// errEngine is an Engine failure that is not "not found".
var errEngine = errors.New("engine says no")
