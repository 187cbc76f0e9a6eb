package provider

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

// The cost of one swarm_service Read in the provider (flatten and the framework's state
// conversion), without the Engine (a fake answers at once) and without the plugin protocol. `make
// bench` measures the whole refresh; these say where the provider's own part goes:
//
//	go test ./internal/provider -run '^$' -bench 'ServiceRead' -benchmem

// benchServices are the services of testdata/service_*.json (real `docker service inspect`
// output) and a minimal one as `make bench` creates it.
func benchServices(tb testing.TB) map[string]apiswarm.Service {
	tb.Helper()
	replicas := uint64(1)
	out := map[string]apiswarm.Service{"minimal": {ID: "svcmin", Spec: apiswarm.ServiceSpec{
		Annotations:  apiswarm.Annotations{Name: "bench-0"},
		Mode:         apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &replicas}},
		TaskTemplate: apiswarm.TaskSpec{ContainerSpec: &apiswarm.ContainerSpec{Image: "tfswarm/testapp:v1"}},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: apiswarm.ResolutionModeDNSRR},
	}}}
	files, err := filepath.Glob(filepath.Join("testdata", "service_*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fixtures in testdata/service_*.json (%v)", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var svcs []apiswarm.Service
		if err := json.Unmarshal(raw, &svcs); err != nil {
			tb.Fatal(err)
		}
		for _, s := range svcs {
			out[s.Spec.Name] = s
		}
	}
	return out
}

// benchReadState is the state of svc after an import and one Read, the prior state of the next.
func benchReadState(tb testing.TB, r *serviceResource, svc apiswarm.Service) (tfsdk.State, *tfsdk.ResourceIdentity) {
	tb.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	var iresp resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &iresp)
	identity := &tfsdk.ResourceIdentity{Schema: iresp.IdentitySchema, Raw: tftypes.NewValue(iresp.IdentitySchema.Type().TerraformType(ctx), nil)}
	imported := tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(sresp.Schema.Type().TerraformType(ctx), nil)}
	if d := imported.SetAttribute(ctx, path.Root("id"), svc.ID); d.HasError() {
		tb.Fatal(d)
	}
	resp := resource.ReadResponse{State: imported, Identity: identity}
	r.Read(ctx, resource.ReadRequest{State: imported}, &resp)
	if resp.Diagnostics.HasError() {
		tb.Fatal(resp.Diagnostics)
	}
	return resp.State, identity
}

func BenchmarkServiceRead(b *testing.B) {
	for name, svc := range benchServices(b) {
		b.Run(name, func(b *testing.B) {
			f := newFakeServiceEngine()
			f.services[svc.ID] = svc
			r := &serviceResource{client: f}
			prior, identity := benchReadState(b, r, svc)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				f.calls = f.calls[:0]
				resp := resource.ReadResponse{
					State:    tfsdk.State{Schema: prior.Schema, Raw: prior.Raw.Copy()},
					Identity: &tfsdk.ResourceIdentity{Schema: identity.Schema, Raw: identity.Raw.Copy()},
				}
				r.Read(ctx, resource.ReadRequest{State: prior}, &resp)
				if resp.Diagnostics.HasError() {
					b.Fatal(resp.Diagnostics)
				}
			}
		})
	}
}
