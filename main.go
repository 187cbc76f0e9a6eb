package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tfswarm/terraform-provider-swarm/internal/provider"
)

// version is set by the release build (goreleaser's ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tfswarm/swarm",
		Debug:   debug,
	})
	if err != nil {
		// No Terraform request is running here, so tflog would write nothing: stderr is what
		// Terraform (or whoever started the plugin) shows.
		fmt.Fprintf(os.Stderr, "terraform-provider-swarm: %v\n", err)
		os.Exit(1)
	}
}
