package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeJoinManager is the provider's swarm, seen through a manager. It shares its call log with
// the joining engines, whose calls are prefixed "engine.", so that a test sees the order across
// both.
type fakeJoinManager struct {
	*fakeCalls
	nodes    map[string]apiswarm.Node
	timeouts map[string]time.Duration // the timeout each waiting method got last
}

var _ joinManager = (*fakeJoinManager)(nil)

func (f *fakeJoinManager) notFound(id string) error {
	return fmt.Errorf("node %s: %w", id, swarm.ErrNotFound)
}

func (f *fakeJoinManager) FindNode(_ context.Context, idOrHostname string) (apiswarm.Node, error) {
	if err := f.call("FindNode"); err != nil {
		return apiswarm.Node{}, err
	}
	for _, n := range f.nodes {
		if n.ID == idOrHostname || n.Description.Hostname == idOrHostname {
			return n, nil
		}
	}
	return apiswarm.Node{}, f.notFound(idOrHostname)
}

func (f *fakeJoinManager) InspectNode(_ context.Context, id string) (apiswarm.Node, error) {
	if err := f.call("InspectNode"); err != nil {
		return apiswarm.Node{}, err
	}
	n, ok := f.nodes[id]
	if !ok {
		return n, f.notFound(id)
	}
	return n, nil
}

func (f *fakeJoinManager) WaitNodeReady(_ context.Context, id string, timeout time.Duration) (apiswarm.Node, error) {
	f.timeouts["WaitNodeReady"] = timeout
	if err := f.call("WaitNodeReady"); err != nil {
		return apiswarm.Node{}, err
	}
	n, ok := f.nodes[id]
	if !ok || n.Status.State != apiswarm.NodeStateReady {
		return n, fmt.Errorf("node %s to be ready: %w", id, swarm.ErrTimeout)
	}
	return n, nil
}

func (f *fakeJoinManager) SetNodeRole(_ context.Context, id string, role apiswarm.NodeRole, timeout time.Duration) error {
	f.timeouts["SetNodeRole"] = timeout
	if err := f.call("SetNodeRole " + string(role)); err != nil {
		return err
	}
	n, ok := f.nodes[id]
	if !ok {
		return f.notFound(id)
	}
	n.Spec.Role = role
	n.ManagerStatus = nil // like swarm.SetNodeRole, it returns once the change took effect
	if role == apiswarm.NodeRoleManager {
		n.ManagerStatus = &apiswarm.ManagerStatus{Reachability: apiswarm.ReachabilityReachable}
	}
	f.nodes[id] = n
	return nil
}

func (f *fakeJoinManager) DrainNode(_ context.Context, id string, timeout time.Duration) error {
	f.timeouts["DrainNode"] = timeout
	if err := f.call("DrainNode"); err != nil {
		return err
	}
	n := f.nodes[id]
	n.Spec.Availability = apiswarm.NodeAvailabilityDrain
	f.nodes[id] = n
	return nil
}

func (f *fakeJoinManager) RemoveNode(_ context.Context, id string, timeout time.Duration) error {
	f.timeouts["RemoveNode"] = timeout
	if err := f.call("RemoveNode"); err != nil {
		return err
	}
	delete(f.nodes, id) // a node already gone is no error
	return nil
}

// fakeJoiningEngine is an engine that joins the manager's swarm. Its node gets the role of the
// token: tokens of managers contain "manager".
type fakeJoiningEngine struct {
	*fakeCalls
	manager *fakeJoinManager
	host    string
	info    apiswarm.Info
	joins   []client.SwarmJoinOptions
	closed  int
}

var _ joiningEngine = (*fakeJoiningEngine)(nil)

func (e *fakeJoiningEngine) Close() error {
	e.closed++
	return nil
}

func (e *fakeJoiningEngine) LocalNode(context.Context) (apiswarm.Info, error) {
	return e.info, e.call("engine.LocalNode")
}

func (e *fakeJoiningEngine) JoinSwarm(_ context.Context, opts client.SwarmJoinOptions, _ time.Duration) (apiswarm.Info, error) {
	e.joins = append(e.joins, opts)
	if err := e.call("engine.JoinSwarm"); err != nil {
		return apiswarm.Info{}, err
	}
	role := apiswarm.NodeRoleWorker
	if strings.Contains(opts.JoinToken, "manager") {
		role = apiswarm.NodeRoleManager
	}
	id := "node-" + strings.TrimPrefix(e.host, "ssh://ops@")
	e.manager.nodes[id] = apiswarm.Node{
		ID:          id,
		Spec:        apiswarm.NodeSpec{Role: role, Availability: apiswarm.NodeAvailabilityActive},
		Description: apiswarm.NodeDescription{Hostname: strings.TrimPrefix(e.host, "ssh://ops@")},
		Status:      apiswarm.NodeStatus{State: apiswarm.NodeStateReady},
	}
	e.info = apiswarm.Info{NodeID: id, LocalNodeState: apiswarm.LocalNodeStateActive}
	return e.info, nil
}

func (e *fakeJoiningEngine) LeaveSwarm(_ context.Context, force bool) error {
	method := "engine.LeaveSwarm"
	if force {
		method += " force"
	}
	if err := e.call(method); err != nil {
		return err
	}
	if n, ok := e.manager.nodes[e.info.NodeID]; ok {
		n.Status.State = apiswarm.NodeStateDown
		e.manager.nodes[e.info.NodeID] = n
	}
	e.info = apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateInactive}
	return nil
}

// joinTest is swarm_join with the provider's swarm and the engines its `engine` blocks name (by
// host), all fakes sharing one call log.
type joinTest struct {
	*testResource
	log     *fakeCalls
	manager *fakeJoinManager
	engines map[string]*fakeJoiningEngine
	dialErr error
}

func newJoinTest(t *testing.T) *joinTest {
	log := &fakeCalls{}
	jt := &joinTest{
		log:     log,
		manager: &fakeJoinManager{fakeCalls: log, nodes: map[string]apiswarm.Node{}, timeouts: map[string]time.Duration{}},
		engines: map[string]*fakeJoiningEngine{},
	}
	r, _ := NewJoinResource().(*joinResource)
	r.client = jt.manager
	r.dial = func(ctx context.Context, engine types.Object) (joiningEngine, diag.Diagnostics) {
		var diags diag.Diagnostics
		if jt.dialErr != nil {
			diags.Append(connectionError(path.Root("engine"), jt.dialErr))
			return nil, diags
		}
		var conn connectionModel
		diags.Append(engine.As(ctx, &conn, basetypes.ObjectAsOptions{})...)
		return jt.engine(conn.Host.ValueString()), diags
	}
	jt.testResource = newTestResource(t, r)
	return jt
}

// engine is the fake engine at host, inactive until it joins.
func (jt *joinTest) engine(host string) *fakeJoiningEngine {
	e, ok := jt.engines[host]
	if !ok {
		e = &fakeJoiningEngine{fakeCalls: jt.log, manager: jt.manager, host: host, info: apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateInactive}}
		jt.engines[host] = e
	}
	return e
}

const testJoinHost = "ssh://ops@worker3"

func testJoinConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{
		"engine.host":   testJoinHost,
		"remote_addrs":  []string{"10.1.0.1:2377"},
		"join_token_wo": "SWMTKN-worker",
	}}, more...)...))
}

// joined is the state after config was applied; the fakes then forget the calls.
func (jt *joinTest) joined(t *testing.T, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := jt.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	jt.log.calls = nil
	for _, e := range jt.engines {
		e.closed, e.joins = 0, nil
	}
	return resp.State.Raw
}

func TestJoinResourceCreate(t *testing.T) {
	jt := newJoinTest(t)
	resp := jt.planAndCreate(testJoinConfig(jt.testResource, attrs{"advertise_addr": "10.1.0.3"}))

	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "engine.LocalNode", "engine.JoinSwarm", "WaitNodeReady", "InspectNode")
	e := jt.engines[testJoinHost]
	want := client.SwarmJoinOptions{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: "10.1.0.3", RemoteAddrs: []string{"10.1.0.1:2377"}, JoinToken: "SWMTKN-worker"}
	if diff := cmp.Diff([]client.SwarmJoinOptions{want}, e.joins); diff != "" {
		t.Errorf("join (-want +got):\n%s", diff)
	}
	if e.closed != 1 {
		t.Errorf("the engine's client was closed %d times", e.closed)
	}
	if got := jt.manager.timeouts["WaitNodeReady"]; !budgetOf(got, defaultJoinCreateTimeout) {
		t.Errorf("waited %s for the node, want what is left of %s", got, defaultJoinCreateTimeout)
	}
	wantKnown(t, resp.State)
	m := modelOf[joinResourceModel](t, resp.State)
	if m.ID.ValueString() != "node-worker3" || m.Hostname.ValueString() != "worker3" || m.Role.ValueString() != "worker" || !m.JoinTokenWO.IsNull() {
		t.Errorf("state %+v", m)
	}
}

// A role other than the token's is set once the node is ready.
func TestJoinResourceCreate_role(t *testing.T) {
	jt := newJoinTest(t)
	resp := jt.planAndCreate(testJoinConfig(jt.testResource, attrs{"role": "manager"}))
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "engine.LocalNode", "engine.JoinSwarm", "WaitNodeReady", "SetNodeRole manager", "InspectNode")
	if got := attrOf[types.String](t, resp.State, "role"); got.ValueString() != "manager" {
		t.Errorf("role %s", got)
	}
}

// The node joined but its role could not be set: it is in state (tainted) with the role it has.
func TestJoinResourceCreate_roleFails(t *testing.T) {
	jt := newJoinTest(t)
	jt.log.failOn("SetNodeRole manager", errEngine)
	resp := jt.planAndCreate(testJoinConfig(jt.testResource, attrs{"role": "manager"}))
	wantError(t, resp.Diagnostics, "Error changing the node's role", errEngine.Error())
	m := modelOf[joinResourceModel](t, resp.State)
	if m.ID.ValueString() != "node-worker3" || m.Role.ValueString() != "worker" {
		t.Errorf("state: id %s, role %s", m.ID, m.Role)
	}
}

// An engine that joined in an apply that then failed is adopted by the next one, not joined again.
func TestJoinResourceCreate_retryAdopts(t *testing.T) {
	jt := newJoinTest(t)
	jt.log.failOn("WaitNodeReady", fmt.Errorf("node to be ready: %w", swarm.ErrTimeout))
	resp := jt.planAndCreate(testJoinConfig(jt.testResource))
	wantError(t, resp.Diagnostics, "Error waiting for the joined node", "timed out")
	wantRemoved(t, resp.State)

	delete(jt.log.fail, "WaitNodeReady")
	jt.log.calls = nil
	resp = jt.planAndCreate(testJoinConfig(jt.testResource))
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "engine.LocalNode", "InspectNode", "WaitNodeReady", "InspectNode")
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "node-worker3" {
		t.Errorf("id %s", got)
	}
}

// An engine that is part of another swarm is not taken over.
func TestJoinResourceCreate_otherSwarm(t *testing.T) {
	jt := newJoinTest(t)
	jt.engine(testJoinHost).info = apiswarm.Info{NodeID: "elsewhere", LocalNodeState: apiswarm.LocalNodeStateActive}
	resp := jt.planAndCreate(testJoinConfig(jt.testResource))
	wantError(t, resp.Diagnostics, "The engine is already part of a swarm", "elsewhere", "leave its swarm first")
	wantRemoved(t, resp.State)
	jt.log.wantCalls(t, "engine.LocalNode", "InspectNode")
}

func TestJoinResourceCreate_fails(t *testing.T) {
	tests := map[string]struct{ method, want string }{
		"engine unreachable": {method: "engine.LocalNode", want: "Error reaching the joining engine"},
		"join":               {method: "engine.JoinSwarm", want: "Error joining the swarm"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			jt := newJoinTest(t)
			jt.log.failOn(tt.method, errEngine)
			resp := jt.planAndCreate(testJoinConfig(jt.testResource))
			wantError(t, resp.Diagnostics, tt.want, errEngine.Error())
			wantRemoved(t, resp.State)
			if jt.engines[testJoinHost].closed != 1 {
				t.Error("the engine's client was not closed")
			}
		})
	}
	t.Run("dial", func(t *testing.T) {
		jt := newJoinTest(t)
		jt.dialErr = fmt.Errorf("no route")
		resp := jt.planAndCreate(testJoinConfig(jt.testResource))
		wantError(t, resp.Diagnostics, "Invalid Docker Engine connection", "no route")
		wantRemoved(t, resp.State)
		jt.log.wantCalls(t)
	})
}

func TestJoinResourceRead(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	n := jt.manager.nodes["node-worker3"]
	n.Spec.Role = apiswarm.NodeRoleManager // promoted outside Terraform
	jt.manager.nodes["node-worker3"] = n

	resp := jt.read(prior)
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "InspectNode")
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "role"); got.ValueString() != "manager" {
		t.Errorf("role %s", got)
	}
}

func TestJoinResourceRead_notFound(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	delete(jt.manager.nodes, "node-worker3")
	resp := jt.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

func TestJoinResourceRead_error(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("InspectNode", errEngine)
	resp := jt.read(prior)
	wantError(t, resp.Diagnostics, "Error reading the joined node", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// A role change promotes or demotes in place.
func TestJoinResourceUpdate(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	resp := jt.planAndUpdate(testJoinConfig(jt.testResource, attrs{"role": "manager"}), prior)
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "SetNodeRole manager", "InspectNode")
	if got := jt.manager.timeouts["SetNodeRole"]; !budgetOf(got, defaultJoinUpdateTimeout) {
		t.Errorf("role timeout %s, want what is left of %s", got, defaultJoinUpdateTimeout)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "role"); got.ValueString() != "manager" {
		t.Errorf("role %s", got)
	}
}

// A promotion whose wait ran out in an earlier apply (the spec says manager, the node is no raft
// member yet) is waited for by the next apply, although the role in the spec is already right.
func TestJoinResourceUpdate_pendingPromotion(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	n := jt.manager.nodes["node-worker3"]
	n.Spec.Role, n.ManagerStatus = apiswarm.NodeRoleManager, nil
	jt.manager.nodes["node-worker3"] = n
	resp := jt.planAndUpdate(testJoinConfig(jt.testResource, attrs{"role": "manager"}), prior)
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "SetNodeRole manager", "InspectNode")
}

func TestJoinResourceUpdate_fails(t *testing.T) {
	jt := newJoinTest(t)
	prior := jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("InspectNode", errEngine)
	resp := jt.planAndUpdate(testJoinConfig(jt.testResource, attrs{"role": "manager"}), prior)
	wantError(t, resp.Diagnostics, "Error reading the joined node", errEngine.Error())
	wantSame(t, resp.State, prior)

	delete(jt.log.fail, "InspectNode")
	jt.log.failOn("SetNodeRole manager", errEngine)
	resp = jt.planAndUpdate(testJoinConfig(jt.testResource, attrs{"role": "manager"}), prior)
	wantError(t, resp.Diagnostics, "Error changing the node's role", errEngine.Error())
	if got := attrOf[types.String](t, resp.State, "role"); got.ValueString() != "worker" {
		t.Errorf("role %s, want what the node has", got)
	}
}

// Delete demotes a manager, drains the node, makes the engine leave and removes the node.
func TestJoinResourceDelete(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource, attrs{"role": "manager"}))
	resp := jt.delete(state)
	wantNoError(t, resp.Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "SetNodeRole worker", "DrainNode", "engine.LocalNode", "engine.LeaveSwarm", "RemoveNode")
	if _, ok := jt.manager.nodes["node-worker3"]; ok {
		t.Error("the node is still in the swarm")
	}
	if to := jt.manager.timeouts; !budgetOf(to["SetNodeRole"], defaultJoinDeleteTimeout) ||
		!budgetOf(to["DrainNode"], defaultJoinDeleteTimeout-downTimeout) || !budgetOf(to["RemoveNode"], defaultJoinDeleteTimeout) {
		t.Errorf("timeouts %v, want what is left of %s (the drain leaving %s to the removal)", to, defaultJoinDeleteTimeout, downTimeout)
	}
	if e := jt.engines[testJoinHost]; e.info.LocalNodeState != apiswarm.LocalNodeStateInactive || e.closed != 1 {
		t.Errorf("engine %+v, closed %d times", e.info, e.closed)
	}
}

// Tasks that do not move in time do not keep the node: a warning, and it leaves anyway.
func TestJoinResourceDelete_drainTimesOut(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("DrainNode", fmt.Errorf("the tasks of node to move: %w", swarm.ErrTimeout))
	resp := jt.delete(state)
	wantWarning(t, resp.Diagnostics, "Tasks did not move off the node in time", "leaves anyway")
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "engine.LocalNode", "engine.LeaveSwarm", "RemoveNode")
}

// A node already gone from the swarm: its engine still leaves, and there is nothing to remove.
func TestJoinResourceDelete_notFound(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource))
	delete(jt.manager.nodes, "node-worker3")
	wantNoError(t, jt.delete(state).Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "engine.LocalNode", "engine.LeaveSwarm")
}

// An engine that cannot be reached does not keep the node in the swarm: it is removed with a
// warning that says how to make the engine leave later.
func TestJoinResourceDelete_engineUnreachable(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("engine.LocalNode", errEngine)
	resp := jt.delete(state)
	wantWarning(t, resp.Diagnostics, "The joined engine cannot be reached", "docker swarm leave --force")
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "engine.LocalNode", "RemoveNode")
}

// A leave that is refused is tried again with force; when that fails too, the node stays.
func TestJoinResourceDelete_leave(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("engine.LeaveSwarm", errEngine)
	wantNoError(t, jt.delete(state).Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "engine.LocalNode", "engine.LeaveSwarm", "engine.LeaveSwarm force", "RemoveNode")

	jt = newJoinTest(t)
	state = jt.joined(t, testJoinConfig(jt.testResource))
	jt.log.failOn("engine.LeaveSwarm", errEngine)
	jt.log.failOn("engine.LeaveSwarm force", errEngine)
	wantError(t, jt.delete(state).Diagnostics, "Error leaving the swarm", errEngine.Error())
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "engine.LocalNode", "engine.LeaveSwarm", "engine.LeaveSwarm force")
}

// An engine that is another node now (it left and joined again outside Terraform) is not told
// to leave.
func TestJoinResourceDelete_engineRejoined(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource))
	jt.engines[testJoinHost].info.NodeID = "someone-else"
	wantNoError(t, jt.delete(state).Diagnostics)
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "engine.LocalNode", "RemoveNode")
}

func TestJoinResourceDelete_fails(t *testing.T) {
	for method, summary := range map[string]string{
		"InspectNode": "Error reading the joined node", "SetNodeRole worker": "Error demoting the node before it leaves",
		"DrainNode": "Error draining the node", "RemoveNode": "Error removing the node from the swarm",
	} {
		t.Run(method, func(t *testing.T) {
			jt := newJoinTest(t)
			state := jt.joined(t, testJoinConfig(jt.testResource, attrs{"role": "manager"}))
			jt.log.failOn(method, errEngine)
			wantError(t, jt.delete(state).Diagnostics, summary, errEngine.Error())
			if method != "RemoveNode" && jt.engines[testJoinHost].info.LocalNodeState != apiswarm.LocalNodeStateActive {
				t.Error("the engine left after a failed step before the leave")
			}
		})
	}
}

// A demotion that does not take effect within the delete timeout stops the delete (the node stays
// in the swarm and in state) with an error that names the timeout.
func TestJoinResourceDelete_demotionTimesOut(t *testing.T) {
	jt := newJoinTest(t)
	state := jt.joined(t, testJoinConfig(jt.testResource, attrs{"role": "manager", "timeouts.delete": "1s"}))
	jt.log.failOn("SetNodeRole worker", fmt.Errorf("%w after 1s waiting for node node-worker3 to become a worker", swarm.ErrTimeout))
	wantError(t, jt.delete(state).Diagnostics, "Error demoting the node before it leaves",
		"the swarm_join delete did not finish within its timeout (`timeouts.delete`)")
	if jt.engines[testJoinHost].info.LocalNodeState != apiswarm.LocalNodeStateActive {
		t.Error("the engine left although the demotion did not finish")
	}
}

// Import takes a node ID or hostname. An imported state has no engine block until the
// configuration gives it: a destroy then removes the node without telling the engine.
func TestJoinResourceImportState(t *testing.T) {
	jt := newJoinTest(t)
	jt.joined(t, testJoinConfig(jt.testResource))
	for _, id := range []string{"node-worker3", "worker3"} {
		resp := jt.importState(id)
		wantNoError(t, resp.Diagnostics)
		if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "node-worker3" {
			t.Errorf("import %s: id %s", id, got)
		}
	}
	wantError(t, jt.importState("nothing").Diagnostics, "Error importing the joined node", "nothing", "not found")

	read := jt.read(jt.importState("worker3").State.Raw)
	wantNoError(t, read.Diagnostics)
	jt.log.calls = nil
	resp := jt.delete(read.State.Raw)
	wantWarning(t, resp.Diagnostics, "The engine is not known")
	jt.log.wantCalls(t, "InspectNode", "DrainNode", "RemoveNode")
}

// budgetOf says whether a wait got what was left of an operation's timeout: at most the timeout,
// and not much less (the fakes answer at once).
func budgetOf(got, timeout time.Duration) bool { return got <= timeout && got > timeout-5*time.Second }

// The configured timeouts reach the waits of each operation.
func TestJoinResourceTimeouts(t *testing.T) {
	jt := newJoinTest(t)
	to := attrs{"timeouts.create": "30s", "timeouts.update": "20s", "timeouts.delete": "3m"}
	state := jt.joined(t, testJoinConfig(jt.testResource, attrs{"role": "manager"}, to))
	if got := jt.manager.timeouts["WaitNodeReady"]; !budgetOf(got, 30*time.Second) {
		t.Errorf("waited %s for the node, want what is left of 30s", got)
	}
	resp := jt.planAndUpdate(testJoinConfig(jt.testResource, attrs{"role": "worker"}, to), state)
	wantNoError(t, resp.Diagnostics)
	if got := jt.manager.timeouts["SetNodeRole"]; !budgetOf(got, 20*time.Second) {
		t.Errorf("role timeout %s, want what is left of 20s", got)
	}
	dresp := jt.delete(resp.State.Raw)
	wantNoError(t, dresp.Diagnostics)
	if got := jt.manager.timeouts["RemoveNode"]; !budgetOf(got, 3*time.Minute) {
		t.Errorf("removal timeout %s, want what is left of 3m", got)
	}
}
