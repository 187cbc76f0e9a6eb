package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"

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
	// What providerserver.Serve does, with the provider's own protocol server (the framework's,
	// with swarm_service's fast refresh: internal/provider/service_fastread.go).
	server, err := provider.NewProtocol6(version)()
	if err == nil {
		var opts []tf6server.ServeOpt
		if debug {
			opts = append(opts, tf6server.WithManagedDebug())
		}
		err = tf6server.Serve("registry.terraform.io/tfswarm/swarm", func() tfprotov6.ProviderServer { return server }, opts...)
	}
	stopStats()
	if err != nil {
		// No Terraform request is running here, so tflog would write nothing: stderr is what
		// Terraform (or whoever started the plugin) shows.
		fmt.Fprintf(os.Stderr, "terraform-provider-swarm: %v\n", err)
		os.Exit(1)
	}
}
