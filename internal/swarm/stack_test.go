package swarm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// apiStub holds the Engine API methods a fake does not implement (calling one panics); embedded
// one level deeper than the fake's own methods, it never hides them.
type apiStub struct{ client.APIClient }

// fakeStackAPI is an in-memory swarm for stack deploys: services, networks, and the secrets and
// configs of fakeObjects (whose service list it shares, so that usage checks see the services).
type fakeStackAPI struct {
	*fakeObjects
	apiStub
	networks map[string]network.Summary
	creates  []client.ServiceCreateOptions
	updates  []client.ServiceUpdateOptions
}

func newFakeStackAPI() *fakeStackAPI {
	return &fakeStackAPI{fakeObjects: newFakeObjects(), networks: map[string]network.Summary{}}
}

func (f *fakeStackAPI) ServiceList(_ context.Context, o client.ServiceListOptions) (client.ServiceListResult, error) {
	var out []swarm.Service
	for _, s := range f.services {
		if matches(o.Filters, s.Spec.Name, s.Spec.Labels) {
			out = append(out, s)
		}
	}
	return client.ServiceListResult{Items: out}, nil
}

func (f *fakeStackAPI) ServiceCreate(_ context.Context, o client.ServiceCreateOptions) (client.ServiceCreateResult, error) {
	f.creates = append(f.creates, o)
	id := f.id()
	f.services = append(f.services, swarm.Service{ID: id, Spec: o.Spec, Meta: swarm.Meta{Version: swarm.Version{Index: 1}}})
	return client.ServiceCreateResult{ID: id}, nil
}

func (f *fakeStackAPI) ServiceInspect(_ context.Context, id string, _ client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	for _, s := range f.services {
		if s.ID == id || s.Spec.Name == id {
			return client.ServiceInspectResult{Service: s}, nil
		}
	}
	return client.ServiceInspectResult{}, cerrdefs.ErrNotFound
}

func (f *fakeStackAPI) ServiceUpdate(_ context.Context, id string, o client.ServiceUpdateOptions) (client.ServiceUpdateResult, error) {
	f.updates = append(f.updates, o)
	for i, s := range f.services {
		if s.ID == id {
			if o.Version != s.Version {
				return client.ServiceUpdateResult{}, fmt.Errorf("stale version")
			}
			f.services[i].Spec = o.Spec
			f.services[i].Version.Index++
			return client.ServiceUpdateResult{}, nil
		}
	}
	return client.ServiceUpdateResult{}, cerrdefs.ErrNotFound
}

func (f *fakeStackAPI) ServiceRemove(_ context.Context, id string, _ client.ServiceRemoveOptions) (client.ServiceRemoveResult, error) {
	for i, s := range f.services {
		if s.ID == id {
			f.services = slices.Delete(f.services, i, i+1)
			return client.ServiceRemoveResult{}, nil
		}
	}
	return client.ServiceRemoveResult{}, cerrdefs.ErrNotFound
}

func (f *fakeStackAPI) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	return client.TaskListResult{}, nil
}

func (f *fakeStackAPI) NetworkList(_ context.Context, o client.NetworkListOptions) (client.NetworkListResult, error) {
	var out []network.Summary
	for _, n := range f.networks {
		if matches(o.Filters, n.Name, n.Labels) {
			out = append(out, n)
		}
	}
	return client.NetworkListResult{Items: out}, nil
}

func (f *fakeStackAPI) NetworkCreate(_ context.Context, name string, o client.NetworkCreateOptions) (client.NetworkCreateResult, error) {
	n := network.Summary{}
	n.ID, n.Name, n.Driver, n.Scope, n.Labels = "net-"+name, name, o.Driver, "swarm", o.Labels
	f.networks[n.ID] = n
	return client.NetworkCreateResult{ID: n.ID}, nil
}

func (f *fakeStackAPI) NetworkInspect(_ context.Context, id string, _ client.NetworkInspectOptions) (client.NetworkInspectResult, error) {
	for _, n := range f.networks {
		if n.ID == id || n.Name == id {
			return client.NetworkInspectResult{Network: network.Inspect{Network: n.Network}}, nil
		}
	}
	return client.NetworkInspectResult{}, cerrdefs.ErrNotFound
}

func (f *fakeStackAPI) NetworkRemove(_ context.Context, id string, _ client.NetworkRemoveOptions) (client.NetworkRemoveResult, error) {
	if _, ok := f.networks[id]; !ok {
		return client.NetworkRemoveResult{}, cerrdefs.ErrNotFound
	}
	delete(f.networks, id)
	return client.NetworkRemoveResult{}, nil
}

func (f *fakeStackAPI) serviceNamed(t *testing.T, name string) swarm.Service {
	t.Helper()
	for _, s := range f.services {
		if s.Spec.Name == name {
			return s
		}
	}
	t.Fatalf("no service %s", name)
	return swarm.Service{}
}

const stackDeployFile = `version: '3.8'
services:
  web:
    image: app:1
    networks: [front]
    secrets: [token]
  worker:
    image: app:1
networks:
  front: {}
secrets:
  token: {file: ./token.txt}
`

func stackSpecFor(t *testing.T, dir, token, file string) StackSpec {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "token.txt"), []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := LoadCompose(StackSource{Files: []string{file}, WorkingDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ConvertStack(context.Background(), "shop", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestDeployStack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	f := newFakeStackAPI()
	var authFor []string
	opts := StackDeployOptions{NoWait: true, RegistryAuth: func(image string) string {
		authFor = append(authFor, image)
		return "auth-" + image
	}}

	// Create: the network, the secret (version 1, named as stack deploy names it), the services
	// with the secret's ID and the registry auth of their image.
	if err := deployStack(ctx, f, stackSpecFor(t, dir, "one", stackDeployFile), opts); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.networks["net-shop_front"]; !ok {
		t.Errorf("networks %v", f.networks)
	}
	if got := f.secretNames(); !slices.Equal(got, []string{"shop_token"}) {
		t.Errorf("secrets %v", got)
	}
	web := f.serviceNamed(t, "shop_web")
	ref := web.Spec.TaskTemplate.ContainerSpec.Secrets[0]
	if ref.SecretName != "shop_token" || f.secrets[ref.SecretID].Spec.Name != "shop_token" {
		t.Errorf("secret reference %+v", ref)
	}
	if w := f.serviceNamed(t, "shop_worker"); len(w.Spec.TaskTemplate.ContainerSpec.Secrets) != 0 || w.Spec.TaskTemplate.Networks[0].Target != "shop_default" {
		t.Errorf("worker %+v", w.Spec.TaskTemplate)
	}
	if len(f.creates) != 2 || f.creates[0].EncodedRegistryAuth != "auth-app:1" || !slices.Equal(authFor, []string{"app:1", "app:1"}) {
		t.Errorf("creates %d, auth asked for %v", len(f.creates), authFor)
	}

	// The same again writes nothing.
	if err := deployStack(ctx, f, stackSpecFor(t, dir, "one", stackDeployFile), opts); err != nil {
		t.Fatal(err)
	}
	if len(f.updates) != 0 || len(f.creates) != 2 {
		t.Errorf("an unchanged stack was written: %d updates", len(f.updates))
	}

	// New content: a new version, the service moves to it; the previous version is kept (one, as
	// swarm_secret keeps by default) for a rollback of the service.
	opts.Rotate = map[string]bool{"shop_token": true}
	if err := deployStack(ctx, f, stackSpecFor(t, dir, "two", stackDeployFile), opts); err != nil {
		t.Fatal(err)
	}
	web = f.serviceNamed(t, "shop_web")
	ref = web.Spec.TaskTemplate.ContainerSpec.Secrets[0]
	if ref.SecretName != "shop_token-v2" || f.secrets[ref.SecretID].Spec.Name != "shop_token-v2" {
		t.Errorf("after rotation the reference is %+v", ref)
	}
	if got := f.secretNames(); !slices.Equal(got, []string{"shop_token", "shop_token-v2"}) {
		t.Errorf("secrets after rotation %v", got)
	}
	if len(f.updates) != 1 || f.updates[0].EncodedRegistryAuth != "auth-app:1" {
		t.Errorf("updates %+v", f.updates)
	}

	// The file drops worker and web's network and secret: all of it goes.
	opts.Rotate = nil
	if err := deployStack(ctx, f, stackSpecFor(t, dir, "two", "version: '3.8'\nservices:\n  web:\n    image: app:2\n"), opts); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.services {
		names = append(names, s.Spec.Name)
	}
	if !slices.Equal(names, []string{"shop_web"}) {
		t.Errorf("services %v", names)
	}
	if _, ok := f.networks["net-shop_front"]; ok {
		t.Error("the dropped network is still there")
	}
	if got := f.secretNames(); len(got) != 0 {
		t.Errorf("the dropped secret is still there: %v", got)
	}
	if img := f.serviceNamed(t, "shop_web").Spec.TaskTemplate.ContainerSpec.Image; img != "app:2" {
		t.Errorf("image %s", img)
	}

	// Remove: everything of the stack.
	if err := removeStack(ctx, f, "shop"); err != nil {
		t.Fatal(err)
	}
	st, err := readStack(ctx, f, "shop")
	if err != nil || !st.Empty() {
		t.Errorf("after remove: %+v %v", st, err)
	}
}

func TestDeployStackExternal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFakeStackAPI()
	file := "version: '3.8'\nservices:\n  web:\n    image: app:1\n    secrets: [ext]\nsecrets:\n  ext: {external: true, name: shared}\n"
	spec := stackSpecFor(t, t.TempDir(), "x", file)
	err := deployStack(ctx, f, spec, StackDeployOptions{NoWait: true})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("a missing external secret: %v", err)
	}
	if _, err := f.SecretCreate(ctx, client.SecretCreateOptions{Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: "shared"}}}); err != nil {
		t.Fatal(err)
	}
	if err := deployStack(ctx, f, spec, StackDeployOptions{NoWait: true}); err != nil {
		t.Fatal(err)
	}
	ref := f.serviceNamed(t, "shop_web").Spec.TaskTemplate.ContainerSpec.Secrets[0]
	if ref.SecretName != "shared" || ref.SecretID == "" {
		t.Errorf("reference %+v", ref)
	}
	// External objects are never removed with the stack.
	if err := removeStack(ctx, f, "shop"); err != nil {
		t.Fatal(err)
	}
	if got := f.secretNames(); !slices.Equal(got, []string{"shared"}) {
		t.Errorf("secrets %v", got)
	}
}
