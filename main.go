package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/tfswarm/terraform-provider-swarm/internal/bench/procstats"
	"github.com/tfswarm/terraform-provider-swarm/internal/provider"
)

// version is set by the release build (goreleaser's ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	// TFSWARM_CPUPROFILE and TFSWARM_PROCSTATS (off unless set): what this process spent, written
	// when the plugin server stops.
	stopStats := procstats.Start()
	provider.QuietUnreadLogs(os.LookupEnv, os.Setenv)
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/tfswarm/swarm",
		Debug:   debug,
	})
	stopStats()
	if err != nil {
		// No Terraform request is running here, so tflog would write nothing: stderr is what
		// Terraform (or whoever started the plugin) shows.
		fmt.Fprintf(os.Stderr, "terraform-provider-swarm: %v\n", err)
		os.Exit(1)
	}
}
