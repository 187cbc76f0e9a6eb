package swarm

import (
	"sort"

	"github.com/moby/moby/api/types/swarm"
)

// Service mode names, as the provider's schema spells them.
const (
	convModeReplicated    = "replicated"
	convModeGlobal        = "global"
	convModeReplicatedJob = "replicated_job"
	convModeGlobalJob     = "global_job"
)

// convServiceMode names the mode of a service spec; a spec with no mode is one replica.
func convServiceMode(spec swarm.ServiceSpec) string {
	switch {
	case spec.Mode.Replicated != nil:
		return convModeReplicated
	case spec.Mode.Global != nil:
		return convModeGlobal
	case spec.Mode.ReplicatedJob != nil:
		return convModeReplicatedJob
	case spec.Mode.GlobalJob != nil:
		return convModeGlobalJob
	}
	// The Engine treats a spec with no mode as one replica.
	return convModeReplicated
}

// convHasHealthcheck: the spec sets a health check of its own (not NONE).
func convHasHealthcheck(cs *swarm.ContainerSpec) bool {
	if cs == nil || cs.Healthcheck == nil || len(cs.Healthcheck.Test) == 0 {
		return false
	}
	return cs.Healthcheck.Test[0] != "NONE"
}

func convIsJobMode(mode string) bool {
	return mode == convModeReplicatedJob || mode == convModeGlobalJob
}

func convIsGlobalMode(mode string) bool { return mode == convModeGlobal || mode == convModeGlobalJob }

// taskStateOrder orders task states the way Swarm moves a task through them (0: unknown).
var taskStateOrder = map[swarm.TaskState]int{
	swarm.TaskStateNew:       1,
	swarm.TaskStateAllocated: 2,
	swarm.TaskStatePending:   3,
	swarm.TaskStateAssigned:  4,
	swarm.TaskStateAccepted:  5,
	swarm.TaskStatePreparing: 6,
	swarm.TaskStateReady:     7,
	swarm.TaskStateStarting:  8,
	swarm.TaskStateRunning:   9,
	swarm.TaskStateComplete:  10,
	swarm.TaskStateShutdown:  11,
	swarm.TaskStateFailed:    12,
	swarm.TaskStateRejected:  13,
	swarm.TaskStateRemove:    14,
	swarm.TaskStateOrphaned:  15,
}

// convInProgress: the task has not reached running yet.
func convInProgress(s swarm.TaskState) bool {
	o := taskStateOrder[s]
	return o > 0 && o < taskStateOrder[swarm.TaskStateRunning]
}

// atMostRunning: the state is a known one, running or before it.
func atMostRunning(s swarm.TaskState) bool {
	o := taskStateOrder[s]
	return o > 0 && o <= taskStateOrder[swarm.TaskStateRunning]
}

// convWantedRunning: Swarm still wants the task to run (its desired state is at most running).
func convWantedRunning(t swarm.Task) bool { return atMostRunning(t.DesiredState) }

// convContainerUp reports whether a running task's container still runs. The Engine reports a
// task whose container stopped while it waited for a health check to pass (the check failed,
// the Engine stopped the container, its process exited 0) as running, with container PID 0, for
// the moment before it marks it complete: a look in that moment must not count the slot as
// running. A task without a container status (not a container) counts as running.
func convContainerUp(t swarm.Task) bool {
	cs := t.Status.ContainerStatus
	return cs == nil || cs.PID != 0
}

// convProgress is what one look at a service's tasks says.
type convProgress struct {
	Mode    string
	Desired int
	// Done counts the slots (replicated) or nodes (global) that are running, or for jobs have
	// completed.
	Done int
	// Converged: Done reached Desired.
	Converged bool
	// Failing: every unconverged slot or node failed its last attempts (FailedAttempts of them,
	// or as many as the restart policy allows) and none of them runs.
	Failing bool
	// Unschedulable: every unconverged slot or node that is not Failing waits in pending with a
	// scheduler error, and there is at least one.
	Unschedulable bool
	// Problems lists the unconverged slots or nodes, one task each.
	Problems []TaskProblem
}

// convUnit is one slot (replicated modes) or one node (global modes) and its tasks, newest first.
type convUnit struct {
	slot   int
	nodeID string
	tasks  []swarm.Task
}

// convEvaluate decides how far a service has converged. tasks are the service's tasks (for service
// modes only those that run the current spec); nodes is the swarm's node list, needed only for
// the global modes; failedAttempts is the default give-up threshold.
func convEvaluate(svc swarm.Service, tasks []swarm.Task, nodes []swarm.Node, failedAttempts int) convProgress {
	mode := convServiceMode(svc.Spec)
	p := convProgress{Mode: mode}
	isJob := convIsJobMode(mode)
	if isJob {
		tasks = convCurrentIteration(svc, tasks)
	}
	threshold := convFailThreshold(svc.Spec.TaskTemplate.RestartPolicy, failedAttempts)
	doneState := swarm.TaskStateRunning
	if isJob {
		doneState = swarm.TaskStateComplete
	}

	var units []convUnit
	switch mode {
	case convModeReplicated:
		p.Desired = 1
		if r := svc.Spec.Mode.Replicated; r != nil && r.Replicas != nil {
			p.Desired = int(*r.Replicas)
		}
		units = convBySlot(tasks)
	case convModeReplicatedJob:
		p.Desired = convJobCompletions(svc.Spec.Mode.ReplicatedJob)
		units = convBySlot(tasks)
	case convModeGlobal, convModeGlobalJob:
		eligible := convEligibleNodes(svc.Spec.TaskTemplate.Placement, nodes, tasks)
		p.Desired = len(eligible)
		units = convByNode(tasks, eligible)
	}

	hostnames := make(map[string]string, len(nodes))
	for _, n := range nodes {
		hostnames[n.ID] = n.Description.Hostname
	}

	health := convHasHealthcheck(svc.Spec.TaskTemplate.ContainerSpec)
	unconverged, failing, unschedulable := 0, 0, 0
	for _, u := range units {
		st := convUnitState(u, doneState, threshold)
		if st.done {
			p.Done++
			continue
		}
		if st.retired {
			continue
		}
		unconverged++
		switch {
		case st.failing:
			failing++
		case st.unschedulable:
			unschedulable++
		}
		pr := st.problem(u, hostnames)
		if !isJob && pr.State == string(swarm.TaskStateComplete) && pr.Err == "" {
			// The Engine stops a task that turns unhealthy; when the process then exits 0 the
			// task ends "complete" and the health failure is not in its status.
			if health {
				pr.Hint = "the container stopped with exit code 0 before it ever stayed healthy: its health check most likely failed (unhealthy)"
			} else {
				pr.Hint = "the container exited with code 0, but a service's tasks must keep running (a failing health check in the image ends the same way)"
			}
		}
		p.Problems = append(p.Problems, pr)
	}
	p.Converged = p.Done >= p.Desired
	if !p.Converged && unconverged > 0 && failing+unschedulable == unconverged {
		// No slot or node can get there by itself. For jobs the slots not started yet would
		// wait behind the failing ones, so the same holds.
		if unschedulable == 0 {
			p.Failing = true
		} else {
			p.Unschedulable = true
		}
	}
	sort.SliceStable(p.Problems, func(i, j int) bool {
		a, b := p.Problems[i], p.Problems[j]
		if a.Slot != b.Slot {
			return a.Slot < b.Slot
		}
		if a.Node != b.Node {
			return a.Node < b.Node
		}
		return a.NodeID < b.NodeID
	})
	return p
}

// convFailThreshold is how many failed attempts in a row mean a slot will not recover: 1 when the
// restart policy never restarts, at most MaxAttempts+1 when it limits restarts.
func convFailThreshold(rp *swarm.RestartPolicy, def int) int {
	if def <= 0 {
		def = defaultFailedAttempts
	}
	if rp == nil {
		return def
	}
	if rp.Condition == swarm.RestartPolicyConditionNone {
		return 1
	}
	if rp.MaxAttempts != nil && *rp.MaxAttempts > 0 && int(*rp.MaxAttempts)+1 < def {
		return int(*rp.MaxAttempts) + 1
	}
	return def
}

func convJobCompletions(j *swarm.ReplicatedJob) int {
	if j == nil {
		return 1
	}
	if j.TotalCompletions != nil {
		return int(*j.TotalCompletions)
	}
	if j.MaxConcurrent != nil {
		return int(*j.MaxConcurrent)
	}
	return 1
}

// convCurrentIteration keeps the tasks of the job's current run.
func convCurrentIteration(svc swarm.Service, tasks []swarm.Task) []swarm.Task {
	if svc.JobStatus == nil {
		return tasks
	}
	idx := svc.JobStatus.JobIteration.Index
	var out []swarm.Task
	for _, t := range tasks {
		if t.JobIteration != nil && t.JobIteration.Index == idx {
			out = append(out, t)
		}
	}
	return out
}

func convNewestFirst(ts []swarm.Task) {
	sort.SliceStable(ts, func(i, j int) bool {
		if !ts[i].CreatedAt.Equal(ts[j].CreatedAt) {
			return ts[i].CreatedAt.After(ts[j].CreatedAt)
		}
		return ts[i].Version.Index > ts[j].Version.Index
	})
}

func convBySlot(tasks []swarm.Task) []convUnit {
	m := map[int]*convUnit{}
	var order []int
	for _, t := range tasks {
		u, ok := m[t.Slot]
		if !ok {
			u = &convUnit{slot: t.Slot}
			m[t.Slot] = u
			order = append(order, t.Slot)
		}
		u.tasks = append(u.tasks, t)
	}
	sort.Ints(order)
	out := make([]convUnit, 0, len(order))
	for _, s := range order {
		convNewestFirst(m[s].tasks)
		out = append(out, *m[s])
	}
	return out
}

// convByNode gives every eligible node a convUnit, with or without tasks.
func convByNode(tasks []swarm.Task, eligible []swarm.Node) []convUnit {
	m := map[string][]swarm.Task{}
	for _, t := range tasks {
		m[t.NodeID] = append(m[t.NodeID], t)
	}
	out := make([]convUnit, 0, len(eligible))
	for _, n := range eligible {
		ts := m[n.ID]
		convNewestFirst(ts)
		out = append(out, convUnit{nodeID: n.ID, tasks: ts})
	}
	return out
}

type convUnitStatus struct {
	done bool
	// retired: the slot's newest task was shut down on purpose (scale down, replaced).
	retired       bool
	failing       bool
	unschedulable bool
	attempts      int
	show          *swarm.Task
}

func convUnitState(u convUnit, doneState swarm.TaskState, threshold int) convUnitStatus {
	var st convUnitStatus
	for _, t := range u.tasks {
		if t.Status.State == doneState && (doneState == swarm.TaskStateComplete || convWantedRunning(t) && convContainerUp(t)) {
			st.done = true
			return st
		}
	}
	if len(u.tasks) == 0 {
		return st
	}
	newest := u.tasks[0]
	if u.nodeID == "" && !convWantedRunning(newest) && (newest.Status.State == swarm.TaskStateShutdown ||
		newest.Status.State == swarm.TaskStateRemove || newest.Status.State == swarm.TaskStateOrphaned ||
		(doneState == swarm.TaskStateRunning && newest.Status.State == swarm.TaskStateComplete && newest.DesiredState == swarm.TaskStateRemove)) {
		st.retired = true
		return st
	}
	// Count the failed attempts in a row, newest first, skipping an attempt still on its way.
	var lastFailed *swarm.Task
attempts:
	for i := range u.tasks {
		t := u.tasks[i]
		switch {
		case t.Status.State == swarm.TaskStateFailed || t.Status.State == swarm.TaskStateRejected ||
			(doneState == swarm.TaskStateRunning && t.Status.State == swarm.TaskStateComplete):
			// A service task that exits 0 did not stay up either.
			st.attempts++
			if lastFailed == nil {
				lastFailed = &u.tasks[i]
			}
			continue
		case (convInProgress(t.Status.State) || t.Status.State == swarm.TaskStateRunning && !convContainerUp(t)) && i == 0:
			// Still on its way, or about to be marked complete (convContainerUp).
			continue
		default:
			break attempts
		}
	}
	st.failing = st.attempts >= threshold
	if newest.Status.State == swarm.TaskStatePending && newest.Status.Err != "" && !st.failing {
		st.unschedulable = true
	}
	st.show = &u.tasks[0]
	if lastFailed != nil && !st.unschedulable && newest.Status.Err == "" {
		st.show = lastFailed
	}
	return st
}

func (st convUnitStatus) problem(u convUnit, hostnames map[string]string) TaskProblem {
	p := TaskProblem{Slot: u.slot, NodeID: u.nodeID, FailedAttempts: st.attempts}
	if st.show == nil {
		p.State = "no task yet"
		p.Node = hostnames[p.NodeID]
		return p
	}
	t := st.show
	p.TaskID = t.ID
	if t.NodeID != "" {
		p.NodeID = t.NodeID
	}
	p.Node = hostnames[p.NodeID]
	p.State = string(t.Status.State)
	p.DesiredState = string(t.DesiredState)
	p.Message = t.Status.Message
	p.Err = t.Status.Err
	if t.Status.ContainerStatus != nil {
		p.ExitCode = t.Status.ContainerStatus.ExitCode
	}
	return p
}
