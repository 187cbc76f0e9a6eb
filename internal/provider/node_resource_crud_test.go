package provider

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeNodeEngine holds the nodes of a swarm in memory.
type fakeNodeEngine struct {
	fakeCalls
	nodes map[string]apiswarm.Node
	// otherWriter, when set, changes the node once between UpdateNode's read and its write,
	// which then reads again and lets the resource change the spec again (out of sequence).
	otherWriter func(*apiswarm.Node)
	changes     int // how often UpdateNode called its change function
	roleWaits   []time.Duration
}

var _ nodeEngine = (*fakeNodeEngine)(nil)

func newFakeNodeEngine() *fakeNodeEngine {
	f := &fakeNodeEngine{nodes: map[string]apiswarm.Node{}}
	for i, host := range []string{"manager1", "worker1"} {
		n := apiswarm.Node{
			ID:          fmt.Sprintf("node%d", i+1),
			Meta:        apiswarm.Meta{Version: apiswarm.Version{Index: 1}},
			Spec:        apiswarm.NodeSpec{Role: apiswarm.NodeRoleWorker, Availability: apiswarm.NodeAvailabilityActive, Annotations: apiswarm.Annotations{Labels: map[string]string{"zone": "a"}}},
			Description: apiswarm.NodeDescription{Hostname: host},
		}
		if i == 0 {
			n.Spec.Role, n.ManagerStatus = apiswarm.NodeRoleManager, &apiswarm.ManagerStatus{Leader: true, Reachability: apiswarm.ReachabilityReachable}
		}
		f.nodes[n.ID] = n
	}
	return f
}

func (f *fakeNodeEngine) notFound(ref string) error {
	return fmt.Errorf("node %s: %w", ref, swarm.ErrNotFound)
}

func (f *fakeNodeEngine) FindNode(_ context.Context, idOrHostname string) (apiswarm.Node, error) {
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

func (f *fakeNodeEngine) InspectNode(_ context.Context, id string) (apiswarm.Node, error) {
	if err := f.call("InspectNode"); err != nil {
		return apiswarm.Node{}, err
	}
	n, ok := f.nodes[id]
	if !ok {
		return n, f.notFound(id)
	}
	return n, nil
}

func (f *fakeNodeEngine) UpdateNode(_ context.Context, id string, change func(*apiswarm.NodeSpec)) error {
	if err := f.call("UpdateNode"); err != nil {
		return err
	}
	n, ok := f.nodes[id]
	if !ok {
		return f.notFound(id)
	}
	spec := n.Spec
	spec.Labels = maps.Clone(n.Spec.Labels)
	f.changes++
	change(&spec)
	if f.otherWriter != nil {
		f.otherWriter(&n)
		f.otherWriter = nil
		spec = n.Spec
		spec.Labels = maps.Clone(n.Spec.Labels)
		f.changes++
		change(&spec)
	}
	n.Spec = spec
	n.Version.Index++
	f.nodes[id] = n
	return nil
}

func (f *fakeNodeEngine) WaitNodeRole(_ context.Context, id string, role apiswarm.NodeRole, timeout time.Duration) error {
	f.roleWaits = append(f.roleWaits, timeout)
	if err := f.call("WaitNodeRole"); err != nil {
		return err
	}
	n := f.nodes[id]
	n.ManagerStatus = nil
	if role == apiswarm.NodeRoleManager {
		n.ManagerStatus = &apiswarm.ManagerStatus{Reachability: apiswarm.ReachabilityReachable}
	}
	f.nodes[id] = n
	return nil
}

func newNodeTest(t *testing.T, f *fakeNodeEngine) *testResource {
	return newTestResource(t, &nodeResource{client: f})
}

func testNodeConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{"node": "worker1", "labels": map[string]string{"db": "true"}}}, more...)...))
}

func createdNode(t *testing.T, tr *testResource, f *fakeNodeEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.changes, f.roleWaits = nil, 0, nil
	return resp.State.Raw
}

// Create writes the configured settings and leaves the others as they are.
func TestNodeResourceCreate(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	resp := tr.planAndCreate(testNodeConfig(tr, attrs{"availability": "drain"}))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "FindNode", "UpdateNode", "InspectNode")
	spec := f.nodes["node2"].Spec
	if !cmp.Equal(spec.Labels, map[string]string{"db": "true"}) || spec.Availability != apiswarm.NodeAvailabilityDrain || spec.Role != apiswarm.NodeRoleWorker {
		t.Errorf("spec %+v", spec)
	}
	wantKnown(t, resp.State)
	m := modelOf[nodeResourceModel](t, resp.State)
	if m.ID.ValueString() != "node2" || m.Hostname.ValueString() != "worker1" || m.Role.ValueString() != "worker" || m.Node.ValueString() != "worker1" {
		t.Errorf("state %+v", m)
	}
}

// A role change waits until it has taken effect.
func TestNodeResourceCreate_role(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	resp := tr.planAndCreate(testNodeConfig(tr, attrs{"role": "manager"}))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "FindNode", "UpdateNode", "WaitNodeRole", "InspectNode")
	if len(f.roleWaits) != 1 || !budgetOf(f.roleWaits[0], nodeRoleTimeout) {
		t.Errorf("waits %v, want one of what is left of %s", f.roleWaits, nodeRoleTimeout)
	}
	if got := attrOf[types.String](t, resp.State, "role"); got.ValueString() != "manager" {
		t.Errorf("role %s", got)
	}
}

// The configured timeouts reach the role waits of create and update.
func TestNodeResource_timeouts(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	to := attrs{"timeouts.create": "15s", "timeouts.update": "25s"}
	resp := tr.planAndCreate(testNodeConfig(tr, attrs{"role": "manager"}, to))
	wantNoError(t, resp.Diagnostics)
	uresp := tr.planAndUpdate(testNodeConfig(tr, attrs{"role": "worker"}, to), resp.State.Raw)
	wantNoError(t, uresp.Diagnostics)
	if len(f.roleWaits) != 2 || !budgetOf(f.roleWaits[0], 15*time.Second) || !budgetOf(f.roleWaits[1], 25*time.Second) {
		t.Errorf("waits %v, want what is left of 15s, then of 25s", f.roleWaits)
	}
}

// A role change that does not take effect within the timeout is an error that names it.
func TestNodeResourceUpdate_roleTimesOut(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	f.failOn("WaitNodeRole", fmt.Errorf("%w after 1s waiting for node node2 to become a manager", swarm.ErrTimeout))
	resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"role": "manager", "timeouts.update": "1s"}), prior)
	wantError(t, resp.Diagnostics, "Error changing the swarm node's role",
		"the swarm_node update did not finish within its timeout (`timeouts.update`)", "to become a manager")
}

// A promotion whose wait ran out in an earlier apply (the spec says manager, the node is no raft
// member yet) is waited for by the next apply; a manager that is a member but unreachable (down)
// is not.
func TestNodeResourceUpdate_pendingRole(t *testing.T) {
	for name, tt := range map[string]struct {
		node   string
		status *apiswarm.ManagerStatus
		wait   bool
	}{
		"promotion pending": {node: "node2", wait: true},
		"promotion unknown": {node: "node2", status: &apiswarm.ManagerStatus{Reachability: apiswarm.ReachabilityUnknown}, wait: true},
		"demotion pending":  {node: "node2", status: &apiswarm.ManagerStatus{Reachability: apiswarm.ReachabilityReachable}, wait: true},
		"manager down":      {node: "node1", status: &apiswarm.ManagerStatus{Reachability: apiswarm.ReachabilityUnreachable}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeNodeEngine()
			tr := newNodeTest(t, f)
			host, role := map[string]string{"node1": "manager1", "node2": "worker1"}[tt.node], "manager"
			if name == "demotion pending" {
				role = "worker"
			}
			prior := createdNode(t, tr, f, testNodeConfig(tr, attrs{"node": host}))
			n := f.nodes[tt.node]
			n.Spec.Role, n.ManagerStatus = apiswarm.NodeRole(role), tt.status
			f.nodes[tt.node] = n
			resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"node": host, "role": role, "labels": map[string]string{"db": "false"}}), prior)
			wantNoError(t, resp.Diagnostics)
			want := []string{"InspectNode", "UpdateNode", "InspectNode"}
			if tt.wait {
				want = []string{"InspectNode", "UpdateNode", "WaitNodeRole", "InspectNode"}
			}
			f.wantCalls(t, want...)
		})
	}
}

func TestNodeResourceCreate_fails(t *testing.T) {
	tests := map[string]struct {
		method, want string
		calls        []string
	}{
		"not found":   {want: "Error finding the swarm node", calls: []string{"FindNode"}},
		"update":      {method: "UpdateNode", want: "Error updating the swarm node", calls: []string{"FindNode", "UpdateNode"}},
		"role":        {method: "WaitNodeRole", want: "Error changing the swarm node's role", calls: []string{"FindNode", "UpdateNode", "WaitNodeRole"}},
		"read back":   {method: "InspectNode", want: "Error reading the swarm node", calls: []string{"FindNode", "UpdateNode", "WaitNodeRole", "InspectNode"}},
		"engine down": {method: "FindNode", want: "Error finding the swarm node", calls: []string{"FindNode"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeNodeEngine()
			tr := newNodeTest(t, f)
			config := testNodeConfig(tr, attrs{"role": "manager"})
			if tt.method == "" {
				config = testNodeConfig(tr, attrs{"node": "nothing"})
			} else {
				f.failOn(tt.method, errEngine)
			}
			resp := tr.planAndCreate(config)
			wantError(t, resp.Diagnostics, tt.want)
			wantRemoved(t, resp.State)
			f.wantCalls(t, tt.calls...)
		})
	}
}

func TestNodeResourceRead(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	n := f.nodes["node2"]
	n.Spec.Labels["added"] = "outside"
	n.Spec.Availability = apiswarm.NodeAvailabilityPause
	f.nodes["node2"] = n

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectNode")
	wantKnown(t, resp.State)
	m := modelOf[nodeResourceModel](t, resp.State)
	if got := m.Labels.Elements(); len(got) != 2 || m.Availability.ValueString() != "pause" {
		t.Errorf("labels %v, availability %s: changes outside Terraform must show", got, m.Availability)
	}
}

func TestNodeResourceRead_notFound(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	delete(f.nodes, "node2")
	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

func TestNodeResourceRead_error(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	f.failOn("InspectNode", errEngine)
	resp := tr.read(prior)
	wantError(t, resp.Diagnostics, "Error reading the swarm node", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// An update that loses the race against another writer ("update out of sequence") is written
// again onto the node as it is then: the configured labels win, what the resource does not hold
// (here the node's name) stays as the other writer left it.
func TestNodeResourceUpdate_retries(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	f.otherWriter = func(n *apiswarm.Node) {
		n.Spec.Name = "renamed"
		n.Spec.Labels["added"] = "meanwhile"
	}

	resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"labels": map[string]string{"db": "false"}}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectNode", "UpdateNode", "InspectNode")
	if f.changes != 2 {
		t.Fatalf("change ran %d times, want 2", f.changes)
	}
	spec := f.nodes["node2"].Spec
	if !cmp.Equal(spec.Labels, map[string]string{"db": "false"}) || spec.Name != "renamed" {
		t.Errorf("labels %v, name %q", spec.Labels, spec.Name)
	}
	wantKnown(t, resp.State)
	if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"db": "false"}) {
		t.Errorf("labels in state %v", got)
	}
}

// Naming the node by its ID instead of its hostname is an update, not a replacement.
func TestNodeResourceUpdate_renamedReference(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	prior := createdNode(t, tr, f, testNodeConfig(tr))
	resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"node": "node2", "role": "manager"}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectNode", "UpdateNode", "WaitNodeRole", "InspectNode")
	if got := attrOf[types.String](t, resp.State, "node"); got.ValueString() != "node2" {
		t.Errorf("node %s", got)
	}
}

func TestNodeResourceUpdate_fails(t *testing.T) {
	for _, method := range []string{"InspectNode", "UpdateNode"} {
		t.Run(method, func(t *testing.T) {
			f := newFakeNodeEngine()
			tr := newNodeTest(t, f)
			prior := createdNode(t, tr, f, testNodeConfig(tr))
			f.failOn(method, errEngine)
			resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"availability": "pause"}), prior)
			wantError(t, resp.Diagnostics, errEngine.Error())
			wantSame(t, resp.State, prior)
		})
	}
	t.Run("gone", func(t *testing.T) {
		f := newFakeNodeEngine()
		tr := newNodeTest(t, f)
		prior := createdNode(t, tr, f, testNodeConfig(tr))
		delete(f.nodes, "node2")
		resp := tr.planAndUpdate(testNodeConfig(tr, attrs{"availability": "pause"}), prior)
		wantError(t, resp.Diagnostics, "Error reading the swarm node", "not found")
		wantSame(t, resp.State, prior)
	})
}

// Destroying the resource forgets the node, unless remove_labels_on_destroy: then the labels it
// manages go, and only those.
func TestNodeResourceDelete(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	wantNoError(t, tr.delete(createdNode(t, tr, f, testNodeConfig(tr))).Diagnostics)
	f.wantCalls(t)
	if got := f.nodes["node2"].Spec.Labels; !cmp.Equal(got, map[string]string{"db": "true"}) {
		t.Errorf("labels %v: destroy must leave the node alone", got)
	}

	state := createdNode(t, tr, f, testNodeConfig(tr, attrs{"remove_labels_on_destroy": true}))
	n := f.nodes["node2"]
	n.Spec.Labels["added"] = "outside"
	f.nodes["node2"] = n
	wantNoError(t, tr.delete(state).Diagnostics)
	f.wantCalls(t, "UpdateNode")
	if got := f.nodes["node2"].Spec.Labels; !cmp.Equal(got, map[string]string{"added": "outside"}) {
		t.Errorf("labels %v, want only the unmanaged one", got)
	}
}

func TestNodeResourceDelete_notFound(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	state := createdNode(t, tr, f, testNodeConfig(tr, attrs{"remove_labels_on_destroy": true}))
	delete(f.nodes, "node2")
	wantNoError(t, tr.delete(state).Diagnostics)
}

func TestNodeResourceDelete_fails(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	state := createdNode(t, tr, f, testNodeConfig(tr, attrs{"remove_labels_on_destroy": true}))
	f.failOn("UpdateNode", errEngine)
	wantError(t, tr.delete(state).Diagnostics, "Error removing the swarm node's labels", errEngine.Error())
}

// Import takes a node ID or hostname; Read then fills the rest.
func TestNodeResourceImportState(t *testing.T) {
	f := newFakeNodeEngine()
	tr := newNodeTest(t, f)
	for _, id := range []string{"node2", "worker1"} {
		resp := tr.importState(id)
		wantNoError(t, resp.Diagnostics)
		read := tr.read(resp.State.Raw)
		wantNoError(t, read.Diagnostics)
		wantKnown(t, read.State)
		m := modelOf[nodeResourceModel](t, read.State)
		if m.ID.ValueString() != "node2" || m.Node.ValueString() != id || m.Hostname.ValueString() != "worker1" || m.RemoveLabelsOnDestroy.ValueBool() {
			t.Errorf("import %s: %+v", id, m)
		}
	}
	wantError(t, tr.importState("nothing").Diagnostics, "Error importing the swarm node", "nothing", "not found")
}
