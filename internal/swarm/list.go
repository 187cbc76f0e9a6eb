package swarm

// Listing the objects of a swarm for discovery (`terraform query`): services, secrets, configs,
// networks, volumes and nodes, selected by name prefix and labels.

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// LabelStackNamespace is the label `docker stack deploy` puts on every object of a stack.
const LabelStackNamespace = "com.docker.stack.namespace"

// ListFilter selects objects for the List functions. Empty fields select everything.
type ListFilter struct {
	// NamePrefix keeps objects whose name starts with it (a node's hostname).
	NamePrefix string
	// Labels keeps objects that have every label, with the value when it is not empty.
	Labels map[string]string
}

// engineFilters are the label filters the Engine applies itself.
func (f ListFilter) engineFilters() client.Filters {
	filters := client.Filters{}
	for k, v := range f.Labels {
		if v == "" {
			filters = filters.Add("label", k)
		} else {
			filters = filters.Add("label", k+"="+v)
		}
	}
	return filters
}

// keep applies the whole filter to an object the Engine returned: Engine filters match names
// loosely (substrings for networks), and not every list endpoint filters labels the same way.
func (f ListFilter) keep(name string, labels map[string]string) bool {
	if !strings.HasPrefix(name, f.NamePrefix) {
		return false
	}
	for k, v := range f.Labels {
		got, ok := labels[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

// ListObjects lists the secrets or configs the filter selects, sorted by name. Of the versions
// of one rotation family (objects made by swarm_secret and swarm_config) it keeps only the
// current one, named by the family: that is what one resource manages.
func (c *Client) ListObjects(ctx context.Context, k Kind, f ListFilter) ([]Object, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return nil, err
	}
	out, err := listObjects(ctx, objectStoreFor(api, k), f)
	return out, c.Err(err)
}

func listObjects(ctx context.Context, s objectStore, f ListFilter) ([]Object, error) {
	all, err := s.list(ctx, f.engineFilters())
	if err != nil {
		return nil, err
	}
	current := map[string]int{} // family → index in out
	var out []Object
	for _, o := range all {
		name := o.Name
		if fam := o.Family(); fam != "" {
			name = fam
		}
		if !f.keep(name, o.Labels) {
			continue
		}
		fam := o.Family()
		if fam == "" {
			out = append(out, o)
			continue
		}
		if i, ok := current[fam]; ok {
			if o.Generation() > out[i].Generation() {
				out[i] = o
			}
			continue
		}
		current[fam] = len(out)
		out = append(out, o)
	}
	slices.SortStableFunc(out, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ListNetworks lists the swarm-scoped networks the filter selects, sorted by name, leaving out
// the ingress network (the swarm's own).
func (c *Client) ListNetworks(ctx context.Context, f ListFilter) ([]network.Summary, error) {
	api, err := c.Manager(ctx)
	if err != nil {
		return nil, err
	}
	out, err := listNetworks(ctx, api, f)
	return out, c.Err(err)
}

func listNetworks(ctx context.Context, api networkAPI, f ListFilter) ([]network.Summary, error) {
	filters := f.engineFilters().Add("scope", "swarm")
	res, err := api.NetworkList(ctx, client.NetworkListOptions{Filters: filters})
	if err != nil {
		return nil, fmt.Errorf("listing networks: %w", err)
	}
	var out []network.Summary
	for _, n := range res.Items {
		if n.Scope == "swarm" && !n.Ingress && f.keep(n.Name, n.Labels) {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(a, b network.Summary) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// volumeLister is the part of the Engine API ListVolumes uses.
type volumeLister interface {
	VolumeList(ctx context.Context, options client.VolumeListOptions) (client.VolumeListResult, error)
}

// ListVolumes lists the volumes of this client's engine that the filter selects, sorted by name.
func (c *Client) ListVolumes(ctx context.Context, f ListFilter) ([]volume.Volume, error) {
	api, err := c.Engine(ctx)
	if err != nil {
		return nil, err
	}
	out, err := listVolumes(ctx, api, f)
	return out, c.Err(err)
}

func listVolumes(ctx context.Context, api volumeLister, f ListFilter) ([]volume.Volume, error) {
	res, err := api.VolumeList(ctx, client.VolumeListOptions{Filters: f.engineFilters()})
	if err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	var out []volume.Volume
	for _, v := range res.Items {
		if f.keep(v.Name, v.Labels) {
			out = append(out, v)
		}
	}
	slices.SortStableFunc(out, func(a, b volume.Volume) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ListNodesFiltered lists the nodes whose hostname and node labels (the spec's, which
// swarm_node manages) the filter selects, sorted by hostname.
func (c *Client) ListNodesFiltered(ctx context.Context, f ListFilter) ([]swarm.Node, error) {
	all, err := c.ListNodes(ctx)
	if err != nil {
		return nil, err
	}
	var out []swarm.Node
	for _, n := range all {
		if f.keep(n.Description.Hostname, n.Spec.Labels) {
			out = append(out, n)
		}
	}
	slices.SortStableFunc(out, func(a, b swarm.Node) int { return strings.Compare(a.Description.Hostname, b.Description.Hostname) })
	return out, nil
}
