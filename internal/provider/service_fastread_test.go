package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// The fast path (service_fastread.go) against the framework: the same requests, the same Engine
// (a fake), and the responses must hold the same values. Every service fixture is read from an
// imported state, from its own state, from a state whose durations, sizes, images and file modes
// are spelled differently (the framework keeps those), without and with an identity; and
// FuzzServiceFastRead does the same for any spec the Engine may hold.

// fakeEngineProvider is the real provider with only swarm_service, whose client is a fake: the
// framework's own path, for comparison.
type fakeEngineProvider struct {
	*swarmProvider
	engine serviceEngine
}

func (p fakeEngineProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return &serviceResource{client: p.engine} }}
}

// fastReadServers are the framework's server and the fast server around it, on one fake Engine.
type fastReadServers struct {
	framework, fast *fastServer
	engine          *fakeServiceEngine
	proto           *serviceProtocol
}

func newFastReadServers(t testing.TB) fastReadServers {
	t.Helper()
	f := newFakeServiceEngine()
	inner, err := providerserver.NewProtocol6WithError(fakeEngineProvider{swarmProvider: &swarmProvider{version: "test"}, engine: f})()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inner.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{}); err != nil {
		t.Fatal(err)
	}
	// The framework's path: a fast server without an Engine hands everything on.
	framework, err := newFastServer(inner, func() serviceEngine { return nil })
	if err != nil {
		t.Fatal(err)
	}
	fast, err := newFastServer(inner, func() serviceEngine { return f })
	if err != nil {
		t.Fatal(err)
	}
	sp, err := serviceProtocolOnce()
	if err != nil {
		t.Fatal(err)
	}
	return fastReadServers{framework: framework, fast: fast, engine: f, proto: sp}
}

func (s fastReadServers) dv(t testing.TB, typ tftypes.Type, v tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	dv, err := tfprotov6.NewDynamicValue(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// importedState is the state an import leaves: only the ID.
func (s fastReadServers) importedState(id string) tftypes.Value {
	obj, _ := s.proto.stateType.(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, typ := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(typ, nil)
	}
	vals["id"] = tftypes.NewValue(tftypes.String, id)
	return tftypes.NewValue(obj, vals)
}

// readBoth sends req to both servers, requires the same answer and says whether the fast path
// answered itself. It returns the new state.
func (s fastReadServers) readBoth(t testing.TB, req *tfprotov6.ReadResourceRequest) (tftypes.Value, bool) {
	t.Helper()
	ctx := context.Background()
	calls := len(s.engine.calls)
	answered := s.fast.readService(ctx, req) != nil
	s.engine.calls = s.engine.calls[:calls]
	want, err := s.framework.ReadResource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.fast.ReadResource(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	wantState := s.decode(t, s.proto.stateType, want.NewState)
	gotState := s.decode(t, s.proto.stateType, got.NewState)
	if !wantState.Equal(gotState) {
		t.Fatalf("states differ:\nframework: %s\nfast:      %s", wantState, gotState)
	}
	var wantID, gotID *tfprotov6.DynamicValue
	if want.NewIdentity != nil {
		wantID = want.NewIdentity.IdentityData
	}
	if got.NewIdentity != nil {
		gotID = got.NewIdentity.IdentityData
	}
	if w, g := s.decode(t, s.proto.identityType, wantID), s.decode(t, s.proto.identityType, gotID); !w.Equal(g) {
		t.Fatalf("identities differ:\nframework: %s\nfast:      %s", w, g)
	}
	if d := cmp.Diff(want.Diagnostics, got.Diagnostics); d != "" {
		t.Fatalf("diagnostics differ (-framework +fast):\n%s", d)
	}
	if string(want.Private) != string(got.Private) || (want.Deferred == nil) != (got.Deferred == nil) {
		t.Fatalf("private state or deferral differ: %q %v, %q %v", want.Private, want.Deferred, got.Private, got.Deferred)
	}
	return gotState, answered
}

func (s fastReadServers) decode(t testing.TB, typ tftypes.Type, dv *tfprotov6.DynamicValue) tftypes.Value {
	t.Helper()
	if dv == nil {
		return tftypes.Value{}
	}
	v, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (s fastReadServers) identityValue(t testing.TB, id string) *tfprotov6.ResourceIdentityData {
	t.Helper()
	v := tftypes.NewValue(s.proto.identityType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id)})
	if id == "" {
		v = tftypes.NewValue(s.proto.identityType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, nil)})
	}
	return &tfprotov6.ResourceIdentityData{IdentityData: s.dv(t, s.proto.identityType, v)}
}

// respell writes every duration, size, image and file mode of v another way that means the same.
func respell(t testing.TB, k *semanticKeeper, v tftypes.Value) (tftypes.Value, int) {
	t.Helper()
	if k == nil || v.IsNull() || !v.IsKnown() {
		return v, 0
	}
	switch k.kind {
	case walkString:
		var s string
		if err := v.As(&s); err != nil {
			t.Fatal(err)
		}
		st, _ := k.typ.(semStringType)
		kind := st.kind
		for _, alt := range respellings(kind, s) {
			if alt != s && semEqual(kind, s, alt) {
				return tftypes.NewValue(tftypes.String, alt), 1
			}
		}
		return v, 0
	case walkObject, walkMap:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			t.Fatal(err)
		}
		n := 0
		for name, e := range m {
			ek := k.elem
			if k.kind == walkObject {
				ek = k.attrs[name]
			}
			var c int
			m[name], c = respell(t, ek, e)
			n += c
		}
		return tftypes.NewValue(v.Type(), m), n
	default:
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, e := range l {
			var c int
			l[i], c = respell(t, k.elem, e)
			n += c
		}
		return tftypes.NewValue(v.Type(), l), n
	}
}

func respellings(kind semKind, s string) []string {
	switch kind {
	case semDuration:
		if d, err := parseDuration(s); err == nil {
			return []string{fmt.Sprintf("%dms", d/time.Millisecond), fmt.Sprintf("%dns", d.Nanoseconds()), d.String()}
		}
	case semSize:
		if b, err := parseSize(s); err == nil {
			return []string{strconv.FormatInt(b, 10), fmt.Sprintf("%dk", b/1024)}
		}
	case semImage:
		return []string{"docker.io/" + s, "docker.io/library/" + s}
	case semFileMode:
		if m, err := parseFileMode(s); err == nil {
			return []string{fmt.Sprintf("0%o", m), fmt.Sprintf("%o", m), fmt.Sprintf("00%o", m)}
		}
	}
	return nil
}

// checkFastRead runs every kind of prior state of svc through both paths.
func checkFastRead(t *testing.T, s fastReadServers, svc apiswarm.Service) {
	t.Helper()
	s.engine.services = map[string]apiswarm.Service{svc.ID: svc}
	imported := s.importedState(svc.ID)
	read, answered := s.readBoth(t, &tfprotov6.ReadResourceRequest{TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, imported)})
	if !answered {
		t.Fatal("the fast path did not answer the read after an import")
	}
	respelled, n := respell(t, s.proto.keeper, read.Copy())
	for _, prior := range []tftypes.Value{read, respelled, withProviderSettings(t, read)} {
		for _, identity := range []*tfprotov6.ResourceIdentityData{nil, s.identityValue(t, ""), s.identityValue(t, svc.ID)} {
			req := &tfprotov6.ReadResourceRequest{TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, prior), CurrentIdentity: identity}
			next, answered := s.readBoth(t, req)
			if !answered {
				t.Fatal("the fast path did not answer")
			}
			if n > 0 && prior.Equal(respelled) && !next.Equal(respelled) {
				t.Fatalf("the prior spellings are not kept: %s", next)
			}
		}
	}
	// Not answered by the fast path, answered the same: another identity, private state, a
	// service that is gone, an Engine error.
	for name, req := range map[string]*tfprotov6.ReadResourceRequest{
		"other identity": {TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, read), CurrentIdentity: s.identityValue(t, "other")},
		"private":        {TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, read), Private: []byte(`{"k":"dg=="}`)},
	} {
		if _, answered := s.readBoth(t, req); answered {
			t.Fatalf("%s: the fast path answered", name)
		}
	}
	req := &tfprotov6.ReadResourceRequest{TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, read)}
	s.engine.services = map[string]apiswarm.Service{}
	if _, answered := s.readBoth(t, req); answered {
		t.Fatal("gone: the fast path answered")
	}
	s.engine.services = map[string]apiswarm.Service{svc.ID: svc}
	s.engine.failOn("InspectService", errors.New("engine down"))
	if _, answered := s.readBoth(t, req); answered {
		t.Fatal("engine error: the fast path answered")
	}
	delete(s.engine.fail, "InspectService")

	// UpgradeResourceState of the current version, with an attribute the schema does not have.
	js, ok := tfValueJSON(t, read).(map[string]any)
	if !ok {
		t.Fatalf("the state is not an object: %s", read)
	}
	js["dropped_attribute"] = "x"
	raw, err := json.Marshal(js)
	if err != nil {
		t.Fatal(err)
	}
	ureq := &tfprotov6.UpgradeResourceStateRequest{TypeName: serviceTypeName, Version: s.proto.version, RawState: &tfprotov6.RawState{JSON: raw}}
	if s.fast.upgradeService(ureq) == nil {
		t.Fatal("the fast path did not upgrade")
	}
	want, err := s.framework.frameworkServer.UpgradeResourceState(context.Background(), ureq)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.fast.UpgradeResourceState(context.Background(), ureq)
	if err != nil {
		t.Fatal(err)
	}
	if w, g := s.decode(t, s.proto.stateType, want.UpgradedState), s.decode(t, s.proto.stateType, got.UpgradedState); !w.Equal(g) || !g.Equal(read) {
		t.Fatalf("upgraded states differ:\nframework: %s\nfast:      %s", w, g)
	}
	if len(want.Diagnostics)+len(got.Diagnostics) > 0 {
		t.Fatalf("diagnostics: %v %v", want.Diagnostics, got.Diagnostics)
	}
}

// withProviderSettings is state with the attributes that only the provider keeps set: registry
// credentials (the write-only password as a state holds it: null), resolve_image,
// wait_for_convergence and timeouts.
func withProviderSettings(t testing.TB, state tftypes.Value) tftypes.Value {
	t.Helper()
	var attrs map[string]tftypes.Value
	if err := state.As(&attrs); err != nil {
		t.Fatal(err)
	}
	obj, _ := state.Type().(tftypes.Object)
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	ra, _ := obj.AttributeTypes["registry_auth"].(tftypes.Object)
	attrs["registry_auth"] = tftypes.NewValue(ra, map[string]tftypes.Value{
		"username": str("bench"), "password_wo": tftypes.NewValue(tftypes.String, nil),
		"password_wo_version": tftypes.NewValue(tftypes.Number, 2),
	})
	attrs["resolve_image"] = str("never")
	attrs["wait_for_convergence"] = tftypes.NewValue(tftypes.Bool, false)
	to, _ := obj.AttributeTypes["timeouts"].(tftypes.Object)
	attrs["timeouts"] = tftypes.NewValue(to, map[string]tftypes.Value{"create": str("2m"), "update": tftypes.NewValue(tftypes.String, nil), "delete": str("90s")})
	return tftypes.NewValue(obj, attrs)
}

func TestServiceFastReadMatchesFramework(t *testing.T) {
	t.Parallel()
	s := newFastReadServers(t)
	for name, svc := range benchServices(t) {
		t.Run(name, func(t *testing.T) { checkFastRead(t, s, svc) })
	}
}

// TestServiceFastReadKeepsSpellings: a fixture has values whose spellings the fast path must keep
// (the check in checkFastRead is not empty).
func TestServiceFastReadKeepsSpellings(t *testing.T) {
	t.Parallel()
	s := newFastReadServers(t)
	total := 0
	for _, svc := range benchServices(t) {
		s.engine.services = map[string]apiswarm.Service{svc.ID: svc}
		read, _ := s.readBoth(t, &tfprotov6.ReadResourceRequest{TypeName: serviceTypeName, CurrentState: s.dv(t, s.proto.stateType, s.importedState(svc.ID))})
		_, n := respell(t, s.proto.keeper, read)
		total += n
	}
	if total < 5 {
		t.Fatalf("only %d values respelled in all fixtures", total)
	}
}

func FuzzServiceFastRead(f *testing.F) {
	for _, svc := range benchServices(f) {
		b, err := json.Marshal(svc.Spec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := newFastReadServers(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var spec apiswarm.ServiceSpec
		if err := json.Unmarshal(data, &spec); err != nil {
			return
		}
		checkFastRead(t, s, apiswarm.Service{ID: "svcfuzz", Spec: spec})
	})
}

// The CPU of one refresh of a service through the protocol, as Terraform asks it
// (UpgradeResourceState, then ReadResource), on the framework's path and on the fast path:
//
//	go test ./internal/provider -run '^$' -bench 'ServiceProtocolRefresh' -benchmem
func BenchmarkServiceProtocolRefresh(b *testing.B) {
	s := newFastReadServers(b)
	ctx := context.Background()
	for name, svc := range benchServices(b) {
		s.engine.services = map[string]apiswarm.Service{svc.ID: svc}
		read, _ := s.readBoth(b, &tfprotov6.ReadResourceRequest{TypeName: serviceTypeName, CurrentState: s.dv(b, s.proto.stateType, s.importedState(svc.ID))})
		raw, err := json.Marshal(tfValueJSON(b, read))
		if err != nil {
			b.Fatal(err)
		}
		identity := s.identityValue(b, svc.ID)
		for _, path := range []struct {
			name   string
			server *fastServer
		}{{"framework", s.framework}, {"fast", s.fast}} {
			b.Run(name+"/"+path.name, func(b *testing.B) {
				s.engine.services = map[string]apiswarm.Service{svc.ID: svc}
				b.ReportAllocs()
				for b.Loop() {
					s.engine.calls = s.engine.calls[:0]
					up, err := path.server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
						TypeName: serviceTypeName, Version: s.proto.version, RawState: &tfprotov6.RawState{JSON: raw}})
					if err != nil || len(up.Diagnostics) > 0 {
						b.Fatal(err, up.Diagnostics)
					}
					resp, err := path.server.ReadResource(ctx, &tfprotov6.ReadResourceRequest{
						TypeName: serviceTypeName, CurrentState: up.UpgradedState, CurrentIdentity: identity})
					if err != nil || len(resp.Diagnostics) > 0 {
						b.Fatal(err, resp.Diagnostics)
					}
				}
			})
		}
	}
}
