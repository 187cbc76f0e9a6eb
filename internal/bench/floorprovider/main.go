// Command floorprovider is the floor of `make bench`: a plugin-framework provider whose only
// resource, swarm_service, has the real resource's schema and identity (reused from
// internal/provider) and a Read that returns the prior state untouched. A refresh-only plan of it
// costs what Terraform, the plugin protocol and the framework cost for objects this large, and
// nothing of ours: the benchmark compares the real provider's refresh with it. The provider's
// own schema is the real one too, so the same configuration works with both.
//
// It is installed by `make bench` through dev_overrides as tfswarm/swarmfloor; it never talks to
// an Engine. Create and Update are not meant to run: the benchmark hands it the state the real
// provider wrote, and its Delete only drops the object from that state.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/procstats"
	swarmprovider "github.com/tfswarm/terraform-provider-swarm/internal/provider"
)

func main() {
	stop := procstats.Start()
	swarmprovider.QuietUnreadLogs(os.LookupEnv, os.Setenv)
	err := providerserver.Serve(context.Background(), func() provider.Provider { return &floor{real: swarmprovider.New("floor")()} },
		providerserver.ServeOpts{Address: "registry.terraform.io/tfswarm/swarmfloor"})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// floor has the real provider's schema and name and nothing else.
type floor struct{ real provider.Provider }

func (p *floor) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "swarm"
}

func (p *floor) Schema(ctx context.Context, req provider.SchemaRequest, resp *provider.SchemaResponse) {
	p.real.Schema(ctx, req, resp)
}

func (p *floor) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {}

func (p *floor) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return serviceFloor{} }}
}

func (p *floor) DataSources(context.Context) []func() datasource.DataSource { return nil }

var _ resource.ResourceWithIdentity = serviceFloor{}

type serviceFloor struct{}

func (serviceFloor) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_service"
}

func (serviceFloor) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema, _ = swarmprovider.ServiceResourceSchema(ctx)
}

func (serviceFloor) IdentitySchema(ctx context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	_, resp.IdentitySchema = swarmprovider.ServiceResourceSchema(ctx)
}

// Read leaves the state as the framework starts it, the prior state, and writes the identity (the
// ID) as the real resource does: Terraform before 1.12 keeps no identity, and the framework
// refuses a Read that leaves it empty.
func (serviceFloor) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	if resp.Identity != nil {
		resp.Diagnostics.Append(resp.Identity.SetAttribute(ctx, path.Root("id"), id)...)
	}
}

func (serviceFloor) Create(_ context.Context, _ resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.AddError("Not supported", "The benchmark's floor provider only reads.")
}

func (serviceFloor) Update(_ context.Context, _ resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError("Not supported", "The benchmark's floor provider only reads.")
}

// Delete removes nothing: a destroy of the floor costs what Terraform, the protocol and the
// framework cost for a destroy of objects this large (the real services stay; the real provider
// destroys them afterwards).
func (serviceFloor) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
