package swarm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// fakeVolumeAPI holds one volume and the containers that use it; each ContainerList call lets
// one task container go, as a node does after its service is removed (unless stay: the service
// still runs).
type fakeVolumeAPI struct {
	vol        *volume.Volume
	containers []container.Summary
	stay       bool
	removes    int
	created    *client.VolumeCreateOptions
}

func (f *fakeVolumeAPI) VolumeCreate(_ context.Context, o client.VolumeCreateOptions) (client.VolumeCreateResult, error) {
	f.created = &o
	return client.VolumeCreateResult{Volume: volume.Volume{Name: o.Name, Driver: o.Driver}}, nil
}

func (f *fakeVolumeAPI) VolumeInspect(_ context.Context, name string, _ client.VolumeInspectOptions) (client.VolumeInspectResult, error) {
	if f.vol == nil || f.vol.Name != name {
		return client.VolumeInspectResult{}, cerrdefs.ErrNotFound
	}
	return client.VolumeInspectResult{Volume: *f.vol}, nil
}

func (f *fakeVolumeAPI) VolumeRemove(context.Context, string, client.VolumeRemoveOptions) (client.VolumeRemoveResult, error) {
	f.removes++
	if f.vol == nil {
		return client.VolumeRemoveResult{}, cerrdefs.ErrNotFound
	}
	if len(f.containers) > 0 {
		return client.VolumeRemoveResult{}, cerrdefs.ErrConflict.WithMessage("volume is in use")
	}
	f.vol = nil
	return client.VolumeRemoveResult{}, nil
}

func (f *fakeVolumeAPI) ContainerList(context.Context, client.ContainerListOptions) (client.ContainerListResult, error) {
	items := f.containers
	if !f.stay && len(f.containers) > 0 && f.containers[0].Labels[taskIDLabel] != "" {
		f.containers = f.containers[1:]
	}
	return client.ContainerListResult{Items: items}, nil
}

func taskContainer(name string) container.Summary {
	return container.Summary{ID: "id-" + name, Names: []string{"/" + name}, Labels: map[string]string{taskIDLabel: "t-" + name}}
}

func TestVolumeUsers(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		in        []container.Summary
		wantNames []string
		wantTasks bool
	}{
		"none":       {wantNames: []string{}, wantTasks: true},
		"task only":  {in: []container.Summary{taskContainer("web.1.x")}, wantNames: []string{"web.1.x"}, wantTasks: true},
		"plain":      {in: []container.Summary{{ID: "abc", Names: []string{"/db"}}, taskContainer("web.1.x")}, wantNames: []string{"db", "web.1.x"}},
		"no name id": {in: []container.Summary{{ID: "abc"}}, wantNames: []string{"abc"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			names, tasks := VolumeUsers(tc.in)
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if tasks != tc.wantTasks {
				t.Errorf("onlyTasks = %v, want %v", tasks, tc.wantTasks)
			}
		})
	}
}

func TestRemoveVolume(t *testing.T) {
	t.Parallel()
	t.Run("plain container fails at once with its name", func(t *testing.T) {
		t.Parallel()
		f := &fakeVolumeAPI{vol: &volume.Volume{Name: "data"}, containers: []container.Summary{{ID: "abc", Names: []string{"/db"}}}}
		err := removeVolume(t.Context(), f, "data", time.Minute, time.Millisecond)
		var iu *VolumeInUseError
		if !errors.As(err, &iu) || f.removes != 1 {
			t.Fatalf("err = %v after %d removes, want one VolumeInUseError", err, f.removes)
		}
		if !strings.Contains(err.Error(), "containers db;") {
			t.Errorf("message %q does not name the container", err)
		}
		if f.vol == nil {
			t.Error("the volume was removed")
		}
		if errors.Is(err, ErrTimeout) {
			t.Errorf("errors.Is(%v, ErrTimeout): nothing was waited for", err)
		}
	})
	t.Run("task containers that stay past the timeout", func(t *testing.T) {
		t.Parallel()
		f := &fakeVolumeAPI{vol: &volume.Volume{Name: "data"}, containers: []container.Summary{taskContainer("a")}, stay: true}
		err := removeVolume(t.Context(), f, "data", 20*time.Millisecond, time.Millisecond)
		var iu *VolumeInUseError
		if !errors.As(err, &iu) || !errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v, want a VolumeInUseError that is an ErrTimeout", err)
		}
		if f.removes < 2 || f.vol == nil {
			t.Errorf("vol = %v after %d removes, want retries and the volume kept", f.vol, f.removes)
		}
		if !strings.Contains(err.Error(), "containers a after waiting") {
			t.Errorf("message %q does not say it waited", err)
		}
	})
	t.Run("task containers are waited for", func(t *testing.T) {
		t.Parallel()
		f := &fakeVolumeAPI{vol: &volume.Volume{Name: "data"}, containers: []container.Summary{taskContainer("a"), taskContainer("b")}}
		if err := removeVolume(t.Context(), f, "data", time.Minute, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if f.vol != nil || f.removes != 3 {
			t.Errorf("vol = %v after %d removes, want removed after 3", f.vol, f.removes)
		}
	})
	t.Run("gone is removed", func(t *testing.T) {
		t.Parallel()
		if err := removeVolume(t.Context(), &fakeVolumeAPI{}, "data", time.Minute, time.Millisecond); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCreateVolumeRefusesExisting(t *testing.T) {
	t.Parallel()
	f := &fakeVolumeAPI{vol: &volume.Volume{Name: "data", Driver: "local"}}
	if _, err := createVolume(t.Context(), f, client.VolumeCreateOptions{Name: "data"}); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if f.created != nil {
		t.Error("VolumeCreate was called")
	}
	f = &fakeVolumeAPI{}
	v, err := createVolume(t.Context(), f, client.VolumeCreateOptions{Name: "data", Driver: "local"})
	if err != nil || v.Name != "data" {
		t.Fatalf("v = %v, err = %v", v, err)
	}
}
