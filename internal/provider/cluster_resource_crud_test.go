package provider

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeClusterEngine is one engine and the swarm it is part of (none while sw is nil). Like the
// Engine, init takes only part of the spec it is given (autolock): the rest needs an update.
type fakeClusterEngine struct {
	fakeCalls
	sw        *apiswarm.Swarm
	nodeID    string
	unlockKey string
	inits     []client.SwarmInitOptions
	rotations []swarm.Rotation
	// hang names a call that answers only when its context ends, as a manager without quorum.
	hang   string
	leaves []bool // the force flag of each LeaveSwarm
	// otherWriter, when set, changes the spec once between UpdateSwarm's read and its write,
	// which then reads again and lets the resource change the spec again (out of sequence).
	otherWriter func(*apiswarm.Spec)
	changes     int // how often UpdateSwarm called its change function
}

var _ clusterEngine = (*fakeClusterEngine)(nil)

func newFakeClusterEngine() *fakeClusterEngine { return &fakeClusterEngine{} }

func (f *fakeClusterEngine) notInSwarm() error {
	return fmt.Errorf("this engine is not part of a swarm: %w", swarm.ErrNotFound)
}

// testEngineSwarm is the swarm the Engine makes at init, with its defaults.
func testEngineSwarm(id string) *apiswarm.Swarm {
	history := int64(5)
	sw := &apiswarm.Swarm{
		ClusterInfo: apiswarm.ClusterInfo{
			ID: id, Meta: apiswarm.Meta{Version: apiswarm.Version{Index: 1}},
			Spec: apiswarm.Spec{
				Annotations:   apiswarm.Annotations{Name: "default"},
				Orchestration: apiswarm.OrchestrationConfig{TaskHistoryRetentionLimit: &history},
				Raft:          clusterDefaultRaft(),
				Dispatcher:    apiswarm.DispatcherConfig{HeartbeatPeriod: 5 * time.Second},
				CAConfig:      apiswarm.CAConfig{NodeCertExpiry: 2160 * time.Hour},
			},
			DefaultAddrPool: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
			SubnetSize:      24,
			DataPathPort:    4789,
		},
	}
	return sw
}

func (f *fakeClusterEngine) InitSwarm(ctx context.Context, opts client.SwarmInitOptions) (string, error) {
	f.inits = append(f.inits, opts)
	switch f.hang {
	case "InitSwarm":
		<-ctx.Done()
		return "", fmt.Errorf("initialising the swarm: %w", ctx.Err())
	case "InitSwarmOutlived": // the engine finishes the init its caller gave up on
		f.sw, f.nodeID = testEngineSwarm("swarm1"), "node1"
		<-ctx.Done()
		return f.nodeID, &swarm.InitOutlivedError{NodeID: f.nodeID, Err: fmt.Errorf("initialising the swarm: %w", ctx.Err())}
	}
	if err := f.call("InitSwarm"); err != nil {
		return "", err
	}
	if f.sw != nil {
		return "", errors.New("this node is already part of a swarm")
	}
	f.sw, f.nodeID = testEngineSwarm("swarm1"), "node1"
	f.sw.Spec.EncryptionConfig.AutoLockManagers = opts.AutoLockManagers
	if opts.AutoLockManagers {
		f.unlockKey = "SWMKEY-1-first"
	}
	return f.nodeID, nil
}

func (f *fakeClusterEngine) ReadSwarm(context.Context) (apiswarm.Swarm, error) {
	if err := f.call("ReadSwarm"); err != nil {
		return apiswarm.Swarm{}, err
	}
	if f.sw == nil {
		return apiswarm.Swarm{}, f.notInSwarm()
	}
	return *f.sw, nil
}

func (f *fakeClusterEngine) UpdateSwarm(_ context.Context, change func(*apiswarm.Spec), rot swarm.Rotation) error {
	f.rotations = append(f.rotations, rot)
	if err := f.call("UpdateSwarm"); err != nil {
		return err
	}
	if f.sw == nil {
		return f.notInSwarm()
	}
	spec := f.sw.Spec
	f.changes++
	change(&spec)
	if f.otherWriter != nil {
		f.otherWriter(&f.sw.Spec)
		f.otherWriter = nil
		spec = f.sw.Spec
		f.changes++
		change(&spec)
	}
	f.sw.Spec = spec
	f.sw.Version.Index++
	if rot.UnlockKey || spec.EncryptionConfig.AutoLockManagers && f.unlockKey == "" {
		f.unlockKey = fmt.Sprintf("SWMKEY-1-%d", f.sw.Version.Index)
	}
	return nil
}

func (f *fakeClusterEngine) LocalNode(context.Context) (apiswarm.Info, error) {
	if err := f.call("LocalNode"); err != nil {
		return apiswarm.Info{}, err
	}
	if f.sw == nil {
		return apiswarm.Info{LocalNodeState: apiswarm.LocalNodeStateInactive}, nil
	}
	return apiswarm.Info{NodeID: f.nodeID, LocalNodeState: apiswarm.LocalNodeStateActive}, nil
}

func (f *fakeClusterEngine) UnlockKey(context.Context) (string, error) {
	return f.unlockKey, f.call("UnlockKey")
}

func (f *fakeClusterEngine) LeaveSwarm(ctx context.Context, force bool) error {
	f.leaves = append(f.leaves, force)
	if f.hang == "LeaveSwarm" {
		<-ctx.Done()
		return fmt.Errorf("leaving the swarm: %w", ctx.Err())
	}
	if err := f.call("LeaveSwarm"); err != nil {
		return err
	}
	f.sw = nil
	return nil
}

func newClusterTest(t *testing.T, f *fakeClusterEngine) *testResource {
	return newTestResource(t, &clusterResource{client: f})
}

func testClusterConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{"advertise_addr": "10.1.0.1", "task_history_retention_limit": int64(10)}}, more...)...))
}

func createdCluster(t *testing.T, tr *testResource, f *fakeClusterEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.inits, f.rotations, f.changes = nil, nil, nil, 0
	return resp.State.Raw
}

// Create inits the swarm, then writes the whole spec once more (init takes only part of it).
func TestClusterResourceCreate(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InitSwarm", "UpdateSwarm", "ReadSwarm")
	if got := f.inits[0]; got.AdvertiseAddr != "10.1.0.1" || got.ListenAddr != "0.0.0.0:2377" {
		t.Errorf("init %+v", got)
	}
	if diff := cmp.Diff([]swarm.Rotation{{}}, f.rotations); diff != "" {
		t.Errorf("rotations (-want +got):\n%s", diff)
	}
	if got := *f.sw.Spec.Orchestration.TaskHistoryRetentionLimit; got != 10 {
		t.Errorf("task history on the Engine %d, want 10", got)
	}
	wantKnown(t, resp.State)
	m := modelOf[clusterResourceModel](t, resp.State)
	if m.ID.ValueString() != "swarm1" || m.NodeID.ValueString() != "node1" || m.TaskHistoryRetentionLimit.ValueInt64() != 10 ||
		!m.Raft.IsNull() || !m.UnlockKey.IsNull() || m.DataPathPort.ValueInt64() != 4789 {
		t.Errorf("state %+v", m)
	}
}

func TestClusterResourceCreate_autolock(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr, attrs{"autolock": true}))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InitSwarm", "UpdateSwarm", "ReadSwarm", "UnlockKey")
	if got := attrOf[types.String](t, resp.State, "unlock_key"); got.ValueString() != "SWMKEY-1-first" {
		t.Errorf("unlock_key %s", got)
	}
}

// An engine that is part of a swarm already is not adopted by Create: the error says to import.
func TestClusterResourceCreate_initFails(t *testing.T) {
	f := newFakeClusterEngine()
	f.sw = testEngineSwarm("other")
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr))
	wantError(t, resp.Diagnostics, "Error creating the swarm", "already part of a swarm", "terraform import")
	wantRemoved(t, resp.State)
	f.wantCalls(t, "InitSwarm")
}

// The swarm exists once init succeeded: a failed configuration step leaves it in state, tainted.
func TestClusterResourceCreate_configureFails(t *testing.T) {
	f := newFakeClusterEngine()
	f.failOn("UpdateSwarm", errEngine)
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr))
	wantError(t, resp.Diagnostics, "Error configuring the new swarm", errEngine.Error())
	f.wantCalls(t, "InitSwarm", "UpdateSwarm", "ReadSwarm")
	m := modelOf[clusterResourceModel](t, resp.State)
	if m.ID.ValueString() != "swarm1" || m.NodeID.ValueString() != "node1" {
		t.Errorf("state: id %s, node_id %s", m.ID, m.NodeID)
	}
	if m.TaskHistoryRetentionLimit.ValueInt64() != 5 {
		t.Errorf("task history in state %s, want what the Engine has (5)", m.TaskHistoryRetentionLimit)
	}
}

func TestClusterResourceCreate_goneAfterInit(t *testing.T) {
	f := newFakeClusterEngine()
	f.failOn("ReadSwarm", f.notInSwarm())
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr))
	wantError(t, resp.Diagnostics, "Error creating the swarm", "in no swarm right after the init")
}

func TestClusterResourceRead(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	prior := createdCluster(t, tr, f, testClusterConfig(tr))
	f.sw.Spec.Labels = map[string]string{"added": "outside"}
	f.sw.Spec.Raft.SnapshotInterval = 5000

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ReadSwarm")
	wantKnown(t, resp.State)
	if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"added": "outside"}) {
		t.Errorf("labels %v", got)
	}
	if got := attrOf[types.Int64](t, resp.State, "raft.snapshot_interval"); got.ValueInt64() != 5000 {
		t.Errorf("raft.snapshot_interval %s: raft settings changed from the defaults must show", got)
	}
	if got := attrOf[types.String](t, resp.State, "advertise_addr"); got.ValueString() != "10.1.0.1" {
		t.Errorf("advertise_addr %s: what the Engine does not report stays", got)
	}
}

// The engine left the swarm, or is part of another one now: the swarm is gone.
func TestClusterResourceRead_gone(t *testing.T) {
	for name, other := range map[string]*apiswarm.Swarm{"left": nil, "other swarm": testEngineSwarm("swarm2")} {
		t.Run(name, func(t *testing.T) {
			f := newFakeClusterEngine()
			tr := newClusterTest(t, f)
			prior := createdCluster(t, tr, f, testClusterConfig(tr))
			f.sw = other
			resp := tr.read(prior)
			wantNoError(t, resp.Diagnostics)
			wantRemoved(t, resp.State)
		})
	}
}

func TestClusterResourceRead_error(t *testing.T) {
	for _, method := range []string{"ReadSwarm", "UnlockKey"} {
		t.Run(method, func(t *testing.T) {
			f := newFakeClusterEngine()
			tr := newClusterTest(t, f)
			prior := createdCluster(t, tr, f, testClusterConfig(tr, attrs{"autolock": true}))
			f.failOn(method, errEngine)
			resp := tr.read(prior)
			wantError(t, resp.Diagnostics, "Error reading the swarm", errEngine.Error())
			wantSame(t, resp.State, prior)
		})
	}
}

// Import takes the swarm's ID; Read fills the rest, the node ID from the engine, and leaves the
// raft block out while the Engine has the defaults.
func TestClusterResourceImportState(t *testing.T) {
	f := newFakeClusterEngine()
	f.sw, f.nodeID = testEngineSwarm("swarm1"), "node7"
	tr := newClusterTest(t, f)
	resp := tr.importState("swarm1")
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t)

	read := tr.read(resp.State.Raw)
	wantNoError(t, read.Diagnostics)
	f.wantCalls(t, "ReadSwarm", "LocalNode")
	wantKnown(t, read.State)
	m := modelOf[clusterResourceModel](t, read.State)
	if m.ID.ValueString() != "swarm1" || m.NodeID.ValueString() != "node7" || !m.Raft.IsNull() || m.TaskHistoryRetentionLimit.ValueInt64() != 5 {
		t.Errorf("imported state %+v", m)
	}

	// An import of another swarm's ID finds nothing.
	read = tr.read(tr.importState("swarm9").State.Raw)
	wantNoError(t, read.Diagnostics)
	wantRemoved(t, read.State)

	f.failOn("LocalNode", errEngine)
	wantError(t, tr.read(resp.State.Raw).Diagnostics, "Error reading the engine's node", errEngine.Error())
}

// Update writes the configured settings onto the spec the swarm has at that moment (also after
// an out-of-sequence retry, keeping what another writer changed there that the resource does not
// hold) and rotates what the triggers ask for.
func TestClusterResourceUpdate(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	prior := createdCluster(t, tr, f, testClusterConfig(tr))
	f.otherWriter = func(s *apiswarm.Spec) { s.TaskDefaults.LogDriver = &apiswarm.Driver{Name: "local"} }

	resp := tr.planAndUpdate(testClusterConfig(tr, attrs{"task_history_retention_limit": int64(20), "rotate_worker_token": "2024-06"}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "UpdateSwarm", "ReadSwarm")
	if diff := cmp.Diff([]swarm.Rotation{{WorkerToken: true}}, f.rotations); diff != "" {
		t.Errorf("rotations (-want +got):\n%s", diff)
	}
	if f.changes != 2 {
		t.Errorf("change ran %d times, want 2", f.changes)
	}
	if got := *f.sw.Spec.Orchestration.TaskHistoryRetentionLimit; got != 20 {
		t.Errorf("task history %d", got)
	}
	if got := f.sw.Spec.TaskDefaults.LogDriver; got == nil || got.Name != "local" {
		t.Errorf("log driver %v: another writer's change must stay", got)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "rotate_worker_token"); got.ValueString() != "2024-06" {
		t.Errorf("rotate_worker_token %s", got)
	}
}

// Switching autolock on plans an unknown unlock key, which the update reads.
func TestClusterResourceUpdate_autolock(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	prior := createdCluster(t, tr, f, testClusterConfig(tr))
	resp := tr.planAndUpdate(testClusterConfig(tr, attrs{"autolock": true}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "UpdateSwarm", "ReadSwarm", "UnlockKey")
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "unlock_key"); got.ValueString() != f.unlockKey || got.ValueString() == "" {
		t.Errorf("unlock_key %s, want %q", got, f.unlockKey)
	}
}

func TestClusterResourceUpdate_fails(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	prior := createdCluster(t, tr, f, testClusterConfig(tr))
	f.failOn("UpdateSwarm", errEngine)
	resp := tr.planAndUpdate(testClusterConfig(tr, attrs{"task_history_retention_limit": int64(20)}), prior)
	wantError(t, resp.Diagnostics, "Error updating the swarm", errEngine.Error())
	wantSame(t, resp.State, prior)
	f.wantCalls(t, "UpdateSwarm")
}

func TestClusterResourceUpdate_gone(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	prior := createdCluster(t, tr, f, testClusterConfig(tr))
	f.sw = nil
	resp := tr.planAndUpdate(testClusterConfig(tr, attrs{"task_history_retention_limit": int64(20)}), prior)
	wantError(t, resp.Diagnostics, "Error updating the swarm", "not part of a swarm")
	wantSame(t, resp.State, prior)
}

// Delete makes the engine leave its swarm, with force.
func TestClusterResourceDelete(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	resp := tr.delete(createdCluster(t, tr, f, testClusterConfig(tr)))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "ReadSwarm", "LeaveSwarm")
	if diff := cmp.Diff([]bool{true}, f.leaves); diff != "" {
		t.Errorf("leave force (-want +got):\n%s", diff)
	}
}

// An engine in no swarm: nothing to do.
func TestClusterResourceDelete_notFound(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	state := createdCluster(t, tr, f, testClusterConfig(tr))
	f.sw = nil
	wantNoError(t, tr.delete(state).Diagnostics)
	f.wantCalls(t, "ReadSwarm")
}

// An engine that is part of another swarm now is left alone, with a warning.
func TestClusterResourceDelete_otherSwarm(t *testing.T) {
	f := newFakeClusterEngine()
	tr := newClusterTest(t, f)
	state := createdCluster(t, tr, f, testClusterConfig(tr))
	f.sw = testEngineSwarm("swarm2")
	resp := tr.delete(state)
	wantWarning(t, resp.Diagnostics, "part of another swarm", "swarm2")
	f.wantCalls(t, "ReadSwarm")
}

func TestClusterResourceDelete_fails(t *testing.T) {
	for method, summary := range map[string]string{"ReadSwarm": "Error reading the swarm before leaving it", "LeaveSwarm": "Error leaving the swarm"} {
		t.Run(method, func(t *testing.T) {
			f := newFakeClusterEngine()
			tr := newClusterTest(t, f)
			state := createdCluster(t, tr, f, testClusterConfig(tr))
			f.failOn(method, errEngine)
			wantError(t, tr.delete(state).Diagnostics, summary, errEngine.Error())
			if f.sw == nil {
				t.Error("the engine left the swarm")
			}
		})
	}
}

// A create or delete that the Engine does not answer ends at its timeout, and says so.
func TestClusterResource_timeouts(t *testing.T) {
	f := &fakeClusterEngine{nodeID: "node1", hang: "InitSwarm"}
	tr := newClusterTest(t, f)
	start := time.Now()
	resp := tr.planAndCreate(testClusterConfig(tr, attrs{"timeouts.create": "50ms"}))
	wantError(t, resp.Diagnostics, "Error creating the swarm", "the swarm_cluster create did not finish within its timeout (`timeouts.create`)")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("create took %s with a timeout of 50ms", d)
	}

	f.hang = ""
	f.wantCalls(t) // the engine is in no swarm: nothing to keep
	state := createdCluster(t, tr, f, testClusterConfig(tr, attrs{"timeouts.delete": "50ms"}))
	f.hang = "LeaveSwarm"
	dresp := tr.delete(state)
	wantError(t, dresp.Diagnostics, "Error leaving the swarm", "the swarm_cluster delete did not finish within its timeout (`timeouts.delete`)")
}

// A create that stops waiting for an init the engine then finishes keeps the new swarm in the
// state (Terraform marks it tainted), as the engine has it, and says how to keep it; it writes
// nothing more to the swarm.
func TestClusterResourceCreate_initOutlived(t *testing.T) {
	f := &fakeClusterEngine{hang: "InitSwarmOutlived"}
	tr := newClusterTest(t, f)
	resp := tr.planAndCreate(testClusterConfig(tr, attrs{"timeouts.create": "50ms"}))
	wantError(t, resp.Diagnostics, "Error creating the swarm",
		"the swarm_cluster create did not finish within its timeout (`timeouts.create`)",
		"the engine went on with the init and is now node node1",
		"The swarm (swarm1) is kept in the state, marked tainted", "`terraform untaint`")
	if resp.State.Raw.IsNull() {
		t.Fatal("the new swarm is not in the state")
	}
	if id, node := attrOf[string](t, resp.State, "id"), attrOf[string](t, resp.State, "node_id"); id != "swarm1" || node != "node1" {
		t.Errorf("state holds swarm %q on node %q", id, node)
	}
	if got := attrOf[int64](t, resp.State, "task_history_retention_limit"); got != 5 {
		t.Errorf("task_history_retention_limit %d: the state must hold what the engine has (5), not the configuration", got)
	}
	f.wantCalls(t, "ReadSwarm")
	if f.changes != 0 {
		t.Errorf("the swarm was written %d times after the init was given up on", f.changes)
	}

	// Destroying that state (the replacement of a tainted resource) leaves the swarm.
	wantNoError(t, tr.delete(resp.State.Raw).Diagnostics)
	if f.sw != nil || len(f.leaves) != 1 {
		t.Errorf("after the delete: in a swarm %v, %d leaves", f.sw != nil, len(f.leaves))
	}
}
