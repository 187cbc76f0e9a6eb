package swarm

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// gatedStatuses answers each ServiceList, once release lets it, with every service its id filter
// names, each with RunningTasks the number of lists sent before and with it.
type gatedStatuses struct {
	mu      sync.Mutex
	asked   [][]string
	sent    atomic.Int32
	release chan struct{}
	err     error
}

func (g *gatedStatuses) ServiceList(_ context.Context, o client.ServiceListOptions) (client.ServiceListResult, error) {
	n := uint64(g.sent.Add(1))
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range o.Filters["id"] {
			if !yield(id) {
				return
			}
		}
	})
	g.mu.Lock()
	g.asked = append(g.asked, ids)
	g.mu.Unlock()
	<-g.release
	if !o.Status {
		return client.ServiceListResult{}, errors.New("asked without task counts")
	}
	if g.err != nil {
		return client.ServiceListResult{}, g.err
	}
	var res client.ServiceListResult
	for _, id := range ids {
		res.Items = append(res.Items, swarm.Service{ID: id, ServiceStatus: &swarm.ServiceStatus{RunningTasks: n, DesiredTasks: 1}})
	}
	return res, nil
}

// TestStatusProbe: waits that ask while a list is in flight share the next one (checkJoinsNext),
// which names all their services; lists are spaced; a service the list
// does not hold is not ok; errors and ended contexts come back.
func TestStatusProbe(t *testing.T) {
	t.Parallel()
	g := &gatedStatuses{release: make(chan struct{})}
	p := &statusProbe{}
	ctx := context.Background()

	ids := []string{"svc0", "svc1", "svc2", "svc3", "svc3"}
	checkJoinsNext(t, len(ids), &g.sent, g.release, func(i int) int {
		st, ok, err := p.status(ctx, g, ids[i])
		if err != nil || !ok {
			t.Errorf("%s: %v %v", ids[i], ok, err)
		}
		return int(st.RunningTasks)
	})
	g.mu.Lock()
	asked := g.asked
	g.mu.Unlock()
	if want := [][]string{{"svc0"}, {"svc1", "svc2", "svc3"}}; !slices.EqualFunc(asked, want, slices.Equal) {
		t.Errorf("services asked for: %v, want %v", asked, want)
	}
	// Lists are at least probeSpacing apart.
	before := time.Now()
	if _, _, err := p.status(ctx, g, "svc1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.status(ctx, g, "svc1"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(before); d < probeSpacing {
		t.Errorf("two lists in a row took %s, want at least %s", d, probeSpacing)
	}

	// A service the list does not hold is not ok.
	g2 := &gatedStatuses{release: make(chan struct{})}
	close(g2.release)
	if _, ok, err := p.status(ctx, emptyStatuses{g2}, "gone"); ok || err != nil {
		t.Errorf("a service not listed: ok %v, err %v", ok, err)
	}

	// An Engine error is every caller's.
	g3 := &gatedStatuses{release: make(chan struct{}), err: errors.New("manager busy")}
	close(g3.release)
	if _, _, err := p.status(ctx, g3, "svc1"); err == nil || err.Error() != "manager busy" {
		t.Errorf("error = %v", err)
	}

	// A caller whose context ends stops waiting.
	g4 := &gatedStatuses{release: make(chan struct{})}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, _, err := p.status(cctx, g4, "svc1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the context's error, got %v", err)
	}
	close(g4.release)
}

// emptyStatuses lists no service.
type emptyStatuses struct{ g *gatedStatuses }

func (e emptyStatuses) ServiceList(ctx context.Context, o client.ServiceListOptions) (client.ServiceListResult, error) {
	_, err := e.g.ServiceList(ctx, o)
	return client.ServiceListResult{}, err
}

// scriptedProbe answers the i-th look with statuses[i] (the last repeats), or with err.
// With hang, each look waits for its context to end.
type scriptedProbe struct {
	mu       sync.Mutex
	statuses []swarm.ServiceStatus
	err      error
	hang     bool
	looks    int
}

func (s *scriptedProbe) probe(ctx context.Context, _ string) (swarm.ServiceStatus, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.looks
	s.looks++
	if s.hang {
		<-ctx.Done()
		return swarm.ServiceStatus{}, false, ctx.Err()
	}
	if s.err != nil {
		return swarm.ServiceStatus{}, false, s.err
	}
	return s.statuses[min(i, len(s.statuses)-1)], true, nil
}

func TestConvWaiterPause(t *testing.T) {
	t.Parallel()
	status := func(running, completed uint64) swarm.ServiceStatus {
		return swarm.ServiceStatus{RunningTasks: running, DesiredTasks: 2, CompletedTasks: completed}
	}
	cases := map[string]struct {
		probe     *scriptedProbe
		done      int                  // tasks the last full look found done
		probed    *swarm.ServiceStatus // what the probe gave before this pause
		d         time.Duration
		wantLooks int
		wantShort bool
	}{
		"counts change": {
			probe: &scriptedProbe{statuses: []swarm.ServiceStatus{status(0, 0), status(0, 0), status(1, 0)}},
			d:     5 * time.Second, wantLooks: 3, wantShort: true,
		},
		"changed since the last pause": {
			probe:  &scriptedProbe{statuses: []swarm.ServiceStatus{status(2, 0)}},
			probed: &swarm.ServiceStatus{RunningTasks: 1, DesiredTasks: 2},
			done:   1, d: 5 * time.Second, wantLooks: 1, wantShort: true,
		},
		"first look: more run than the full look found": {
			probe: &scriptedProbe{statuses: []swarm.ServiceStatus{status(1, 0)}},
			d:     5 * time.Second, wantLooks: 1, wantShort: true,
		},
		"first look: a job's completed tasks count": {
			probe: &scriptedProbe{statuses: []swarm.ServiceStatus{status(0, 1)}},
			d:     5 * time.Second, wantLooks: 1, wantShort: true,
		},
		"nothing changes": {
			probe: &scriptedProbe{statuses: []swarm.ServiceStatus{status(1, 0)}},
			done:  1, d: 700 * time.Millisecond, wantLooks: 3,
		},
		"the probe fails": {
			probe: &scriptedProbe{err: errors.New("manager busy")},
			d:     700 * time.Millisecond, wantLooks: 3,
		},
		"a hanging probe does not hold the full look up": {
			probe: &scriptedProbe{hang: true},
			d:     700 * time.Millisecond, wantLooks: 1,
		},
		"short pauses are not probed": {
			probe: &scriptedProbe{statuses: []swarm.ServiceStatus{status(1, 0)}},
			d:     probeInterval, wantLooks: 0,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := &convWaiter{id: "svc1", opts: ConvergeOptions{probe: tc.probe.probe}, last: convProgress{Done: tc.done}, probed: tc.probed}
			start := time.Now()
			if err := w.pause(context.Background(), tc.d); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if tc.probe.looks != tc.wantLooks {
				t.Errorf("%d looks, want %d", tc.probe.looks, tc.wantLooks)
			}
			if short := took < tc.d; short != tc.wantShort || took > tc.d+time.Second {
				t.Errorf("the pause of %s took %s", tc.d, took)
			}
		})
	}

	// Without a probe, a pause is a pause; an ended context ends it.
	w := &convWaiter{id: "svc1"}
	if err := w.pause(context.Background(), 30*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.opts.probe = (&scriptedProbe{statuses: []swarm.ServiceStatus{status(0, 0)}}).probe
	if err := w.pause(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("pause with an ended context = %v", err)
	}
}

// clockAPI is a service of one replica whose task starts at start+runAt: the Engine's answers,
// full or probed, follow the clock.
type clockAPI struct {
	start     time.Time
	runAt     time.Duration
	mu        sync.Mutex
	inspects  int
	taskLists int
	probes    int
}

func (c *clockAPI) running() bool { return time.Since(c.start) >= c.runAt }

func (c *clockAPI) ServiceInspect(context.Context, string, client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inspects++
	return client.ServiceInspectResult{Service: replicated(1)}, nil
}

func (c *clockAPI) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.taskLists++
	state := swarm.TaskStateStarting
	if c.running() {
		state = running
	}
	return client.TaskListResult{Items: []swarm.Task{tk("a", 1, "n1", state, running, 1, "")}}, nil
}

func (c *clockAPI) NodeList(context.Context, client.NodeListOptions) (client.NodeListResult, error) {
	return client.NodeListResult{Items: testNodes}, nil
}

func (c *clockAPI) probe(context.Context, string) (swarm.ServiceStatus, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.probes++
	st := swarm.ServiceStatus{DesiredTasks: 1}
	if c.running() {
		st.RunningTasks = 1
	}
	return st, true, nil
}

// TestWaitConverged_probeEndsPause: a wait whose full looks grow far apart sees the service
// converge soon after its task runs, through the probe.
func TestWaitConverged_probeEndsPause(t *testing.T) {
	t.Parallel()
	// Full looks at 0, 0.1, 0.3, 0.7, 1.5 and 3.1s: without the probe the wait would see the task
	// (running from 1.8s) at 3.1s; the probe looks every 0.2s within the pause from 1.5s and
	// ends it at 1.9s.
	for _, withProbe := range []bool{true, false} {
		api := &clockAPI{start: time.Now(), runAt: 1800 * time.Millisecond}
		opts := ConvergeOptions{Interval: 10 * time.Second}.withDefaults()
		if withProbe {
			opts.probe = api.probe
		}
		if err := waitConverged(context.Background(), api, "svc1", opts); err != nil {
			t.Fatal(err)
		}
		took := time.Since(api.start)
		switch {
		case withProbe && took >= 2800*time.Millisecond:
			t.Errorf("with the probe, the wait took %s (%d full looks, %d probes)", took, api.inspects, api.probes)
		case !withProbe && took < 3100*time.Millisecond:
			t.Errorf("without the probe, the wait took only %s", took)
		}
		if withProbe && api.inspects != 6 {
			t.Errorf("%d full looks, want 6 (the probe ends pauses, it does not add looks)", api.inspects)
		}
	}
}
