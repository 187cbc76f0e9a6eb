package swarm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// volumeAPI is the part of the Engine API the volume functions use; tests replace it.
type volumeAPI interface {
	VolumeCreate(ctx context.Context, options client.VolumeCreateOptions) (client.VolumeCreateResult, error)
	VolumeInspect(ctx context.Context, volumeID string, options client.VolumeInspectOptions) (client.VolumeInspectResult, error)
	VolumeRemove(ctx context.Context, volumeID string, options client.VolumeRemoveOptions) (client.VolumeRemoveResult, error)
	ContainerList(ctx context.Context, options client.ContainerListOptions) (client.ContainerListResult, error)
}

// VolumeRemoveTimeout bounds how long RemoveVolume waits for the containers of swarm tasks (which
// the node removes by itself shortly after their service is gone) to release a volume.
const VolumeRemoveTimeout = time.Minute

// taskIDLabel marks the containers that swarm tasks run in.
const taskIDLabel = "com.docker.swarm.task.id"

// CreateVolume creates a named volume on this client's engine (no swarm needed: volumes belong to
// one node). The Engine answers an existing name with the existing volume; this refuses instead,
// so that a resource never silently adopts a volume it did not create.
func (c *Client) CreateVolume(ctx context.Context, opts client.VolumeCreateOptions) (volume.Volume, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return volume.Volume{}, err
	}
	v, err := createVolume(ctx, api, opts)
	return v, c.Err(err)
}

func createVolume(ctx context.Context, api volumeAPI, opts client.VolumeCreateOptions) (volume.Volume, error) {
	existing, err := inspectVolume(ctx, api, opts.Name)
	switch {
	case err == nil:
		return volume.Volume{}, fmt.Errorf("a volume named %q exists already on this engine (driver %s), and it is not managed by this resource: "+
			"import it (`terraform import`), or remove it or choose another name", opts.Name, existing.Driver)
	case !errors.Is(err, ErrNotFound):
		return volume.Volume{}, err
	}
	res, err := api.VolumeCreate(ctx, opts)
	if err != nil {
		return volume.Volume{}, fmt.Errorf("creating volume %q: %w", opts.Name, err)
	}
	return res.Volume, nil
}

// InspectVolume reads a volume by name. ErrNotFound when there is none.
func (c *Client) InspectVolume(ctx context.Context, name string) (volume.Volume, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return volume.Volume{}, err
	}
	v, err := inspectVolume(ctx, api, name)
	return v, c.Err(err)
}

func inspectVolume(ctx context.Context, api volumeAPI, name string) (volume.Volume, error) {
	res, err := api.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	if err != nil {
		return volume.Volume{}, inspectErr("volume", name, err)
	}
	return res.Volume, nil
}

// RemoveVolume removes a volume, never by force. When containers use it, it fails with a
// VolumeInUseError naming them; only while every user is the container of a swarm task (which the
// node removes on its own once the service is gone) it retries every second, up to timeout. A
// volume that is gone already counts as removed.
func (c *Client) RemoveVolume(ctx context.Context, name string, timeout time.Duration) error {
	api, err := c.Engine(ctx)
	if err != nil {
		return err
	}
	return c.Err(removeVolume(ctx, api, name, timeout, time.Second))
}

func removeVolume(ctx context.Context, api volumeAPI, name string, timeout, interval time.Duration) error {
	start := time.Now()
	for {
		_, err := api.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
		if err == nil || cerrdefs.IsNotFound(err) {
			return nil
		}
		if !cerrdefs.IsConflict(err) {
			return fmt.Errorf("removing volume %s: %w", name, err)
		}
		res, lerr := api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("volume", name)})
		if lerr != nil {
			return fmt.Errorf("removing volume %s: %w (and listing the containers that use it failed: %v)", name, err, lerr)
		}
		names, onlyTasks := VolumeUsers(res.Items)
		if !onlyTasks {
			return &VolumeInUseError{Volume: name, Containers: names, Err: err}
		}
		if waited := time.Since(start); waited >= timeout {
			return &VolumeInUseError{Volume: name, Containers: names, Err: err, Waited: max(waited, time.Nanosecond)}
		}
		if err := pause(ctx, interval); err != nil {
			return &VolumeInUseError{Volume: name, Containers: names, Err: err}
		}
	}
}

// VolumeUsers returns the sorted names of the containers and whether all of them are swarm task
// containers (true for none, so that a conflict whose containers vanished meanwhile is retried).
func VolumeUsers(containers []container.Summary) ([]string, bool) {
	names := make([]string, 0, len(containers))
	onlyTasks := true
	for _, c := range containers {
		n := c.ID
		if len(c.Names) > 0 {
			n = strings.TrimPrefix(c.Names[0], "/")
		}
		names = append(names, n)
		if c.Labels[taskIDLabel] == "" {
			onlyTasks = false
		}
	}
	sort.Strings(names)
	return names, onlyTasks
}
