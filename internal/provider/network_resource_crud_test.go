package provider

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeNetworkEngine holds the networks of a swarm in memory. A network without IPAM configs gets
// a subnet from the default address pool, as the Engine does.
type fakeNetworkEngine struct {
	fakeCalls
	networks map[string]network.Inspect
	created  []client.NetworkCreateOptions
	// users are the services that hold the networks: RemoveNetwork waits its timeout and then
	// fails with a NetworkInUseError, as swarm.RemoveNetwork does.
	users          []string
	removeTimeouts []time.Duration
	// unallocated makes CreateNetwork create the network and then wait for its allocation until
	// the context ends, as swarm.CreateNetwork does when the swarm never allocates it.
	unallocated bool
}

var _ networkEngine = (*fakeNetworkEngine)(nil)

func newFakeNetworkEngine() *fakeNetworkEngine {
	return &fakeNetworkEngine{networks: map[string]network.Inspect{}}
}

func (f *fakeNetworkEngine) CreateNetwork(ctx context.Context, name string, opts client.NetworkCreateOptions) (string, error) {
	f.created = append(f.created, opts)
	if err := f.call("CreateNetwork"); err != nil {
		return "", err
	}
	id := fmt.Sprintf("net%d", len(f.networks)+1)
	ipam := network.IPAM{Driver: "default", Config: []network.IPAMConfig{{
		Subnet: netip.MustParsePrefix("10.0.1.0/24"), Gateway: netip.MustParseAddr("10.0.1.1"),
	}}}
	if opts.IPAM != nil && len(opts.IPAM.Config) > 0 {
		ipam = *opts.IPAM
	}
	n := network.Inspect{}
	n.ID, n.Name, n.Driver, n.Scope = id, name, opts.Driver, "swarm"
	n.Attachable, n.Internal, n.Ingress = opts.Attachable, opts.Internal, opts.Ingress
	n.EnableIPv6 = opts.EnableIPv6 != nil && *opts.EnableIPv6
	n.Options, n.Labels, n.IPAM = opts.Options, opts.Labels, ipam
	f.networks[id] = n
	if f.unallocated {
		<-ctx.Done()
		return id, fmt.Errorf("network %s was created, but the swarm did not allocate it: %w", id, ctx.Err())
	}
	return id, nil
}

func (f *fakeNetworkEngine) InspectNetwork(_ context.Context, idOrName string) (network.Inspect, error) {
	if err := f.call("InspectNetwork"); err != nil {
		return network.Inspect{}, err
	}
	for _, n := range f.networks {
		if n.ID == idOrName || n.Name == idOrName {
			return n, nil
		}
	}
	return network.Inspect{}, fmt.Errorf("network %s: %w", idOrName, swarm.ErrNotFound)
}

func (f *fakeNetworkEngine) InspectNetworkByID(_ context.Context, id string) (network.Inspect, error) {
	if err := f.call("InspectNetworkByID"); err != nil {
		return network.Inspect{}, err
	}
	n, ok := f.networks[id]
	if !ok {
		return n, fmt.Errorf("network %s: %w", id, swarm.ErrNotFound)
	}
	return n, nil
}

func (f *fakeNetworkEngine) RemoveNetwork(_ context.Context, id string, timeout time.Duration) error {
	f.removeTimeouts = append(f.removeTimeouts, timeout)
	if err := f.call("RemoveNetwork"); err != nil {
		return err
	}
	if _, ok := f.networks[id]; ok && len(f.users) > 0 {
		return &swarm.NetworkInUseError{Network: id, Services: f.users, Waited: timeout, Err: fmt.Errorf("network %s has active endpoints", id), TimedOut: true}
	}
	delete(f.networks, id) // a network that is gone already counts as removed
	return nil
}

func newNetworkTest(t *testing.T, f *fakeNetworkEngine) *testResource {
	return newTestResource(t, &networkResource{client: f})
}

func testNetworkConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{"name": "backend", "attachable": true}}, more...)...))
}

func createdNetwork(t *testing.T, tr *testResource, f *fakeNetworkEngine, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := tr.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	f.calls, f.created = nil, nil
	return resp.State.Raw
}

func TestNetworkResourceCreate(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	resp := tr.planAndCreate(testNetworkConfig(tr, attrs{"labels": map[string]string{"team": "a"}}))

	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "CreateNetwork", "InspectNetworkByID")
	sent := f.created[0]
	if sent.Driver != "overlay" || !sent.Attachable || sent.Labels["team"] != "a" || sent.IPAM != nil {
		t.Errorf("sent %+v", sent)
	}
	wantKnown(t, resp.State)
	m := modelOf[networkResourceModel](t, resp.State)
	if m.ID.ValueString() != "net1" || m.Scope.ValueString() != "swarm" || !m.IPAM.IsNull() {
		t.Errorf("state: id %s, scope %s, ipam %s", m.ID, m.Scope, m.IPAM)
	}
	if got := attrOf[types.String](t, resp.State, "effective_ipam.configs[0].subnet"); got.ValueString() != "10.0.1.0/24" {
		t.Errorf("effective subnet %s, want the one the Engine chose", got)
	}
}

func TestNetworkResourceCreate_ipam(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	resp := tr.planAndCreate(testNetworkConfig(tr, attrs{"ipam.configs[0].subnet": "10.20.0.0/24", "ipam.configs[0].gateway": "10.20.0.254"}))
	wantNoError(t, resp.Diagnostics)
	want := &network.IPAM{Config: []network.IPAMConfig{{Subnet: netip.MustParsePrefix("10.20.0.0/24"), Gateway: netip.MustParseAddr("10.20.0.254")}}}
	if diff := cmp.Diff(want, f.created[0].IPAM, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b }), cmp.Comparer(func(a, b netip.Addr) bool { return a == b })); diff != "" {
		t.Errorf("IPAM sent (-want +got):\n%s", diff)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "ipam.configs[0].gateway"); got.ValueString() != "10.20.0.254" {
		t.Errorf("gateway in state %s", got)
	}
}

func TestNetworkResourceCreate_fails(t *testing.T) {
	f := newFakeNetworkEngine()
	f.failOn("CreateNetwork", errEngine)
	tr := newNetworkTest(t, f)
	resp := tr.planAndCreate(testNetworkConfig(tr))
	wantError(t, resp.Diagnostics, "Error creating Swarm network", `"backend"`, errEngine.Error())
	wantRemoved(t, resp.State)
}

// A network that cannot be read back keeps its ID in state (tainted), so that it is not orphaned.
func TestNetworkResourceCreate_readBackFails(t *testing.T) {
	f := newFakeNetworkEngine()
	f.failOn("InspectNetworkByID", errEngine)
	tr := newNetworkTest(t, f)
	resp := tr.planAndCreate(testNetworkConfig(tr))
	wantError(t, resp.Diagnostics, "Error reading Swarm network after creating it", "net1")
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "net1" {
		t.Errorf("id in state %s", got)
	}
}

// A network the swarm does not allocate within timeouts.create keeps its ID in state (tainted),
// and the error names the timeout.
func TestNetworkResourceCreate_notAllocated(t *testing.T) {
	f := newFakeNetworkEngine()
	f.unallocated = true
	tr := newNetworkTest(t, f)
	resp := tr.planAndCreate(testNetworkConfig(tr, attrs{"timeouts.create": "50ms"}))
	wantError(t, resp.Diagnostics, "Error creating Swarm network", `"backend"`, "`timeouts.create`", "did not allocate")
	if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "net1" {
		t.Errorf("id in state %s", got)
	}
}

func TestNetworkResourceRead(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	prior := createdNetwork(t, tr, f, testNetworkConfig(tr))
	n := f.networks["net1"]
	n.Labels = map[string]string{"added": "outside"}
	f.networks["net1"] = n

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectNetworkByID")
	wantKnown(t, resp.State)
	if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"added": "outside"}) {
		t.Errorf("labels %v", got)
	}
}

// Read asks for exactly the ID: a network that carries the ID as its name is not the one.
func TestNetworkResourceRead_notFound(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	prior := createdNetwork(t, tr, f, testNetworkConfig(tr))
	n := f.networks["net1"]
	delete(f.networks, "net1")
	n.ID, n.Name = "other", "net1"
	f.networks["other"] = n

	resp := tr.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

func TestNetworkResourceRead_error(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	prior := createdNetwork(t, tr, f, testNetworkConfig(tr))
	f.failOn("InspectNetworkByID", errEngine)
	resp := tr.read(prior)
	wantError(t, resp.Diagnostics, "Error reading Swarm network", "net1", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// The only updates planned are those the network already satisfies (here null labels to {}):
// Update reads the network back and writes nothing.
func TestNetworkResourceUpdate(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	prior := createdNetwork(t, tr, f, testNetworkConfig(tr))
	resp := tr.planAndUpdate(testNetworkConfig(tr, attrs{"labels": map[string]string{}}), prior)
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "InspectNetworkByID")
	wantKnown(t, resp.State)
	if got := attrOf[types.Map](t, resp.State, "labels"); got.IsNull() || len(got.Elements()) != 0 {
		t.Errorf("labels %s, want the empty map of the configuration", got)
	}
}

func TestNetworkResourceUpdate_readFails(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	prior := createdNetwork(t, tr, f, testNetworkConfig(tr))
	f.failOn("InspectNetworkByID", errEngine)
	resp := tr.planAndUpdate(testNetworkConfig(tr, attrs{"labels": map[string]string{}}), prior)
	wantError(t, resp.Diagnostics, "Error reading Swarm network", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// Delete waits as long as the configured delete timeout.
func TestNetworkResourceDelete_timeout(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	resp := tr.delete(createdNetwork(t, tr, f, testNetworkConfig(tr, attrs{"timeouts.delete": "7s"})))
	wantNoError(t, resp.Diagnostics)
	if diff := cmp.Diff([]time.Duration{7 * time.Second}, f.removeTimeouts); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
}

// Delete lets swarm.RemoveNetwork wait (NetworkRemoveTimeout) for tasks to detach.
func TestNetworkResourceDelete(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	resp := tr.delete(createdNetwork(t, tr, f, testNetworkConfig(tr)))
	wantNoError(t, resp.Diagnostics)
	f.wantCalls(t, "RemoveNetwork")
	if diff := cmp.Diff([]time.Duration{swarm.NetworkRemoveTimeout}, f.removeTimeouts); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if len(f.networks) != 0 {
		t.Errorf("left %v", f.networks)
	}
}

func TestNetworkResourceDelete_notFound(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	state := createdNetwork(t, tr, f, testNetworkConfig(tr))
	f.networks = map[string]network.Inspect{}
	wantNoError(t, tr.delete(state).Diagnostics)
}

// A network still in use after the wait is an error that names the services.
func TestNetworkResourceDelete_inUse(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	state := createdNetwork(t, tr, f, testNetworkConfig(tr))
	f.users = []string{"api", "web"}
	resp := tr.delete(state)
	wantError(t, resp.Diagnostics, "Error deleting Swarm network", `"backend"`, "services api, web", "after waiting 2m0s",
		"the swarm_network delete did not finish within its timeout (`timeouts.delete`)")
	if _, ok := f.networks["net1"]; !ok {
		t.Error("the network is gone")
	}
}

func TestNetworkResourceDelete_error(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	state := createdNetwork(t, tr, f, testNetworkConfig(tr))
	f.failOn("RemoveNetwork", errEngine)
	wantError(t, tr.delete(state).Diagnostics, "Error deleting Swarm network", "net1", errEngine.Error())
}

// Import takes an ID or a name; Read then fills the rest.
func TestNetworkResourceImportState(t *testing.T) {
	f := newFakeNetworkEngine()
	tr := newNetworkTest(t, f)
	createdNetwork(t, tr, f, testNetworkConfig(tr))
	for _, id := range []string{"net1", "backend"} {
		resp := tr.importState(id)
		wantNoError(t, resp.Diagnostics)
		if got := attrOf[types.String](t, resp.State, "id"); got.ValueString() != "net1" {
			t.Errorf("import %s: id %s", id, got)
		}
		read := tr.read(resp.State.Raw)
		wantNoError(t, read.Diagnostics)
		wantKnown(t, read.State)
		if got := attrOf[types.String](t, read.State, "name"); got.ValueString() != "backend" {
			t.Errorf("import %s: name %s after read", id, got)
		}
	}
	wantError(t, tr.importState("nothing").Diagnostics, "Error importing Swarm network", `"nothing"`, "not found")
}
