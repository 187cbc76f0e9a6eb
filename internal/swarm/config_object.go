package swarm

import (
	"context"
	"fmt"
	"maps"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// configStore reaches Swarm configs through the Engine API. (config.go is the provider's
// connection configuration; this file is about Swarm config objects.)
type configStore struct{ api objectsAPI }

func (configStore) kind() Kind { return KindConfig }

func configObject(c swarm.Config) Object {
	return Object{
		ID:        c.ID,
		Version:   c.Version.Index,
		Name:      c.Spec.Name,
		Labels:    c.Spec.Labels,
		Data:      c.Spec.Data,
		Template:  c.Spec.Templating,
		CreatedAt: c.CreatedAt,
	}
}

func (s configStore) inspect(ctx context.Context, id string) (Object, error) {
	res, err := s.api.ConfigInspect(ctx, id, client.ConfigInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return Object{}, fmt.Errorf("config %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Object{}, fmt.Errorf("inspecting config %s: %w", id, err)
	}
	return configObject(res.Config), nil
}

func (s configStore) list(ctx context.Context, f client.Filters) ([]Object, error) {
	res, err := s.api.ConfigList(ctx, client.ConfigListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("listing configs: %w", err)
	}
	out := make([]Object, len(res.Items))
	for i, it := range res.Items {
		out[i] = configObject(it)
	}
	return out, nil
}

func (s configStore) create(ctx context.Context, o Object) (string, error) {
	res, err := s.api.ConfigCreate(ctx, client.ConfigCreateOptions{Spec: swarm.ConfigSpec{
		Annotations: swarm.Annotations{Name: o.Name, Labels: o.Labels},
		Data:        o.Data,
		Templating:  o.Template,
	}})
	if err != nil {
		return "", fmt.Errorf("creating config %s: %w", o.Name, err)
	}
	return res.ID, nil
}

// setLabels changes the labels of a config, the only change the Engine accepts. It sends the
// inspected spec back (same data) with the current version, and retries when another writer got
// in between.
func (s configStore) setLabels(ctx context.Context, id string, labels map[string]string) error {
	return retryObjectUpdate(ctx, func() error {
		res, err := s.api.ConfigInspect(ctx, id, client.ConfigInspectOptions{})
		if err != nil {
			return err
		}
		spec := res.Config.Spec
		spec.Labels = maps.Clone(labels)
		_, err = s.api.ConfigUpdate(ctx, id, client.ConfigUpdateOptions{Version: res.Config.Version, Spec: spec})
		return err
	})
}

func (s configStore) remove(ctx context.Context, id string) error {
	_, err := s.api.ConfigRemove(ctx, id, client.ConfigRemoveOptions{})
	return err
}
