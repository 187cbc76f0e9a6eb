package swarm

import (
	"context"
	"fmt"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// ClusterState is what the provider reports about the swarm it talks to. It deliberately holds
// no join tokens.
type ClusterState struct {
	Info       swarm.ClusterInfo
	Managers   int
	Workers    int
	ReadyNodes int
	APIVersion string
}

// InspectCluster reads the swarm and counts its nodes through the manager.
func (c *Client) InspectCluster(ctx context.Context) (ClusterState, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return ClusterState{}, err
	}
	sw, err := api.SwarmInspect(ctx, client.SwarmInspectOptions{})
	if err != nil {
		return ClusterState{}, fmt.Errorf("inspecting the swarm: %w", c.Err(err))
	}
	nodes, err := api.NodeList(ctx, client.NodeListOptions{})
	if err != nil {
		return ClusterState{}, fmt.Errorf("listing the swarm's nodes: %w", c.Err(err))
	}
	st := ClusterState{Info: sw.Swarm.ClusterInfo, APIVersion: api.ClientVersion()}
	st.Managers, st.Workers, st.ReadyNodes = CountNodes(nodes.Items)
	return st, nil
}

// CountNodes counts managers, workers and nodes whose status is ready.
func CountNodes(nodes []swarm.Node) (managers, workers, ready int) {
	for _, n := range nodes {
		switch n.Spec.Role {
		case swarm.NodeRoleManager:
			managers++
		default:
			workers++
		}
		if n.Status.State == swarm.NodeStateReady {
			ready++
		}
	}
	return managers, workers, ready
}
