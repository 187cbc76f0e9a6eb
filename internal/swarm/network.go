package swarm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// networkAPI is the part of the Engine API the network functions use; tests replace it.
type networkAPI interface {
	NetworkCreate(ctx context.Context, name string, options client.NetworkCreateOptions) (client.NetworkCreateResult, error)
	NetworkInspect(ctx context.Context, networkID string, options client.NetworkInspectOptions) (client.NetworkInspectResult, error)
	NetworkList(ctx context.Context, options client.NetworkListOptions) (client.NetworkListResult, error)
	NetworkRemove(ctx context.Context, networkID string, options client.NetworkRemoveOptions) (client.NetworkRemoveResult, error)
	ServiceList(ctx context.Context, options client.ServiceListOptions) (client.ServiceListResult, error)
	TaskList(ctx context.Context, options client.TaskListOptions) (client.TaskListResult, error)
}

// NetworkRemoveTimeout bounds how long RemoveNetwork waits for tasks to detach.
const NetworkRemoveTimeout = 2 * time.Minute

// CreateNetwork creates a network through the manager and returns its ID, then waits until the
// swarm has allocated it, for as long as ctx allows (NetworkAllocateTimeout when ctx has no
// deadline). A name that is taken already is reported with the ID of the network that holds it. A
// network that was created but not allocated in time is returned with its ID and the error.
func (c *Client) CreateNetwork(ctx context.Context, name string, opts client.NetworkCreateOptions) (string, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return "", err
	}
	id, err := createNetwork(ctx, api, name, opts)
	if err != nil {
		return "", c.Err(err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, NetworkAllocateTimeout)
		defer cancel()
	}
	return id, c.Err(waitNetworkAllocated(ctx, api, id, 200*time.Millisecond))
}

// NetworkAllocateTimeout is the default bound of the wait for the swarm's allocator after a create.
const NetworkAllocateTimeout = 30 * time.Second

// waitNetworkAllocated waits until the swarm's allocator has given the new network its driver
// state and addresses: until then the Engine shows an empty driver and no IPAM configuration.
// Networks of local scope are complete at once.
func waitNetworkAllocated(ctx context.Context, api networkAPI, id string, interval time.Duration) error {
	start := time.Now()
	for {
		n, err := inspectNetwork(ctx, api, id)
		if err != nil {
			return err
		}
		if n.Driver != "" {
			return nil
		}
		if err := pause(ctx, interval); err != nil {
			return fmt.Errorf("network %s was created, but the swarm did not allocate it within %s: %w", id, time.Since(start).Round(time.Second), err)
		}
	}
}

func createNetwork(ctx context.Context, api networkAPI, name string, opts client.NetworkCreateOptions) (string, error) {
	return createNetworkLookingUp(ctx, api, name, opts, createLookupWait, time.Second)
}

// createNetworkLookingUp creates the network; after a create whose answer did not arrive, it
// adopts the network that the create made all the same, as createService does.
func createNetworkLookingUp(ctx context.Context, api networkAPI, name string, opts client.NetworkCreateOptions, lookupWait, interval time.Duration) (string, error) {
	sent := time.Now()
	res, createErr := api.NetworkCreate(ctx, name, opts)
	if createErr == nil {
		return res.ID, nil
	}
	if createRefused(createErr) && !nameTaken(createErr) {
		return "", fmt.Errorf("creating network %q: %w", name, createErr)
	}
	existing, err := lookUpAfterCreate(ctx, lookupWait, interval, func() (network.Summary, error) {
		return findNetworkByName(ctx, api, name)
	})
	switch {
	case err != nil:
		return "", fmt.Errorf("creating network %q: %w", name, createErr)
	case !createRefused(createErr) && madeBy(existing.Created, sent):
		return existing.ID, nil
	}
	return "", fmt.Errorf("a network named %q exists already (ID %s, created %s), and it is not managed by this resource: "+
		"import it (`terraform import`), or remove it or choose another name: %w", name, existing.ID, existing.Created.UTC().Format(time.RFC3339), createErr)
}

// InspectNetwork finds a network by ID or name. ErrNotFound when there is none.
func (c *Client) InspectNetwork(ctx context.Context, idOrName string) (network.Inspect, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return network.Inspect{}, err
	}
	n, err := inspectNetwork(ctx, api, idOrName)
	return n, c.Err(err)
}

// InspectNetworkByID finds the network with exactly this ID: a network that merely carries the ID
// as its name, or whose ID starts with it, does not count. ErrNotFound when there is none.
func (c *Client) InspectNetworkByID(ctx context.Context, id string) (network.Inspect, error) {
	n, err := c.InspectNetwork(ctx, id)
	if err != nil {
		return n, err
	}
	if n.ID != id {
		return network.Inspect{}, fmt.Errorf("network %s: %w", id, ErrNotFound)
	}
	return n, nil
}

func inspectNetwork(ctx context.Context, api networkAPI, idOrName string) (network.Inspect, error) {
	res, err := api.NetworkInspect(ctx, idOrName, client.NetworkInspectOptions{})
	if err != nil {
		return network.Inspect{}, inspectErr("network", idOrName, err)
	}
	return res.Network, nil
}

// findNetworkByName returns the network whose name is exactly name (the Engine's name filter
// also matches parts of names).
func findNetworkByName(ctx context.Context, api networkAPI, name string) (network.Summary, error) {
	res, err := api.NetworkList(ctx, client.NetworkListOptions{Filters: make(client.Filters).Add("name", name)})
	if err != nil {
		return network.Summary{}, err
	}
	for _, n := range res.Items {
		if n.Name == name {
			return n, nil
		}
	}
	return network.Summary{}, fmt.Errorf("network %s: %w", name, ErrNotFound)
}

// RemoveNetwork removes a network. While services or running tasks are still attached (tasks of a
// service removed a moment ago take a few seconds to detach) it retries every second, up to
// timeout, and then fails with a NetworkInUseError naming the services. A network that is gone
// already counts as removed.
func (c *Client) RemoveNetwork(ctx context.Context, id string, timeout time.Duration) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return c.Err(removeNetwork(ctx, api, id, timeout, time.Second))
}

func removeNetwork(ctx context.Context, api networkAPI, id string, timeout, interval time.Duration) error {
	start := time.Now()
	for {
		_, err := api.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if client.IsErrConnectionFailed(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("removing network %s: %w", id, err)
		}
		services, tasks, uerr := networkUsers(ctx, api, id)
		if uerr != nil {
			return fmt.Errorf("removing network %s: %w (and listing what uses it failed: %v)", id, err, uerr)
		}
		inUse := len(services) > 0 || tasks > 0 || cerrdefs.IsConflict(err) || cerrdefs.IsFailedPrecondition(err)
		if !inUse {
			return fmt.Errorf("removing network %s: %w", id, err)
		}
		if waited := time.Since(start); waited >= timeout {
			return &NetworkInUseError{Network: id, Services: services, Waited: waited, Err: err, TimedOut: true}
		}
		if err := pause(ctx, interval); err != nil {
			return &NetworkInUseError{Network: id, Services: services, Waited: time.Since(start), Err: err}
		}
	}
}

// networkUsers lists the services whose spec names the network, and counts the tasks still
// attached to it, as swarmkit does before it lets a network go: a task counts while both its
// desired and its observed state are at most "running". The services of such tasks are named
// too.
func networkUsers(ctx context.Context, api networkAPI, id string) ([]string, int, error) {
	n, err := inspectNetwork(ctx, api, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	svcs, err := api.ServiceList(ctx, client.ServiceListOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("listing services: %w", err)
	}
	tasks, err := api.TaskList(ctx, client.TaskListOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("listing tasks: %w", err)
	}
	names, count := NetworkUsers(n.ID, n.Name, svcs.Items, tasks.Items)
	return names, count, nil
}

// NetworkUsers is the pure part of networkUsers: which services (by name, or by ID for tasks of
// services that are gone) use the network, and how many live tasks are attached.
func NetworkUsers(id, name string, services []swarm.Service, tasks []swarm.Task) ([]string, int) {
	serviceName := make(map[string]string, len(services))
	users := map[string]bool{}
	for _, s := range services {
		serviceName[s.ID] = s.Spec.Name
		for _, a := range s.Spec.TaskTemplate.Networks {
			if a.Target == id || (name != "" && a.Target == name) {
				users[s.Spec.Name] = true
			}
		}
	}
	count := 0
	for _, t := range tasks {
		if !taskLive(t) {
			continue
		}
		for _, a := range t.NetworksAttachments {
			if a.Network.ID != id {
				continue
			}
			count++
			if n, ok := serviceName[t.ServiceID]; ok {
				users[n] = true
			} else {
				users[t.ServiceID] = true
			}
		}
	}
	names := make([]string, 0, len(users))
	for n := range users {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, count
}

// taskLive: neither the desired nor the observed state of the task is past running, which is how
// swarmkit tells a task that still holds its network attachment.
func taskLive(t swarm.Task) bool {
	return atMostRunning(t.DesiredState) && atMostRunning(t.Status.State)
}
