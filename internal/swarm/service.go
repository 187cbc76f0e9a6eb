package swarm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// serviceAPI is the part of the Engine API the service functions use; tests fake it.
type serviceAPI interface {
	ServiceInspect(ctx context.Context, serviceID string, options client.ServiceInspectOptions) (client.ServiceInspectResult, error)
	ServiceCreate(ctx context.Context, options client.ServiceCreateOptions) (client.ServiceCreateResult, error)
	ServiceUpdate(ctx context.Context, serviceID string, options client.ServiceUpdateOptions) (client.ServiceUpdateResult, error)
	ServiceRemove(ctx context.Context, serviceID string, options client.ServiceRemoveOptions) (client.ServiceRemoveResult, error)
	ServiceList(ctx context.Context, options client.ServiceListOptions) (client.ServiceListResult, error)
}

// InspectService reads a service by ID or name: exactly one Engine call. ErrNotFound when it is
// gone.
func (c *Client) InspectService(ctx context.Context, idOrName string) (swarm.Service, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return swarm.Service{}, err
	}
	s, err := inspectService(ctx, api, idOrName)
	return s, c.Err(err)
}

func inspectService(ctx context.Context, api serviceAPI, idOrName string) (swarm.Service, error) {
	res, err := api.ServiceInspect(ctx, idOrName, client.ServiceInspectOptions{})
	if err != nil {
		return swarm.Service{}, inspectErr("service", idOrName, err)
	}
	return res.Service, nil
}

// CreateService creates a service and returns its ID and the Engine's warnings. encodedAuth is
// the registry auth of its image (RegistryAuth.EncodedAuth), "" for none: the swarm hands it to
// the nodes that pull.
func (c *Client) CreateService(ctx context.Context, spec swarm.ServiceSpec, encodedAuth string) (string, []string, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return "", nil, err
	}
	id, warnings, err := createService(ctx, api, spec, encodedAuth, createLookupWait, time.Second)
	return id, warnings, c.Err(err)
}

func createService(ctx context.Context, api serviceAPI, spec swarm.ServiceSpec, encodedAuth string, lookupWait, interval time.Duration) (string, []string, error) {
	sent := time.Now()
	res, createErr := api.ServiceCreate(ctx, client.ServiceCreateOptions{Spec: spec, EncodedRegistryAuth: encodedAuth})
	if createErr == nil {
		return res.ID, res.Warnings, nil
	}
	if createRefused(createErr) && !nameTaken(createErr) {
		return "", nil, fmt.Errorf("creating service %s: %w", spec.Name, createErr)
	}
	existing, err := lookUpAfterCreate(ctx, lookupWait, interval, func() (swarm.Service, error) {
		return inspectService(ctx, api, spec.Name)
	})
	switch {
	case err != nil:
		return "", nil, fmt.Errorf("creating service %s: %w", spec.Name, createErr)
	case !createRefused(createErr) && madeBy(existing.CreatedAt, sent):
		return existing.ID, []string{fmt.Sprintf("the answer to the create was lost (%v); the service it created was found by name and adopted", createErr)}, nil
	}
	return "", nil, &ServiceExistsError{Name: spec.Name, ID: existing.ID, Created: existing.CreatedAt, Err: createErr}
}

// ServiceUpdateResult tells what an update replaced.
type ServiceUpdateResult struct {
	// Previous is the service as it was right before the update that succeeded.
	Previous swarm.Service
	Warnings []string
}

// UpdateService inspects the service, builds the new spec from it and sends it with the version
// it read. When another writer got in between ("update out of sequence") it reads again and
// retries (retryOutOfSequence). encodedAuth is sent as in CreateService.
func (c *Client) UpdateService(ctx context.Context, id, encodedAuth string, build func(current swarm.Service) (swarm.ServiceSpec, error)) (ServiceUpdateResult, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return ServiceUpdateResult{}, err
	}
	res, err := updateService(ctx, api, id, encodedAuth, build, outOfSequenceBackoff)
	return res, c.Err(err)
}

func updateService(ctx context.Context, api serviceAPI, id, encodedAuth string, build func(swarm.Service) (swarm.ServiceSpec, error), backoff time.Duration) (ServiceUpdateResult, error) {
	var out ServiceUpdateResult
	err := retryOutOfSequence(ctx, backoff, func() error {
		current, err := inspectService(ctx, api, id)
		if err != nil {
			return err
		}
		spec, err := build(current)
		if err != nil {
			return err
		}
		res, err := api.ServiceUpdate(ctx, current.ID, client.ServiceUpdateOptions{Version: current.Version, Spec: spec, EncodedRegistryAuth: encodedAuth})
		if err != nil {
			return fmt.Errorf("updating service %s: %w", current.Spec.Name, err)
		}
		out = ServiceUpdateResult{Previous: current, Warnings: res.Warnings}
		return nil
	})
	return out, err
}

// RemoveService removes a service; one that is already gone is no error.
func (c *Client) RemoveService(ctx context.Context, id string) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(removeService(ctx, api, id))
}

func removeService(ctx context.Context, api serviceAPI, id string) error {
	if _, err := api.ServiceRemove(ctx, id, client.ServiceRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("removing service %s: %w", id, err)
	}
	return nil
}

// ServiceFilter selects services for ListServices (see ListFilter).
type ServiceFilter = ListFilter

// ListServices lists the services the filter selects, sorted by name.
func (c *Client) ListServices(ctx context.Context, f ServiceFilter) ([]swarm.Service, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return nil, err
	}
	out, err := listServices(ctx, api, f)
	return out, c.Err(err)
}

func listServices(ctx context.Context, api serviceAPI, f ServiceFilter) ([]swarm.Service, error) {
	filters := f.engineFilters()
	if f.NamePrefix != "" {
		// The Engine's name filter matches prefixes; the loop below makes it exact about that.
		filters = filters.Add("name", f.NamePrefix)
	}
	res, err := api.ServiceList(ctx, client.ServiceListOptions{Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("listing services: %w", err)
	}
	var out []swarm.Service
	for _, s := range res.Items {
		if strings.HasPrefix(s.Spec.Name, f.NamePrefix) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b swarm.Service) int { return strings.Compare(a.Spec.Name, b.Spec.Name) })
	return out, nil
}

// ObjectName returns the name of a secret or config by ID, for references that leave it out.
func (c *Client) ObjectName(ctx context.Context, k Kind, id string) (string, error) {
	o, err := c.InspectObject(ctx, k, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("the %s %s does not exist: %w", k, id, err)
		}
		return "", err
	}
	return o.Name, nil
}

// ReferencedObjects lists the secret and config IDs a spec refers to.
func ReferencedObjects(spec swarm.ServiceSpec) (secretIDs, configIDs []string) {
	cs := spec.TaskTemplate.ContainerSpec
	if cs == nil {
		return nil, nil
	}
	for _, s := range cs.Secrets {
		if s != nil {
			secretIDs = append(secretIDs, s.SecretID)
		}
	}
	for _, c := range cs.Configs {
		if c != nil {
			configIDs = append(configIDs, c.ConfigID)
		}
	}
	return secretIDs, configIDs
}

// TasksHoldBookings reports whether the tasks of a service with this spec hold what Swarm's
// scheduler keeps booked for a task until it has stopped, not merely until its service is gone: a
// port published in host mode, or a reservation of CPU, memory or generic resources. A service
// that replaces such a service can be placed only once those tasks have stopped. Networks,
// volumes, secrets and configs are not bookings: networks and volumes are freed by the tasks'
// removal, which their own deletes wait for, and secrets and configs once no service spec names
// them.
func TasksHoldBookings(spec swarm.ServiceSpec) bool {
	if spec.EndpointSpec != nil {
		for _, p := range spec.EndpointSpec.Ports {
			if p.PublishMode == swarm.PortConfigPublishModeHost {
				return true
			}
		}
	}
	if r := spec.TaskTemplate.Resources; r != nil && r.Reservations != nil {
		res := r.Reservations
		return res.NanoCPUs > 0 || res.MemoryBytes > 0 || len(res.GenericResources) > 0
	}
	return false
}

// Released lists the IDs in before that are not in after.
func Released(before, after []string) []string {
	keep := map[string]bool{}
	for _, id := range after {
		keep[id] = true
	}
	var out []string
	for _, id := range before {
		if !keep[id] {
			out = append(out, id)
		}
	}
	return out
}
