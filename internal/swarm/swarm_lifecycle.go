package swarm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// LocalNode is what an engine says about its own place in a swarm (docker info's Swarm part).
func (c *Client) LocalNode(ctx context.Context) (swarm.Info, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return swarm.Info{}, err
	}
	res, err := api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return swarm.Info{}, fmt.Errorf("reading the engine's swarm state: %w", c.Err(err))
	}
	return res.Info.Swarm, nil
}

// InitSwarm makes the engine (not necessarily a manager yet: Engine, not Manager) the first
// manager of a new swarm and returns its node ID.
func (c *Client) InitSwarm(ctx context.Context, opts client.SwarmInitOptions) (string, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return "", err
	}
	sent := time.Now()
	res, err := api.SwarmInit(ctx, opts)
	if err != nil {
		lost := ctx.Err() != nil || client.IsErrConnectionFailed(err)
		err = fmt.Errorf("initialising the swarm: %w", c.Err(err))
		if lost {
			// No answer came: the Engine does not stop an init whose caller stopped waiting for
			// it, and a lost answer may be that of an init that went through.
			return lateInit(ctx, api, sent, err)
		}
		return "", err
	}
	return res.NodeID, nil
}

// InitOutlivedError is an init whose answer did not come (its caller's timeout ran out, it was
// interrupted, or the connection broke), which the engine finished all the same: NodeID is the
// first manager of the new swarm.
type InitOutlivedError struct {
	NodeID string
	Err    error
}

func (e *InitOutlivedError) Error() string {
	return fmt.Sprintf("%v; the engine went on with the init and is now node %s, the first manager of a new swarm", e.Err, e.NodeID)
}

func (e *InitOutlivedError) Unwrap() error { return e.Err }

// lateInitWait bounds the look at an engine after an init was given up on.
const lateInitWait = 10 * time.Second

// lateInit looks, after an init sent at sent that got no answer (err), whether the engine went on
// with it: it waits while the engine's node is still pending (its init under way), then returns
// an *InitOutlivedError when the engine manages a swarm created since the init was sent (madeBy),
// and err when it does not, cannot be asked, or is in a swarm from before: an engine that was in
// a swarm already refused the init, and that swarm is not the create's to keep.
func lateInit(ctx context.Context, api API, sent time.Time, err error) (string, error) {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), lateInitWait)
	defer cancel()
	var local swarm.Info
	if perr := pollUntil(lctx, lateInitWait, "the engine's init", func() (bool, error) {
		res, err := api.Info(lctx, client.InfoOptions{})
		local = res.Info.Swarm
		return local.LocalNodeState != swarm.LocalNodeStatePending, err
	}); perr != nil || local.LocalNodeState != swarm.LocalNodeStateActive || local.NodeID == "" ||
		local.Cluster == nil || !madeBy(local.Cluster.CreatedAt, sent) {
		return "", err
	}
	return local.NodeID, &InitOutlivedError{NodeID: local.NodeID, Err: err}
}

// ReadSwarm reads the swarm of the engine through a manager. An engine that is in no swarm gives
// ErrNotFound.
func (c *Client) ReadSwarm(ctx context.Context) (swarm.Swarm, error) {
	local, err := c.LocalNode(ctx)
	if err != nil {
		return swarm.Swarm{}, err
	}
	if local.LocalNodeState == swarm.LocalNodeStateInactive {
		return swarm.Swarm{}, fmt.Errorf("swarm: %w", ErrNotFound)
	}
	api, err := c.Manager(ctx)
	if err != nil {
		return swarm.Swarm{}, err
	}
	res, err := api.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		return swarm.Swarm{}, fmt.Errorf("inspecting the swarm: %w", c.Err(err))
	}
	return res.Swarm, nil
}

// Rotation says which secrets of the swarm a SwarmUpdate replaces.
type Rotation struct {
	WorkerToken  bool
	ManagerToken bool
	UnlockKey    bool
}

// UpdateSwarm inspects the swarm, lets change edit its spec (change may be nil) and writes it with
// the version just read, rotating what rot asks for. It starts again when another writer got in
// between (retryOutOfSequence).
func (c *Client) UpdateSwarm(ctx context.Context, change func(*swarm.Spec), rot Rotation) error {
	api, err := c.Manager(ctx)
	if err != nil {
		return err
	}
	return retryOutOfSequence(ctx, outOfSequenceBackoff, func() error {
		res, err := api.SwarmInspect(ctx, client.SwarmInspectOptions{})
		if err != nil {
			return fmt.Errorf("inspecting the swarm: %w", c.Err(err))
		}
		spec := res.Swarm.Spec
		spec.Labels = maps.Clone(spec.Labels)
		if change != nil {
			change(&spec)
		}
		_, err = api.SwarmUpdate(ctx, client.SwarmUpdateOptions{
			Version:                res.Swarm.Version,
			Spec:                   spec,
			RotateWorkerToken:      rot.WorkerToken,
			RotateManagerToken:     rot.ManagerToken,
			RotateManagerUnlockKey: rot.UnlockKey,
		})
		if err != nil {
			return fmt.Errorf("updating the swarm: %w", c.Err(err))
		}
		return nil
	})
}

// UnlockKey reads the key that unlocks the managers of an autolocked swarm.
func (c *Client) UnlockKey(ctx context.Context) (string, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return "", err
	}
	res, err := api.SwarmGetUnlockKey(ctx)
	if err != nil {
		return "", fmt.Errorf("reading the swarm's unlock key: %w", c.Err(err))
	}
	return res.Key, nil
}

// JoinToken returns the swarm's ID and its current join token for role.
func (c *Client) JoinToken(ctx context.Context, role swarm.NodeRole) (clusterID, token string, err error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return "", "", err
	}
	res, err := api.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		return "", "", fmt.Errorf("inspecting the swarm: %w", c.Err(err))
	}
	switch role {
	case swarm.NodeRoleManager:
		return res.Swarm.ID, res.Swarm.JoinTokens.Manager, nil
	case swarm.NodeRoleWorker:
		return res.Swarm.ID, res.Swarm.JoinTokens.Worker, nil
	default:
		return "", "", fmt.Errorf("unknown node role %q", role)
	}
}

// JoinSwarm makes the engine join a swarm and waits, at most timeout, until it is an active member.
// It returns the engine's view of its membership (NodeID is its node's ID).
func (c *Client) JoinSwarm(ctx context.Context, opts client.SwarmJoinOptions, timeout time.Duration) (swarm.Info, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return swarm.Info{}, err
	}
	if _, err := api.SwarmJoin(ctx, opts); err != nil {
		return swarm.Info{}, fmt.Errorf("joining the swarm: %w", c.Err(err))
	}
	var info swarm.Info
	err = pollUntil(ctx, timeout, "the engine to become an active swarm member", func() (bool, error) {
		i, err := c.LocalNode(ctx)
		if err != nil {
			return false, err
		}
		info = i
		switch i.LocalNodeState {
		case swarm.LocalNodeStateActive:
			return i.NodeID != "", nil
		case swarm.LocalNodeStateError:
			return false, fmt.Errorf("joining the swarm: %s", i.Error)
		case swarm.LocalNodeStateLocked:
			return false, errors.New("joining the swarm: the engine's swarm is locked; unlock it with `docker swarm unlock`")
		}
		return false, nil
	})
	return info, err
}

// LeaveSwarm makes the engine leave its swarm. An engine in no swarm is not an error.
func (c *Client) LeaveSwarm(ctx context.Context, force bool) error {
	local, err := c.LocalNode(ctx)
	if err != nil {
		return err
	}
	if local.LocalNodeState == swarm.LocalNodeStateInactive {
		return nil
	}
	api, err := c.Engine(ctx)
	if err != nil {
		return err
	}
	if _, err := api.SwarmLeave(ctx, client.SwarmLeaveOptions{Force: force}); err != nil {
		// It may have left in between (a retried destroy).
		if again, ierr := c.LocalNode(ctx); ierr == nil && again.LocalNodeState == swarm.LocalNodeStateInactive {
			return nil
		}
		return fmt.Errorf("leaving the swarm: %w", c.Err(err))
	}
	return nil
}
