package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// FindNode finds a node of the swarm by its full ID or, failing that, by its hostname. Several
// nodes with the hostname is an error (the caller must use the ID); none is ErrNotFound.
func (c *Client) FindNode(ctx context.Context, idOrHostname string) (swarm.Node, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return swarm.Node{}, err
	}
	res, err := api.NodeInspect(ctx, idOrHostname, client.NodeInspectOptions{})
	switch {
	case err == nil && res.Node.ID == idOrHostname:
		return res.Node, nil
	case err != nil && !cerrdefs.IsNotFound(err):
		return swarm.Node{}, fmt.Errorf("inspecting node %s: %w", idOrHostname, c.Err(err))
	}
	// Not an exact ID (the Engine also answers to ID prefixes): look for the hostname.
	nodes, err := c.ListNodes(ctx)
	if err != nil {
		return swarm.Node{}, err
	}
	return pickNode(nodes, idOrHostname)
}

// pickNode chooses the node whose ID or hostname is exactly key.
func pickNode(nodes []swarm.Node, key string) (swarm.Node, error) {
	var found []swarm.Node
	for _, n := range nodes {
		if n.ID == key {
			return n, nil
		}
		if n.Description.Hostname == key {
			found = append(found, n)
		}
	}
	switch len(found) {
	case 0:
		return swarm.Node{}, fmt.Errorf("node %q: %w", key, ErrNotFound)
	case 1:
		return found[0], nil
	default:
		ids := make([]string, len(found))
		for i, n := range found {
			ids[i] = n.ID
		}
		return swarm.Node{}, fmt.Errorf("%d nodes have the hostname %q (%s): use the node ID", len(found), key, strings.Join(ids, ", "))
	}
}

// InspectNode reads one node by its ID; ErrNotFound when the swarm has no such node.
func (c *Client) InspectNode(ctx context.Context, id string) (swarm.Node, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return swarm.Node{}, err
	}
	res, err := api.NodeInspect(ctx, id, client.NodeInspectOptions{})
	if err != nil {
		return swarm.Node{}, inspectErr("node", id, c.Err(err))
	}
	if res.Node.ID != id {
		return swarm.Node{}, fmt.Errorf("node %s: %w", id, ErrNotFound)
	}
	return res.Node, nil
}

// ListNodes lists every node of the swarm.
func (c *Client) ListNodes(ctx context.Context) ([]swarm.Node, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return nil, err
	}
	res, err := api.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing the swarm's nodes: %w", c.Err(err))
	}
	return res.Items, nil
}

// UpdateNode inspects the node, lets change edit its spec and writes it with the version just read.
// When another writer got in between ("update out of sequence") it starts again
// (retryOutOfSequence).
func (c *Client) UpdateNode(ctx context.Context, id string, change func(*swarm.NodeSpec)) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return retryOutOfSequence(ctx, outOfSequenceBackoff, func() error {
		n, err := c.InspectNode(ctx, id)
		if err != nil {
			return err
		}
		spec := n.Spec
		spec.Labels = maps.Clone(n.Spec.Labels)
		change(&spec)
		if _, err := api.NodeUpdate(ctx, id, client.NodeUpdateOptions{Version: n.Version, Spec: spec}); err != nil {
			return fmt.Errorf("updating node %s: %w", id, c.Err(err))
		}
		return nil
	})
}

// WaitNodeReady waits until the node is known to the managers with status ready.
func (c *Client) WaitNodeReady(ctx context.Context, id string, timeout time.Duration) (swarm.Node, error) {
	var node swarm.Node
	err := pollUntil(ctx, timeout, fmt.Sprintf("node %s to be ready", id), func() (bool, error) {
		n, err := c.InspectNode(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		node = n
		return n.Status.State == swarm.NodeStateReady, nil
	})
	return node, err
}

// SetNodeRole promotes or demotes a node. A demotion waits until the node has left the managers'
// raft group, so that the engine can then leave the swarm without force.
func (c *Client) SetNodeRole(ctx context.Context, id string, role swarm.NodeRole, timeout time.Duration) error {
	if err := c.UpdateNode(ctx, id, func(s *swarm.NodeSpec) { s.Role = role }); err != nil {
		return err
	}
	return c.WaitNodeRole(ctx, id, role, timeout)
}

// WaitNodeRole waits until a promotion or demotion has taken effect: a new manager is reachable,
// a demoted one has left the raft group.
func (c *Client) WaitNodeRole(ctx context.Context, id string, role swarm.NodeRole, timeout time.Duration) error {
	return pollUntil(ctx, timeout, fmt.Sprintf("node %s to become a %s", id, role), func() (bool, error) {
		n, err := c.InspectNode(ctx, id)
		if err != nil {
			return false, err
		}
		if role == swarm.NodeRoleWorker {
			return n.ManagerStatus == nil, nil
		}
		return n.ManagerStatus != nil && n.ManagerStatus.Reachability == swarm.ReachabilityReachable, nil
	})
}

// DrainNode sets the node's availability to drain and waits, at most timeout, until none of its
// tasks is meant to run any more, so that the swarm has rescheduled them elsewhere.
func (c *Client) DrainNode(ctx context.Context, id string, timeout time.Duration) error {
	if err := c.UpdateNode(ctx, id, func(s *swarm.NodeSpec) { s.Availability = swarm.NodeAvailabilityDrain }); err != nil {
		return err
	}
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return pollUntil(ctx, timeout, fmt.Sprintf("the tasks of node %s to move", id), func() (bool, error) {
		res, err := api.TaskList(ctx, client.TaskListOptions{
			Filters: make(client.Filters).Add("node", id).Add("desired-state", "running"),
		})
		if err != nil {
			return false, fmt.Errorf("listing the tasks of node %s: %w", id, c.Err(err))
		}
		return len(res.Items) == 0, nil
	})
}

// RemoveNode removes a node from the swarm through a manager. It waits, at most timeout, for the
// node to be down (it has left); a node still not down then is removed with force. A node that
// is already gone is not an error.
func (c *Client) RemoveNode(ctx context.Context, id string, timeout time.Duration) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	force := false
	err = pollUntil(ctx, timeout, fmt.Sprintf("node %s to be down", id), func() (bool, error) {
		n, err := c.InspectNode(ctx, id)
		if err != nil {
			return false, err
		}
		return n.Status.State == swarm.NodeStateDown, nil
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case errors.Is(err, ErrTimeout):
		force = true
	case err != nil:
		return err
	}
	if _, err := api.NodeRemove(ctx, id, client.NodeRemoveOptions{Force: force}); err != nil {
		if cerrdefs.IsNotFound(err) {
			return nil
		}
		if !force {
			// Down but still refused (for instance a manager entry not yet cleaned up): force it.
			if _, ferr := api.NodeRemove(ctx, id, client.NodeRemoveOptions{Force: true}); ferr == nil || cerrdefs.IsNotFound(ferr) {
				return nil
			}
		}
		return fmt.Errorf("removing node %s: %w", id, c.Err(err))
	}
	return nil
}
