package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/pkg/authconfig"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

const testDigest = "sha256:4b825dc642cb6eb9a060e54bf8d69288fbee4904c8f2ad9a8a6e7c0b4b1e2e2a"

func testRegistryAuth(t *testing.T, creds ...swarm.RegistryCredential) *swarm.RegistryAuth {
	t.Helper()
	a, err := swarm.NewRegistryAuth(creds, swarm.DockerConfig{}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// sentUser decodes the user of the registry auth the fake Engine got with call i ("" for none).
func sentUser(t *testing.T, f *fakeServiceEngine, i int) (string, string) {
	t.Helper()
	if len(f.sentAuth) <= i {
		t.Fatalf("%d creates or updates, want %d", len(f.sentAuth), i+1)
	}
	if f.sentAuth[i] == "" {
		return "", ""
	}
	ac, err := authconfig.Decode(f.sentAuth[i])
	if err != nil {
		t.Fatal(err)
	}
	return ac.Username, ac.Password
}

// The provider's credentials of the image's registry go with the create, and the Engine runs the
// tag pinned to the digest resolved at apply (the plan of a create cannot know it).
func TestServiceResourceCreate_privateImagePinned(t *testing.T) {
	f := newFakeServiceEngine()
	f.registryAuth = testRegistryAuth(t, swarm.RegistryCredential{Address: "registry.example.com:5000", Username: "deploy", Password: "s3cret"})
	const image = "registry.example.com:5000/shop/api:stable"
	f.digests = map[string]string{image: testDigest}
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, attrs{"task_template.container_spec.image": image}))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ResolveDigest", "CreateService", "WaitConverged", "InspectService")
	if got := f.services["svc1"].Spec.TaskTemplate.ContainerSpec.Image; got != image+"@"+testDigest {
		t.Errorf("the Engine got image %s", got)
	}
	if u, p := sentUser(t, f, 0); u != "deploy" || p != "s3cret" {
		t.Errorf("registry auth sent: user %q", u)
	}
	if got := attrOf[types.String](t, resp.State, "image_digest"); got.ValueString() != testDigest {
		t.Errorf("image_digest %s", got)
	}
}

// A registry that cannot be asked: a warning, and the tag runs unpinned (as the CLI does). With no
// credentials set, nothing is sent.
func TestServiceResourceCreate_unresolvedImageRunsTag(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))

	wantNoError(t, resp.Diagnostics)
	wantWarning(t, resp.Diagnostics, "Image digest not resolved", "web:1", "no registry knows it")
	if got := f.services["svc1"].Spec.TaskTemplate.ContainerSpec.Image; got != "web:1" {
		t.Errorf("the Engine got image %s", got)
	}
	if u, _ := sentUser(t, f, 0); u != "" || f.sentAuth[0] != "" {
		t.Errorf("registry auth sent without any credentials set: %q", f.sentAuth[0])
	}
	if got := attrOf[types.String](t, resp.State, "image_digest"); !got.IsNull() {
		t.Errorf("image_digest %s, want null", got)
	}
}

// A convergence failure adds the registry's answer (the tasks only say the image is missing).
func TestServiceResourceCreate_waitFailsWithRegistryAnswer(t *testing.T) {
	f := newFakeServiceEngine()
	f.failOn("WaitConverged", errNotConverged)
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr))
	wantError(t, resp.Diagnostics, "did not converge", "The image's registry answered", "web:1", "no registry knows it")
}

func TestServiceResourceCreate_resolveNever(t *testing.T) {
	f := newFakeServiceEngine()
	f.digests = map[string]string{"web:1": testDigest}
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, attrs{"resolve_image": "never"}))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "CreateService", "WaitConverged", "InspectService")
	if got := f.services["svc1"].Spec.TaskTemplate.ContainerSpec.Image; got != "web:1" {
		t.Errorf("the Engine got image %s", got)
	}
}

// An image written with a digest is sent as written, never resolved.
func TestServiceResourceCreate_imageWithDigest(t *testing.T) {
	f := newFakeServiceEngine()
	tr := newServiceTest(t, f)
	resp := tr.planAndCreate(testServiceConfig(tr, attrs{"task_template.container_spec.image": "web:1@" + testDigest}))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "CreateService", "WaitConverged", "InspectService")
	if got := attrOf[types.String](t, resp.State, "image_digest"); got.ValueString() != testDigest {
		t.Errorf("image_digest %s", got)
	}
}

// The service's own credentials win over the provider's; the write-only password reaches the
// Engine and never the state. An update sends them again.
func TestServiceResourceCreate_serviceRegistryAuth(t *testing.T) {
	f := newFakeServiceEngine()
	f.registryAuth = testRegistryAuth(t, swarm.RegistryCredential{Address: "docker.io", Username: "provider", Password: "ppw"})
	tr := newServiceTest(t, f)
	config := testServiceConfig(tr, attrs{
		"registry_auth.username": "own", "registry_auth.password_wo": "own-pw", "registry_auth.password_wo_version": int64(1),
	})
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	if u, p := sentUser(t, f, 0); u != "own" || p != "own-pw" {
		t.Errorf("registry auth sent: user %q", u)
	}
	if got := attrOf[types.String](t, resp.State, "registry_auth.password_wo"); !got.IsNull() {
		t.Error("password_wo is in the state")
	}
	if got := attrOf[types.String](t, resp.State, "registry_auth.username"); got.ValueString() != "own" {
		t.Errorf("registry_auth.username %s", got)
	}

	next := testServiceConfig(tr, attrs{
		"registry_auth.username": "own", "registry_auth.password_wo": "own-pw2", "registry_auth.password_wo_version": int64(2),
	})
	uresp := tr.planAndUpdate(next, resp.State.Raw)
	wantNoError(t, uresp.Diagnostics)
	if u, p := sentUser(t, f, 1); u != "own" || p != "own-pw2" {
		t.Errorf("registry auth sent with the update: user %q", u)
	}
	if got := attrOf[types.String](t, uresp.State, "registry_auth.password_wo"); !got.IsNull() {
		t.Error("password_wo is in the state after the update")
	}
}
