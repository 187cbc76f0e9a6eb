package swarm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// Swarm secrets and configs are immutable: a new value is a new Engine object. swarm_secret and
// swarm_config keep a family of versions per logical name, told apart by these labels:
//
//   - LabelFamily: the logical name (the resource's `name`)
//   - LabelGeneration: 1, 2, 3, … (the newest generation is the current version)
//   - LabelKeep: how many superseded versions to keep (the resource's `versions_to_keep`)
//
// Generation 1 is called <name>, so that a secret made by hand under that name can be imported;
// generation n > 1 is called <name>-v<n>.
const (
	LabelFamily     = "com.tfswarm.family"
	LabelGeneration = "com.tfswarm.generation"
	LabelKeep       = "com.tfswarm.keep"

	// DefaultVersionsToKeep is the keep count of a family whose current version has no keep label.
	DefaultVersionsToKeep = 1
)

// ObjectNameMaxLen is Swarm's limit for secret and config names.
const ObjectNameMaxLen = 64

// LogicalNameMaxLen leaves room in the Engine's 64 characters for the "-v<n>" suffix of up to
// 999999 generations.
const LogicalNameMaxLen = ObjectNameMaxLen - len("-v999999")

// ObjectNamePattern is the rule the Swarm manager applies to secret and config names.
var ObjectNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$`)

// IsManagedLabel says whether a label key is one the provider sets itself on every version.
func IsManagedLabel(key string) bool {
	return key == LabelFamily || key == LabelGeneration || key == LabelKeep
}

// VersionedName is the Engine name of a generation of the family name.
func VersionedName(name string, generation int) string {
	if generation <= 1 {
		return name
	}
	return fmt.Sprintf("%s-v%d", name, generation)
}

// Kind tells secrets and configs apart.
type Kind string

const (
	KindSecret Kind = "secret"
	KindConfig Kind = "config"
)

// Object is what swarm_secret and swarm_config need of a secret or a config.
type Object struct {
	ID        string
	Version   uint64
	Name      string
	Labels    map[string]string
	Data      []byte // configs only: the Engine never returns a secret's data
	Driver    *swarm.Driver
	Template  *swarm.Driver
	CreatedAt time.Time
}

// Family is the object's family label, or "" when it has none.
func (o Object) Family() string { return o.Labels[LabelFamily] }

// Generation is the object's generation label, 0 when it has none or it is not a number.
func (o Object) Generation() int {
	g, err := strconv.Atoi(o.Labels[LabelGeneration])
	if err != nil || g < 0 {
		return 0
	}
	return g
}

// Keep is the keep label, DefaultVersionsToKeep when it is missing or bad.
func (o Object) Keep() int {
	k, err := strconv.Atoi(o.Labels[LabelKeep])
	if err != nil || k < 0 {
		return DefaultVersionsToKeep
	}
	return k
}

// ManagedLabels are the family labels of one version.
func ManagedLabels(family string, generation, keep int) map[string]string {
	return map[string]string{
		LabelFamily:     family,
		LabelGeneration: strconv.Itoa(generation),
		LabelKeep:       strconv.Itoa(keep),
	}
}

// listFamily returns the versions of a family, newest generation first.
func listFamily(ctx context.Context, s objectStore, family string) ([]Object, error) {
	objs, err := s.list(ctx, make(client.Filters).Add("label", LabelFamily+"="+family))
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, o := range objs {
		if o.Family() == family { // the label filter is exact, but do not trust a fake or an old engine
			out = append(out, o)
		}
	}
	sortVersionsNewestFirst(out)
	return out, nil
}

func sortVersionsNewestFirst(objs []Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		if objs[i].Generation() != objs[j].Generation() {
			return objs[i].Generation() > objs[j].Generation()
		}
		return objs[i].CreatedAt.After(objs[j].CreatedAt)
	})
}

// ObjectUsage maps a secret or config ID to the names of the services whose spec references it.
type ObjectUsage map[string][]string

// objectUsage lists the services once and collects their references of kind k. Only the current spec
// counts: it is what the Engine checks before it removes a secret or config.
func objectUsage(ctx context.Context, api objectsAPI, k Kind) (ObjectUsage, error) {
	res, err := api.ServiceList(ctx, client.ServiceListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	u := ObjectUsage{}
	for _, svc := range res.Items {
		cs := svc.Spec.TaskTemplate.ContainerSpec
		if cs == nil {
			continue
		}
		var ids []string
		if k == KindConfig {
			for _, r := range cs.Configs {
				if r != nil {
					ids = append(ids, r.ConfigID)
				}
			}
		} else {
			for _, r := range cs.Secrets {
				if r != nil {
					ids = append(ids, r.SecretID)
				}
			}
		}
		for _, id := range ids {
			if !slices.Contains(u[id], svc.Spec.Name) {
				u[id] = append(u[id], svc.Spec.Name)
			}
		}
	}
	for id := range u {
		sort.Strings(u[id])
	}
	return u, nil
}

// Superseded picks, from a family sorted newest first, the versions to remove: everything after
// the current version (the first) and the keep newest superseded ones, unless a service uses it.
func Superseded(family []Object, keep int, used ObjectUsage) []Object {
	if len(family) <= 1 {
		return nil
	}
	var out []Object
	for i, o := range family[1:] {
		if i < keep {
			continue
		}
		if len(used[o.ID]) > 0 {
			continue
		}
		out = append(out, o)
	}
	return out
}

// pruneFamily removes the superseded versions of a family that no service uses. The keep count is
// the current version's keep label. A version the Engine refuses to remove because it became used
// in the meantime is skipped.
//
// Nothing here waits, so swarm_secret and swarm_config have no `timeouts` block: the manager
// refuses to remove a secret or config only while a service's spec references it (swarmkit's
// RemoveSecret/RemoveConfig look up services, not tasks), and running tasks keep the copy they
// mounted. The one wait before a prune is swarm_service's: it prunes what it released only once its
// update converged (so that a rollback still finds the old version), within its own
// `timeouts.update`.
func pruneFamily(ctx context.Context, s objectStore, family string, used ObjectUsage) error {
	versions, err := listFamily(ctx, s, family)
	if err != nil {
		return fmt.Errorf("listing the versions of %s %q: %w", s.kind(), family, err)
	}
	if len(versions) == 0 {
		return nil
	}
	var errs []error
	for _, o := range Superseded(versions, versions[0].Keep(), used) {
		if err := s.remove(ctx, o.ID); err != nil && !cerrdefs.IsNotFound(err) && !isObjectInUse(err) {
			errs = append(errs, fmt.Errorf("removing the superseded %s %s (%s): %w", s.kind(), o.Name, o.ID, err))
		}
	}
	return errors.Join(errs...)
}

// pruneUnused prunes the family with the references the services hold now.
func pruneUnused(ctx context.Context, api objectsAPI, s objectStore, family string) error {
	used, err := objectUsage(ctx, api, s.kind())
	if err != nil {
		return err
	}
	return pruneFamily(ctx, s, family, used)
}

// PruneReleased is called by swarm_service after an update or delete with the secret and config
// IDs that the service stopped using. For each that is a rotated version made by swarm_secret or
// swarm_config (recognised by labels), it removes superseded versions of that family that no
// service uses, keeping the newest versions_to_keep superseded ones. In-use versions are left
// alone; it never fails because a version is still in use. Other Engine errors are returned
// (callers should turn them into warnings).
func (c *Client) PruneReleased(ctx context.Context, secretIDs, configIDs []string) error {
	if len(secretIDs) == 0 && len(configIDs) == 0 {
		return nil
	}
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(pruneReleased(ctx, api, secretIDs, configIDs))
}

func pruneReleased(ctx context.Context, api objectsAPI, secretIDs, configIDs []string) error {
	var errs []error
	for _, k := range []struct {
		kind Kind
		ids  []string
	}{{KindSecret, secretIDs}, {KindConfig, configIDs}} {
		if len(k.ids) == 0 {
			continue
		}
		s := objectStoreFor(api, k.kind)
		families := map[string]bool{}
		for _, id := range k.ids {
			o, err := s.inspect(ctx, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if f := o.Family(); f != "" {
				families[f] = true
			}
		}
		if len(families) == 0 {
			continue
		}
		used, err := objectUsage(ctx, api, k.kind)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		names := make([]string, 0, len(families))
		for f := range families {
			names = append(names, f)
		}
		sort.Strings(names)
		for _, f := range names {
			if err := pruneFamily(ctx, s, f, used); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// quoteServiceNames formats service names for messages.
func quoteServiceNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// ObjectSpec is what swarm_secret and swarm_config ask for: a logical name, the user's labels, the
// data of the version to create and how many superseded versions to keep.
type ObjectSpec struct {
	Name     string
	Labels   map[string]string
	Data     []byte
	Driver   *swarm.Driver
	Template *swarm.Driver
	Keep     int
}

// labelsFor merges the user's labels with the managed ones (the managed ones win).
func labelsFor(spec ObjectSpec, generation int) map[string]string {
	l := make(map[string]string, len(spec.Labels)+3)
	for k, v := range spec.Labels {
		l[k] = v
	}
	for k, v := range ManagedLabels(spec.Name, generation, spec.Keep) {
		l[k] = v
	}
	return l
}

// InspectObject finds a secret or config by ID (ErrNotFound when it is gone).
func (c *Client) InspectObject(ctx context.Context, k Kind, id string) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	o, err := objectStoreFor(api, k).inspect(ctx, id)
	return o, c.Err(err)
}

// FindObjectByName finds a secret or config by its exact Engine name (ErrNotFound when none).
func (c *Client) FindObjectByName(ctx context.Context, k Kind, name string) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	o, err := findByName(ctx, objectStoreFor(api, k), name)
	return o, c.Err(err)
}

func findByName(ctx context.Context, s objectStore, name string) (Object, error) {
	objs, err := s.list(ctx, make(client.Filters).Add("name", name))
	if err != nil {
		return Object{}, err
	}
	for _, o := range objs {
		if o.Name == name { // the Engine's name filter may match prefixes
			return o, nil
		}
	}
	return Object{}, fmt.Errorf("%s named %q: %w", s.kind(), name, ErrNotFound)
}

// FindCurrent finds the current version of a logical name: the newest generation of its family,
// or else a plain (unlabelled) object with exactly that name. It is the import by name.
func (c *Client) FindCurrent(ctx context.Context, k Kind, name string) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	s := objectStoreFor(api, k)
	fam, err := listFamily(ctx, s, name)
	if err != nil {
		return Object{}, c.Err(err)
	}
	if len(fam) > 0 {
		return fam[0], nil
	}
	o, err := findByName(ctx, s, name)
	return o, c.Err(err)
}

// nextGeneration is one more than the newest generation of the family (1 for a new family).
// An unlabelled object called exactly <name> counts as generation 1.
func nextGeneration(ctx context.Context, s objectStore, name string) (int, error) {
	fam, err := listFamily(ctx, s, name)
	if err != nil {
		return 0, err
	}
	g := 0
	if len(fam) > 0 {
		g = fam[0].Generation()
	}
	if g < 1 {
		if _, err := findByName(ctx, s, name); err == nil {
			g = 1
		} else if !errors.Is(err, ErrNotFound) {
			return 0, err
		}
	}
	return g + 1, nil
}

// CreateObject makes the first version of a family (named <name>), or the next one when versions
// of that family are already on the Engine, and returns it as the Engine has it.
func (c *Client) CreateObject(ctx context.Context, k Kind, spec ObjectSpec) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	o, err := createVersion(ctx, objectStoreFor(api, k), spec)
	return o, c.Err(err)
}

func createVersion(ctx context.Context, s objectStore, spec ObjectSpec) (Object, error) {
	return createVersionLookingUp(ctx, s, spec, createLookupWait, time.Second)
}

// createVersionLookingUp makes the next version; after a create whose answer did not arrive, it
// adopts the version that the create made all the same, as createService does, instead of
// leaving it behind for the next apply to make one more.
func createVersionLookingUp(ctx context.Context, s objectStore, spec ObjectSpec, lookupWait, interval time.Duration) (Object, error) {
	g, err := nextGeneration(ctx, s, spec.Name)
	if err != nil {
		return Object{}, err
	}
	name := VersionedName(spec.Name, g)
	sent := time.Now()
	id, createErr := s.create(ctx, Object{Name: name, Labels: labelsFor(spec, g), Data: spec.Data, Driver: spec.Driver, Template: spec.Template})
	if createErr == nil {
		return s.inspect(ctx, id)
	}
	if nameTaken(createErr) {
		return Object{}, fmt.Errorf("a %s named %q already exists on the Engine but is not a version of %q: remove or rename it, or import it: %w", s.kind(), name, spec.Name, createErr)
	}
	if createRefused(createErr) {
		return Object{}, createErr
	}
	existing, err := lookUpAfterCreate(ctx, lookupWait, interval, func() (Object, error) {
		return findByName(ctx, s, name)
	})
	if err == nil && madeBy(existing.CreatedAt, sent) && existing.Family() == spec.Name && existing.Generation() == g {
		return s.inspect(ctx, existing.ID)
	}
	return Object{}, createErr
}

// RotateObject makes a new version of a family and returns it. The version that was current
// (currentID) first receives the family labels when it has none (an imported object), so that
// later prunes find it. Superseded versions that no service uses are pruned, keeping spec.Keep of
// them; the version that was current is normally still used by services at this point (they
// update after the secret), and swarm_service prunes it through PruneReleased.
func (c *Client) RotateObject(ctx context.Context, k Kind, currentID string, spec ObjectSpec) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	o, err := rotate(ctx, api, k, currentID, spec)
	return o, c.Err(err)
}

func rotate(ctx context.Context, api objectsAPI, k Kind, currentID string, spec ObjectSpec) (Object, error) {
	s := objectStoreFor(api, k)
	if currentID != "" {
		cur, err := s.inspect(ctx, currentID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return Object{}, err
		case cur.Family() == "" && cur.Name == spec.Name:
			if err := s.setLabels(ctx, cur.ID, labelsFor(ObjectSpec{Name: spec.Name, Labels: cur.Labels, Keep: spec.Keep}, 1)); err != nil {
				return Object{}, fmt.Errorf("labelling the %s %s as version 1 of %q: %w", k, cur.Name, spec.Name, err)
			}
		}
	}
	o, err := createVersion(ctx, s, spec)
	if err != nil {
		return Object{}, err
	}
	return o, pruneUnused(ctx, api, s, spec.Name)
}

// SetObjectLabels writes the user's labels and the managed ones onto the current version (only the
// current one: superseded versions keep theirs), then prunes with the possibly new keep count.
func (c *Client) SetObjectLabels(ctx context.Context, k Kind, id string, spec ObjectSpec) (Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return Object{}, err
	}
	o, err := setObjectLabels(ctx, api, k, id, spec)
	return o, c.Err(err)
}

func setObjectLabels(ctx context.Context, api objectsAPI, k Kind, id string, spec ObjectSpec) (Object, error) {
	s := objectStoreFor(api, k)
	cur, err := s.inspect(ctx, id)
	if err != nil {
		return Object{}, err
	}
	g := cur.Generation()
	if g < 1 {
		g = 1
	}
	if err := s.setLabels(ctx, id, labelsFor(spec, g)); err != nil {
		return Object{}, fmt.Errorf("updating the labels of %s %s: %w", k, cur.Name, err)
	}
	o, err := s.inspect(ctx, id)
	if err != nil {
		return Object{}, err
	}
	return o, pruneUnused(ctx, api, s, spec.Name)
}

// DeleteObject removes every version of a family that no service uses, and the current version
// (currentID, which may be unlabelled). When a service uses the current version it returns an
// *InUseError naming the services; superseded versions still in use are left for PruneReleased.
func (c *Client) DeleteObject(ctx context.Context, k Kind, name, currentID string) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(deleteFamily(ctx, api, k, name, currentID))
}

func deleteFamily(ctx context.Context, api objectsAPI, k Kind, name, currentID string) error {
	s := objectStoreFor(api, k)
	fam, err := listFamily(ctx, s, name)
	if err != nil {
		return err
	}
	if currentID != "" && !slices.ContainsFunc(fam, func(o Object) bool { return o.ID == currentID }) {
		cur, err := s.inspect(ctx, currentID)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			fam = append([]Object{cur}, fam...)
		}
	}
	used, err := objectUsage(ctx, api, k)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range fam {
		if svcs := used[o.ID]; len(svcs) > 0 {
			if o.ID == currentID {
				errs = append(errs, &InUseError{Kind: k, Name: o.Name, Services: svcs})
			}
			continue
		}
		if err := s.remove(ctx, o.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing %s %s (%s): %w", k, o.Name, o.ID, err))
		}
	}
	return errors.Join(errs...)
}
