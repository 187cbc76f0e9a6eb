package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// fakeObjects is an in-memory Engine for secrets, configs and the services that reference them.
type fakeObjects struct {
	next     int
	secrets  map[string]swarm.Secret
	configs  map[string]swarm.Config
	services []swarm.Service
	removed  []string
}

func newFakeObjects() *fakeObjects {
	return &fakeObjects{secrets: map[string]swarm.Secret{}, configs: map[string]swarm.Config{}}
}

func (f *fakeObjects) id() string {
	f.next++
	return fmt.Sprintf("id%02d", f.next)
}

func matches(filters client.Filters, name string, labels map[string]string) bool {
	for n := range filters["name"] {
		if !strings.HasPrefix(name, n) {
			return false
		}
	}
	for l := range filters["label"] {
		k, v, _ := strings.Cut(l, "=")
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func (f *fakeObjects) inUse(id string, config bool) bool {
	for _, s := range f.services {
		for _, r := range s.Spec.TaskTemplate.ContainerSpec.Secrets {
			if !config && r.SecretID == id {
				return true
			}
		}
		for _, r := range s.Spec.TaskTemplate.ContainerSpec.Configs {
			if config && r.ConfigID == id {
				return true
			}
		}
	}
	return false
}

func (f *fakeObjects) SecretCreate(_ context.Context, o client.SecretCreateOptions) (client.SecretCreateResult, error) {
	for _, s := range f.secrets {
		if s.Spec.Name == o.Spec.Name {
			return client.SecretCreateResult{}, cerrdefs.ErrConflict.WithMessage("name conflicts")
		}
	}
	id := f.id()
	f.secrets[id] = swarm.Secret{ID: id, Spec: o.Spec, Meta: swarm.Meta{Version: swarm.Version{Index: 1}, CreatedAt: time.Unix(int64(f.next), 0)}}
	return client.SecretCreateResult{ID: id}, nil
}

func (f *fakeObjects) SecretInspect(_ context.Context, id string, _ client.SecretInspectOptions) (client.SecretInspectResult, error) {
	s, ok := f.secrets[id]
	if !ok {
		return client.SecretInspectResult{}, cerrdefs.ErrNotFound
	}
	s.Spec.Data = nil
	return client.SecretInspectResult{Secret: s}, nil
}

func (f *fakeObjects) SecretList(_ context.Context, o client.SecretListOptions) (client.SecretListResult, error) {
	var out []swarm.Secret
	for _, s := range f.secrets {
		if matches(o.Filters, s.Spec.Name, s.Spec.Labels) {
			s.Spec.Data = nil
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return client.SecretListResult{Items: out}, nil
}

func (f *fakeObjects) SecretUpdate(_ context.Context, id string, o client.SecretUpdateOptions) (client.SecretUpdateResult, error) {
	s, ok := f.secrets[id]
	if !ok {
		return client.SecretUpdateResult{}, cerrdefs.ErrNotFound
	}
	if o.Version.Index != s.Version.Index {
		return client.SecretUpdateResult{}, errors.New("update out of sequence")
	}
	if o.Spec.Data != nil || o.Spec.Name != s.Spec.Name {
		return client.SecretUpdateResult{}, cerrdefs.ErrInvalidArgument.WithMessage("only updates to Labels are allowed")
	}
	s.Spec.Labels = maps.Clone(o.Spec.Labels)
	s.Version.Index++
	f.secrets[id] = s
	return client.SecretUpdateResult{}, nil
}

func (f *fakeObjects) SecretRemove(_ context.Context, id string, _ client.SecretRemoveOptions) (client.SecretRemoveResult, error) {
	if _, ok := f.secrets[id]; !ok {
		return client.SecretRemoveResult{}, cerrdefs.ErrNotFound
	}
	if f.inUse(id, false) {
		return client.SecretRemoveResult{}, cerrdefs.ErrInvalidArgument.WithMessage("secret is in use")
	}
	delete(f.secrets, id)
	f.removed = append(f.removed, id)
	return client.SecretRemoveResult{}, nil
}

func (f *fakeObjects) ConfigCreate(_ context.Context, o client.ConfigCreateOptions) (client.ConfigCreateResult, error) {
	for _, c := range f.configs {
		if c.Spec.Name == o.Spec.Name {
			return client.ConfigCreateResult{}, cerrdefs.ErrConflict.WithMessage("name conflicts")
		}
	}
	id := f.id()
	f.configs[id] = swarm.Config{ID: id, Spec: o.Spec, Meta: swarm.Meta{Version: swarm.Version{Index: 1}, CreatedAt: time.Unix(int64(f.next), 0)}}
	return client.ConfigCreateResult{ID: id}, nil
}

func (f *fakeObjects) ConfigInspect(_ context.Context, id string, _ client.ConfigInspectOptions) (client.ConfigInspectResult, error) {
	c, ok := f.configs[id]
	if !ok {
		return client.ConfigInspectResult{}, cerrdefs.ErrNotFound
	}
	return client.ConfigInspectResult{Config: c}, nil
}

func (f *fakeObjects) ConfigList(_ context.Context, o client.ConfigListOptions) (client.ConfigListResult, error) {
	var out []swarm.Config
	for _, c := range f.configs {
		if matches(o.Filters, c.Spec.Name, c.Spec.Labels) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return client.ConfigListResult{Items: out}, nil
}

func (f *fakeObjects) ConfigUpdate(_ context.Context, id string, o client.ConfigUpdateOptions) (client.ConfigUpdateResult, error) {
	c, ok := f.configs[id]
	if !ok {
		return client.ConfigUpdateResult{}, cerrdefs.ErrNotFound
	}
	if o.Version.Index != c.Version.Index {
		return client.ConfigUpdateResult{}, errors.New("update out of sequence")
	}
	if o.Spec.Name != c.Spec.Name || (o.Spec.Data != nil && string(o.Spec.Data) != string(c.Spec.Data)) {
		return client.ConfigUpdateResult{}, cerrdefs.ErrInvalidArgument.WithMessage("only updates to Labels are allowed")
	}
	c.Spec.Labels = maps.Clone(o.Spec.Labels)
	c.Version.Index++
	f.configs[id] = c
	return client.ConfigUpdateResult{}, nil
}

func (f *fakeObjects) ConfigRemove(_ context.Context, id string, _ client.ConfigRemoveOptions) (client.ConfigRemoveResult, error) {
	if _, ok := f.configs[id]; !ok {
		return client.ConfigRemoveResult{}, cerrdefs.ErrNotFound
	}
	if f.inUse(id, true) {
		return client.ConfigRemoveResult{}, cerrdefs.ErrInvalidArgument.WithMessage("config is in use")
	}
	delete(f.configs, id)
	f.removed = append(f.removed, id)
	return client.ConfigRemoveResult{}, nil
}

func (f *fakeObjects) ServiceList(context.Context, client.ServiceListOptions) (client.ServiceListResult, error) {
	return client.ServiceListResult{Items: f.services}, nil
}

// use makes the service "web" reference exactly the given secret and config IDs.
func (f *fakeObjects) use(secretIDs, configIDs []string) {
	const name = "web"
	cs := &swarm.ContainerSpec{}
	for _, id := range secretIDs {
		cs.Secrets = append(cs.Secrets, &swarm.SecretReference{SecretID: id})
	}
	for _, id := range configIDs {
		cs.Configs = append(cs.Configs, &swarm.ConfigReference{ConfigID: id})
	}
	svc := swarm.Service{Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: name}, TaskTemplate: swarm.TaskSpec{ContainerSpec: cs}}}
	for i := range f.services {
		if f.services[i].Spec.Name == name {
			f.services[i] = svc
			return
		}
	}
	f.services = append(f.services, svc)
}

func (f *fakeObjects) secretNames() []string {
	var n []string
	for _, s := range f.secrets {
		n = append(n, s.Spec.Name)
	}
	sort.Strings(n)
	return n
}

func (f *fakeObjects) configNames() []string {
	var n []string
	for _, c := range f.configs {
		n = append(n, c.Spec.Name)
	}
	sort.Strings(n)
	return n
}

func TestVersionedName(t *testing.T) {
	for name, tc := range map[string]struct {
		gen  int
		want string
	}{
		"first":  {1, "db"},
		"zero":   {0, "db"},
		"second": {2, "db-v2"},
		"large":  {123, "db-v123"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := VersionedName("db", tc.gen); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if n := strings.Repeat("a", LogicalNameMaxLen); len(VersionedName(n, 999999)) > ObjectNameMaxLen {
		t.Errorf("a logical name of the maximum length leaves no room for the generation suffix")
	}
}

func TestObjectLabels(t *testing.T) {
	for name, tc := range map[string]struct {
		labels   map[string]string
		gen      int
		keep     int
		family   string
		managed  []string
		unmanged []string
	}{
		"labelled":   {map[string]string{LabelFamily: "db", LabelGeneration: "3", LabelKeep: "0", "app": "x"}, 3, 0, "db", nil, nil},
		"unlabelled": {map[string]string{"app": "x"}, 0, DefaultVersionsToKeep, "", nil, nil},
		"bad":        {map[string]string{LabelFamily: "db", LabelGeneration: "x", LabelKeep: "-1"}, 0, DefaultVersionsToKeep, "db", nil, nil},
	} {
		t.Run(name, func(t *testing.T) {
			o := Object{Labels: tc.labels}
			if o.Generation() != tc.gen || o.Keep() != tc.keep || o.Family() != tc.family {
				t.Errorf("got generation %d keep %d family %q, want %d %d %q", o.Generation(), o.Keep(), o.Family(), tc.gen, tc.keep, tc.family)
			}
		})
	}
	got := labelsFor(ObjectSpec{Name: "db", Labels: map[string]string{"app": "x", LabelGeneration: "99"}, Keep: 2}, 4)
	want := map[string]string{"app": "x", LabelFamily: "db", LabelGeneration: "4", LabelKeep: "2"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("labelsFor (-want +got):\n%s", d)
	}
	for _, k := range []string{LabelFamily, LabelGeneration, LabelKeep} {
		if !IsManagedLabel(k) {
			t.Errorf("%s is not managed", k)
		}
	}
	if IsManagedLabel("app") {
		t.Error("app is managed")
	}
}

func TestObjectNamePattern(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		want bool
	}{
		"simple":     {"db_password", true},
		"dots":       {"app.db-password.v1", true},
		"one char":   {"a", true},
		"leading -":  {"-db", false},
		"trailing _": {"db_", false},
		"space":      {"db password", false},
		"slash":      {"db/password", false},
		"empty":      {"", false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := ObjectNamePattern.MatchString(tc.in); got != tc.want {
				t.Errorf("%q: got %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSuperseded(t *testing.T) {
	fam := []Object{
		{ID: "v4", Labels: ManagedLabels("db", 4, 1)},
		{ID: "v3", Labels: ManagedLabels("db", 3, 1)},
		{ID: "v2", Labels: ManagedLabels("db", 2, 1)},
		{ID: "v1", Labels: ManagedLabels("db", 1, 1)},
	}
	ids := func(objs []Object) []string {
		var out []string
		for _, o := range objs {
			out = append(out, o.ID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		family []Object
		keep   int
		used   ObjectUsage
		want   []string
	}{
		"keep none":       {fam, 0, nil, []string{"v3", "v2", "v1"}},
		"keep one":        {fam, 1, nil, []string{"v2", "v1"}},
		"keep all":        {fam, 5, nil, nil},
		"in use kept":     {fam, 0, ObjectUsage{"v2": {"web"}}, []string{"v3", "v1"}},
		"current in use":  {fam, 0, ObjectUsage{"v4": {"web"}}, []string{"v3", "v2", "v1"}},
		"only current":    {fam[:1], 0, nil, nil},
		"empty":           {nil, 0, nil, nil},
		"keep counts use": {fam, 1, ObjectUsage{"v3": {"web"}}, []string{"v2", "v1"}},
	} {
		t.Run(name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, ids(Superseded(tc.family, tc.keep, tc.used))); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestRotationLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFakeObjects()
	spec := ObjectSpec{Name: "db", Labels: map[string]string{"app": "shop"}, Data: []byte("one"), Keep: 0}

	v1, err := createVersion(ctx, objectStoreFor(f, KindSecret), spec)
	if err != nil {
		t.Fatal(err)
	}
	if v1.Name != "db" || v1.Generation() != 1 || v1.Labels["app"] != "shop" {
		t.Fatalf("first version: %+v", v1)
	}
	f.use([]string{v1.ID}, nil)

	// Rotation while the service still uses v1: v1 stays.
	spec.Data = []byte("two")
	v2, err := rotate(ctx, f, KindSecret, v1.ID, spec)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Name != "db-v2" || v2.Generation() != 2 {
		t.Fatalf("second version: %+v", v2)
	}
	if d := cmp.Diff([]string{"db", "db-v2"}, f.secretNames()); d != "" {
		t.Errorf("after rotation (-want +got):\n%s", d)
	}

	// The service moves to v2 and releases v1: keep 0 removes it.
	f.use([]string{v2.ID}, nil)
	if err := pruneReleased(ctx, f, []string{v1.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"db-v2"}, f.secretNames()); d != "" {
		t.Errorf("after prune (-want +got):\n%s", d)
	}

	// Delete with the current version in use fails and names the service.
	err = deleteFamily(ctx, f, KindSecret, "db", v2.ID)
	var inUse *InUseError
	if !errors.As(err, &inUse) || inUse.Name != "db-v2" || !cmp.Equal(inUse.Services, []string{"web"}) {
		t.Fatalf("delete in use: %v", err)
	}
	f.use(nil, nil)
	if err := deleteFamily(ctx, f, KindSecret, "db", v2.ID); err != nil {
		t.Fatal(err)
	}
	if len(f.secrets) != 0 {
		t.Errorf("left after delete: %v", f.secretNames())
	}
}

func TestPruneReleasedKeep(t *testing.T) {
	ctx := context.Background()
	f := newFakeObjects()
	spec := ObjectSpec{Name: "app.conf", Data: []byte("1"), Keep: 1}
	cur, err := createVersion(ctx, objectStoreFor(f, KindConfig), spec)
	if err != nil {
		t.Fatal(err)
	}
	var released []string
	for i := 2; i <= 4; i++ {
		f.use(nil, []string{cur.ID})
		spec.Data = []byte(fmt.Sprint(i))
		next, err := rotate(ctx, f, KindConfig, cur.ID, spec)
		if err != nil {
			t.Fatal(err)
		}
		f.use(nil, []string{next.ID})
		released = []string{cur.ID}
		if err := pruneReleased(ctx, f, nil, released); err != nil {
			t.Fatal(err)
		}
		cur = next
	}
	// Keep 1: the current version and the newest superseded one.
	if d := cmp.Diff([]string{"app.conf-v3", "app.conf-v4"}, f.configNames()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	// Unknown IDs, unlabelled objects and secrets of another kind are ignored.
	f.secrets["plain"] = swarm.Secret{ID: "plain", Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: "plain"}}}
	if err := pruneReleased(ctx, f, []string{"plain", "gone"}, []string{"gone"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.secrets["plain"]; !ok {
		t.Error("an unlabelled secret was removed")
	}
}

func TestRotateImported(t *testing.T) {
	ctx := context.Background()
	f := newFakeObjects()
	// A secret made by hand, imported by name.
	if _, err := f.SecretCreate(ctx, client.SecretCreateOptions{Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: "db", Labels: map[string]string{"team": "a"}}, Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
	s := objectStoreFor(f, KindSecret)
	imported, err := findByName(ctx, s, "db")
	if err != nil {
		t.Fatal(err)
	}
	f.use([]string{imported.ID}, nil)
	v2, err := rotate(ctx, f, KindSecret, imported.ID, ObjectSpec{Name: "db", Data: []byte("y"), Keep: 0})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Name != "db-v2" {
		t.Fatalf("got %q, want db-v2", v2.Name)
	}
	old, err := s.inspect(ctx, imported.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Family() != "db" || old.Generation() != 1 || old.Labels["team"] != "a" {
		t.Errorf("the imported secret was not labelled as version 1: %v", old.Labels)
	}
	f.use([]string{v2.ID}, nil)
	if err := pruneReleased(ctx, f, []string{imported.ID}, nil); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"db-v2"}, f.secretNames()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestSetObjectLabels(t *testing.T) {
	ctx := context.Background()
	f := newFakeObjects()
	o, err := createVersion(ctx, objectStoreFor(f, KindSecret), ObjectSpec{Name: "db", Data: []byte("x"), Keep: 1, Labels: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := setObjectLabels(ctx, f, KindSecret, o.ID, ObjectSpec{Name: "db", Keep: 3, Labels: map[string]string{"b": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"b": "2", LabelFamily: "db", LabelGeneration: "1", LabelKeep: "3"}
	if d := cmp.Diff(want, got.Labels); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestCreateVersionConflict(t *testing.T) {
	ctx := context.Background()
	f := newFakeObjects()
	s := objectStoreFor(f, KindSecret)
	if _, err := createVersion(ctx, s, ObjectSpec{Name: "db", Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	// Another, unrelated secret already has the next version's name.
	if _, err := f.SecretCreate(ctx, client.SecretCreateOptions{Spec: swarm.SecretSpec{Annotations: swarm.Annotations{Name: "db-v2"}}}); err != nil {
		t.Fatal(err)
	}
	_, err := createVersion(ctx, s, ObjectSpec{Name: "db", Data: []byte("y")})
	if err == nil || !strings.Contains(err.Error(), "not a version of") {
		t.Fatalf("got %v", err)
	}
}

// lostSecretCreate loses the answer of every secret create; the secret is made when made is set.
type lostSecretCreate struct {
	*fakeObjects
	made bool
}

func (f *lostSecretCreate) SecretCreate(ctx context.Context, o client.SecretCreateOptions) (client.SecretCreateResult, error) {
	if f.made {
		res, err := f.fakeObjects.SecretCreate(ctx, o)
		if err != nil {
			return res, err
		}
		s := f.secrets[res.ID]
		s.CreatedAt = time.Now()
		f.secrets[res.ID] = s
	}
	return client.SecretCreateResult{}, errors.New("unexpected EOF")
}

// A version whose create lost its answer is adopted when the create made it, so that no second
// version is made for the same content; a create that made nothing fails with its error.
func TestCreateVersionLostAnswer(t *testing.T) {
	ctx := context.Background()
	for _, made := range []bool{true, false} {
		f := &lostSecretCreate{fakeObjects: newFakeObjects(), made: made}
		o, err := createVersionLookingUp(ctx, objectStoreFor(f, KindSecret), ObjectSpec{Name: "db", Data: []byte("x")}, time.Second, time.Millisecond)
		switch {
		case made && (err != nil || o.Name != "db" || o.Generation() != 1 || len(f.secrets) != 1):
			t.Errorf("made: got %+v, %v with %d secrets; want version 1 adopted", o, err, len(f.secrets))
		case !made && (err == nil || err.Error() != "creating secret db: unexpected EOF"):
			t.Errorf("not made: got %+v, %v; want the create's error", o, err)
		}
	}
}
