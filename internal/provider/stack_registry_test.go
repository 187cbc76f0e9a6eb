package provider

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// TestStackRegistryAuths: every image of a stack gets the provider's credentials for its
// registry, images of other registries get none, and no credentials at all send nothing.
func TestStackRegistryAuths(t *testing.T) {
	spec := swarm.StackSpec{Services: map[string]apiswarm.ServiceSpec{
		"api":    stackTestService("registry.example.com:5000/shop/api:1"),
		"worker": stackTestService("registry.example.com:5000/shop/api:1"),
		"web":    stackTestService("nginx:1.27"),
	}}
	reg, err := swarm.NewRegistryAuth([]swarm.RegistryCredential{
		{Address: "registry.example.com:5000", Username: "deploy", Password: "s3cret"},
	}, swarm.DockerConfig{}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	auths, diags := stackRegistryAuths(reg, spec)
	if diags.HasError() {
		t.Fatalf("diagnostics: %v", diags)
	}
	raw, err := base64.URLEncoding.DecodeString(auths["registry.example.com:5000/shop/api:1"])
	if err != nil {
		t.Fatalf("decoding the api image's auth: %v", err)
	}
	var got struct{ Username, Password, ServerAddress string }
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("the api image's auth %q: %v", raw, err)
	}
	if got.Username != "deploy" || got.Password != "s3cret" || got.ServerAddress != "registry.example.com:5000" {
		t.Errorf("api image auth = %+v", got)
	}
	if a := auths["nginx:1.27"]; a != "" {
		t.Errorf("an image of another registry got credentials: %q", a)
	}

	none, diags := stackRegistryAuths(nil, spec)
	if diags.HasError() {
		t.Fatalf("diagnostics without credentials: %v", diags)
	}
	for image, a := range none {
		if a != "" {
			t.Errorf("without credentials, %s got %q", image, a)
		}
	}
}

func stackTestService(image string) apiswarm.ServiceSpec {
	return apiswarm.ServiceSpec{TaskTemplate: apiswarm.TaskSpec{ContainerSpec: &apiswarm.ContainerSpec{Image: image}}}
}
