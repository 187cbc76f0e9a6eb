// Command kwstub is a stand-in for the kreuzwerker/docker provider in the acceptance test of
// `moved` blocks from it (internal/provider/kreuzwerker_move_acc_test.go): that provider cannot be
// fetched here, and Terraform plans a state that names a provider only when one is installed at
// that address. Terraform hands the source state to the target provider raw, so the stub only
// declares the five resource types with kreuzwerker's schema versions and an `id`; it never
// creates, reads or deletes anything.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return stubProvider{} },
		providerserver.ServeOpts{Address: "registry.terraform.io/kreuzwerker/docker"})
	if err != nil {
		log.Fatal(err)
	}
}

type stubProvider struct{}

func (stubProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "docker"
}

func (stubProvider) Schema(context.Context, provider.SchemaRequest, *provider.SchemaResponse) {}

func (stubProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (stubProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// kreuzwerker/docker v4's schema versions of the types a move takes.
var versions = map[string]int64{"service": 2, "secret": 1, "config": 0, "network": 1, "volume": 1}

func (stubProvider) Resources(context.Context) []func() resource.Resource {
	var out []func() resource.Resource
	for name, v := range versions {
		out = append(out, func() resource.Resource { return stubResource{name: name, version: v} })
	}
	return out
}

type stubResource struct {
	name    string
	version int64
}

func (r stubResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.name
}

func (r stubResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Version:    r.version,
		Attributes: map[string]schema.Attribute{"id": schema.StringAttribute{Computed: true}},
	}
}

func (stubResource) Create(_ context.Context, _ resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.AddError("Stub provider", "kwstub only stands in for kreuzwerker/docker in tests of moved blocks.")
}

func (stubResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (stubResource) Update(_ context.Context, _ resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.Diagnostics.AddError("Stub provider", "kwstub only stands in for kreuzwerker/docker in tests of moved blocks.")
}

func (stubResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddError("Stub provider", "kwstub only stands in for kreuzwerker/docker in tests of moved blocks.")
}
