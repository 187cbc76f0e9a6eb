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
	quietUnreadLogs(os.LookupEnv, os.Setenv)
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

// sdkLogLevels are the environment variables of the plugin SDK's own loggers (terraform-plugin-go
// and terraform-plugin-framework), which log at TRACE when they are not set.
var sdkLogLevels = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// quietUnreadLogs turns the SDK's loggers off when Terraform drops what they write: Terraform
// keeps a provider's logs only when TF_LOG or TF_LOG_PROVIDER is set, and otherwise discards
// them, while formatting their JSON lines took a fifth of the provider's CPU during a refresh
// (measured with TFSWARM_CPUPROFILE). A level set explicitly is kept, and so is everything when
// Terraform logs.
func quietUnreadLogs(lookup func(string) (string, bool), set func(string, string) error) {
	for _, v := range []string{"TF_LOG", "TF_LOG_PROVIDER"} {
		if s, ok := lookup(v); ok && s != "" {
			return
		}
	}
	for _, v := range sdkLogLevels {
		if _, ok := lookup(v); !ok {
			_ = set(v, "off")
		}
	}
}
