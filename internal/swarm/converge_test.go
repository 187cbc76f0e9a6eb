package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// fakeAPI plays back scripted polls: poll i answers ServiceInspect with services[i] and TaskList
// with tasks[i]; the last entry repeats.
type fakeAPI struct {
	mu          sync.Mutex
	services    []swarm.Service
	inspectErrs []error // per poll, the last repeats; nil entries mean no error
	tasks       [][]swarm.Task
	allTasks    []swarm.Task // answer to a TaskList with no service filter
	nodes       []swarm.Node

	inspects, taskLists, nodeLists int
	filters                        []client.Filters
}

func (f *fakeAPI) ServiceInspect(_ context.Context, id string, _ client.ServiceInspectOptions) (client.ServiceInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := f.inspects
	f.inspects++
	if len(f.inspectErrs) > 0 {
		if err := f.inspectErrs[min(i, len(f.inspectErrs)-1)]; err != nil {
			return client.ServiceInspectResult{}, err
		}
	}
	if len(f.services) == 0 {
		return client.ServiceInspectResult{}, cerrdefs.ErrNotFound.WithMessage("service " + id + " not found")
	}
	return client.ServiceInspectResult{Service: f.services[min(i, len(f.services)-1)]}, nil
}

func (f *fakeAPI) TaskList(_ context.Context, o client.TaskListOptions) (client.TaskListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.filters = append(f.filters, o.Filters)
	// Lists without the up-to-date filter (all tasks, or the look after a rollback) get
	// allTasks when it is set.
	if _, upToDate := o.Filters["_up-to-date"]; !upToDate && f.allTasks != nil {
		return client.TaskListResult{Items: f.allTasks}, nil
	}
	i := f.taskLists
	f.taskLists++
	if len(f.tasks) == 0 {
		return client.TaskListResult{}, nil
	}
	return client.TaskListResult{Items: f.tasks[min(i, len(f.tasks)-1)]}, nil
}

func (f *fakeAPI) NodeList(context.Context, client.NodeListOptions) (client.NodeListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodeLists++
	return client.NodeListResult{Items: f.nodes}, nil
}

func fastOpts() ConvergeOptions {
	return ConvergeOptions{Interval: time.Millisecond, UnschedulableGrace: 20 * time.Millisecond}.withDefaults()
}

func withVersion(s swarm.Service, v uint64) swarm.Service {
	s.Version.Index = v
	return s
}

func withUpdate(s swarm.Service, state swarm.UpdateState, msg string) swarm.Service {
	s.UpdateStatus = &swarm.UpdateStatus{State: state, Message: msg, StartedAt: &t0}
	return s
}

func TestWaitConverged_replicatedConverges(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{replicated(2)},
		tasks: [][]swarm.Task{
			nil,
			{tk("a", 1, "n1", swarm.TaskStatePreparing, running, 1, "")},
			{tk("a", 1, "n1", running, running, 1, ""), tk("b", 2, "n2", swarm.TaskStateStarting, running, 1, "")},
			{tk("a", 1, "n1", running, running, 1, ""), tk("b", 2, "n2", running, running, 1, "")},
		},
		nodes: testNodes,
	}
	var lines []string
	opts := fastOpts()
	opts.Progress = func(s string, _ map[string]any) { lines = append(lines, s) }
	if err := waitConverged(context.Background(), f, "svc1", opts); err != nil {
		t.Fatal(err)
	}
	if f.inspects != 4 || f.taskLists != 4 {
		t.Errorf("want one inspect and one task list per poll (4 polls), got %d and %d", f.inspects, f.taskLists)
	}
	if f.nodeLists != 1 {
		t.Errorf("want the node list once per wait (to name nodes), got %d", f.nodeLists)
	}
	wantFilter := make(client.Filters).Add("service", "svc1").Add("_up-to-date", "true")
	if diff := cmp.Diff(wantFilter, f.filters[0]); diff != "" {
		t.Errorf("task filter (-want +got):\n%s", diff)
	}
	wantLines := []string{
		"web: 0 of 2 tasks running",
		"web: 0 of 2 tasks running; slot 1 on alpha: preparing",
		"web: 1 of 2 tasks running; slot 2 on bravo: starting",
		"web: 2 of 2 tasks running",
	}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestWaitConverged_failsFast(t *testing.T) {
	rejected := []swarm.Task{
		tk("r1", 1, "n1", swarm.TaskStateRejected, shutdown, 30, "No such image: nope:1"),
		tk("r2", 1, "n1", swarm.TaskStateRejected, shutdown, 20, "No such image: nope:1"),
		tk("r3", 1, "n2", swarm.TaskStateRejected, shutdown, 10, "No such image: nope:1"),
	}
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks:    [][]swarm.Task{rejected[:1], rejected[:2], rejected},
		nodes:    testNodes,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := waitConverged(ctx, f, "svc1", fastOpts())
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	want := &ConvergenceError{
		ServiceName: "web", Mode: "replicated", Desired: 1,
		Tasks: []TaskProblem{{TaskID: "r3", Slot: 1, NodeID: "n2", Node: "bravo", State: "rejected", DesiredState: "shutdown",
			Message: "rejected", Err: "No such image: nope:1", FailedAttempts: 3}},
	}
	if diff := cmp.Diff(want, ce); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if f.inspects != 3 {
		t.Errorf("gave up after %d polls, want 3", f.inspects)
	}
}

func TestWaitConverged_unschedulableGrace(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks: [][]swarm.Task{{
			tk("p1", 1, "", swarm.TaskStatePending, running, 1, "no suitable node (scheduling constraints not satisfied on 4 nodes)"),
		}},
	}
	opts := fastOpts()
	opts.UnschedulableGrace = 50 * time.Millisecond
	start := time.Now()
	err := waitConverged(context.Background(), f, "svc1", opts)
	took := time.Since(start)
	var ce *ConvergenceError
	if !errors.As(err, &ce) || ce.Cause != nil {
		t.Fatalf("want an early *ConvergenceError, got %v", err)
	}
	if took < 50*time.Millisecond {
		t.Errorf("gave up after %s, before the grace", took)
	}
	if !strings.Contains(err.Error(), "slot 1: pending: no suitable node (scheduling constraints not satisfied on 4 nodes)") {
		t.Errorf("error does not name the scheduler's reason:\n%s", err)
	}
}

func TestWaitConverged_deadline(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks:    [][]swarm.Task{{tk("a", 1, "n1", swarm.TaskStateStarting, running, 1, "")}},
		nodes:    testNodes,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := waitConverged(ctx, f, "svc1", fastOpts())
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline as the cause, got %v", ce.Cause)
	}
	if len(ce.Tasks) != 1 || ce.Tasks[0].State != "starting" || ce.Tasks[0].Node != "alpha" {
		t.Errorf("want the starting task on alpha, got %+v", ce.Tasks)
	}
}

func TestWaitConverged_rollback(t *testing.T) {
	before := withVersion(replicated(1), 10)
	after := withVersion(replicated(1), 12)
	rolled := withUpdate(withVersion(replicated(1), 20), swarm.UpdateStateRollbackStarted, "update rolled back due to failure or early termination of task r1")
	failed := tk("r1", 1, "n2", swarm.TaskStateRejected, shutdown, -5, "No such image: nope:1")
	old := tk("o1", 1, "n1", swarm.TaskStateFailed, shutdown, 500, "an older failure")
	f := &fakeAPI{
		services: []swarm.Service{before, withUpdate(after, swarm.UpdateStateUpdating, "update in progress"), rolled},
		tasks:    [][]swarm.Task{{tk("a", 1, "n1", running, running, 100, "")}},
		nodes:    testNodes,
	}
	f.allTasks = []swarm.Task{old, failed, tk("a", 1, "n1", running, running, 100, "")}
	opts := fastOpts()
	opts.PreviousVersion = 10
	err := waitConverged(context.Background(), f, "svc1", opts)
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	want := &ConvergenceError{
		ServiceName: "web", Mode: "replicated", RolledBack: true,
		UpdateMessage: "update rolled back due to failure or early termination of task r1",
		Tasks: []TaskProblem{{TaskID: "r1", Slot: 1, NodeID: "n2", Node: "bravo", State: "rejected", DesiredState: "shutdown",
			Message: "rejected", Err: "No such image: nope:1"}},
	}
	if diff := cmp.Diff(want, ce); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if f.taskLists != 1 {
		// The read of the old version is not judged; the updating one is; the rolled back one
		// lists all tasks (not counted in taskLists).
		t.Errorf("task lists of current tasks: %d, want 1", f.taskLists)
	}
}

func TestWaitConverged_updatingIsNotDone(t *testing.T) {
	up := []swarm.Task{tk("a", 1, "n1", running, running, 1, "")}
	f := &fakeAPI{
		services: []swarm.Service{
			withUpdate(replicated(1), swarm.UpdateStateUpdating, "update in progress"),
			withUpdate(replicated(1), swarm.UpdateStateUpdating, "update in progress"),
			withUpdate(replicated(1), swarm.UpdateStateCompleted, "update completed"),
		},
		tasks: [][]swarm.Task{up},
	}
	if err := waitConverged(context.Background(), f, "svc1", fastOpts()); err != nil {
		t.Fatal(err)
	}
	if f.inspects != 3 {
		t.Errorf("converged after %d polls, want 3 (the update had to complete)", f.inspects)
	}
}

// TestWaitConverged_progressFields checks the fields that go with each progress line, the part a
// debug log shows as key/value pairs.
func TestWaitConverged_progressFields(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{
			withUpdate(replicated(1), swarm.UpdateStateUpdating, "update in progress"),
			withUpdate(replicated(1), swarm.UpdateStateCompleted, "update completed"),
		},
		tasks: [][]swarm.Task{
			{tk("a", 1, "n1", swarm.TaskStateStarting, running, 1, "")},
			{tk("a", 1, "n1", running, running, 1, "")},
		},
		nodes: testNodes,
	}
	var got []map[string]any
	opts := fastOpts()
	opts.Progress = func(_ string, fields map[string]any) { got = append(got, fields) }
	if err := waitConverged(context.Background(), f, "svc1", opts); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"service": "web", "service_id": "svc1", "mode": "replicated", "desired": 1, "done": 0,
			"update_state": "updating", "problem": "slot 1 on alpha: starting"},
		{"service": "web", "service_id": "svc1", "mode": "replicated", "desired": 1, "done": 1,
			"update_state": "completed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress fields (-want +got):\n%s", diff)
	}
}

func TestWaitConverged_paused(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{withUpdate(replicated(1), swarm.UpdateStatePaused, "update paused due to failure or early termination of task r1")},
		tasks:    [][]swarm.Task{{tk("r1", 1, "n1", swarm.TaskStateRejected, shutdown, 1, "No such image: nope:1")}},
		nodes:    testNodes,
	}
	err := waitConverged(context.Background(), f, "svc1", fastOpts())
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	if ce.UpdateMessage != "update paused: update paused due to failure or early termination of task r1" || ce.RolledBack {
		t.Errorf("got %+v", ce)
	}
	if !strings.Contains(err.Error(), "No such image: nope:1") {
		t.Errorf("error does not name the task's error:\n%s", err)
	}
}

func TestWaitConverged_jobFilterAndGlobalNodesOnce(t *testing.T) {
	gj := swarm.Service{
		Spec:      swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "gj"}, Mode: swarm.ServiceMode{GlobalJob: &swarm.GlobalJob{}}},
		JobStatus: &swarm.JobStatus{JobIteration: swarm.Version{Index: 2}},
	}
	f := &fakeAPI{
		services: []swarm.Service{gj},
		tasks: [][]swarm.Task{
			{withIteration(tk("a", 0, "n1", running, swarm.TaskStateComplete, 1, ""), 2)},
			{withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 2)},
			{
				withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 2),
				withIteration(tk("b", 0, "n2", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 2),
			},
		},
		nodes: testNodes,
	}
	if err := waitConverged(context.Background(), f, "svc1", fastOpts()); err != nil {
		t.Fatal(err)
	}
	if f.nodeLists != 1 {
		t.Errorf("node lists: %d, want 1 per wait", f.nodeLists)
	}
	if diff := cmp.Diff(make(client.Filters).Add("service", "svc1"), f.filters[0]); diff != "" {
		t.Errorf("job task filter (-want +got):\n%s", diff)
	}
}

func TestWaitConverged_errors(t *testing.T) {
	t.Run("service gone", func(t *testing.T) {
		f := &fakeAPI{}
		err := waitConverged(context.Background(), f, "svc1", fastOpts())
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("want ErrNotFound, got %v", err)
		}
	})
	t.Run("transient errors are retried", func(t *testing.T) {
		boom := errors.New("connection reset")
		f := &fakeAPI{
			services:    []swarm.Service{replicated(1)},
			inspectErrs: []error{boom, boom, nil},
			tasks:       [][]swarm.Task{{tk("a", 1, "n1", running, running, 1, "")}},
		}
		if err := waitConverged(context.Background(), f, "svc1", fastOpts()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("persistent errors end the wait", func(t *testing.T) {
		boom := errors.New("connection reset")
		f := &fakeAPI{services: []swarm.Service{replicated(1)}, inspectErrs: []error{boom, boom, boom, boom}}
		err := waitConverged(context.Background(), f, "svc1", fastOpts())
		if !errors.Is(err, boom) {
			t.Errorf("want the Engine's error, got %v", err)
		}
	})
}

func TestWaitServiceRemoved(t *testing.T) {
	mine := tk("a", 1, "n1", shutdown, swarm.TaskStateRemove, 1, "")
	mine.ServiceID = "svc1"
	other := tk("b", 1, "n1", running, running, 1, "")
	other.ServiceID = "svc2"
	f := &fakeAPI{
		services:    []swarm.Service{replicated(1)},
		inspectErrs: []error{nil, cerrdefs.ErrNotFound, cerrdefs.ErrNotFound, cerrdefs.ErrNotFound},
		allTasks:    []swarm.Task{mine, other},
	}
	// The service exists on the first look, is gone with a task left on the second: once the
	// task is gone too, the wait ends.
	go func() {
		for {
			f.mu.Lock()
			n := f.inspects
			if n >= 3 {
				f.allTasks = []swarm.Task{other}
				f.mu.Unlock()
				return
			}
			f.mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := waitServiceRemoved(ctx, f, "svc1", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if f.inspects < 3 {
		t.Errorf("ended after %d looks, want at least 3", f.inspects)
	}

	t.Run("finished job tasks are not waited for", func(t *testing.T) {
		done := withIteration(tk("j1", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 1)
		done.ServiceID = "svc1"
		failed := withIteration(tk("j2", 0, "n1", swarm.TaskStateFailed, shutdown, 2, "task: non-zero exit (1)"), 1)
		failed.ServiceID = "svc1"
		live := withIteration(tk("j3", 0, "n1", running, swarm.TaskStateComplete, 1, ""), 1)
		live.ServiceID = "svc1"
		f := &fakeAPI{inspectErrs: []error{cerrdefs.ErrNotFound}, allTasks: []swarm.Task{done, failed}}
		if err := waitServiceRemoved(context.Background(), f, "svc1", time.Millisecond); err != nil {
			t.Fatal(err)
		}
		f = &fakeAPI{inspectErrs: []error{cerrdefs.ErrNotFound}, allTasks: []swarm.Task{done, live}}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := waitServiceRemoved(ctx, f, "svc1", time.Millisecond); err == nil {
			t.Error("a running job task must be waited for")
		}
	})
	t.Run("by name while the service exists", func(t *testing.T) {
		svc := replicated(1)
		svc.ID = "svc1"
		f := &fakeAPI{services: []swarm.Service{svc}, inspectErrs: []error{nil, cerrdefs.ErrNotFound}, allTasks: []swarm.Task{mine}}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := waitServiceRemoved(ctx, f, "web", time.Millisecond); err == nil || !strings.Contains(err.Error(), "1 of its tasks remain") {
			t.Errorf("want the task of svc1 waited for, got %v", err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		f := &fakeAPI{inspectErrs: []error{cerrdefs.ErrNotFound}, allTasks: []swarm.Task{mine}}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := waitServiceRemoved(ctx, f, "svc1", time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 of its tasks remain") {
			t.Errorf("got %v", err)
		}
	})
}

func TestConvergenceErrorString(t *testing.T) {
	cases := map[string]struct {
		err  *ConvergenceError
		want string
	}{
		"unschedulable": {
			err: &ConvergenceError{ServiceName: "web", Mode: "replicated", Desired: 2, Running: 0, Tasks: []TaskProblem{
				{TaskID: "0123456789abcdefghij", Slot: 1, State: "pending", Message: "pending task scheduling", Err: "no suitable node (scheduling constraints not satisfied on 4 nodes)"},
				{TaskID: "x2", Slot: 2, State: "pending", Err: "no suitable node (scheduling constraints not satisfied on 4 nodes)"},
			}},
			want: `service "web" (replicated) did not converge: 0 of 2 tasks running
  - slot 1: pending: no suitable node (scheduling constraints not satisfied on 4 nodes) [task 0123456789ab]
  - slot 2: pending: no suitable node (scheduling constraints not satisfied on 4 nodes) [task x2]
stopped waiting early: Swarm will not get there without a change`,
		},
		"failed job with exit code and deadline": {
			err: &ConvergenceError{ServiceName: "migrate", Mode: "replicated_job", Desired: 1, Cause: context.DeadlineExceeded, Tasks: []TaskProblem{
				{TaskID: "t1", NodeID: "n1", Node: "m2", State: "failed", Err: "task: non-zero exit (1)", ExitCode: 1, FailedAttempts: 2},
			}},
			want: `service "migrate" (replicated_job) did not converge: 0 of 1 tasks completed
  - on m2: failed: task: non-zero exit (1) [2 failed attempts in a row, task t1]
stopped waiting: context deadline exceeded`,
		},
		"global, node without a name, message only": {
			err: &ConvergenceError{ServiceName: "agent", Mode: "global", Desired: 3, Running: 2, Tasks: []TaskProblem{
				{TaskID: "t9", NodeID: "abc", State: "starting", Message: "starting\ncontainer"},
			}},
			want: `service "agent" (global) did not converge: 2 of 3 tasks running
  - on node abc: starting (starting container) [task t9]
stopped waiting early: Swarm will not get there without a change`,
		},
		"exit code not in the error, hint": {
			err: &ConvergenceError{ServiceName: "web", Mode: "replicated", Desired: 1, Tasks: []TaskProblem{
				{Slot: 1, Node: "w1", State: "complete", Message: "finished", ExitCode: 0, FailedAttempts: 3, Hint: "it stopped"},
				{Slot: 2, Node: "w1", State: "failed", Err: "task: non-zero exit (137): dockerexec: unhealthy container", ExitCode: 137},
				{Slot: 3, Node: "w1", State: "failed", Err: "starting container failed: oops", ExitCode: 128},
			}},
			want: `service "web" (replicated) did not converge: 0 of 1 tasks running
  - slot 1 on w1: complete (finished): it stopped [3 failed attempts in a row]
  - slot 2 on w1: failed: task: non-zero exit (137): dockerexec: unhealthy container
  - slot 3 on w1: failed: starting container failed: oops [exit code 128]
stopped waiting early: Swarm will not get there without a change`,
		},
		"paused": {
			err: &ConvergenceError{ServiceName: "web", Mode: "replicated", Desired: 1, UpdateMessage: "update paused: update paused due to failure or early termination of task t1"},
			want: `service "web" (replicated) did not converge: 0 of 1 tasks running
update paused: update paused due to failure or early termination of task t1`,
		},
		"rolled back": {
			err: &ConvergenceError{ServiceName: "web", Mode: "replicated", RolledBack: true,
				UpdateMessage: "update rolled back due to failure or early termination of task t1",
				Tasks:         []TaskProblem{{TaskID: "t1", Slot: 1, Node: "m3", State: "rejected", Err: "No such image: nope:1"}}},
			want: `Swarm rolled back the update of service "web": update rolled back due to failure or early termination of task t1
  - slot 1 on m3: rejected: No such image: nope:1 [task t1]`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.err.Error()); diff != "" {
				t.Errorf("Error() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConvergenceErrorUnwrap(t *testing.T) {
	err := fmt.Errorf("creating: %w", &ConvergenceError{Cause: context.DeadlineExceeded})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("the cause does not unwrap")
	}
}

// TestWaitConverged_nodeDown: a node lost during the wait is named in the error, whichever spec
// its tasks run.
func TestWaitConverged_nodeDown(t *testing.T) {
	down := swarm.Node{ID: "n-w1", Description: swarm.NodeDescription{Hostname: "w1"}, Status: swarm.NodeStatus{State: swarm.NodeStateDown}}
	up := swarm.Node{ID: "n-m1", Description: swarm.NodeDescription{Hostname: "m1"}, Status: swarm.NodeStatus{State: swarm.NodeStateReady}}
	// The node went down: Swarm wants its task shut down, the task still says running.
	old := tk("old1", 1, "n-w1", swarm.TaskStateRunning, swarm.TaskStateShutdown, 1, "")
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks: [][]swarm.Task{{
			tk("p1", 1, "", swarm.TaskStatePending, running, 2, "no suitable node (scheduling constraints not satisfied on 4 nodes)"),
		}},
		allTasks: []swarm.Task{old, tk("m1task", 2, "n-m1", swarm.TaskStateRunning, running, 1, "")},
		nodes:    []swarm.Node{down, up},
	}
	err := waitConverged(context.Background(), f, "svc1", fastOpts())
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	if diff := cmp.Diff([]string{"w1"}, ce.DownNodes); diff != "" {
		t.Errorf("DownNodes (-want +got):\n%s", diff)
	}
	if !strings.Contains(err.Error(), "node(s) w1 down") {
		t.Errorf("error does not name the lost node:\n%s", err)
	}
}

func TestConvergePauses(t *testing.T) {
	var got []time.Duration
	for d := min(firstConvergeInterval, defaultConvergeInterval); len(got) < 7; d = nextConvergeInterval(d, defaultConvergeInterval) {
		got = append(got, d)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second, time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("pauses %v, want %v", got, want)
	}
}

func TestWaitConverged_monitorWatchesTheConvergedService(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks:    [][]swarm.Task{{tk("a", 1, "n1", running, running, 1, "")}},
		nodes:    testNodes,
	}
	var lines []string
	opts := fastOpts()
	opts.Monitor = 50 * time.Millisecond
	opts.Progress = func(s string, _ map[string]any) { lines = append(lines, s) }
	start := time.Now()
	if err := waitConverged(context.Background(), f, "svc1", opts); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < opts.Monitor {
		t.Errorf("the wait ended after %s, before the %s watch", took, opts.Monitor)
	}
	if f.inspects < 2 {
		t.Errorf("want looks during the watch and one after it, got %d looks in all", f.inspects)
	}
	want := []string{"web: 1 of 1 tasks running", "web: converged; watching it for 50ms"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

// A task that exits during the watch sends the wait back; a slot that keeps failing ends it with
// the tasks' errors, where the wait without a watch had ended at the first look.
func TestWaitConverged_monitorCatchesACrashAfterStart(t *testing.T) {
	exit := "task: non-zero exit (1)"
	a1 := tk("a1", 1, "n1", running, running, 30, "")
	a1f := tk("a1", 1, "n1", swarm.TaskStateFailed, shutdown, 30, exit)
	a2 := tk("a2", 1, "n1", running, running, 20, "")
	a2f := tk("a2", 1, "n1", swarm.TaskStateFailed, shutdown, 20, exit)
	a3 := tk("a3", 1, "n2", running, running, 10, "")
	a3f := tk("a3", 1, "n2", swarm.TaskStateFailed, shutdown, 10, exit)
	script := [][]swarm.Task{{a1}, {a1f}, {a1f, a2}, {a1f, a2f}, {a1f, a2f, a3}, {a1f, a2f, a3f}}

	unwatched := &fakeAPI{services: []swarm.Service{replicated(1)}, tasks: script, nodes: testNodes}
	if err := waitConverged(context.Background(), unwatched, "svc1", fastOpts()); err != nil || unwatched.inspects != 1 {
		t.Fatalf("without a watch: %v after %d looks, want success at the first", err, unwatched.inspects)
	}

	f := &fakeAPI{services: []swarm.Service{replicated(1)}, tasks: script, nodes: testNodes}
	opts := fastOpts()
	opts.Monitor = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := waitConverged(ctx, f, "svc1", opts)
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	want := &ConvergenceError{
		ServiceName: "web", Mode: "replicated", Desired: 1,
		Tasks: []TaskProblem{{TaskID: "a3", Slot: 1, NodeID: "n2", Node: "bravo", State: "failed", DesiredState: "shutdown",
			Message: "failed", Err: exit, FailedAttempts: 3}},
	}
	if diff := cmp.Diff(want, ce); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if f.inspects != len(script) {
		t.Errorf("gave up after %d looks, want %d", f.inspects, len(script))
	}
}

func TestWaitConverged_monitorSkipsJobs(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{job(1, 1)},
		tasks:    [][]swarm.Task{{withIteration(tk("j", 1, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 1, ""), 1)}},
		nodes:    testNodes,
	}
	opts := fastOpts()
	opts.Monitor = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := waitConverged(ctx, f, "svc1", opts); err != nil {
		t.Fatal(err)
	}
	if f.inspects != 1 {
		t.Errorf("a completed job was looked at %d times, want once", f.inspects)
	}
}

// A wait that runs out in the middle of the watch says the service ran, and how far the watch got.
func TestWaitConverged_monitorDeadline(t *testing.T) {
	f := &fakeAPI{
		services: []swarm.Service{replicated(1)},
		tasks:    [][]swarm.Task{{tk("a", 1, "n1", running, running, 1, "")}},
		nodes:    testNodes,
	}
	opts := fastOpts()
	opts.Monitor = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := waitConverged(ctx, f, "svc1", opts)
	var ce *ConvergenceError
	if !errors.As(err, &ce) {
		t.Fatalf("want a *ConvergenceError, got %v", err)
	}
	if ce.Monitor != time.Hour || ce.Watched <= 0 || ce.Watched > time.Second {
		t.Errorf("watched %s of %s, want a moment of 1h", ce.Watched, ce.Monitor)
	}
	if msg := err.Error(); !strings.Contains(msg, `service "web" (replicated) ran all 1 tasks, but the wait stopped `) ||
		!strings.Contains(msg, " into the 1h0m0s watch of them") || !strings.Contains(msg, "stopped waiting: context deadline exceeded") {
		t.Errorf("message:\n%s", msg)
	}
}
