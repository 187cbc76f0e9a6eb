package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// Configure stores the provider's client in each resource's narrow interface, and leaves the
// interface nil (not holding a nil *swarm.Client) without provider data, which the nil checks of
// ModifyPlan, checkObjectAPI and swarm_volume's engineClient rely on.
func TestResourcesConfigureEngine(t *testing.T) {
	c, err := swarm.New(swarm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	service, network, volume, cluster, join, node := &serviceResource{}, &networkResource{}, &volumeResource{}, &clusterResource{}, &joinResource{}, &nodeResource{}
	secret, _ := NewSecretResource().(*secretResource)
	config, _ := NewConfigResource().(*configResource)
	tests := map[string]struct {
		r      resource.ResourceWithConfigure
		client func() any
	}{
		"swarm_service": {service, func() any { return service.client }},
		"swarm_secret":  {secret, func() any { return secret.client }},
		"swarm_config":  {config, func() any { return config.client }},
		"swarm_network": {network, func() any { return network.client }},
		"swarm_volume":  {volume, func() any { return volume.client }},
		"swarm_cluster": {cluster, func() any { return cluster.client }},
		"swarm_join":    {join, func() any { return join.client }},
		"swarm_node":    {node, func() any { return node.client }},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var resp resource.ConfigureResponse
			tt.r.Configure(context.Background(), resource.ConfigureRequest{}, &resp)
			wantNoError(t, resp.Diagnostics)
			if got := tt.client(); got != nil {
				t.Fatalf("client %#v without provider data, want a nil interface", got)
			}

			tt.r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: c}, &resp)
			wantNoError(t, resp.Diagnostics)
			if got, ok := tt.client().(*swarm.Client); !ok || got != c {
				t.Fatalf("client %#v, want the provider's", tt.client())
			}

			tt.r.Configure(context.Background(), resource.ConfigureRequest{ProviderData: "not a client"}, &resp)
			wantError(t, resp.Diagnostics, "Unexpected provider data", "string")
		})
	}
}
