package swarm

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/swarm"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// tk builds a task; age orders tasks (a higher age is older).
func tk(id string, slot int, node string, state, desired swarm.TaskState, age int, err string) swarm.Task {
	return swarm.Task{
		ID:           id,
		Meta:         swarm.Meta{CreatedAt: t0.Add(-time.Duration(age) * time.Second)},
		Slot:         slot,
		NodeID:       node,
		DesiredState: desired,
		Status:       swarm.TaskStatus{State: state, Err: err, Message: string(state)},
	}
}

// withPID gives t the container status the Engine reports: its container's PID, 0 once it exited.
func withPID(t swarm.Task, pid int) swarm.Task {
	t.Status.ContainerStatus = &swarm.ContainerStatus{ContainerID: "c-" + t.ID, PID: pid}
	return t
}

func replicated(n uint64) swarm.Service {
	return swarm.Service{Spec: swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: "web"},
		Mode:        swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &n}},
	}}
}

func job(total uint64, iteration uint64) swarm.Service {
	return swarm.Service{
		Spec: swarm.ServiceSpec{
			Annotations: swarm.Annotations{Name: "job"},
			Mode:        swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{TotalCompletions: &total}},
		},
		JobStatus: &swarm.JobStatus{JobIteration: swarm.Version{Index: iteration}},
	}
}

func withIteration(t swarm.Task, i uint64) swarm.Task {
	t.JobIteration = &swarm.Version{Index: i}
	return t
}

func node(id, host string, role swarm.NodeRole, state swarm.NodeState, avail swarm.NodeAvailability, labels map[string]string) swarm.Node {
	return swarm.Node{
		ID: id,
		Spec: swarm.NodeSpec{
			Annotations:  swarm.Annotations{Labels: labels},
			Role:         role,
			Availability: avail,
		},
		Description: swarm.NodeDescription{
			Hostname: host,
			Platform: swarm.Platform{OS: "linux", Architecture: "x86_64"},
		},
		Status: swarm.NodeStatus{State: state, Addr: "10.77.0." + id[1:]},
	}
}

var testNodes = []swarm.Node{
	node("n1", "alpha", swarm.NodeRoleManager, swarm.NodeStateReady, swarm.NodeAvailabilityActive, nil),
	node("n2", "bravo", swarm.NodeRoleWorker, swarm.NodeStateReady, swarm.NodeAvailabilityActive, map[string]string{"zone": "east"}),
	node("n3", "charlie", swarm.NodeRoleWorker, swarm.NodeStateReady, swarm.NodeAvailabilityDrain, nil),
	node("n4", "delta", swarm.NodeRoleWorker, swarm.NodeStateDown, swarm.NodeAvailabilityActive, nil),
}

const (
	running  = swarm.TaskStateRunning
	shutdown = swarm.TaskStateShutdown
	ready    = swarm.TaskStateReady
)

func TestConvEvaluate(t *testing.T) {
	global := swarm.Service{Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "g"}, Mode: swarm.ServiceMode{Global: &swarm.GlobalService{}}}}
	globalWorkers := global
	globalWorkers.Spec.TaskTemplate.Placement = &swarm.Placement{Constraints: []string{"node.role == worker"}}
	globalJob := swarm.Service{
		Spec:      swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "gj"}, Mode: swarm.ServiceMode{GlobalJob: &swarm.GlobalJob{}}},
		JobStatus: &swarm.JobStatus{JobIteration: swarm.Version{Index: 7}},
	}
	noRestart := replicated(1)
	noRestart.Spec.TaskTemplate.RestartPolicy = &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone}
	oneRestart := replicated(1)
	oneRestart.Spec.TaskTemplate.RestartPolicy = &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionAny, MaxAttempts: u64(1)}
	healthy := replicated(1)
	healthy.Spec.TaskTemplate.ContainerSpec = &swarm.ContainerSpec{Healthcheck: &container.HealthConfig{Test: []string{"CMD", "/app", "health"}}}
	noMode := swarm.Service{Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "x"}}}
	exited := tk("e1", 1, "n1", swarm.TaskStateComplete, shutdown, 2, "")

	cases := map[string]struct {
		svc   swarm.Service
		tasks []swarm.Task
		nodes []swarm.Node
		want  convProgress
	}{
		"replicated all running": {
			svc: replicated(2),
			tasks: []swarm.Task{
				tk("a", 1, "n1", running, running, 1, ""),
				tk("b", 2, "n2", running, running, 1, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 2, Done: 2, Converged: true},
		},
		"replicated no mode means one replica": {
			svc:   noMode,
			tasks: []swarm.Task{tk("a", 1, "n1", running, running, 1, "")},
			want:  convProgress{Mode: "replicated", Desired: 1, Done: 1, Converged: true},
		},
		"replicated zero replicas": {
			svc:  replicated(0),
			want: convProgress{Mode: "replicated", Desired: 0, Done: 0, Converged: true},
		},
		"replicated one still starting": {
			svc: replicated(2),
			tasks: []swarm.Task{
				tk("a", 1, "n1", running, running, 1, ""),
				tk("b", 2, "n2", swarm.TaskStateStarting, running, 1, ""),
			},
			nodes: testNodes,
			want: convProgress{Mode: "replicated", Desired: 2, Done: 1, Problems: []TaskProblem{
				{TaskID: "b", Slot: 2, NodeID: "n2", Node: "bravo", State: "starting", DesiredState: "running", Message: "starting"},
			}},
		},
		"running but being replaced does not count": {
			svc:   replicated(1),
			tasks: []swarm.Task{tk("a", 1, "n1", running, shutdown, 1, "")},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "a", Slot: 1, NodeID: "n1", State: "running", DesiredState: "shutdown", Message: "running"},
			}},
		},
		"rejected three times in a row": {
			svc: replicated(1),
			tasks: []swarm.Task{
				tk("r1", 1, "n1", swarm.TaskStateRejected, shutdown, 30, "No such image: nope:1"),
				tk("r3", 1, "n2", swarm.TaskStateRejected, shutdown, 10, "No such image: nope:1"),
				tk("r2", 1, "n1", swarm.TaskStateRejected, shutdown, 20, "No such image: nope:1"),
			},
			nodes: testNodes,
			want: convProgress{Mode: "replicated", Desired: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "r3", Slot: 1, NodeID: "n2", Node: "bravo", State: "rejected", DesiredState: "shutdown", Message: "rejected", Err: "No such image: nope:1", FailedAttempts: 3},
			}},
		},
		"two failures and a new attempt keep waiting": {
			svc: replicated(1),
			tasks: []swarm.Task{
				tk("r1", 1, "n1", swarm.TaskStateRejected, shutdown, 30, "No such image: nope:1"),
				tk("r2", 1, "n1", swarm.TaskStateRejected, shutdown, 20, "No such image: nope:1"),
				tk("p3", 1, "", swarm.TaskStateNew, ready, 10, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "r2", Slot: 1, NodeID: "n1", State: "rejected", DesiredState: "shutdown", Message: "rejected", Err: "No such image: nope:1", FailedAttempts: 2},
			}},
		},
		"three failures and a fourth attempt on its way give up": {
			svc: replicated(1),
			tasks: []swarm.Task{
				tk("f1", 1, "n1", swarm.TaskStateFailed, shutdown, 40, "task: non-zero exit (1)"),
				tk("f2", 1, "n1", swarm.TaskStateFailed, shutdown, 30, "task: non-zero exit (1)"),
				tk("f3", 1, "n1", swarm.TaskStateFailed, shutdown, 20, "task: non-zero exit (1)"),
				tk("p4", 1, "n1", swarm.TaskStatePreparing, running, 10, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "f3", Slot: 1, NodeID: "n1", State: "failed", DesiredState: "shutdown", Message: "failed", Err: "task: non-zero exit (1)", FailedAttempts: 3},
			}},
		},
		"a failure before a success does not count": {
			svc: replicated(1),
			tasks: []swarm.Task{
				tk("f1", 1, "n1", swarm.TaskStateFailed, shutdown, 40, "task: non-zero exit (1)"),
				tk("f2", 1, "n1", swarm.TaskStateFailed, shutdown, 30, "task: non-zero exit (1)"),
				tk("s3", 1, "n1", shutdown, shutdown, 25, ""),
				tk("f4", 1, "n1", swarm.TaskStateFailed, shutdown, 20, "task: non-zero exit (1)"),
				tk("p5", 1, "n1", swarm.TaskStatePreparing, running, 10, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "f4", Slot: 1, NodeID: "n1", State: "failed", DesiredState: "shutdown", Message: "failed", Err: "task: non-zero exit (1)", FailedAttempts: 1},
			}},
		},
		"restart condition none gives up at the first failure": {
			svc:   noRestart,
			tasks: []swarm.Task{tk("f1", 1, "n1", swarm.TaskStateFailed, shutdown, 10, "task: non-zero exit (2)")},
			want: convProgress{Mode: "replicated", Desired: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "f1", Slot: 1, NodeID: "n1", State: "failed", DesiredState: "shutdown", Message: "failed", Err: "task: non-zero exit (2)", FailedAttempts: 1},
			}},
		},
		"max attempts 1 gives up at the second failure": {
			svc: oneRestart,
			tasks: []swarm.Task{
				tk("f1", 1, "n1", swarm.TaskStateFailed, shutdown, 20, "task: non-zero exit (2)"),
				tk("f2", 1, "n1", swarm.TaskStateFailed, shutdown, 10, "task: non-zero exit (2)"),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "f2", Slot: 1, NodeID: "n1", State: "failed", DesiredState: "shutdown", Message: "failed", Err: "task: non-zero exit (2)", FailedAttempts: 2},
			}},
		},
		"pending with a scheduler error": {
			svc: replicated(2),
			tasks: []swarm.Task{
				tk("p1", 1, "", swarm.TaskStatePending, running, 10, "no suitable node (scheduling constraints not satisfied on 4 nodes)"),
				tk("p2", 2, "", swarm.TaskStatePending, running, 10, "no suitable node (scheduling constraints not satisfied on 4 nodes)"),
			},
			want: convProgress{Mode: "replicated", Desired: 2, Unschedulable: true, Problems: []TaskProblem{
				{TaskID: "p1", Slot: 1, State: "pending", DesiredState: "running", Message: "pending", Err: "no suitable node (scheduling constraints not satisfied on 4 nodes)"},
				{TaskID: "p2", Slot: 2, State: "pending", DesiredState: "running", Message: "pending", Err: "no suitable node (scheduling constraints not satisfied on 4 nodes)"},
			}},
		},
		"pending next to one still preparing keeps waiting": {
			svc: replicated(2),
			tasks: []swarm.Task{
				tk("p1", 1, "", swarm.TaskStatePending, running, 10, "no suitable node (insufficient resources on 4 nodes)"),
				tk("p2", 2, "n1", swarm.TaskStatePreparing, running, 10, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 2, Problems: []TaskProblem{
				{TaskID: "p1", Slot: 1, State: "pending", DesiredState: "running", Message: "pending", Err: "no suitable node (insufficient resources on 4 nodes)"},
				{TaskID: "p2", Slot: 2, NodeID: "n1", State: "preparing", DesiredState: "running", Message: "preparing"},
			}},
		},
		"scaled down slots are not problems": {
			svc: replicated(1),
			tasks: []swarm.Task{
				tk("a", 1, "n1", running, running, 10, ""),
				tk("b", 2, "n2", shutdown, swarm.TaskStateRemove, 10, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Done: 1, Converged: true},
		},
		"exit 0 with a health check hints at unhealthy": {
			svc: healthy,
			tasks: []swarm.Task{
				exited,
				tk("s2", 1, "n1", swarm.TaskStateStarting, running, 1, ""),
			},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "e1", Slot: 1, NodeID: "n1", State: "complete", DesiredState: "shutdown", Message: "complete", FailedAttempts: 1,
					Hint: "the container stopped with exit code 0 before it ever stayed healthy: its health check most likely failed (unhealthy)"},
			}},
		},
		"running with its container gone does not count (a failed health check)": {
			svc:   healthy,
			tasks: []swarm.Task{exited, withPID(tk("r2", 1, "n1", running, running, 1, ""), 0)},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "e1", Slot: 1, NodeID: "n1", State: "complete", DesiredState: "shutdown", Message: "complete", FailedAttempts: 1,
					Hint: "the container stopped with exit code 0 before it ever stayed healthy: its health check most likely failed (unhealthy)"},
			}},
		},
		"running with its container's PID counts": {
			svc:   healthy,
			tasks: []swarm.Task{exited, withPID(tk("r2", 1, "n1", running, running, 1, ""), 4468)},
			want:  convProgress{Mode: "replicated", Desired: 1, Done: 1, Converged: true},
		},
		"exit 0 without a health check": {
			svc:   replicated(1),
			tasks: []swarm.Task{exited},
			want: convProgress{Mode: "replicated", Desired: 1, Problems: []TaskProblem{
				{TaskID: "e1", Slot: 1, NodeID: "n1", State: "complete", DesiredState: "shutdown", Message: "complete", FailedAttempts: 1,
					Hint: "the container exited with code 0, but a service's tasks must keep running (a failing health check in the image ends the same way)"},
			}},
		},
		"replicated job done": {
			svc: job(2, 3),
			tasks: []swarm.Task{
				withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 3),
				withIteration(tk("b", 1, "n2", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 3),
			},
			want: convProgress{Mode: "replicated_job", Desired: 2, Done: 2, Converged: true},
		},
		"replicated job counts only the current run": {
			svc: job(2, 3),
			tasks: []swarm.Task{
				withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 3),
				withIteration(tk("old", 1, "n2", swarm.TaskStateComplete, swarm.TaskStateComplete, 50, ""), 2),
				withIteration(tk("b", 1, "n2", running, swarm.TaskStateComplete, 5, ""), 3),
			},
			want: convProgress{Mode: "replicated_job", Desired: 2, Done: 1, Problems: []TaskProblem{
				{TaskID: "b", Slot: 1, NodeID: "n2", State: "running", DesiredState: "complete", Message: "running"},
			}},
		},
		"replicated job failing": {
			svc: job(1, 1),
			tasks: []swarm.Task{
				withIteration(tk("f1", 0, "n1", swarm.TaskStateFailed, shutdown, 30, "task: non-zero exit (1)"), 1),
				withIteration(tk("f2", 0, "n1", swarm.TaskStateFailed, shutdown, 20, "task: non-zero exit (1)"), 1),
				withIteration(tk("f3", 0, "n1", swarm.TaskStateFailed, shutdown, 10, "task: non-zero exit (1)"), 1),
			},
			want: convProgress{Mode: "replicated_job", Desired: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "f3", NodeID: "n1", State: "failed", DesiredState: "shutdown", Message: "failed", Err: "task: non-zero exit (1)", FailedAttempts: 3},
			}},
		},
		"global on every ready active node": {
			svc: global,
			tasks: []swarm.Task{
				tk("a", 0, "n1", running, running, 5, ""),
				tk("b", 0, "n2", running, running, 5, ""),
				tk("c", 0, "n3", shutdown, shutdown, 5, ""),
			},
			nodes: testNodes,
			want:  convProgress{Mode: "global", Desired: 2, Done: 2, Converged: true},
		},
		"global waits for a node with no task yet": {
			svc:   global,
			tasks: []swarm.Task{tk("a", 0, "n1", running, running, 5, "")},
			nodes: testNodes,
			want: convProgress{Mode: "global", Desired: 2, Done: 1, Problems: []TaskProblem{
				{NodeID: "n2", Node: "bravo", State: "no task yet"},
			}},
		},
		"global with a constraint": {
			svc:   globalWorkers,
			tasks: []swarm.Task{tk("b", 0, "n2", running, running, 5, "")},
			nodes: testNodes,
			want:  convProgress{Mode: "global", Desired: 1, Done: 1, Converged: true},
		},
		"global failing on one node": {
			svc: global,
			tasks: []swarm.Task{
				tk("a", 0, "n1", running, running, 5, ""),
				tk("f1", 0, "n2", swarm.TaskStateRejected, shutdown, 30, "No such image: x"),
				tk("f2", 0, "n2", swarm.TaskStateRejected, shutdown, 20, "No such image: x"),
				tk("f3", 0, "n2", swarm.TaskStateRejected, shutdown, 10, "No such image: x"),
			},
			nodes: testNodes,
			want: convProgress{Mode: "global", Desired: 2, Done: 1, Failing: true, Problems: []TaskProblem{
				{TaskID: "f3", NodeID: "n2", Node: "bravo", State: "rejected", DesiredState: "shutdown", Message: "rejected", Err: "No such image: x", FailedAttempts: 3},
			}},
		},
		"global job complete on every node of the run": {
			svc: globalJob,
			tasks: []swarm.Task{
				withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 7),
				withIteration(tk("b", 0, "n2", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 7),
			},
			nodes: testNodes,
			want:  convProgress{Mode: "global_job", Desired: 2, Done: 2, Converged: true},
		},
		"global job with an older run": {
			svc: globalJob,
			tasks: []swarm.Task{
				withIteration(tk("a", 0, "n1", swarm.TaskStateComplete, swarm.TaskStateComplete, 5, ""), 7),
				withIteration(tk("b", 0, "n2", swarm.TaskStateComplete, swarm.TaskStateComplete, 50, ""), 6),
			},
			nodes: testNodes,
			want: convProgress{Mode: "global_job", Desired: 2, Done: 1, Problems: []TaskProblem{
				{NodeID: "n2", Node: "bravo", State: "no task yet"},
			}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := convEvaluate(tc.svc, tc.tasks, tc.nodes, 3)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("convEvaluate (-want +got):\n%s", diff)
			}
		})
	}
}
