package swarm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// fakeNetworkAPI answers like an Engine whose network is held by the given services and tasks;
// every NetworkRemove call detaches one task first.
type fakeNetworkAPI struct {
	net       network.Inspect
	gone      bool
	services  []swarm.Service
	tasks     []swarm.Task
	removeErr error
	removes   int
	createErr error
	list      []network.Summary
}

func (f *fakeNetworkAPI) NetworkCreate(_ context.Context, name string, _ client.NetworkCreateOptions) (client.NetworkCreateResult, error) {
	if f.createErr != nil {
		return client.NetworkCreateResult{}, f.createErr
	}
	return client.NetworkCreateResult{ID: "id-" + name}, nil
}

func (f *fakeNetworkAPI) NetworkInspect(_ context.Context, id string, _ client.NetworkInspectOptions) (client.NetworkInspectResult, error) {
	if f.gone || (id != f.net.ID && id != f.net.Name) {
		return client.NetworkInspectResult{}, cerrdefs.ErrNotFound
	}
	return client.NetworkInspectResult{Network: f.net}, nil
}

func (f *fakeNetworkAPI) NetworkList(context.Context, client.NetworkListOptions) (client.NetworkListResult, error) {
	return client.NetworkListResult{Items: f.list}, nil
}

func (f *fakeNetworkAPI) NetworkRemove(context.Context, string, client.NetworkRemoveOptions) (client.NetworkRemoveResult, error) {
	f.removes++
	if f.gone {
		return client.NetworkRemoveResult{}, cerrdefs.ErrNotFound
	}
	if len(f.tasks) > 0 {
		f.tasks = f.tasks[1:]
		return client.NetworkRemoveResult{}, f.removeErr
	}
	if len(f.services) > 0 {
		return client.NetworkRemoveResult{}, f.removeErr
	}
	f.gone = true
	return client.NetworkRemoveResult{}, nil
}

func (f *fakeNetworkAPI) ServiceList(context.Context, client.ServiceListOptions) (client.ServiceListResult, error) {
	return client.ServiceListResult{Items: f.services}, nil
}

func (f *fakeNetworkAPI) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	return client.TaskListResult{Items: f.tasks}, nil
}

func attachedTask(serviceID, networkID string, desired, observed swarm.TaskState) swarm.Task {
	return swarm.Task{
		ServiceID:           serviceID,
		DesiredState:        desired,
		Status:              swarm.TaskStatus{State: observed},
		NetworksAttachments: []swarm.NetworkAttachment{{Network: swarm.Network{ID: networkID}}},
	}
}

func serviceOn(id, name string, targets ...string) swarm.Service {
	s := swarm.Service{ID: id}
	s.Spec.Name = name
	for _, t := range targets {
		s.Spec.TaskTemplate.Networks = append(s.Spec.TaskTemplate.Networks, swarm.NetworkAttachmentConfig{Target: t})
	}
	return s
}

func TestNetworkUsers(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		services  []swarm.Service
		tasks     []swarm.Task
		wantNames []string
		wantTasks int
	}{
		"nothing": {wantNames: []string{}},
		"service by ID and by name": {
			services:  []swarm.Service{serviceOn("s1", "web", "net1"), serviceOn("s2", "api", "front"), serviceOn("s3", "other", "net9")},
			wantNames: []string{"api", "web"},
		},
		"live tasks name their service, or its ID when gone": {
			services: []swarm.Service{serviceOn("s1", "web")},
			tasks: []swarm.Task{
				attachedTask("s1", "net1", swarm.TaskStateRunning, swarm.TaskStateRunning),
				attachedTask("s2", "net1", swarm.TaskStateRunning, swarm.TaskStateStarting),
				attachedTask("s3", "net1", swarm.TaskStateShutdown, swarm.TaskStateRunning),
				attachedTask("s4", "net1", swarm.TaskStateRunning, swarm.TaskStateComplete),
				attachedTask("s5", "net2", swarm.TaskStateRunning, swarm.TaskStateRunning),
			},
			wantNames: []string{"s2", "web"},
			wantTasks: 2,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			names, n := NetworkUsers("net1", "front", tc.services, tc.tasks)
			if diff := cmp.Diff(tc.wantNames, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if n != tc.wantTasks {
				t.Errorf("tasks = %d, want %d", n, tc.wantTasks)
			}
		})
	}
}

func TestRemoveNetwork(t *testing.T) {
	t.Parallel()
	inUse := cerrdefs.ErrFailedPrecondition.WithMessage("network net1 is in use by task t1")
	net := network.Inspect{Network: network.Network{ID: "net1", Name: "front"}}
	t.Run("waits for tasks to detach", func(t *testing.T) {
		t.Parallel()
		f := &fakeNetworkAPI{net: net, removeErr: inUse, tasks: []swarm.Task{
			attachedTask("s1", "net1", swarm.TaskStateShutdown, swarm.TaskStateRunning),
			attachedTask("s1", "net1", swarm.TaskStateRunning, swarm.TaskStateRunning),
		}}
		if err := removeNetwork(t.Context(), f, "net1", time.Minute, time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if f.removes != 3 {
			t.Errorf("removes = %d, want 3", f.removes)
		}
	})
	t.Run("gone is removed", func(t *testing.T) {
		t.Parallel()
		f := &fakeNetworkAPI{net: net, gone: true}
		if err := removeNetwork(t.Context(), f, "net1", time.Minute, time.Millisecond); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("names the services after the timeout", func(t *testing.T) {
		t.Parallel()
		f := &fakeNetworkAPI{net: net, removeErr: inUse, services: []swarm.Service{serviceOn("s1", "web", "net1"), serviceOn("s2", "db", "front")}}
		err := removeNetwork(t.Context(), f, "net1", 20*time.Millisecond, time.Millisecond)
		var iu *NetworkInUseError
		if !errors.As(err, &iu) {
			t.Fatalf("err = %v, want a NetworkInUseError", err)
		}
		if diff := cmp.Diff([]string{"db", "web"}, iu.Services); diff != "" {
			t.Errorf("services (-want +got):\n%s", diff)
		}
		if !strings.Contains(err.Error(), "services db, web") || !strings.Contains(err.Error(), "in use by task t1") {
			t.Errorf("message %q names neither the services nor the Engine's answer", err)
		}
		if f.removes < 2 {
			t.Errorf("removes = %d, want retries", f.removes)
		}
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("errors.Is(%v, ErrTimeout) = false: the wait ran out", err)
		}
	})
	t.Run("other errors fail at once", func(t *testing.T) {
		t.Parallel()
		f := &fakeNetworkAPI{net: net, removeErr: cerrdefs.ErrPermissionDenied, services: nil, tasks: []swarm.Task{{}}}
		err := removeNetwork(t.Context(), f, "net1", time.Minute, time.Millisecond)
		if !cerrdefs.IsPermissionDenied(err) || f.removes != 1 {
			t.Fatalf("err = %v after %d removes, want one permission error", err, f.removes)
		}
	})
}

func TestCreateNetworkNameTaken(t *testing.T) {
	t.Parallel()
	f := &fakeNetworkAPI{
		createErr: cerrdefs.ErrConflict.WithMessage("name conflicts"),
		list:      []network.Summary{{Network: network.Network{ID: "other1", Name: "front-2"}}, {Network: network.Network{ID: "other2", Name: "front"}}},
	}
	_, err := createNetwork(t.Context(), f, "front", client.NetworkCreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "ID other2") || !cerrdefs.IsConflict(err) {
		t.Fatalf("err = %v, want a conflict naming other2", err)
	}
}

// lostNetworkCreateAPI makes the network (made, created at the create when its Created is zero)
// but answers the create with createErr, and does not answer the first down lists.
type lostNetworkCreateAPI struct {
	fakeNetworkAPI
	made  *network.Summary
	down  int
	lists int
}

func (f *lostNetworkCreateAPI) NetworkCreate(context.Context, string, client.NetworkCreateOptions) (client.NetworkCreateResult, error) {
	if f.made != nil {
		n := *f.made
		if n.Created.IsZero() {
			n.Created = time.Now()
		}
		f.list = append(f.list, n)
	}
	return client.NetworkCreateResult{}, f.createErr
}

func (f *lostNetworkCreateAPI) NetworkList(ctx context.Context, o client.NetworkListOptions) (client.NetworkListResult, error) {
	f.lists++
	if f.down > 0 {
		f.down--
		return client.NetworkListResult{}, errors.New("connection refused")
	}
	return f.fakeNetworkAPI.NetworkList(ctx, o)
}

// A network create whose answer was lost adopts the network it made, found by name. An older
// network of that name is someone else's, and so is one that the Engine's refusal names, however
// new.
func TestCreateNetworkLostAnswer(t *testing.T) {
	t.Parallel()
	eof := errors.New("unexpected EOF")
	taken := cerrdefs.ErrConflict.WithMessage("network with name front already exists")
	// made is the network; a zero created is the moment of the create.
	made := func(created time.Time) *network.Summary {
		return &network.Summary{Network: network.Network{ID: "net1", Name: "front", Created: created}}
	}
	tests := map[string]struct {
		api       *lostNetworkCreateAPI
		wantID    string
		wantErr   string
		wantLists int
	}{
		"created although the answer was lost: adopted": {
			api: &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: eof}, made: made(time.Time{})}, wantID: "net1", wantLists: 1,
		},
		"engine back after two failed look-ups: adopted": {
			api: &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: eof}, made: made(time.Time{}), down: 2}, wantID: "net1", wantLists: 3,
		},
		"not created: the create's error": {
			api: &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: eof}}, wantErr: `creating network "front": unexpected EOF`, wantLists: 1,
		},
		"an older network of that name: not adopted, the error says how to import it": {
			api:     &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: taken, list: []network.Summary{*made(time.Now().Add(-time.Hour))}}},
			wantErr: "exists already (ID net1, created ", wantLists: 1,
		},
		"someone else's, made at the same moment: the refusal names it, not adopted": {
			api:     &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: taken}, made: made(time.Time{})},
			wantErr: "exists already (ID net1, created ", wantLists: 1,
		},
		"refused for its options: the create's error, no look-up": {
			api:     &lostNetworkCreateAPI{fakeNetworkAPI: fakeNetworkAPI{createErr: cerrdefs.ErrInvalidArgument.WithMessage("invalid subnet")}},
			wantErr: `creating network "front": invalid subnet`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			id, err := createNetworkLookingUp(t.Context(), tc.api, "front", client.NetworkCreateOptions{}, time.Minute, time.Millisecond)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, tc.api.createErr)):
				t.Errorf("err = %v, want it to contain %q and wrap the create's error", err, tc.wantErr)
			case tc.wantErr == "" && (err != nil || id != tc.wantID):
				t.Errorf("got %q, %v; want %q adopted", id, err, tc.wantID)
			}
			if tc.api.lists != tc.wantLists {
				t.Errorf("%d look-ups, want %d", tc.api.lists, tc.wantLists)
			}
		})
	}
}

// allocatingAPI shows the network without a driver for the first inspections, as the Engine does
// until the swarm's allocator has run.
type allocatingAPI struct {
	fakeNetworkAPI
	pending int
}

func (f *allocatingAPI) NetworkInspect(ctx context.Context, id string, o client.NetworkInspectOptions) (client.NetworkInspectResult, error) {
	res, err := f.fakeNetworkAPI.NetworkInspect(ctx, id, o)
	if f.pending > 0 {
		f.pending--
		res.Network.Driver = ""
	}
	return res, err
}

func TestWaitNetworkAllocated(t *testing.T) {
	t.Parallel()
	f := &allocatingAPI{fakeNetworkAPI: fakeNetworkAPI{net: network.Inspect{Network: network.Network{ID: "net1", Driver: "overlay"}}}, pending: 3}
	if err := waitNetworkAllocated(t.Context(), f, "net1", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if f.pending != 0 {
		t.Errorf("returned before the allocation (%d pending)", f.pending)
	}
	f = &allocatingAPI{fakeNetworkAPI: fakeNetworkAPI{net: network.Inspect{Network: network.Network{ID: "net1"}}}, pending: 1000}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := waitNetworkAllocated(ctx, f, "net1", time.Millisecond); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "did not allocate it") {
		t.Errorf("a network that is never allocated: %v", err)
	}
}
