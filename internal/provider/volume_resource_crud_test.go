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
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// fakeVolumeEngine holds the volumes of one engine in memory.
type fakeVolumeEngine struct {
	fakeCalls
	host    string
	volumes map[string]volume.Volume
	created []client.VolumeCreateOptions
	// users are containers that use the volumes: RemoveVolume fails with a VolumeInUseError.
	users          []string
	usersAreTasks  bool // the users are containers of swarm tasks, which RemoveVolume waits for
	removeTimeouts []time.Duration
	closed         int
}

var _ remoteVolumes = (*fakeVolumeEngine)(nil)

func newFakeVolumeEngine(host string) *fakeVolumeEngine {
	return &fakeVolumeEngine{host: host, volumes: map[string]volume.Volume{}}
}

func (f *fakeVolumeEngine) Hosts() []string { return []string{f.host} }

func (f *fakeVolumeEngine) Close() error {
	f.closed++
	return nil
}

func (f *fakeVolumeEngine) CreateVolume(_ context.Context, opts client.VolumeCreateOptions) (volume.Volume, error) {
	f.created = append(f.created, opts)
	if err := f.call("CreateVolume"); err != nil {
		return volume.Volume{}, err
	}
	if _, ok := f.volumes[opts.Name]; ok {
		return volume.Volume{}, fmt.Errorf("a volume named %q exists already on this engine", opts.Name)
	}
	v := volume.Volume{
		Name: opts.Name, Driver: opts.Driver, Options: opts.DriverOpts, Labels: opts.Labels,
		Mountpoint: "/var/lib/docker/volumes/" + opts.Name + "/_data", Scope: "local",
	}
	f.volumes[v.Name] = v
	return v, nil
}

func (f *fakeVolumeEngine) InspectVolume(_ context.Context, name string) (volume.Volume, error) {
	if err := f.call("InspectVolume"); err != nil {
		return volume.Volume{}, err
	}
	v, ok := f.volumes[name]
	if !ok {
		return v, fmt.Errorf("volume %s: %w", name, swarm.ErrNotFound)
	}
	return v, nil
}

func (f *fakeVolumeEngine) RemoveVolume(_ context.Context, name string, timeout time.Duration) error {
	f.removeTimeouts = append(f.removeTimeouts, timeout)
	if err := f.call("RemoveVolume"); err != nil {
		return err
	}
	if _, ok := f.volumes[name]; ok && len(f.users) > 0 {
		var waited time.Duration
		if f.usersAreTasks {
			waited = timeout // swarm.RemoveVolume waits for task containers only
		}
		return &swarm.VolumeInUseError{Volume: name, Containers: f.users, Err: fmt.Errorf("volume is in use"), Waited: waited}
	}
	delete(f.volumes, name) // a volume that is gone already counts as removed
	return nil
}

// volumeTest is swarm_volume with the provider's engine and the engines that `engine` blocks
// name (by host), all fakes.
type volumeTest struct {
	*testResource
	provider *fakeVolumeEngine
	remotes  map[string]*fakeVolumeEngine
	dialErr  error
	dialed   []types.Object // what dial was given
}

func newVolumeTest(t *testing.T) *volumeTest {
	vt := &volumeTest{provider: newFakeVolumeEngine("unix:///var/run/docker.sock"), remotes: map[string]*fakeVolumeEngine{}}
	r, _ := NewVolumeResource().(*volumeResource)
	r.client = vt.provider
	r.dial = func(ctx context.Context, engine types.Object) (remoteVolumes, diag.Diagnostics) {
		var diags diag.Diagnostics
		vt.dialed = append(vt.dialed, engine)
		if vt.dialErr != nil {
			diags.Append(connectionError(path.Root("engine"), vt.dialErr))
			return nil, diags
		}
		var conn connectionModel
		diags.Append(engine.As(ctx, &conn, basetypes.ObjectAsOptions{})...)
		remote, ok := vt.remotes[conn.Host.ValueString()]
		if !ok {
			remote = newFakeVolumeEngine(conn.Host.ValueString())
			vt.remotes[conn.Host.ValueString()] = remote
		}
		return remote, diags
	}
	vt.testResource = newTestResource(t, r)
	return vt
}

const testVolumeHost = "ssh://ops@db1"

func testVolumeConfig(tr *testResource, more ...attrs) tftypes.Value {
	return tr.value(merge(append([]attrs{{"name": "pgdata"}}, more...)...))
}

// created is the state after config was created; the fakes then forget the calls.
func (vt *volumeTest) created(t *testing.T, config tftypes.Value) tftypes.Value {
	t.Helper()
	resp := vt.planAndCreate(config)
	wantNoError(t, resp.Diagnostics)
	vt.provider.calls, vt.dialed = nil, nil
	for _, r := range vt.remotes {
		r.calls, r.closed = nil, 0
	}
	return resp.State.Raw
}

func TestVolumeResourceCreate(t *testing.T) {
	vt := newVolumeTest(t)
	resp := vt.planAndCreate(testVolumeConfig(vt.testResource, attrs{"driver_opts": map[string]string{"type": "tmpfs", "device": "tmpfs"}}))

	wantNoError(t, resp.Diagnostics)
	vt.provider.wantCalls(t, "CreateVolume", "InspectVolume")
	want := client.VolumeCreateOptions{Name: "pgdata", Driver: "local", DriverOpts: map[string]string{"type": "tmpfs", "device": "tmpfs"}}
	if diff := cmp.Diff([]client.VolumeCreateOptions{want}, vt.provider.created); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if len(vt.dialed) != 0 || vt.provider.closed != 0 {
		t.Errorf("dialed %v, closed the provider's engine %d times", vt.dialed, vt.provider.closed)
	}
	wantKnown(t, resp.State)
	m := modelOf[volumeResourceModel](t, resp.State)
	if m.ID.ValueString() != "pgdata" || m.Scope.ValueString() != "local" || m.Mountpoint.ValueString() == "" || !m.Engine.IsNull() {
		t.Errorf("state %+v", m)
	}
}

// With an engine block, the volume is made on that engine, whose client is closed afterwards.
func TestVolumeResourceCreate_engine(t *testing.T) {
	vt := newVolumeTest(t)
	resp := vt.planAndCreate(testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))

	wantNoError(t, resp.Diagnostics)
	remote := vt.remotes[testVolumeHost]
	remote.wantCalls(t, "CreateVolume", "InspectVolume")
	vt.provider.wantCalls(t)
	if remote.closed != 1 {
		t.Errorf("the engine's client was closed %d times, want 1", remote.closed)
	}
	wantKnown(t, resp.State)
	if got := attrOf[types.String](t, resp.State, "engine.host"); got.ValueString() != testVolumeHost {
		t.Errorf("engine.host %s", got)
	}
}

func TestVolumeResourceCreate_dialFails(t *testing.T) {
	vt := newVolumeTest(t)
	vt.dialErr = fmt.Errorf("no such key")
	resp := vt.planAndCreate(testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	wantError(t, resp.Diagnostics, "Invalid Docker Engine connection", "no such key")
	wantRemoved(t, resp.State)
	vt.provider.wantCalls(t)
}

func TestVolumeResourceCreate_fails(t *testing.T) {
	vt := newVolumeTest(t)
	vt.provider.volumes["pgdata"] = volume.Volume{Name: "pgdata", Driver: "local"}
	resp := vt.planAndCreate(testVolumeConfig(vt.testResource))
	wantError(t, resp.Diagnostics, "Error creating volume", `"pgdata"`, "engine unix:///var/run/docker.sock", "exists already")
	wantRemoved(t, resp.State)
}

func TestVolumeResourceCreate_readBackFails(t *testing.T) {
	vt := newVolumeTest(t)
	vt.provider.failOn("InspectVolume", errEngine)
	resp := vt.planAndCreate(testVolumeConfig(vt.testResource))
	wantError(t, resp.Diagnostics, "Error reading volume after creating it", `"pgdata"`, errEngine.Error())
	// The volume exists: it stays in state (tainted) rather than orphaned under a taken name.
	if got := attrOf[string](t, resp.State, "id"); got != "pgdata" {
		t.Errorf("id in state %q, want pgdata", got)
	}
}

func TestVolumeResourceRead(t *testing.T) {
	vt := newVolumeTest(t)
	prior := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	remote := vt.remotes[testVolumeHost]
	v := remote.volumes["pgdata"]
	v.Labels = map[string]string{"added": "outside"}
	remote.volumes["pgdata"] = v

	resp := vt.read(prior)
	wantNoError(t, resp.Diagnostics)
	remote.wantCalls(t, "InspectVolume")
	if remote.closed != 1 {
		t.Errorf("closed %d times", remote.closed)
	}
	wantKnown(t, resp.State)
	if got := attrOf[map[string]string](t, resp.State, "labels"); !cmp.Equal(got, map[string]string{"added": "outside"}) {
		t.Errorf("labels %v", got)
	}
}

func TestVolumeResourceRead_notFound(t *testing.T) {
	vt := newVolumeTest(t)
	prior := vt.created(t, testVolumeConfig(vt.testResource))
	delete(vt.provider.volumes, "pgdata")
	resp := vt.read(prior)
	wantNoError(t, resp.Diagnostics)
	wantRemoved(t, resp.State)
}

func TestVolumeResourceRead_error(t *testing.T) {
	vt := newVolumeTest(t)
	prior := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	vt.remotes[testVolumeHost].failOn("InspectVolume", errEngine)
	resp := vt.read(prior)
	wantError(t, resp.Diagnostics, "Error reading volume", `"pgdata"`, "engine "+testVolumeHost, errEngine.Error())
	wantSame(t, resp.State, prior)
}

// Only how the engine is reached changes in place: Update reaches it the new way and reads back.
func TestVolumeResourceUpdate(t *testing.T) {
	vt := newVolumeTest(t)
	prior := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	resp := vt.planAndUpdate(testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost, "engine.ssh_opts": []string{"-i", "key2"}}), prior)

	wantNoError(t, resp.Diagnostics)
	remote := vt.remotes[testVolumeHost]
	remote.wantCalls(t, "InspectVolume")
	var conn connectionModel
	if d := vt.dialed[0].As(context.Background(), &conn, basetypes.ObjectAsOptions{}); d.HasError() || len(conn.SSHOpts.Elements()) != 2 {
		t.Errorf("dialed with %v (%v), want the new ssh_opts", conn.SSHOpts, d)
	}
	wantKnown(t, resp.State)
	if got := attrOf[[]string](t, resp.State, "engine.ssh_opts"); !cmp.Equal(got, []string{"-i", "key2"}) {
		t.Errorf("ssh_opts in state %v", got)
	}
}

func TestVolumeResourceUpdate_readFails(t *testing.T) {
	vt := newVolumeTest(t)
	prior := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	vt.remotes[testVolumeHost].failOn("InspectVolume", errEngine)
	resp := vt.planAndUpdate(testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost, "engine.ssh_opts": []string{"-i", "key2"}}), prior)
	wantError(t, resp.Diagnostics, "Error reading volume", errEngine.Error())
	wantSame(t, resp.State, prior)
}

// Delete waits as long as the configured delete timeout.
func TestVolumeResourceDelete_timeout(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost, "timeouts.delete": "9s"}))
	resp := vt.delete(state)
	wantNoError(t, resp.Diagnostics)
	if diff := cmp.Diff([]time.Duration{9 * time.Second}, vt.remotes[testVolumeHost].removeTimeouts); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
}

// Delete removes the volume on its engine, letting swarm.RemoveVolume wait VolumeRemoveTimeout
// for task containers.
func TestVolumeResourceDelete(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	resp := vt.delete(state)
	wantNoError(t, resp.Diagnostics)
	remote := vt.remotes[testVolumeHost]
	remote.wantCalls(t, "RemoveVolume")
	if diff := cmp.Diff([]time.Duration{swarm.VolumeRemoveTimeout}, remote.removeTimeouts); diff != "" {
		t.Errorf("timeouts (-want +got):\n%s", diff)
	}
	if len(remote.volumes) != 0 || remote.closed != 1 {
		t.Errorf("volumes left %v, closed %d times", remote.volumes, remote.closed)
	}
}

func TestVolumeResourceDelete_notFound(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource))
	delete(vt.provider.volumes, "pgdata")
	wantNoError(t, vt.delete(state).Diagnostics)
}

// A volume that containers use is not removed, and the error names them.
func TestVolumeResourceDelete_inUse(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource))
	vt.provider.users = []string{"psql-debug"}
	resp := vt.delete(state)
	wantError(t, resp.Diagnostics, "Error deleting volume", `"pgdata"`, "in use by containers psql-debug", "nothing is force-removed")
	if strings.Contains(fmt.Sprint(resp.Diagnostics), "timeouts.delete") {
		t.Errorf("a container that is no task's is not waited for, yet the error blames the timeout: %v", resp.Diagnostics)
	}
	if _, ok := vt.provider.volumes["pgdata"]; !ok {
		t.Error("the volume is gone")
	}
}

// Task containers that outlast the delete timeout: the error names the timeout, the volume stays.
func TestVolumeResourceDelete_timeoutRunsOut(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource, attrs{"timeouts.delete": "3s"}))
	vt.provider.users, vt.provider.usersAreTasks = []string{"db.1.x"}, true
	resp := vt.delete(state)
	wantError(t, resp.Diagnostics, "Error deleting volume", "in use by containers db.1.x after waiting 3s",
		"the swarm_volume delete did not finish within its timeout (`timeouts.delete`)")
	if _, ok := vt.provider.volumes["pgdata"]; !ok {
		t.Error("the volume is gone")
	}
}

func TestVolumeResourceDelete_dialFails(t *testing.T) {
	vt := newVolumeTest(t)
	state := vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	vt.dialErr = fmt.Errorf("host key mismatch")
	wantError(t, vt.delete(state).Diagnostics, "Invalid Docker Engine connection", "host key mismatch")
	if _, ok := vt.remotes[testVolumeHost].volumes["pgdata"]; !ok {
		t.Error("the volume is gone")
	}
}

// Import takes <name> (the provider's engine) or <host>|<name>; Read then fills the rest from
// that engine.
func TestVolumeResourceImportState(t *testing.T) {
	vt := newVolumeTest(t)
	vt.created(t, testVolumeConfig(vt.testResource, attrs{"engine.host": testVolumeHost}))
	vt.created(t, testVolumeConfig(vt.testResource, attrs{"name": "cache"}))

	resp := vt.importState(testVolumeHost + "|pgdata")
	wantNoError(t, resp.Diagnostics)
	read := vt.read(resp.State.Raw)
	wantNoError(t, read.Diagnostics)
	wantKnown(t, read.State)
	if got := attrOf[types.String](t, read.State, "engine.host"); got.ValueString() != testVolumeHost {
		t.Errorf("engine.host %s", got)
	}
	if got := attrOf[types.String](t, read.State, "driver"); got.ValueString() != "local" {
		t.Errorf("driver %s", got)
	}

	resp = vt.importState("cache")
	wantNoError(t, resp.Diagnostics)
	read = vt.read(resp.State.Raw)
	wantNoError(t, read.Diagnostics)
	if got := attrOf[types.Object](t, read.State, "engine"); !got.IsNull() {
		t.Errorf("engine %s, want none", got)
	}
	vt.provider.wantCalls(t, "InspectVolume")

	wantError(t, vt.importState("http://db1|pgdata").Diagnostics, "Invalid import ID", "the host is invalid")
	wantError(t, vt.importState("-bad").Diagnostics, "Invalid import ID", "not a valid volume name")
}
