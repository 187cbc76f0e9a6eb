package swarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// fakeServiceAPI keeps one service; updates with a stale version fail like Swarm does.
type fakeServiceAPI struct {
	svc        swarm.Service
	exists     bool
	conflicts  int // how many updates fail as out of sequence before one succeeds
	updates    []client.ServiceUpdateOptions
	list       []swarm.Service
	listFilter client.Filters
}

func (f *fakeServiceAPI) ServiceInspect(_ context.Context, id string, _ client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	if !f.exists || (id != f.svc.ID && id != f.svc.Spec.Name) {
		return client.ServiceInspectResult{}, cerrdefs.ErrNotFound.WithMessage("service " + id + " not found")
	}
	return client.ServiceInspectResult{Service: f.svc}, nil
}

func (f *fakeServiceAPI) ServiceCreate(context.Context, client.ServiceCreateOptions) (client.ServiceCreateResult, error) {
	return client.ServiceCreateResult{ID: "new"}, nil
}

func (f *fakeServiceAPI) ServiceUpdate(_ context.Context, _ string, o client.ServiceUpdateOptions) (client.ServiceUpdateResult, error) {
	f.updates = append(f.updates, o)
	if f.conflicts > 0 {
		f.conflicts--
		f.svc.Version.Index++ // someone else wrote in between
		return client.ServiceUpdateResult{}, cerrdefs.ErrInvalidArgument.WithMessage("rpc error: code = Unknown desc = update out of sequence")
	}
	if o.Version != f.svc.Version {
		return client.ServiceUpdateResult{}, errors.New("stale version sent")
	}
	f.svc.Spec = o.Spec
	f.svc.Version.Index++
	return client.ServiceUpdateResult{}, nil
}

func (f *fakeServiceAPI) ServiceRemove(_ context.Context, id string, _ client.ServiceRemoveOptions) (client.ServiceRemoveResult, error) {
	if !f.exists {
		return client.ServiceRemoveResult{}, cerrdefs.ErrNotFound.WithMessage("no such service " + id)
	}
	f.exists = false
	return client.ServiceRemoveResult{}, nil
}

func (f *fakeServiceAPI) ServiceList(_ context.Context, o client.ServiceListOptions) (client.ServiceListResult, error) {
	f.listFilter = o.Filters
	return client.ServiceListResult{Items: f.list}, nil
}

func TestInspectServiceNotFound(t *testing.T) {
	t.Parallel()
	_, err := inspectService(context.Background(), &fakeServiceAPI{}, "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestUpdateServiceRetriesOutOfSequence(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		conflicts int
		wantErr   bool
		wantCalls int
	}{
		"first try":        {0, false, 1},
		"two conflicts":    {2, false, 3},
		"always conflicts": {outOfSequenceAttempts, true, outOfSequenceAttempts},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeServiceAPI{exists: true, conflicts: tc.conflicts,
				svc: swarm.Service{ID: "id1", Meta: swarm.Meta{Version: swarm.Version{Index: 10}}, Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web"}}}}
			res, err := updateService(context.Background(), f, "web", "", func(cur swarm.Service) (swarm.ServiceSpec, error) {
				spec := cur.Spec
				spec.Labels = map[string]string{"v": fmt.Sprint(cur.Version.Index)}
				return spec, nil
			}, 0)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if len(f.updates) != tc.wantCalls {
				t.Fatalf("%d updates, want %d", len(f.updates), tc.wantCalls)
			}
			if tc.wantErr {
				return
			}
			// Each attempt sent the version it had just read.
			last := f.updates[len(f.updates)-1]
			if last.Version.Index != res.Previous.Version.Index || last.Spec.Labels["v"] != fmt.Sprint(res.Previous.Version.Index) {
				t.Fatalf("sent version %d with labels %v, previous %d", last.Version.Index, last.Spec.Labels, res.Previous.Version.Index)
			}
		})
	}
}

func TestUpdateServiceOtherErrorNoRetry(t *testing.T) {
	t.Parallel()
	f := &fakeServiceAPI{exists: true, svc: swarm.Service{ID: "id1"}}
	_, err := updateService(context.Background(), f, "id1", "", func(swarm.Service) (swarm.ServiceSpec, error) {
		return swarm.ServiceSpec{}, errors.New("bad spec")
	}, 0)
	if err == nil || len(f.updates) != 0 {
		t.Fatalf("err = %v, updates %d", err, len(f.updates))
	}
}

func TestRemoveServiceNotFoundIsDone(t *testing.T) {
	t.Parallel()
	if err := removeService(context.Background(), &fakeServiceAPI{}, "gone"); err != nil {
		t.Fatal(err)
	}
}

func TestListServicesFiltersAndSorts(t *testing.T) {
	t.Parallel()
	svc := func(name string) swarm.Service {
		return swarm.Service{Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: name}}}
	}
	f := &fakeServiceAPI{list: []swarm.Service{svc("web-b"), svc("other"), svc("web-a")}}
	got, err := listServices(context.Background(), f, ServiceFilter{NamePrefix: "web", Labels: map[string]string{"tier": "front", "any": ""}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Spec.Name)
	}
	if d := cmp.Diff([]string{"web-a", "web-b"}, names); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
	want := client.Filters{"name": {"web": true}, "label": {"tier=front": true, "any": true}}
	if d := cmp.Diff(want, f.listFilter); d != "" {
		t.Fatalf("filters (-want +got):\n%s", d)
	}
}

func TestReferencedAndReleased(t *testing.T) {
	t.Parallel()
	spec := swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{
		Secrets: []*swarm.SecretReference{{SecretID: "s1"}, {SecretID: "s2"}},
		Configs: []*swarm.ConfigReference{{ConfigID: "c1"}},
	}}}
	s, c := ReferencedObjects(spec)
	if d := cmp.Diff([]string{"s1", "s2"}, s); d != "" {
		t.Fatal(d)
	}
	if d := cmp.Diff([]string{"c1"}, c); d != "" {
		t.Fatal(d)
	}
	if d := cmp.Diff([]string{"s1"}, Released([]string{"s1", "s2"}, []string{"s2", "s3"})); d != "" {
		t.Fatal(d)
	}
}

func TestTasksHoldBookings(t *testing.T) {
	t.Parallel()
	withPorts := func(modes ...swarm.PortConfigPublishMode) swarm.ServiceSpec {
		spec := swarm.ServiceSpec{EndpointSpec: &swarm.EndpointSpec{}}
		for i, m := range modes {
			spec.EndpointSpec.Ports = append(spec.EndpointSpec.Ports, swarm.PortConfig{TargetPort: uint32(80 + i), PublishedPort: uint32(8080 + i), PublishMode: m})
		}
		return spec
	}
	withReservations := func(r *swarm.Resources) swarm.ServiceSpec {
		return swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{Resources: &swarm.ResourceRequirements{Reservations: r}}}
	}
	for name, tc := range map[string]struct {
		spec swarm.ServiceSpec
		want bool
	}{
		"nothing":                 {swarm.ServiceSpec{}, false},
		"ingress port":            {withPorts(swarm.PortConfigPublishModeIngress), false},
		"host port":               {withPorts(swarm.PortConfigPublishModeHost), true},
		"host port after ingress": {withPorts(swarm.PortConfigPublishModeIngress, swarm.PortConfigPublishModeHost), true},
		"limits only": {swarm.ServiceSpec{TaskTemplate: swarm.TaskSpec{Resources: &swarm.ResourceRequirements{
			Limits: &swarm.Limit{NanoCPUs: 1e9, MemoryBytes: 1 << 20}}}}, false},
		"empty reservations": {withReservations(&swarm.Resources{}), false},
		"cpu reservation":    {withReservations(&swarm.Resources{NanoCPUs: 1e8}), true},
		"memory reservation": {withReservations(&swarm.Resources{MemoryBytes: 1 << 20}), true},
		"generic reservation": {withReservations(&swarm.Resources{GenericResources: []swarm.GenericResource{
			{DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: "gpu", Value: 1}}}}), true},
	} {
		if got := TasksHoldBookings(tc.spec); got != tc.want {
			t.Errorf("%s: TasksHoldBookings = %v, want %v", name, got, tc.want)
		}
	}
}

// lostCreateAPI answers a create with createErr; when made is set, the service was created all
// the same. The first down inspects fail as if the engine were still down.
type lostCreateAPI struct {
	fakeServiceAPI
	createErr error
	made      *swarm.Service
	down      int
	inspects  int
}

func (f *lostCreateAPI) ServiceCreate(context.Context, client.ServiceCreateOptions) (client.ServiceCreateResult, error) {
	if f.made != nil {
		f.svc, f.exists = *f.made, true
	}
	return client.ServiceCreateResult{}, f.createErr
}

func (f *lostCreateAPI) ServiceInspect(ctx context.Context, id string, o client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	f.inspects++
	if f.down > 0 {
		f.down--
		return client.ServiceInspectResult{}, errors.New("connection refused")
	}
	return f.fakeServiceAPI.ServiceInspect(ctx, id, o)
}

func TestCreateServiceLostAnswer(t *testing.T) {
	eof := errors.New("unexpected EOF")
	now := time.Now()
	spec := swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "web"}}
	made := func(created time.Time) *swarm.Service {
		return &swarm.Service{ID: "svc1", Meta: swarm.Meta{CreatedAt: created}, Spec: spec}
	}
	tests := map[string]struct {
		api          *lostCreateAPI
		wantID       string
		wantWarning  string
		wantErr      string
		wantExists   bool
		wantInspects int
	}{
		"created although the answer was lost: adopted": {
			api:    &lostCreateAPI{createErr: eof, made: made(now)},
			wantID: "svc1", wantWarning: "found by name and adopted", wantInspects: 1,
		},
		"engine back after two failed look-ups: adopted": {
			api:    &lostCreateAPI{createErr: eof, made: made(now), down: 2},
			wantID: "svc1", wantWarning: "adopted", wantInspects: 3,
		},
		"not created: the create's error": {
			api:     &lostCreateAPI{createErr: eof},
			wantErr: "creating service web: unexpected EOF", wantInspects: 1,
		},
		"engine never back: the create's error": {
			api:     &lostCreateAPI{createErr: eof, made: made(now), down: 100},
			wantErr: "creating service web: unexpected EOF",
		},
		"someone else's, made at the same moment: the Engine's refusal names it, not adopted": {
			api:     &lostCreateAPI{createErr: cerrdefs.ErrConflict.WithMessage("name conflicts with an existing object"), made: made(now)},
			wantErr: "terraform import <resource address> svc1", wantExists: true, wantInspects: 1,
		},
		"an older service of that name: not adopted, the error says how to import it": {
			api: &lostCreateAPI{createErr: cerrdefs.ErrConflict.WithMessage("name conflicts with an existing object"),
				fakeServiceAPI: fakeServiceAPI{exists: true, svc: *made(now.Add(-time.Hour))}},
			wantErr: "terraform import <resource address> svc1", wantExists: true, wantInspects: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			id, warnings, err := createService(context.Background(), tc.api, spec, "", 50*time.Millisecond, time.Millisecond)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				var ee *ServiceExistsError
				if errors.As(err, &ee) != tc.wantExists {
					t.Errorf("ServiceExistsError = %v, want %v", errors.As(err, &ee), tc.wantExists)
				}
			} else {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if id != tc.wantID {
					t.Errorf("id = %q, want %q", id, tc.wantID)
				}
				if len(warnings) != 1 || !strings.Contains(warnings[0], tc.wantWarning) {
					t.Errorf("warnings = %q, want one with %q", warnings, tc.wantWarning)
				}
			}
			if tc.wantInspects > 0 && tc.api.inspects != tc.wantInspects {
				t.Errorf("inspects = %d, want %d", tc.api.inspects, tc.wantInspects)
			}
		})
	}
}
