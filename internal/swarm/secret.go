package swarm

import (
	"context"
	"fmt"
	"maps"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// secretStore reaches secrets through the Engine API.
type secretStore struct{ api objectsAPI }

func (secretStore) kind() Kind { return KindSecret }

func secretObject(s swarm.Secret) Object {
	return Object{
		ID:        s.ID,
		Version:   s.Version.Index,
		Name:      s.Spec.Name,
		Labels:    s.Spec.Labels,
		Driver:    s.Spec.Driver,
		Template:  s.Spec.Templating,
		CreatedAt: s.CreatedAt,
	}
}

func (s secretStore) inspect(ctx context.Context, id string) (Object, error) {
	res, err := s.api.SecretInspect(ctx, id, client.SecretInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return Object{}, fmt.Errorf("secret %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Object{}, fmt.Errorf("inspecting secret %s: %w", id, err)
	}
	return secretObject(res.Secret), nil
}

func (s secretStore) list(ctx context.Context, f client.Filters) ([]Object, error) {
	res, err := s.api.SecretList(ctx, client.SecretListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("listing secrets: %w", err)
	}
	out := make([]Object, len(res.Items))
	for i, it := range res.Items {
		out[i] = secretObject(it)
	}
	return out, nil
}

func (s secretStore) create(ctx context.Context, o Object) (string, error) {
	res, err := s.api.SecretCreate(ctx, client.SecretCreateOptions{Spec: swarm.SecretSpec{
		Annotations: swarm.Annotations{Name: o.Name, Labels: o.Labels},
		Data:        o.Data,
		Driver:      o.Driver,
		Templating:  o.Template,
	}})
	if err != nil {
		return "", fmt.Errorf("creating secret %s: %w", o.Name, err)
	}
	return res.ID, nil
}

// setLabels changes the labels of a secret, the only change the Engine accepts. It inspects right
// before it writes and retries when another writer got in between.
func (s secretStore) setLabels(ctx context.Context, id string, labels map[string]string) error {
	return retryObjectUpdate(ctx, func() error {
		res, err := s.api.SecretInspect(ctx, id, client.SecretInspectOptions{})
		if err != nil {
			return err
		}
		spec := res.Secret.Spec
		spec.Labels = maps.Clone(labels)
		spec.Data = nil // the Engine refuses any spec that carries data
		_, err = s.api.SecretUpdate(ctx, id, client.SecretUpdateOptions{Version: res.Secret.Version, Spec: spec})
		return err
	})
}

func (s secretStore) remove(ctx context.Context, id string) error {
	_, err := s.api.SecretRemove(ctx, id, client.SecretRemoveOptions{})
	return err
}
