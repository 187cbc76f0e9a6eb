package provider

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

var flexCmpOpts = cmp.Options{
	cmp.Comparer(func(a, b semString) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b types.String) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b types.Int64) bool { return a.Equal(b) }),
	cmp.Comparer(func(a, b types.Object) bool { return a.Equal(b) }),
}

func dur(d time.Duration) *time.Duration { return &d }
func u64(i uint64) *uint64               { return &i }

func TestExpandFlattenRestartPolicy(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		api  *apiswarm.RestartPolicy
		want *restartPolicyModel
	}{
		"nil is the Engine default": {nil, &restartPolicyModel{Condition: "any", Delay: newDuration("5s"), Window: newDuration("0s")}},
		"cli default (condition only)": {&apiswarm.RestartPolicy{Condition: "any", MaxAttempts: u64(0)},
			&restartPolicyModel{Condition: "any", Delay: newDuration("5s"), Window: newDuration("0s")}},
		"all set": {&apiswarm.RestartPolicy{Condition: "on-failure", Delay: dur(time.Second), MaxAttempts: u64(3), Window: dur(time.Minute)},
			&restartPolicyModel{Condition: "on-failure", Delay: newDuration("1s"), MaxAttempts: 3, Window: newDuration("1m0s")}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := flattenRestartPolicy(tc.api)
			if d := cmp.Diff(tc.want, got, flexCmpOpts); d != "" {
				t.Fatalf("flatten (-want +got):\n%s", d)
			}
			// expand then flatten is stable.
			if d := cmp.Diff(got, flattenRestartPolicy(expandRestartPolicy(got)), flexCmpOpts); d != "" {
				t.Fatalf("round trip (-want +got):\n%s", d)
			}
		})
	}
}

func TestExpandFlattenUpdateConfig(t *testing.T) {
	t.Parallel()
	def := &updateConfigModel{Parallelism: 1, Delay: newDuration("0s"), FailureAction: "pause", Monitor: newDuration("5s"), Order: "stop-first"}
	tests := map[string]struct {
		api  *apiswarm.UpdateConfig
		want *updateConfigModel
	}{
		"nil is the default":                {nil, def},
		"what docker service create writes": {&apiswarm.UpdateConfig{Parallelism: 1, FailureAction: "pause", Monitor: 5 * time.Second, Order: "stop-first"}, def},
		"custom": {&apiswarm.UpdateConfig{Parallelism: 2, Delay: 10 * time.Second, FailureAction: "rollback", Monitor: 30 * time.Second, MaxFailureRatio: 0.1, Order: "start-first"},
			&updateConfigModel{Parallelism: 2, Delay: newDuration("10s"), FailureAction: "rollback", Monitor: newDuration("30s"), MaxFailureRatio: 0.1, Order: "start-first"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := flattenUpdateConfig(tc.api)
			if d := cmp.Diff(tc.want, got, flexCmpOpts); d != "" {
				t.Fatalf("flatten (-want +got):\n%s", d)
			}
			if d := cmp.Diff(got, flattenUpdateConfig(expandUpdateConfig(got)), flexCmpOpts); d != "" {
				t.Fatalf("round trip (-want +got):\n%s", d)
			}
		})
	}
}

func TestExpandUpdateConfig(t *testing.T) {
	t.Parallel()
	got := expandUpdateConfig(&updateConfigModel{Parallelism: 1, Delay: newDuration("1m30s"), FailureAction: "rollback", Monitor: newDuration("500ms"), MaxFailureRatio: 0.25, Order: "start-first"})
	want := &apiswarm.UpdateConfig{Parallelism: 1, Delay: 90 * time.Second, FailureAction: "rollback", Monitor: 500 * time.Millisecond, MaxFailureRatio: 0.25, Order: "start-first"}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("(-want +got):\n%s", d)
	}
}

func TestExpandServiceMode(t *testing.T) {
	t.Parallel()
	three := uint64(3)
	live := &apiswarm.ServiceSpec{Mode: apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &three}}}
	tests := map[string]struct {
		in   types.Object
		live *apiswarm.ServiceSpec
		want apiswarm.ServiceMode
	}{
		"replicas set":                  {replicatedModeValue(types.Int64Value(5)), live, apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: u64(5)}}},
		"replicas unmanaged keeps live": {replicatedModeValue(types.Int64Unknown()), live, apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: u64(3)}}},
		"replicas unmanaged on create":  {replicatedModeValue(types.Int64Unknown()), nil, apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{}}},
		"null mode is replicated":       {types.ObjectNull(modeObjectType().AttrTypes), live, apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: u64(3)}}},
		"global":                        {flattenServiceMode(apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}}), nil, apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}}},
		"global job":                    {flattenServiceMode(apiswarm.ServiceMode{GlobalJob: &apiswarm.GlobalJob{}}), nil, apiswarm.ServiceMode{GlobalJob: &apiswarm.GlobalJob{}}},
		"replicated job":                {flattenServiceMode(apiswarm.ServiceMode{ReplicatedJob: &apiswarm.ReplicatedJob{MaxConcurrent: u64(2), TotalCompletions: u64(4)}}), nil, apiswarm.ServiceMode{ReplicatedJob: &apiswarm.ReplicatedJob{MaxConcurrent: u64(2), TotalCompletions: u64(4)}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, diags := expandServiceMode(tc.in, tc.live)
			if diags.HasError() {
				t.Fatal(diags)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestFlattenServiceMode(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		in       apiswarm.ServiceMode
		wantKind string
	}{
		"replicated":     {apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: u64(2)}}, "replicated"},
		"global":         {apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}}, "global"},
		"replicated job": {apiswarm.ServiceMode{ReplicatedJob: &apiswarm.ReplicatedJob{}}, "replicated_job"},
		"global job":     {apiswarm.ServiceMode{GlobalJob: &apiswarm.GlobalJob{}}, "global_job"},
		"empty":          {apiswarm.ServiceMode{}, "replicated"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := modeKind(flattenServiceMode(tc.in)); got != tc.wantKind {
				t.Fatalf("kind %q, want %q", got, tc.wantKind)
			}
		})
	}
}

func TestExpandFlattenResourceRequirements(t *testing.T) {
	t.Parallel()
	half := 0.5
	tests := map[string]struct {
		model *resourcesModel
		api   *apiswarm.ResourceRequirements
	}{
		"nil": {nil, nil},
		"limits": {&resourcesModel{Limits: &limitsModel{CPUs: &half, Memory: newSize("512M"), Pids: int64Ptr(100)}},
			&apiswarm.ResourceRequirements{Limits: &apiswarm.Limit{NanoCPUs: 5e8, MemoryBytes: 512 << 20, Pids: 100}}},
		"reservations with generic resources": {&resourcesModel{Reservations: &reservationsModel{Memory: newSize("1G"), GenericResources: []genericResourceModel{
			{Kind: "gpu", NamedValue: strPtr("uuid-1")}, {Kind: "ssd", DiscreteValue: int64Ptr(2)}}}},
			&apiswarm.ResourceRequirements{Reservations: &apiswarm.Resources{MemoryBytes: 1 << 30, GenericResources: []apiswarm.GenericResource{
				{NamedResourceSpec: &apiswarm.NamedGenericResource{Kind: "gpu", Value: "uuid-1"}},
				{DiscreteResourceSpec: &apiswarm.DiscreteGenericResource{Kind: "ssd", Value: 2}}}}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.api, expandResourceRequirements(tc.model)); d != "" {
				t.Fatalf("expand (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.model, flattenResourceRequirements(tc.api), flexCmpOpts); d != "" {
				t.Fatalf("flatten (-want +got):\n%s", d)
			}
		})
	}
	// What `docker service create` writes (empty limits and reservations) is no resources at all.
	if got := flattenResourceRequirements(&apiswarm.ResourceRequirements{Limits: &apiswarm.Limit{}, Reservations: &apiswarm.Resources{}}); got != nil {
		t.Fatalf("empty requirements flatten to %+v, want nil", got)
	}
}

func TestExpandFlattenPlacement(t *testing.T) {
	t.Parallel()
	m := &placementModel{Constraints: []string{"node.role == worker"}, Preferences: []string{"node.labels.zone"}, MaxReplicas: 2,
		Platforms: []platformModel{{Architecture: "amd64", OS: "linux"}}}
	api := &apiswarm.Placement{Constraints: []string{"node.role == worker"}, MaxReplicas: 2,
		Preferences: []apiswarm.PlacementPreference{{Spread: &apiswarm.SpreadOver{SpreadDescriptor: "node.labels.zone"}}},
		Platforms:   []apiswarm.Platform{{Architecture: "amd64", OS: "linux"}}}
	if d := cmp.Diff(api, expandPlacement(m)); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m, flattenPlacement(api), flexCmpOpts); d != "" {
		t.Fatalf("flatten (-want +got):\n%s", d)
	}
	empty := &placementModel{Constraints: []string{}, Preferences: []string{}, Platforms: []platformModel{}}
	for name, in := range map[string]*apiswarm.Placement{"nil": nil, "empty": {}} {
		if d := cmp.Diff(empty, flattenPlacement(in), flexCmpOpts); d != "" {
			t.Fatalf("%s (-want +got):\n%s", name, d)
		}
	}
}

func TestFlattenNetworkAttachmentConfigs(t *testing.T) {
	t.Parallel()
	live := []apiswarm.NetworkAttachmentConfig{{Target: "id-a", Aliases: []string{"api"}}, {Target: "id-b"}}
	tests := map[string]struct {
		prior []networkAttachModel
		want  []string
	}{
		"no prior (import) shows IDs":   {nil, []string{"id-a", "id-b"}},
		"a name the user wrote is kept": {[]networkAttachModel{{Target: "backend", NetworkID: types.StringValue("id-a")}}, []string{"backend", "id-b"}},
		"an ID the user wrote is kept":  {[]networkAttachModel{{Target: "id-b", NetworkID: types.StringValue("id-b")}}, []string{"id-a", "id-b"}},
		"a name now pointing elsewhere": {[]networkAttachModel{{Target: "backend", NetworkID: types.StringValue("id-old")}}, []string{"id-a", "id-b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := flattenNetworkAttachmentConfigs(live, tc.prior)
			var targets []string
			for _, n := range got {
				targets = append(targets, n.Target)
			}
			if d := cmp.Diff(tc.want, targets); d != "" {
				t.Fatalf("(-want +got):\n%s", d)
			}
			if got[0].NetworkID.ValueString() != "id-a" || got[0].Aliases[0] != "api" || got[1].Aliases == nil || got[1].DriverOpts == nil {
				t.Fatalf("attachment %+v", got)
			}
		})
	}
	if d := cmp.Diff([]apiswarm.NetworkAttachmentConfig{{Target: "backend", Aliases: []string{"api"}}},
		expandNetworkAttachmentConfigs([]networkAttachModel{{Target: "backend", Aliases: []string{"api"}}})); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
}

func TestExpandFlattenEndpointSpec(t *testing.T) {
	t.Parallel()
	m := &endpointSpecModel{Mode: "dnsrr", Ports: []portModel{
		{Protocol: "tcp", TargetPort: 8080, PublishedPort: int64Ptr(18080), PublishMode: "host"},
		{Name: strPtr("dns"), Protocol: "udp", TargetPort: 53, PublishMode: "ingress"},
	}}
	api := &apiswarm.EndpointSpec{Mode: "dnsrr", Ports: []apiswarm.PortConfig{
		{Protocol: "tcp", TargetPort: 8080, PublishedPort: 18080, PublishMode: "host"},
		{Name: "dns", Protocol: "udp", TargetPort: 53, PublishMode: "ingress"},
	}}
	if d := cmp.Diff(api, expandEndpointSpec(m)); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m, flattenEndpointSpec(api), flexCmpOpts); d != "" {
		t.Fatalf("flatten (-want +got):\n%s", d)
	}
	if d := cmp.Diff(&endpointSpecModel{Mode: "vip", Ports: []portModel{}}, flattenEndpointSpec(nil), flexCmpOpts); d != "" {
		t.Fatalf("nil (-want +got):\n%s", d)
	}
}

func TestExpandFlattenHealthConfig(t *testing.T) {
	t.Parallel()
	m := &healthcheckModel{Test: []string{"CMD", "/app", "health"}, Interval: newDuration("5s"), Timeout: newDuration("2s"), Retries: int64Ptr(3),
		StartPeriod: newDuration("10s"), StartInterval: nullDuration()}
	api := &container.HealthConfig{Test: []string{"CMD", "/app", "health"}, Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 3, StartPeriod: 10 * time.Second}
	if d := cmp.Diff(api, expandHealthConfig(m)); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m, flattenHealthConfig(api), flexCmpOpts); d != "" {
		t.Fatalf("flatten (-want +got):\n%s", d)
	}
	if expandHealthConfig(nil) != nil || flattenHealthConfig(nil) != nil {
		t.Fatal("nil health check")
	}
}

func TestExpandFlattenMount(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		model mountModel
		api   mount.Mount
	}{
		"bind": {mountModel{Type: "bind", Source: strPtr("/srv"), Target: "/data", ReadOnly: true, BindOptions: &bindOptionsModel{Propagation: strPtr("rshared")}},
			mount.Mount{Type: "bind", Source: "/srv", Target: "/data", ReadOnly: true, BindOptions: &mount.BindOptions{Propagation: "rshared"}}},
		"volume with driver": {mountModel{Type: "volume", Source: strPtr("vol"), Target: "/v", VolumeOptions: &volumeOptionsModel{NoCopy: true, Labels: map[string]string{"a": "b"},
			DriverConfig: &driverModel{Name: "local", Options: map[string]string{"type": "tmpfs"}}}},
			mount.Mount{Type: "volume", Source: "vol", Target: "/v", VolumeOptions: &mount.VolumeOptions{NoCopy: true, Labels: map[string]string{"a": "b"},
				DriverConfig: &mount.Driver{Name: "local", Options: map[string]string{"type": "tmpfs"}}}}},
		"tmpfs": {mountModel{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &tmpfsOptionsModel{Size: newSize("64M"), Mode: newFileMode(0o700), Options: []string{}}},
			mount.Mount{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &mount.TmpfsOptions{SizeBytes: 64 << 20, Mode: 0o700}}},
		// The sticky bit is kept as the Engine keeps it (Perm() would drop it).
		"tmpfs sticky": {mountModel{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &tmpfsOptionsModel{Size: nullSize(), Mode: newFileMode(0o1777), Options: []string{}}},
			mount.Mount{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &mount.TmpfsOptions{Mode: 0o1777}}},
		// The Engine reads a left-out propagation back as rprivate, which is the schema's default.
		"bind non-recursive": {mountModel{Type: "bind", Source: strPtr("/srv"), Target: "/data", BindOptions: &bindOptionsModel{Propagation: strPtr("rprivate"), NonRecursive: true}},
			mount.Mount{Type: "bind", Source: "/srv", Target: "/data", BindOptions: &mount.BindOptions{Propagation: "rprivate", NonRecursive: true}}},
		"tmpfs options": {mountModel{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &tmpfsOptionsModel{Size: nullSize(), Mode: nullFileMode(), Options: []string{"noexec", "uid=1000", "nr_inodes="}}},
			mount.Mount{Type: "tmpfs", Target: "/tmp", TmpfsOptions: &mount.TmpfsOptions{Options: [][]string{{"noexec"}, {"uid", "1000"}, {"nr_inodes", ""}}}}},
		"bind create and read-only recursion": {mountModel{Type: "bind", Source: strPtr("/srv"), Target: "/data", ReadOnly: true,
			BindOptions: &bindOptionsModel{Propagation: strPtr("rprivate"), CreateMountpoint: true, ReadOnlyNonRecursive: true}},
			mount.Mount{Type: "bind", Source: "/srv", Target: "/data", ReadOnly: true, BindOptions: &mount.BindOptions{Propagation: "rprivate", CreateMountpoint: true, ReadOnlyNonRecursive: true}}},
		"bind read-only force": {mountModel{Type: "bind", Source: strPtr("/srv"), Target: "/data", ReadOnly: true,
			BindOptions: &bindOptionsModel{Propagation: strPtr("rprivate"), ReadOnlyForceRecursive: true}},
			mount.Mount{Type: "bind", Source: "/srv", Target: "/data", ReadOnly: true, BindOptions: &mount.BindOptions{Propagation: "rprivate", ReadOnlyForceRecursive: true}}},
		"image with subpath": {mountModel{Type: "image", Source: strPtr("tfswarm/testapp:v1"), Target: "/app", ImageOptions: &imageOptionsModel{Subpath: strPtr("etc")}},
			mount.Mount{Type: "image", Source: "tfswarm/testapp:v1", Target: "/app", ImageOptions: &mount.ImageOptions{Subpath: "etc"}}},
		"cluster":       {mountModel{Type: "cluster", Source: strPtr("group:db"), Target: "/db"}, mount.Mount{Type: "cluster", Source: "group:db", Target: "/db"}},
		"windows npipe": {mountModel{Type: "npipe", Source: strPtr(`\\.\pipe\docker_engine`), Target: `\\.\pipe\docker_engine`}, mount.Mount{Type: "npipe", Source: `\\.\pipe\docker_engine`, Target: `\\.\pipe\docker_engine`}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.api, expandMount(tc.model)); d != "" {
				t.Fatalf("expand (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.model, flattenMount(tc.api), flexCmpOpts); d != "" {
				t.Fatalf("flatten (-want +got):\n%s", d)
			}
		})
	}
}

func TestExpandFlattenSecretReference(t *testing.T) {
	t.Parallel()
	m := secretRefModel{SecretID: "sid", SecretName: types.StringValue("db"), FileName: "db_password", UID: "0", GID: "0", Mode: newFileMode(0o444)}
	api := &apiswarm.SecretReference{SecretID: "sid", SecretName: "db", File: &apiswarm.SecretReferenceFileTarget{Name: "db_password", UID: "0", GID: "0", Mode: 0o444}}
	if d := cmp.Diff(api, expandSecretReference(m)); d != "" {
		t.Fatalf("expand (-want +got):\n%s", d)
	}
	if d := cmp.Diff(m, flattenSecretReference(*api), flexCmpOpts); d != "" {
		t.Fatalf("flatten (-want +got):\n%s", d)
	}
	// Special bits (setuid 0o4000, sticky 0o1000) are kept as the Engine keeps them.
	for name, mode := range map[string]uint32{"setuid": 0o4755, "sticky": 0o1444, "none": 0} {
		sm := secretRefModel{SecretID: "sid", SecretName: types.StringValue("db"), FileName: "f", UID: "0", GID: "0", Mode: newFileMode(mode)}
		if d := cmp.Diff(sm, flattenSecretReference(*expandSecretReference(sm)), flexCmpOpts); d != "" {
			t.Fatalf("secret mode %s round trip (-want +got):\n%s", name, d)
		}
		cm := configRefModel{ConfigID: "cid", ConfigName: types.StringValue("c"), FileName: "/f", UID: "0", GID: "0", Mode: newFileMode(mode)}
		if d := cmp.Diff(cm, flattenConfigReference(*expandConfigReference(cm)), flexCmpOpts); d != "" {
			t.Fatalf("config mode %s round trip (-want +got):\n%s", name, d)
		}
	}
	c := configRefModel{ConfigID: "cid", ConfigName: types.StringValue("app.conf"), FileName: "/etc/app.conf", UID: "1", GID: "2", Mode: newFileMode(0o400)}
	capi := &apiswarm.ConfigReference{ConfigID: "cid", ConfigName: "app.conf", File: &apiswarm.ConfigReferenceFileTarget{Name: "/etc/app.conf", UID: "1", GID: "2", Mode: 0o400}}
	if d := cmp.Diff(capi, expandConfigReference(c)); d != "" {
		t.Fatalf("expand config (-want +got):\n%s", d)
	}
	if d := cmp.Diff(c, flattenConfigReference(*capi), flexCmpOpts); d != "" {
		t.Fatalf("flatten config (-want +got):\n%s", d)
	}
}

func TestExpandFlattenPrivilegesAndDNS(t *testing.T) {
	t.Parallel()
	p := &privilegesModel{NoNewPrivileges: true, SELinuxContext: &seLinuxContextModel{User: strPtr("u"), Level: strPtr("s0")},
		CredentialSpec: &credentialSpecModel{File: strPtr("spec.json")}, Seccomp: &seccompModel{Mode: "unconfined"}, AppArmor: &appArmorModel{Mode: "disabled"}}
	if d := cmp.Diff(p, flattenPrivileges(expandPrivileges(p)), flexCmpOpts); d != "" {
		t.Fatalf("privileges round trip (-want +got):\n%s", d)
	}
	dns := &dnsConfigModel{Nameservers: []string{"10.0.0.2"}, Search: []string{"example.com"}, Options: []string{"ndots:2"}}
	if d := cmp.Diff(dns, flattenDNSConfig(expandDNSConfig(dns)), flexCmpOpts); d != "" {
		t.Fatalf("dns round trip (-want +got):\n%s", d)
	}
}

func TestEnvAndHosts(t *testing.T) {
	t.Parallel()
	env := map[string]string{"B": "2", "A": "x=y", "EMPTY": ""}
	if d := cmp.Diff([]string{"A=x=y", "B=2", "EMPTY="}, expandEnv(env)); d != "" {
		t.Fatalf("expandEnv (-want +got):\n%s", d)
	}
	if d := cmp.Diff(env, flattenEnv(expandEnv(env))); d != "" {
		t.Fatalf("env round trip (-want +got):\n%s", d)
	}
	hosts := map[string][]string{"db": {"10.0.0.2", "fd00::2"}, "cache": {"10.0.0.3"}}
	if d := cmp.Diff([]string{"10.0.0.3 cache", "10.0.0.2 db", "fd00::2 db"}, expandHosts(hosts)); d != "" {
		t.Fatalf("expandHosts (-want +got):\n%s", d)
	}
	if d := cmp.Diff(hosts, flattenHosts(expandHosts(hosts))); d != "" {
		t.Fatalf("hosts round trip (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string][]string{"a": {"10.0.0.1", "::1"}, "b": {"10.0.0.1"}, "c": {"10.0.0.9"}}, flattenHosts([]string{"10.0.0.1 a b", "c:10.0.0.9", "::1 a"})); d != "" {
		t.Fatalf("flattenHosts (-want +got):\n%s", d)
	}
}

func TestSemanticEquality(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind semKind
		a, b string
		want bool
	}{
		{semDuration, "10s", "10000ms", true},
		{semDuration, "1m30s", "90s", true},
		{semDuration, "1s", "2s", false},
		{semSize, "512M", "512MiB", true},
		{semSize, "1.5GiB", "1536M", true},
		{semSize, "0.125GiB", "128M", true},
		{semSize, "1048576", "1M", true},
		{semSize, "1M", "1G", false},
		{semImage, "nginx", "nginx:latest", true},
		{semImage, "nginx:1.25", "nginx:1.25@sha256:abc", true},
		{semImage, "docker.io/library/nginx:1.25", "nginx:1.25", true},
		{semImage, "nginx:1.25", "nginx:1.26", false},
		{semImage, "tfswarm/testapp:v1", "tfswarm/testapp:v2", false},
		{semImage, "nginx@sha256:abc", "nginx:latest@sha256:abc", true},
		{semImage, "nginx@sha256:abc", "nginx:latest@sha256:def", false},
		{semImage, "registry:5000/app", "registry:5000/app:latest", true},
		{semImage, "nginx", "nginx:latest@sha256:abc", true},
		{semImage, "nginx@sha256:abc", "nginx:latest", false},
		{semImage, "nginx:latest", "nginx@sha256:abc", false},
	}
	for _, tc := range tests {
		if got := semEqual(tc.kind, tc.a, tc.b); got != tc.want {
			t.Errorf("semEqual(%d, %q, %q) = %v, want %v", tc.kind, tc.a, tc.b, got, tc.want)
		}
	}
	if formatSize(512<<20) != "512M" || formatSize(1536<<20) != "1536M" || formatSize(1000) != "1000" || formatSize(3<<30) != "3G" {
		t.Error("formatSize")
	}
	if floatRound(float32(0.1)) != 0.1 {
		t.Error("floatRound")
	}
}

// TestServiceSpecRoundTripFixtures reads real `docker service inspect` output: flattening it,
// expanding the result and flattening again must be stable, and expanding must give back the
// Engine's spec (up to the Engine's implicit defaults that the provider writes explicitly).
func TestServiceSpecRoundTripFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "service_*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/service_*.json")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var svcs []apiswarm.Service
			if err := json.Unmarshal(b, &svcs); err != nil {
				t.Fatal(err)
			}
			for _, svc := range svcs {
				m := flattenServiceSpec(svc.Spec, nil, allServiceBlocks)
				spec, diags := expandServiceSpec(m, &svc)
				if diags.HasError() {
					t.Fatal(diags)
				}
				again := flattenServiceSpec(spec, nil, allServiceBlocks)
				if d := cmp.Diff(m, again, flexCmpOpts); d != "" {
					t.Fatalf("flatten(expand(flatten(x))) differs (-first +second):\n%s", d)
				}
				// The spec sent back equals the live one, apart from defaults made explicit.
				live := svc.Spec
				if d := live.TaskTemplate.ContainerSpec.DNSConfig; d != nil && len(d.Nameservers)+len(d.Search)+len(d.Options) == 0 {
					live.TaskTemplate.ContainerSpec.DNSConfig = nil // the CLI's empty one means none
				}
				if d := cmp.Diff(live, spec, cmpopts.EquateEmpty(), cmpopts.EquateComparable(netip.Addr{}),
					cmpopts.IgnoreFields(apiswarm.RestartPolicy{}, "Delay", "Window", "MaxAttempts"),
					cmpopts.IgnoreFields(apiswarm.ContainerSpec{}, "Isolation"),
					cmpopts.IgnoreFields(apiswarm.TaskSpec{}, "Resources", "Runtime"),
					cmpopts.IgnoreFields(apiswarm.ServiceSpec{}, "UpdateConfig", "RollbackConfig", "EndpointSpec")); d != "" {
					t.Fatalf("expand differs from the live spec (-live +expanded):\n%s", d)
				}
			}
		})
	}
}

// TestFlattenServiceSpecBlocksOfDefaults: a block the configuration leaves out stays null while the
// Engine holds its defaults, is filled when the Engine holds anything else (drift), and a written
// block is always filled.
func TestFlattenServiceSpecBlocksOfDefaults(t *testing.T) {
	t.Parallel()
	three := uint64(3)
	defaults := apiswarm.ServiceSpec{
		Annotations:  apiswarm.Annotations{Name: "web"},
		Mode:         apiswarm.ServiceMode{Replicated: &apiswarm.ReplicatedService{Replicas: &three}},
		TaskTemplate: apiswarm.TaskSpec{ContainerSpec: &apiswarm.ContainerSpec{Image: "nginx:1"}, RestartPolicy: &apiswarm.RestartPolicy{Condition: "any", MaxAttempts: u64(0)}},
		UpdateConfig: &apiswarm.UpdateConfig{Parallelism: 1, FailureAction: "pause", Monitor: 5 * time.Second, Order: "stop-first"},
		EndpointSpec: &apiswarm.EndpointSpec{Mode: "vip"},
	}
	changed := defaults
	changed.Mode = apiswarm.ServiceMode{Global: &apiswarm.GlobalService{}}
	changed.TaskTemplate.RestartPolicy = &apiswarm.RestartPolicy{Condition: "none"}
	changed.TaskTemplate.Placement = &apiswarm.Placement{Constraints: []string{"node.role == worker"}}
	changed.UpdateConfig = &apiswarm.UpdateConfig{Parallelism: 2}
	changed.RollbackConfig = &apiswarm.UpdateConfig{Order: "start-first"}
	changed.EndpointSpec = &apiswarm.EndpointSpec{Mode: "dnsrr"}

	tests := map[string]struct {
		spec    apiswarm.ServiceSpec
		present serviceBlocks
		want    serviceBlocks
	}{
		"left out, Engine defaults: null":           {defaults, serviceBlocks{}, serviceBlocks{}},
		"written, Engine defaults: filled":          {defaults, allServiceBlocks, allServiceBlocks},
		"left out, changed out of band: filled":     {changed, serviceBlocks{}, allServiceBlocks},
		"import: the mode, and what is not default": {defaults, importedServiceBlocks, serviceBlocks{Mode: true}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, flattenServiceSpec(tc.spec, nil, tc.present).blocks()); d != "" {
				t.Fatalf("blocks shown (-want +got):\n%s", d)
			}
		})
	}
}

// TestExpandFlattenNewerFields: fields an Engine older than their API version cannot run are sent
// and read back unchanged (the plan-time gate keeps them from such an Engine).
func TestExpandFlattenNewerFields(t *testing.T) {
	t.Parallel()
	swap, swappiness := int64(-1), int64(10)
	res := &resourcesModel{SwapBytes: &swap, MemorySwappiness: &swappiness}
	api := expandResourceRequirements(res)
	if api.SwapBytes == nil || *api.SwapBytes != -1 || api.MemorySwappiness == nil || *api.MemorySwappiness != 10 {
		t.Fatalf("expand resources: %+v", api)
	}
	if d := cmp.Diff(res, flattenResourceRequirements(api), flexCmpOpts); d != "" {
		t.Fatalf("resources round trip (-want +got):\n%s", d)
	}
	if got := flattenResourceRequirements(&apiswarm.ResourceRequirements{}); got != nil {
		t.Fatalf("empty resources flatten to %+v, want nil", got)
	}
	cs := flattenContainerSpec(&apiswarm.ContainerSpec{Image: "nginx", OomScoreAdj: -500})
	if cs.OomScoreAdj != -500 || expandContainerSpec(cs).OomScoreAdj != -500 {
		t.Fatalf("oom_score_adj round trip: %d", cs.OomScoreAdj)
	}
}
