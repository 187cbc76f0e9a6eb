package swarm

// Deploying, reading and removing a stack the way `docker stack deploy --prune` and
// `docker stack rm` do (cli/command/stack is the model), with two differences: a secret or config
// whose content changed gets a new version (rotation.go) instead of the failed in-place update,
// and everything the file no longer declares is removed, not only the services.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// StackDeployOptions tunes DeployStack. The zero value deploys and waits.
type StackDeployOptions struct {
	// RegistryAuth returns the encoded registry auth (the X-Registry-Auth header value) to send
	// with the service that runs image, "" for none (the provider's registry credentials); nil
	// sends none.
	RegistryAuth func(image string) string
	// UnmanagedReplicas are compose service names whose replica count the deploy leaves as the
	// Engine has it (an autoscaler owns it); a new service starts with the file's count.
	UnmanagedReplicas map[string]bool
	// Rotate are the Engine names (<stack>_<key>) of secrets and configs whose content changed
	// since the last deploy: they get a new version, and the services move to it.
	Rotate map[string]bool
	// NoWait skips waiting for convergence.
	NoWait bool
	// Converge tunes the wait of each service.
	Converge ConvergeOptions
}

// StackState is what the Engine holds of a stack.
type StackState struct {
	// Services by compose name (the Engine name without "<stack>_").
	Services map[string]swarm.Service
	Networks []network.Summary
	Secrets  []Object
	Configs  []Object
	// Logical maps the ID of every secret and config of the stack to its name in the file's
	// terms (the family name of a rotated version).
	Logical map[string]string
}

// Empty says whether nothing of the stack is left.
func (s StackState) Empty() bool {
	return len(s.Services) == 0 && len(s.Networks) == 0 && len(s.Secrets) == 0 && len(s.Configs) == 0
}

// StackServiceError is a service of the stack that could not be deployed or did not converge.
type StackServiceError struct {
	Service string
	ID      string
	Err     error
}

func (e *StackServiceError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("service %s (%s): %v", e.Service, e.ID, e.Err)
	}
	return fmt.Sprintf("service %s: %v", e.Service, e.Err)
}

func (e *StackServiceError) Unwrap() error { return e.Err }

// ReadStack reads everything that carries the stack's namespace label.
func (c *Client) ReadStack(ctx context.Context, namespace string) (StackState, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return StackState{}, err
	}
	st, err := readStack(ctx, api, namespace)
	return st, c.Err(err)
}

func stackFilter(namespace string) client.Filters {
	return make(client.Filters).Add("label", LabelNamespace+"="+namespace)
}

func readStack(ctx context.Context, api API, namespace string) (StackState, error) {
	st := StackState{Services: map[string]swarm.Service{}, Logical: map[string]string{}}
	svcs, err := listServices(ctx, api, ServiceFilter{Labels: map[string]string{LabelNamespace: namespace}})
	if err != nil {
		return st, err
	}
	for _, s := range svcs {
		st.Services[strings.TrimPrefix(s.Spec.Name, namespace+"_")] = s
	}
	// All networks: services name theirs by ID, external ones included.
	nets, err := api.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return st, fmt.Errorf("listing the networks of stack %s: %w", namespace, err)
	}
	for _, n := range nets.Items {
		st.Logical[n.ID] = n.Name
		if n.Labels[LabelNamespace] == namespace {
			st.Networks = append(st.Networks, n)
		}
	}
	slices.SortFunc(st.Networks, func(a, b network.Summary) int { return strings.Compare(a.Name, b.Name) })
	for _, k := range []Kind{KindSecret, KindConfig} {
		objs, err := objectStoreFor(api, k).list(ctx, stackFilter(namespace))
		if err != nil {
			return st, fmt.Errorf("listing the %ss of stack %s: %w", k, namespace, err)
		}
		slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
		for _, o := range objs {
			st.Logical[o.ID] = logicalName(o)
		}
		if k == KindSecret {
			st.Secrets = objs
		} else {
			st.Configs = objs
		}
	}
	return st, nil
}

func logicalName(o Object) string {
	if f := o.Family(); f != "" {
		return f
	}
	return o.Name
}

// DeployStack creates and updates the stack's networks, secrets, configs and services, removes
// what the spec no longer has, and waits for every service it wrote to converge. Errors of
// single services are *StackServiceError, joined.
func (c *Client) DeployStack(ctx context.Context, spec StackSpec, opts StackDeployOptions) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	opts.Converge = c.probed(api, opts.Converge)
	return c.Err(deployStack(ctx, api, spec, opts))
}

func deployStack(ctx context.Context, api API, spec StackSpec, opts StackDeployOptions) error {
	ns := spec.Namespace
	if err := ensureStackNetworks(ctx, api, spec); err != nil {
		return err
	}
	resolved := map[string]Object{}
	for _, o := range slices.Concat(spec.Secrets, spec.Configs) {
		obj, err := ensureStackObject(ctx, api, o, opts.Rotate[o.Name])
		if err != nil {
			return err
		}
		resolved[string(o.Kind)+"/"+o.Name] = obj
	}
	existing, err := readStack(ctx, api, ns)
	if err != nil {
		return err
	}

	type written struct {
		key, id  string
		previous uint64
		released [2][]string
	}
	var done []written
	var errs []error
	for _, key := range spec.ServiceNames() {
		desired, err := resolveReferences(spec.Services[key], resolved)
		if err != nil {
			errs = append(errs, &StackServiceError{Service: desired.Name, Err: err})
			continue
		}
		auth := ""
		if opts.RegistryAuth != nil {
			auth = opts.RegistryAuth(desired.TaskTemplate.ContainerSpec.Image)
		}
		cur, ok := existing.Services[key]
		if !ok {
			res, err := api.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: desired, EncodedRegistryAuth: auth})
			if err != nil {
				errs = append(errs, &StackServiceError{Service: desired.Name, Err: fmt.Errorf("creating: %w", err)})
				continue
			}
			done = append(done, written{key: key, id: res.ID})
			continue
		}
		var w *written
		err = retryOutOfSequence(ctx, outOfSequenceBackoff, func() error {
			live, err := inspectService(ctx, api, cur.ID)
			if err != nil {
				return err
			}
			next := stackUpdateSpec(desired, live, opts.UnmanagedReplicas[key])
			if sameServiceSpec(next, live.Spec, existing.Logical) {
				return nil
			}
			res, err := api.ServiceUpdate(ctx, live.ID, client.ServiceUpdateOptions{Version: live.Version, Spec: next, EncodedRegistryAuth: auth})
			if err != nil {
				return fmt.Errorf("updating: %w", err)
			}
			logWarn(res.Warnings)
			s0, c0 := ReferencedObjects(live.Spec)
			s1, c1 := ReferencedObjects(next)
			w = &written{key: key, id: live.ID, previous: live.Version.Index, released: [2][]string{Released(s0, s1), Released(c0, c1)}}
			return nil
		})
		if err != nil {
			errs = append(errs, &StackServiceError{Service: desired.Name, ID: cur.ID, Err: err})
			continue
		}
		if w != nil {
			done = append(done, *w)
		}
	}

	// Prune: services first (their tasks hold networks, secrets and configs), then the rest.
	for key, svc := range existing.Services {
		if _, keep := spec.Services[key]; keep {
			continue
		}
		if err := removeService(ctx, api, svc.ID); err != nil {
			errs = append(errs, &StackServiceError{Service: svc.Spec.Name, ID: svc.ID, Err: err})
			continue
		}
		if err := waitServiceRemoved(ctx, api, svc.ID, removeInterval); err != nil {
			errs = append(errs, &StackServiceError{Service: svc.Spec.Name, ID: svc.ID, Err: err})
		}
	}

	if !opts.NoWait {
		// The services converge side by side; waiting for them so, a Converge.Monitor watch takes
		// its time once, not once per service.
		waitErrs := make([]error, len(done))
		var wg sync.WaitGroup
		for i, w := range done {
			wg.Go(func() {
				o := opts.Converge
				o.PreviousVersion = w.previous
				if err := waitConverged(ctx, api, w.id, o.withDefaults()); err != nil {
					waitErrs[i] = &StackServiceError{Service: ns + "_" + w.key, ID: w.id, Err: err}
				}
			})
		}
		wg.Wait()
		for _, err := range waitErrs {
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	var secretIDs, configIDs []string
	for _, w := range done {
		secretIDs = append(secretIDs, w.released[0]...)
		configIDs = append(configIDs, w.released[1]...)
	}
	if err := pruneReleased(ctx, api, secretIDs, configIDs); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		errs = append(errs, pruneStackLeftovers(ctx, api, spec, existing))
	}
	return errors.Join(errs...)
}

// logWarn drops the Engine's warnings: the only ones a stack service gets are about images that
// could not be resolved on a registry, which the deploy does not ask for.
func logWarn([]string) {}

// ensureStackNetworks checks the external networks and creates the stack's missing ones.
func ensureStackNetworks(ctx context.Context, api API, spec StackSpec) error {
	for _, name := range spec.ExternalNetworks {
		if !strings.Contains(name, "/") && slices.Contains([]string{"host", "bridge", "none", "default"}, name) {
			continue // not user defined: exists on every node
		}
		res, err := api.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
		switch {
		case cerrdefs.IsNotFound(err):
			return fmt.Errorf("network %q is declared as external, but could not be found: create a swarm-scoped network before the stack is deployed", name)
		case err != nil:
			return fmt.Errorf("inspecting external network %s: %w", name, err)
		case res.Network.Scope != "swarm":
			return fmt.Errorf("network %q is declared as external, but it is not in the right scope: %q instead of \"swarm\"", name, res.Network.Scope)
		}
	}
	have, err := api.NetworkList(ctx, client.NetworkListOptions{Filters: stackFilter(spec.Namespace)})
	if err != nil {
		return fmt.Errorf("listing the networks of stack %s: %w", spec.Namespace, err)
	}
	for _, name := range slices.Sorted(maps.Keys(spec.Networks)) {
		if slices.ContainsFunc(have.Items, func(n network.Summary) bool { return n.Name == name }) {
			continue
		}
		if _, err := createNetwork(ctx, api, name, spec.Networks[name]); err != nil {
			return fmt.Errorf("creating network %s: %w", name, err)
		}
	}
	return nil
}

// ensureStackObject finds (external), creates, keeps or rotates a secret or config.
func ensureStackObject(ctx context.Context, api API, o StackObject, rotateIt bool) (Object, error) {
	s := objectStoreFor(api, o.Kind)
	if o.External {
		obj, err := findByName(ctx, s, o.Name)
		if err != nil {
			return Object{}, fmt.Errorf("the %s %q is declared as external: %w", o.Kind, o.Name, err)
		}
		return obj, nil
	}
	spec := ObjectSpec{Name: o.Name, Labels: o.Labels, Data: o.Data, Driver: o.Driver, Template: o.Template, Keep: DefaultVersionsToKeep}
	cur, err := currentVersion(ctx, s, o.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		obj, err := createVersion(ctx, s, spec)
		if err != nil {
			return Object{}, fmt.Errorf("creating %s %s: %w", o.Kind, o.Name, err)
		}
		return obj, nil
	case err != nil:
		return Object{}, err
	case rotateIt:
		obj, err := rotate(ctx, api, o.Kind, cur.ID, spec)
		if err != nil {
			return Object{}, fmt.Errorf("rotating %s %s: %w", o.Kind, o.Name, err)
		}
		return obj, nil
	}
	return cur, nil
}

func currentVersion(ctx context.Context, s objectStore, name string) (Object, error) {
	fam, err := listFamily(ctx, s, name)
	if err != nil {
		return Object{}, err
	}
	if len(fam) > 0 {
		return fam[0], nil
	}
	return findByName(ctx, s, name)
}

// resolveReferences puts the IDs (and the names of the current versions) of the resolved
// secrets and configs into a copy of the service's references.
func resolveReferences(spec swarm.ServiceSpec, resolved map[string]Object) (swarm.ServiceSpec, error) {
	cs := spec.TaskTemplate.ContainerSpec
	if cs == nil {
		return spec, nil
	}
	cp := *cs
	cp.Secrets = nil
	for _, r := range cs.Secrets {
		o, ok := resolved["secret/"+r.SecretName]
		if !ok {
			return spec, fmt.Errorf("secret not found: %s", r.SecretName)
		}
		n := *r
		n.SecretID, n.SecretName = o.ID, o.Name
		cp.Secrets = append(cp.Secrets, &n)
	}
	cp.Configs = nil
	for _, r := range cs.Configs {
		o, ok := resolved["config/"+r.ConfigName]
		if !ok {
			return spec, fmt.Errorf("config not found: %s", r.ConfigName)
		}
		n := *r
		n.ConfigID, n.ConfigName = o.ID, o.Name
		cp.Configs = append(cp.Configs, &n)
	}
	if cp.Privileges != nil && cp.Privileges.CredentialSpec != nil && cp.Privileges.CredentialSpec.Config != "" {
		priv := *cp.Privileges
		cred := *priv.CredentialSpec
		if o, ok := resolved["config/"+cred.Config]; ok {
			cred.Config = o.ID
		}
		priv.CredentialSpec = &cred
		cp.Privileges = &priv
	}
	spec.TaskTemplate.ContainerSpec = &cp
	return spec, nil
}

// stackUpdateSpec is what stack deploy sends for an existing service: the image the Engine
// pinned is kept while the file names the same image, ForceUpdate is kept, and so is the replica
// count when it is unmanaged.
func stackUpdateSpec(desired swarm.ServiceSpec, live swarm.Service, unmanagedReplicas bool) swarm.ServiceSpec {
	next := desired
	tt := next.TaskTemplate
	if tt.ContainerSpec != nil && live.Spec.TaskTemplate.ContainerSpec != nil && tt.ContainerSpec.Image == live.Spec.Labels[LabelStackImage] {
		cs := *tt.ContainerSpec
		cs.Image = live.Spec.TaskTemplate.ContainerSpec.Image
		tt.ContainerSpec = &cs
	}
	tt.ForceUpdate = live.Spec.TaskTemplate.ForceUpdate
	next.TaskTemplate = tt
	if unmanagedReplicas && next.Mode.Replicated != nil && live.Spec.Mode.Replicated != nil {
		r := *next.Mode.Replicated
		r.Replicas = live.Spec.Mode.Replicated.Replicas
		next.Mode.Replicated = &r
	}
	return next
}

// sameServiceSpec says whether writing next would change nothing the stack manages.
func sameServiceSpec(next, live swarm.ServiceSpec, logical map[string]string) bool {
	if ReplicasOf(next) != ReplicasOf(live) {
		return false
	}
	a, err1 := canonicalMap(next, logical, true)
	b, err2 := canonicalMap(live, logical, true)
	if err1 != nil || err2 != nil {
		return false
	}
	s0, c0 := ReferencedObjects(next)
	s1, c1 := ReferencedObjects(live)
	return jsonEqual(a, b) && slices.Equal(s0, s1) && slices.Equal(c0, c1)
}

// ReplicasOf is the replica count of a replicated service, -1 for the other modes.
func ReplicasOf(spec swarm.ServiceSpec) int64 {
	if spec.Mode.Replicated == nil {
		return -1
	}
	if spec.Mode.Replicated.Replicas == nil {
		return 1
	}
	return int64(*spec.Mode.Replicated.Replicas)
}

// pruneStackLeftovers removes the stack's networks, secrets and configs that the spec no longer
// declares and no service uses any more.
func pruneStackLeftovers(ctx context.Context, api API, spec StackSpec, st StackState) error {
	var errs []error
	for _, n := range st.Networks {
		if _, keep := spec.Networks[n.Name]; keep {
			continue
		}
		if err := removeNetwork(ctx, api, n.ID, NetworkRemoveTimeout, removeInterval); err != nil {
			errs = append(errs, err)
		}
	}
	for _, k := range []Kind{KindSecret, KindConfig} {
		declared, objs := spec.Secrets, st.Secrets
		if k == KindConfig {
			declared, objs = spec.Configs, st.Configs
		}
		used, err := objectUsage(ctx, api, k)
		if err != nil {
			return err
		}
		for _, o := range objs {
			if slices.ContainsFunc(declared, func(d StackObject) bool { return d.Name == logicalName(o) }) || len(used[o.ID]) > 0 {
				continue
			}
			if err := objectStoreFor(api, k).remove(ctx, o.ID); err != nil && !cerrdefs.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("removing %s %s: %w", k, o.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// RemoveStack removes everything of the stack like `docker stack rm`, and waits until the tasks
// of its services are gone and its networks removed.
func (c *Client) RemoveStack(ctx context.Context, namespace string) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(removeStack(ctx, api, namespace))
}

func removeStack(ctx context.Context, api API, namespace string) error {
	st, err := readStack(ctx, api, namespace)
	if err != nil {
		return err
	}
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(st.Services)) {
		if err := removeService(ctx, api, st.Services[key].ID); err != nil {
			errs = append(errs, err)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(st.Services)) {
		if err := waitServiceRemoved(ctx, api, st.Services[key].ID, removeInterval); err != nil {
			errs = append(errs, err)
		}
	}
	for _, o := range st.Secrets {
		if err := objectStoreFor(api, KindSecret).remove(ctx, o.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing secret %s: %w", o.Name, err))
		}
	}
	for _, o := range st.Configs {
		if err := objectStoreFor(api, KindConfig).remove(ctx, o.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("removing config %s: %w", o.Name, err))
		}
	}
	for _, n := range st.Networks {
		if err := removeNetwork(ctx, api, n.ID, NetworkRemoveTimeout, removeInterval); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
