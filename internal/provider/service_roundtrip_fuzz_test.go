package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// Round trips of the whole service spec. For a valid configuration x, what the provider sends
// and reads back must be what it planned: flatten(expand(x)) == x, where values unknown in the
// plan match anything and durations, sizes and images compare by meaning, as the framework
// compares them after an apply (otherwise Terraform fails with "Provider produced inconsistent
// result"). No spec the Engine may hold makes expand or flatten panic.

// fuzzService is the provider's server (never configured: validation and plans of new
// resources need no Engine) and the swarm_service schema.
type fuzzService struct {
	server   tfprotov6.ProviderServer
	protocol *tfprotov6.Schema
	schema   schema.Schema
}

func newFuzzService(t testing.TB) fuzzService {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return fuzzService{server: server, protocol: schemas.ResourceSchemas["swarm_service"], schema: serviceResourceSchema(context.Background())}
}

// valid says whether the provider's validation accepts config.
func (f fuzzService) valid(t *testing.T, config tftypes.Value) bool {
	t.Helper()
	dv := testDynamicValue(t, f.protocol.ValueType(), config)
	resp, err := f.server.ValidateResourceConfig(context.Background(), &tfprotov6.ValidateResourceConfigRequest{
		TypeName: "swarm_service", Config: dv, ClientCapabilities: testWriteOnlyAllowed})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			if d.Attribute == nil && d.Summary != "Missing Attribute Configuration" {
				t.Fatalf("an error without an attribute path: %s: %s", d.Summary, d.Detail)
			}
			return false
		}
	}
	return true
}

// plan is the provider's plan of creating config, as the model Create receives (ok is false
// when the plan fails).
func (f fuzzService) plan(t *testing.T, config tftypes.Value) (serviceResourceModel, bool) {
	t.Helper()
	ctx := context.Background()
	typ := f.protocol.ValueType()
	dv := testDynamicValue(t, typ, config)
	resp, err := f.server.PlanResourceChange(ctx, &tfprotov6.PlanResourceChangeRequest{
		TypeName: "swarm_service", PriorState: testDynamicValue(t, typ, tftypes.NewValue(typ, nil)),
		ProposedNewState: dv, Config: dv,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			return serviceResourceModel{}, false
		}
	}
	raw, err := resp.PlannedState.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var m serviceResourceModel
	if d := (tfsdk.Plan{Schema: f.schema, Raw: raw}).Get(ctx, &m); d.HasError() {
		t.Fatalf("reading the plan: %v", d)
	}
	return m, true
}

// asConfig is a model written as configuration: the computed-only attributes null. ok is false
// when the model holds a value its attributes' types refuse (an image that does not parse, a
// negative duration), which no configuration can hold either.
func (f fuzzService) asConfig(t *testing.T, m serviceResourceModel) (_ tftypes.Value, ok bool) {
	t.Helper()
	ctx := context.Background()
	state := tfsdk.State{Schema: f.schema, Raw: tftypes.NewValue(f.protocol.ValueType(), nil)}
	if d := state.Set(ctx, &m); d.HasError() {
		for _, e := range d.Errors() {
			if _, withPath := e.(diag.DiagnosticWithPath); !withPath {
				t.Fatalf("writing the model: an error without a path: %v", e)
			}
		}
		return tftypes.Value{}, false
	}
	v, err := tftypes.Transform(state.Raw, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		steps := p.Steps()
		if len(steps) == 0 {
			return v, nil
		}
		if name, ok := steps[len(steps)-1].(tftypes.AttributeName); ok && (name == "id" && len(steps) == 1 || name == "network_id") {
			return tftypes.NewValue(v.Type(), nil), nil
		}
		return v, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v, true
}

// throughEngine is what the Engine's API gives back for a spec: its JSON, decoded.
func throughEngine(t *testing.T, spec apiswarm.ServiceSpec) apiswarm.ServiceSpec {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var out apiswarm.ServiceSpec
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// applied is what Create stores for the planned model: the spec sent, read back and flattened
// against the plan.
func applied(t *testing.T, planned serviceResourceModel) serviceResourceModel {
	t.Helper()
	spec, diags := expandServiceSpec(planned.spec(), nil)
	if diags.HasError() {
		t.Fatalf("expand: %v", diags)
	}
	live := apiswarm.Service{ID: "svc1", Spec: throughEngine(t, spec)}
	return planned.withLive(live, planned.TaskTemplate.Networks, planned.spec().blocks())
}

// planCmpOpts compare a plan with what was read back: unknown matches anything, semantic strings
// compare by meaning.
var planCmpOpts = cmp.Options{
	cmp.Comparer(func(a, b semString) bool {
		if a.IsUnknown() || b.IsUnknown() {
			return true
		}
		return a.kind == b.kind && a.IsNull() == b.IsNull() && semEqual(a.kind, a.ValueString(), b.ValueString())
	}),
	cmp.Comparer(func(a, b types.String) bool { return attrMatches(a, b) }),
	cmp.Comparer(func(a, b types.Int64) bool { return attrMatches(a, b) }),
	cmp.Comparer(func(a, b types.Bool) bool { return attrMatches(a, b) }),
	cmp.Comparer(func(a, b types.Object) bool { return attrMatches(a, b) }),
	cmp.Comparer(func(a, b timeouts.Value) bool { return attrMatches(a.Object, b.Object) }),
}

func attrMatches(a, b attr.Value) bool {
	if a.IsUnknown() || b.IsUnknown() {
		return true
	}
	ao, aok := a.(types.Object)
	bo, bok := b.(types.Object)
	if !aok || !bok || ao.IsNull() || bo.IsNull() {
		return a.Equal(b)
	}
	aa, ba := ao.Attributes(), bo.Attributes()
	if len(aa) != len(ba) {
		return false
	}
	for k, v := range aa {
		w, ok := ba[k]
		if !ok || !attrMatches(v, w) {
			return false
		}
	}
	return true
}

// FuzzServiceConfigRoundTrip builds a configuration from the fuzzed values, and when the
// provider's validation and plan accept it, checks that what Create would store is what was
// planned.
func FuzzServiceConfigRoundTrip(f *testing.F) {
	fs := newFuzzService(f)
	f.Fuzz(func(t *testing.T, name, image, envKey, envVal, hostName, hostIP, grace string, mountKind uint8, mountSource, mountTarget,
		secretFile, interval, nameserver, search string, soft, hard int64, cpus float64, memory, delay, constraint, preference string,
		ratio float64, monitor string, targetPort, publishedPort int64, protocol uint8, replicas int64) {
		// Terraform's strings are UTF-8 (cty normalizes them); the Engine's JSON would replace
		// anything else.
		for _, s := range []string{name, image, envKey, envVal, hostName, hostIP, grace, mountSource, mountTarget,
			secretFile, interval, nameserver, search, memory, delay, constraint, preference, monitor} {
			if !utf8.ValidString(s) {
				return
			}
		}
		body := fuzzServiceBody(name, image, envKey, envVal, hostName, hostIP, grace, mountKind, mountSource, mountTarget,
			secretFile, interval, nameserver, search, soft, hard, cpus, memory, delay, constraint, preference,
			ratio, monitor, targetPort, publishedPort, protocol, replicas)
		configRoundTrip(t, fs, body)
	})
}

// configRoundTrip is one input of FuzzServiceConfigRoundTrip; it says whether the configuration
// was valid and planned, so that the round trip was checked.
func configRoundTrip(t *testing.T, fs fuzzService, body hcl) (checked bool) {
	t.Helper()
	config, err := tfBlockValue(fs.protocol.Block, body)
	if err != nil {
		t.Fatal(err)
	}
	if !fs.valid(t, config) {
		return false
	}
	planned, ok := fs.plan(t, config)
	if !ok {
		return false
	}
	if d := cmp.Diff(planned, applied(t, planned), planCmpOpts); d != "" {
		t.Fatalf("what Create stores differs from the plan (-planned +stored):\n%s", d)
	}
	return true
}

// TestServiceConfigRoundTripIsChecked: configurations like the seeds of
// FuzzServiceConfigRoundTrip pass validation and plan, so the fuzz test checks their round trip.
func TestServiceConfigRoundTripIsChecked(t *testing.T) {
	t.Parallel()
	fs := newFuzzService(t)
	for name, body := range map[string]hcl{
		"minimal": fuzzServiceBody("web", "nginx:1.27", "", "", "", "", "", 0, "", "", "", "", "", "", 0, 0, 0, "", "", "", "", 0, "", 0, 0, 0, 1),
		"most settings": fuzzServiceBody("api", "shop/api:1.4.2", "LOG_LEVEL", "info", "db", "10.0.0.2", "30s", 1, "data", "/var/lib/data",
			"app.key", "10s", "10.0.0.53", "example.internal", 1024, 2048, 0.5, "512M", "5s", "node.role == worker", "node.labels.zone",
			0.2, "10s", 8080, 80, 0, 3),
	} {
		if !configRoundTrip(t, fs, body) {
			t.Errorf("%s: the configuration is refused, so its round trip is not checked", name)
		}
	}
}

// fuzzServiceBody is a service configuration with the fuzzed values in it; an empty string
// leaves its setting out.
func fuzzServiceBody(name, image, envKey, envVal, hostName, hostIP, grace string, mountKind uint8, mountSource, mountTarget,
	secretFile, interval, nameserver, search string, soft, hard int64, cpus float64, memory, delay, constraint, preference string,
	ratio float64, monitor string, targetPort, publishedPort int64, protocol uint8, replicas int64) hcl {
	cs := hcl{"image": image}
	if envKey != "" {
		cs["env"] = map[string]any{envKey: envVal}
	}
	if hostName != "" {
		cs["hosts"] = map[string]any{hostName: []any{hostIP}}
	}
	if grace != "" {
		cs["stop_grace_period"] = grace
	}
	if mountTarget != "" {
		m := hcl{"type": []string{"bind", "volume", "tmpfs"}[mountKind%3], "target": mountTarget}
		if mountSource != "" {
			m["source"] = mountSource
		}
		cs["mounts"] = []hcl{m}
	}
	if secretFile != "" {
		cs["secrets"] = []hcl{{"secret_id": "s1", "secret_name": "db", "file_name": secretFile}}
	}
	if interval != "" {
		cs["healthcheck"] = hcl{"test": []any{"CMD", "/healthz"}, "interval": interval}
	}
	if nameserver != "" || search != "" {
		dns := hcl{}
		if nameserver != "" {
			dns["nameservers"] = []any{nameserver}
		}
		switch search {
		case "":
		case "-": // written empty
			dns["search"] = []any{}
		default:
			dns["search"] = []any{search}
		}
		cs["dns_config"] = dns
	}
	if soft != 0 || hard != 0 {
		cs["ulimits"] = []hcl{{"name": "nofile", "soft": soft, "hard": hard}}
	}
	tt := hcl{"container_spec": cs}
	limits := hcl{}
	if cpus != 0 {
		limits["cpus"] = cpus
	}
	if memory != "" {
		limits["memory"] = memory
	}
	if len(limits) > 0 {
		tt["resources"] = hcl{"limits": limits}
	}
	if delay != "" {
		tt["restart_policy"] = hcl{"delay": delay}
	}
	if constraint != "" || preference != "" {
		p := hcl{}
		if constraint != "" {
			p["constraints"] = []any{constraint}
		}
		if preference != "" {
			p["preferences"] = []any{preference}
		}
		tt["placement"] = p
	}
	body := hcl{"name": name, "task_template": tt, "mode": hcl{"replicated": hcl{"replicas": replicas}}}
	if ratio != 0 || monitor != "" {
		u := hcl{}
		if ratio != 0 {
			u["max_failure_ratio"] = ratio
		}
		if monitor != "" {
			u["monitor"] = monitor
		}
		body["update_config"] = u
	}
	if targetPort != 0 {
		p := hcl{"target_port": targetPort, "protocol": []string{"tcp", "udp", "sctp"}[protocol%3]}
		if publishedPort != 0 {
			p["published_port"] = publishedPort
		}
		body["endpoint_spec"] = hcl{"ports": []hcl{p}}
	}
	return body
}

// FuzzServiceSpecRoundTrip decodes a spec as the Engine's API returns it (the seeds include the
// specs of testdata/service_*.json, real `docker service inspect` output). Flattening and
// expanding it never panics; when the flattened model is a configuration the provider accepts,
// expanding it and reading it back gives the same model.
func FuzzServiceSpecRoundTrip(f *testing.F) {
	fs := newFuzzService(f)
	f.Fuzz(func(t *testing.T, data []byte) { specRoundTrip(t, fs, data) })
}

// specRoundTrip is one input of FuzzServiceSpecRoundTrip; it says whether the model was a valid
// configuration, so that the round trip was checked.
func specRoundTrip(t *testing.T, fs fuzzService, data []byte) (checked bool) {
	t.Helper()
	var spec apiswarm.ServiceSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return false
	}
	live := apiswarm.Service{ID: "svc1", Spec: spec}
	// As a data source shows it, and as an import reads it.
	_ = serviceDataFromLive(live)
	_ = serviceResourceModel{}.withLive(live, nil, importedServiceBlocks)
	// As a configuration that writes every block would have it; jobs have no update settings.
	present := allServiceBlocks
	if spec.Mode.ReplicatedJob != nil || spec.Mode.GlobalJob != nil {
		present.UpdateConfig, present.RollbackConfig = false, false
	}
	m := serviceResourceModel{}.withLive(live, nil, present)
	if _, diags := expandServiceSpec(m.spec(), &live); diags.HasError() {
		return false
	}
	if m.Name.ValueString() == "" {
		return false
	}
	if config, ok := fs.asConfig(t, m); !ok || !fs.valid(t, config) {
		return false
	}
	if d := cmp.Diff(m, applied(t, m), planCmpOpts); d != "" {
		t.Fatalf("flatten(expand(x)) differs from x (-x +flatten(expand(x))):\n%s", d)
	}
	return true
}

// TestServiceSpecRoundTripFixturesAreChecked: the specs of testdata/service_*.json, the seeds of
// FuzzServiceSpecRoundTrip, are valid configurations, so the fuzz test checks their round trip
// and does not only decode them.
func TestServiceSpecRoundTripFixturesAreChecked(t *testing.T) {
	t.Parallel()
	fs := newFuzzService(t)
	files, err := filepath.Glob(filepath.Join("testdata", "service_*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var svcs []apiswarm.Service
		if err := json.Unmarshal(b, &svcs); err != nil {
			t.Fatal(err)
		}
		for _, svc := range svcs {
			data, err := json.Marshal(svc.Spec)
			if err != nil {
				t.Fatal(err)
			}
			if !specRoundTrip(t, fs, data) {
				t.Errorf("%s: the service %s is not a valid configuration, so its round trip is not checked", file, svc.Spec.Name)
			}
		}
	}
}

// TestServiceSpecRoundTripNewerFields: the seed with the fields this machine's Engine cannot run
// (testdata/fuzz/FuzzServiceSpecRoundTrip/seed-spec-newer-fields) is a valid configuration whose
// round trip is checked.
func TestServiceSpecRoundTripNewerFields(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzServiceSpecRoundTrip", "seed-spec-newer-fields"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", 3)
	quoted := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")
	data, err := strconv.Unquote(quoted)
	if err != nil {
		t.Fatal(err)
	}
	if !specRoundTrip(t, newFuzzService(t), []byte(data)) {
		t.Fatal("the spec with the newer fields is not a valid configuration, so its round trip is not checked")
	}
}
