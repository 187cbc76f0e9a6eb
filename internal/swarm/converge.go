package swarm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// Defaults of ConvergeOptions.
const (
	defaultConvergeInterval = time.Second
	// firstConvergeInterval is the first pause of a wait; each next one doubles, up to Interval.
	// Most services run within a second or two: polling soon after the write and then less often
	// ends a wait sooner after the service converged (with a fixed 1s interval a wait overran by
	// half a second on average, which an apply of many services pays once per batch of
	// -parallelism), for two or three more calls in the first second.
	firstConvergeInterval     = 100 * time.Millisecond
	defaultFailedAttempts     = 3
	defaultUnschedulableGrace = 10 * time.Second
	// removeInterval is the longest poll interval of WaitServiceRemoved (it starts as
	// WaitConverged does, at firstConvergeInterval). The waits of one process share their task
	// lists (sharedTaskList), so polling often costs the Engine one list at a time: a task is
	// gone about a second after its service, and a longer pause made each wait overrun by up to
	// that pause, paid once per batch of -parallelism in a destroy.
	removeInterval = 200 * time.Millisecond
	// maxPollErrors is how many Engine errors in a row a wait tolerates (a manager failing over).
	maxPollErrors = 3
)

// ConvergeOptions tunes WaitConverged. The zero value is fine.
type ConvergeOptions struct {
	// PreviousVersion is the service version before an update (0 for create). Swarm resets the
	// update status with every write of the service, so once a read shows a newer version, a
	// rollback status is the fate of this update; reads not newer than it are not judged.
	PreviousVersion uint64
	// Interval between polls (default 1s, tests use less). The first pauses are shorter: 100ms,
	// then doubling up to Interval. WaitConverged ends a pause early when the service's task
	// counts change, which it looks at every 200ms in one list shared by the process's waits
	// (statusProbe).
	Interval time.Duration
	// Progress, when set, hears how far the service got each time that changes: a line for
	// people (msg) and the same as fields (service, service_id, mode, desired, done, and
	// update_state, update_message and problem when there are), in the shape tflog.Debug takes,
	// so that with TF_LOG=debug a long wait shows what it is waiting for.
	Progress func(msg string, fields map[string]any)
	// FailedAttempts is how many consecutive failed or rejected tasks in a slot (or on a node)
	// with none running make the wait give up early (default 3). A restart policy that allows
	// fewer attempts lowers it.
	FailedAttempts int
	// UnschedulableGrace is how long every unconverged task may stay pending with a scheduler
	// error ("no suitable node …") before the wait gives up early (default 10s).
	UnschedulableGrace time.Duration
	// Monitor, when positive, is how long the service must stay converged once a look finds it so,
	// as `docker service create` watches a new service for 5s: a task that stops in that time sends
	// the wait back to waiting (where a slot that keeps failing ends it, as above), and the next
	// look that finds the service converged starts the watch again. Zero ends the wait at the
	// first look that finds it converged.
	Monitor time.Duration

	// probe, when set, is a cheap look at the service's task counts (statusProbe.status), which
	// cuts a pause between full looks short when they change.
	probe func(ctx context.Context, serviceID string) (swarm.ServiceStatus, bool, error)
}

func (o ConvergeOptions) withDefaults() ConvergeOptions {
	if o.Interval <= 0 {
		o.Interval = defaultConvergeInterval
	}
	if o.FailedAttempts <= 0 {
		o.FailedAttempts = defaultFailedAttempts
	}
	if o.UnschedulableGrace <= 0 {
		o.UnschedulableGrace = defaultUnschedulableGrace
	}
	if o.Progress == nil {
		o.Progress = func(string, map[string]any) {}
	}
	return o
}

// convergeAPI is the part of the Engine API the waiters use; client.APIClient has it, tests fake
// it.
type convergeAPI interface {
	ServiceInspect(ctx context.Context, serviceID string, options client.ServiceInspectOptions) (client.ServiceInspectResult, error)
	TaskList(ctx context.Context, options client.TaskListOptions) (client.TaskListResult, error)
	NodeList(ctx context.Context, options client.NodeListOptions) (client.NodeListResult, error)
}

// WaitConverged waits until the service has converged for its mode, or ctx ends:
//   - replicated: as many slots as replicas run a task of the current spec that Swarm wants
//     running (a task with a health check reaches running only once healthy);
//   - global: every ready, active node that satisfies the placement runs such a task;
//   - replicated_job: total_completions tasks of the current run completed;
//   - global_job: every such node completed a task of the current run.
//
// With ConvergeOptions.Monitor, a replicated or global service must then stay so that long (a
// job's completed tasks stay completed: it is not watched).
//
// It gives up before ctx ends when the service cannot get there by itself: every unconverged
// slot or node failed ConvergeOptions.FailedAttempts times in a row, or waited unschedulable for
// UnschedulableGrace, or Swarm paused or rolled back the update. Those failures, and the end of
// ctx, return a *ConvergenceError.
func (c *Client) WaitConverged(ctx context.Context, serviceID string, opts ConvergeOptions) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	err = waitConverged(ctx, api, serviceID, c.probed(api, opts).withDefaults())
	var ce *ConvergenceError
	if err != nil && !errors.As(err, &ce) {
		return c.Err(err)
	}
	return err
}

// probed is opts with the process's shared look at task counts on api (statusProbe), for every
// convergence wait of this client.
func (c *Client) probed(api serviceStatusAPI, opts ConvergeOptions) ConvergeOptions {
	opts.probe = func(ctx context.Context, id string) (swarm.ServiceStatus, bool, error) {
		return c.statusProbe.status(ctx, api, id)
	}
	return opts
}

// WaitServiceRemoved waits until the service is gone and none of its tasks remain (so networks,
// secrets and volumes it used can be removed right after). It does not remove the service. Pass
// the service's ID: a name can only be turned into the ID while the service still exists.
// Finished tasks of a job are not waited for: Swarm never deletes them.
func (c *Client) WaitServiceRemoved(ctx context.Context, serviceID string) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(waitServiceRemoved(ctx, sharedTasksAPI{convergeAPI: api, s: &c.removalTasks}, serviceID, removeInterval))
}

type convWaiter struct {
	api   convergeAPI
	id    string
	opts  ConvergeOptions
	nodes []swarm.Node // cached for the global modes

	svc      swarm.Service
	last     convProgress
	seen     bool
	lastLine string
	// probed is the task counts the probe last gave (nil before the first).
	probed *swarm.ServiceStatus
	// watchSince is when the Monitor watch began (zero while the service is not converged).
	watchSince time.Time
}

func waitConverged(ctx context.Context, api convergeAPI, serviceID string, opts ConvergeOptions) error {
	w := &convWaiter{api: api, id: serviceID, opts: opts}
	var unschedulableSince time.Time
	errs := 0
	interval := min(firstConvergeInterval, opts.Interval)
	for {
		done, err := w.poll(ctx)
		next := interval
		if done && opts.Monitor > 0 && !convIsJobMode(w.last.Mode) {
			if w.watchSince.IsZero() {
				w.watchSince = time.Now()
				w.opts.Progress(fmt.Sprintf("%s: converged; watching it for %s", w.svc.Spec.Name, opts.Monitor), map[string]any{
					"service": w.svc.Spec.Name, "service_id": w.id, "monitor": opts.Monitor.String(),
				})
			}
			left := opts.Monitor - time.Since(w.watchSince)
			done = left <= 0
			next = min(interval, left)
		} else if err == nil {
			w.watchSince = time.Time{}
		}
		switch {
		case err == nil:
			errs = 0
		case ctx.Err() != nil:
			return w.failure(ctx, ctx.Err())
		case errors.Is(err, ErrNotFound):
			return err
		default:
			var ce *ConvergenceError
			if errors.As(err, &ce) {
				return err
			}
			errs++
			if errs >= maxPollErrors {
				return err
			}
		}
		if done {
			return nil
		}
		if err == nil {
			switch {
			case w.last.Failing:
				return w.failure(ctx, nil)
			case w.last.Unschedulable:
				if unschedulableSince.IsZero() {
					unschedulableSince = time.Now()
				}
				if time.Since(unschedulableSince) >= opts.UnschedulableGrace {
					return w.failure(ctx, nil)
				}
			default:
				unschedulableSince = time.Time{}
			}
		}
		if err := w.pause(ctx, next); err != nil {
			return w.failure(ctx, err)
		}
		interval = nextConvergeInterval(interval, opts.Interval)
	}
}

// pause waits d before the next full look, or less: with a probe, it looks at the service's task
// counts every probeInterval and ends as soon as they differ from the counts it saw before (a task
// started, completed or stopped), or, at the first look of a wait, when more tasks run or
// completed than the last full look found done. A probe that fails or does not know the service
// leaves the pause as it is.
func (w *convWaiter) pause(ctx context.Context, d time.Duration) error {
	if w.opts.probe == nil || d <= probeInterval {
		return pause(ctx, d)
	}
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		step := min(probeInterval, left)
		if err := pause(ctx, step); err != nil {
			return err
		}
		if step == left {
			return nil // the full look comes now
		}
		// A slow list must not hold the full look up.
		pctx, cancel := context.WithDeadline(ctx, end)
		st, ok, err := w.opts.probe(pctx, w.id)
		cancel()
		if err != nil || !ok {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		before := w.probed
		w.probed = &st
		switch {
		case before == nil:
			if st.RunningTasks+st.CompletedTasks > uint64(max(w.last.Done, 0)) {
				return nil
			}
		case st != *before:
			return nil
		}
	}
}

// nextConvergeInterval is the pause after cur: twice as long, up to limit.
func nextConvergeInterval(cur, limit time.Duration) time.Duration {
	return min(2*cur, limit)
}

// poll looks once: one ServiceInspect and one TaskList (and, once per wait, a NodeList for the
// global modes). It reports whether the service has converged; a paused or rolled back update
// comes back as a *ConvergenceError.
func (w *convWaiter) poll(ctx context.Context) (bool, error) {
	res, err := w.api.ServiceInspect(ctx, w.id, client.ServiceInspectOptions{})
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return false, fmt.Errorf("service %s disappeared while waiting for it to converge: %w", w.id, ErrNotFound)
		}
		return false, fmt.Errorf("inspecting service %s: %w", w.id, err)
	}
	if w.opts.PreviousVersion > 0 && res.Service.Version.Index <= w.opts.PreviousVersion {
		// A read from before the update: judge nothing yet.
		return false, nil
	}
	w.svc = res.Service
	mode := convServiceMode(w.svc.Spec)

	if us := w.svc.UpdateStatus; us != nil {
		switch us.State {
		case swarm.UpdateStateRollbackStarted, swarm.UpdateStateRollbackCompleted, swarm.UpdateStateRollbackPaused:
			w.opts.Progress(fmt.Sprintf("%s: Swarm is rolling the update back (%s): %s", w.svc.Spec.Name, us.State, us.Message), map[string]any{
				"service": w.svc.Spec.Name, "service_id": w.id, "update_state": string(us.State), "update_message": us.Message,
			})
			return false, w.rollbackFailure(ctx)
		}
	}

	filters := make(client.Filters).Add("service", w.id)
	if !convIsJobMode(mode) {
		// Only the tasks that run the current spec, as the Docker CLI asks for them.
		filters.Add("_up-to-date", "true")
	}
	tasks, err := w.api.TaskList(ctx, client.TaskListOptions{Filters: filters})
	if err != nil {
		return false, fmt.Errorf("listing the tasks of service %s: %w", w.id, err)
	}
	if convIsGlobalMode(mode) && w.nodes == nil {
		nodes, err := w.api.NodeList(ctx, client.NodeListOptions{})
		if err != nil {
			return false, fmt.Errorf("listing the swarm's nodes: %w", err)
		}
		w.nodes = nodes.Items
	}
	w.last = convEvaluate(w.svc, tasks.Items, w.nodes, w.opts.FailedAttempts)
	w.seen = true
	w.nameNodes(ctx, w.last.Problems)
	w.report()

	if us := w.svc.UpdateStatus; us != nil {
		switch us.State {
		case swarm.UpdateStatePaused:
			return false, w.failure(ctx, nil)
		case swarm.UpdateStateUpdating:
			return false, nil
		}
	}
	return w.last.Converged, nil
}

// report tells the caller how far the service got, when that changed.
func (w *convWaiter) report() {
	p := w.last
	verb := "running"
	if convIsJobMode(p.Mode) {
		verb = "completed"
	}
	fields := map[string]any{"service": w.svc.Spec.Name, "service_id": w.id, "mode": p.Mode, "desired": p.Desired, "done": p.Done}
	line := fmt.Sprintf("%s: %d of %d tasks %s", w.svc.Spec.Name, p.Done, p.Desired, verb)
	if us := w.svc.UpdateStatus; us != nil {
		fields["update_state"] = string(us.State)
		if us.State == swarm.UpdateStateUpdating {
			line += " (update in progress)"
		}
	}
	if len(p.Problems) > 0 && !p.Converged {
		fields["problem"] = p.Problems[0].summary()
		line += "; " + p.Problems[0].summary()
	}
	if line != w.lastLine {
		w.lastLine = line
		w.opts.Progress(line, fields)
	}
}

// failure builds the error for the last look at the service.
func (w *convWaiter) failure(ctx context.Context, cause error) error {
	if !w.seen && cause != nil {
		return fmt.Errorf("waiting for service %s to converge: %w", w.id, cause)
	}
	e := &ConvergenceError{
		ServiceName: w.svc.Spec.Name,
		Mode:        w.last.Mode,
		Desired:     w.last.Desired,
		Running:     w.last.Done,
		Tasks:       w.last.Problems,
		Cause:       cause,
	}
	if e.ServiceName == "" {
		e.ServiceName = w.id
	}
	if !w.watchSince.IsZero() {
		e.Watched, e.Monitor = time.Since(w.watchSince), w.opts.Monitor
	}
	if us := w.svc.UpdateStatus; us != nil && us.State == swarm.UpdateStatePaused {
		e.UpdateMessage = "update paused: " + us.Message
	}
	w.nameNodes(ctx, e.Tasks)
	attachTaskLogs(ctx, w.api, e.Tasks)
	e.DownNodes = w.downNodes(ctx)
	return e
}

// downNodes names the nodes that are down now and hold tasks of the service that Swarm wants
// running or that last said they run (of any spec): a node lost in the middle of a wait is often why it failed, and the
// tasks' own states do not say so. One TaskList and one NodeList, read fresh.
func (w *convWaiter) downNodes(ctx context.Context) []string {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	tasks, err := w.api.TaskList(lctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", w.id)})
	if err != nil {
		return nil
	}
	used := map[string]bool{}
	for _, t := range tasks.Items {
		// A lost node reports nothing more: its tasks keep the last state they reported, while
		// Swarm may already want them shut down.
		if t.NodeID != "" && (convWantedRunning(t) || atMostRunning(t.Status.State)) {
			used[t.NodeID] = true
		}
	}
	if len(used) == 0 {
		return nil
	}
	nodes, err := w.api.NodeList(lctx, client.NodeListOptions{})
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range nodes.Items {
		if used[n.ID] && (n.Status.State == swarm.NodeStateDown || n.Status.State == swarm.NodeStateDisconnected) {
			name := n.Description.Hostname
			if name == "" {
				name = n.ID
			}
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// rollbackFailure reports an update that Swarm rolled back, with the tasks of the new spec that
// failed (they no longer run the current spec, so one extra look at all tasks finds them).
func (w *convWaiter) rollbackFailure(ctx context.Context) error {
	us := w.svc.UpdateStatus
	e := &ConvergenceError{
		ServiceName:   w.svc.Spec.Name,
		Mode:          convServiceMode(w.svc.Spec),
		RolledBack:    true,
		UpdateMessage: us.Message,
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	res, err := w.api.TaskList(lctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", w.id)})
	if err == nil {
		e.Tasks = convFailedSince(res.Items, us.StartedAt)
	}
	w.nameNodes(ctx, e.Tasks)
	attachTaskLogs(ctx, w.api, e.Tasks)
	return e
}

// convFailedSince picks, per slot or node, the newest failed or rejected task created after t.
func convFailedSince(tasks []swarm.Task, t *time.Time) []TaskProblem {
	convNewestFirst(tasks)
	seen := map[string]bool{}
	var out []TaskProblem
	for _, task := range tasks {
		if task.Status.State != swarm.TaskStateFailed && task.Status.State != swarm.TaskStateRejected {
			continue
		}
		if t != nil && task.CreatedAt.Before(*t) {
			continue
		}
		key := fmt.Sprintf("%d/%s", task.Slot, task.NodeID)
		if task.Slot != 0 {
			key = fmt.Sprintf("%d", task.Slot)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		st := convUnitStatus{show: &task}
		out = append(out, st.problem(convUnit{slot: task.Slot}, nil))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Slot < out[j].Slot })
	return out
}

// nameNodes fills in the hostnames of the nodes the problems name.
func (w *convWaiter) nameNodes(ctx context.Context, problems []TaskProblem) {
	need := false
	for _, p := range problems {
		if p.NodeID != "" && p.Node == "" {
			need = true
		}
	}
	if !need {
		return
	}
	if w.nodes == nil {
		// Once per wait: the replicated modes need the node list only to name nodes.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		res, err := w.api.NodeList(lctx, client.NodeListOptions{})
		if err != nil {
			return
		}
		w.nodes = res.Items
	}
	names := map[string]string{}
	for _, n := range w.nodes {
		names[n.ID] = n.Description.Hostname
	}
	for i := range problems {
		if problems[i].Node == "" {
			problems[i].Node = names[problems[i].NodeID]
		}
	}
}

func waitServiceRemoved(ctx context.Context, api convergeAPI, serviceID string, interval time.Duration) error {
	errs := 0
	remaining := -1
	pauseFor := min(firstConvergeInterval, interval)
	for {
		n, err := convRemainingTasks(ctx, api, &serviceID)
		switch {
		case err == nil:
			errs = 0
			remaining = n
			if n == 0 {
				return nil
			}
		case ctx.Err() != nil:
		default:
			errs++
			if errs >= maxPollErrors {
				return err
			}
		}
		if err := pause(ctx, pauseFor); err != nil {
			if remaining < 0 {
				return fmt.Errorf("waiting for service %s to be removed: %w", serviceID, err)
			}
			return fmt.Errorf("waiting for service %s to be removed: %d of its tasks remain: %w", serviceID, remaining, err)
		}
		pauseFor = nextConvergeInterval(pauseFor, interval)
	}
}

// convRemainingTasks counts what is left of a service: -1 when the service itself still exists,
// else its tasks that Swarm has not deleted yet (finished job tasks aside). The Engine refuses a
// task filter naming a service that no longer exists, so once the service is gone all tasks are
// listed.
//
// serviceID may name the service while it exists: it is replaced by the ID then, since tasks
// carry only the ID.
func convRemainingTasks(ctx context.Context, api convergeAPI, id *string) (int, error) {
	serviceID := *id
	res, err := api.ServiceInspect(ctx, serviceID, client.ServiceInspectOptions{})
	if err == nil {
		if res.Service.ID != "" {
			*id = res.Service.ID
		}
		return -1, nil
	}
	if !cerrdefs.IsNotFound(err) {
		return 0, fmt.Errorf("inspecting service %s: %w", serviceID, err)
	}
	tasks, err := api.TaskList(ctx, client.TaskListOptions{})
	if err != nil {
		return 0, fmt.Errorf("listing tasks: %w", err)
	}
	n := 0
	for _, t := range tasks.Items {
		if t.ServiceID != serviceID {
			continue
		}
		if t.JobIteration != nil && taskStateOrder[t.Status.State] >= taskStateOrder[swarm.TaskStateComplete] {
			// Swarm never deletes the finished tasks of a removed job (their containers have
			// exited already), so waiting for them would never end.
			continue
		}
		n++
	}
	return n, nil
}

// ConvergenceError lists why the service did not converge.
type ConvergenceError struct {
	ServiceName string
	Mode        string
	// Desired and Running count tasks (slots for replicated, nodes for global); for jobs Running
	// counts completed tasks.
	Desired int
	Running int
	// Tasks has one entry per slot or node that did not converge.
	Tasks []TaskProblem
	// RolledBack: Swarm rolled the update back; UpdateMessage holds its reason.
	RolledBack    bool
	UpdateMessage string
	// Cause is why the wait stopped, such as the context's deadline; nil when it gave up early.
	Cause error
	// DownNodes are the hostnames of nodes that are down and hold tasks of the service.
	DownNodes []string
	// Watched is how long the service had stayed converged when the wait stopped in the middle of
	// its ConvergeOptions.Monitor watch (zero otherwise); Monitor is the whole watch.
	Watched, Monitor time.Duration
}

// TaskProblem is one task that keeps the service from converging.
type TaskProblem struct {
	TaskID       string
	Slot         int
	NodeID       string
	Node         string // hostname
	State        string
	DesiredState string
	Message      string
	Err          string
	ExitCode     int
	// FailedAttempts counts the failed tasks in a row in this slot or on this node.
	FailedAttempts int
	// Hint explains a state whose cause the task's status does not name.
	Hint string
	// Logs holds the last lines of the task's output, when its log driver can be read.
	Logs []string
}

func (e *ConvergenceError) Error() string {
	var b strings.Builder
	switch {
	case e.RolledBack:
		fmt.Fprintf(&b, "Swarm rolled back the update of service %q", e.ServiceName)
		if e.UpdateMessage != "" {
			fmt.Fprintf(&b, ": %s", e.UpdateMessage)
		}
	default:
		verb := "running"
		if e.Mode == convModeReplicatedJob || e.Mode == convModeGlobalJob {
			verb = "completed"
		}
		if e.Monitor > 0 {
			fmt.Fprintf(&b, "service %q (%s) ran all %d tasks, but the wait stopped %s into the %s watch of them", e.ServiceName, e.Mode, e.Desired,
				e.Watched.Round(time.Millisecond), e.Monitor)
		} else {
			fmt.Fprintf(&b, "service %q (%s) did not converge: %d of %d tasks %s", e.ServiceName, e.Mode, e.Running, e.Desired, verb)
		}
		if e.UpdateMessage != "" {
			fmt.Fprintf(&b, "\n%s", e.UpdateMessage)
		}
	}
	for _, t := range e.Tasks {
		fmt.Fprintf(&b, "\n  - %s", t.String())
		if len(t.Logs) > 0 {
			fmt.Fprintf(&b, "\n    last log lines of the task:")
			for _, l := range t.Logs {
				fmt.Fprintf(&b, "\n    | %s", l)
			}
		}
	}
	if len(e.DownNodes) > 0 {
		fmt.Fprintf(&b, "\nnode(s) %s down (the managers lost them): the tasks Swarm placed there do not run until they are back, or are drained or removed", strings.Join(e.DownNodes, ", "))
	}
	if e.Cause != nil {
		fmt.Fprintf(&b, "\nstopped waiting: %v", e.Cause)
	} else if !e.RolledBack && e.UpdateMessage == "" {
		b.WriteString("\nstopped waiting early: Swarm will not get there without a change")
	}
	return b.String()
}

func (e *ConvergenceError) Unwrap() error { return e.Cause }

// where names the slot or node of the problem.
func (p TaskProblem) where() string {
	var parts []string
	if p.Slot > 0 {
		parts = append(parts, fmt.Sprintf("slot %d", p.Slot))
	}
	switch {
	case p.Node != "":
		parts = append(parts, "on "+p.Node)
	case p.NodeID != "":
		parts = append(parts, "on node "+p.NodeID)
	}
	if len(parts) == 0 {
		return "task"
	}
	return strings.Join(parts, " ")
}

// summary is the short form, for progress lines.
func (p TaskProblem) summary() string {
	s := p.where() + ": " + p.State
	switch {
	case p.Err != "":
		s += ": " + convOneLine(p.Err)
	case p.Message != "" && p.Message != p.State:
		s += " (" + convOneLine(p.Message) + ")"
	}
	return s
}

// String is one line: where, state, the task's own error, and how often it failed.
func (p TaskProblem) String() string {
	s := p.summary()
	var extra []string
	if p.ExitCode != 0 && !strings.Contains(p.Err, fmt.Sprintf("(%d)", p.ExitCode)) {
		extra = append(extra, fmt.Sprintf("exit code %d", p.ExitCode))
	}
	if p.FailedAttempts > 1 {
		extra = append(extra, fmt.Sprintf("%d failed attempts in a row", p.FailedAttempts))
	}
	if p.Hint != "" {
		s += ": " + p.Hint
	}
	if p.TaskID != "" {
		id := p.TaskID
		if len(id) > 12 {
			id = id[:12]
		}
		extra = append(extra, "task "+id)
	}
	if len(extra) > 0 {
		s += " [" + strings.Join(extra, ", ") + "]"
	}
	return s
}

func convOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
