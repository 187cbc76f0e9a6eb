package main

import (
	"context"
	"flag"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-log/tflog"

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
		tflog.Error(context.Background(), "provider server stopped", map[string]any{"error": err.Error()})
		os.Exit(1)
	}
}
