package swarm

import (
	"context"
	"fmt"
	"maps"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// Secrets and configs are the two kinds of Swarm object that rotation.go keeps in families of
// versions. The Engine has one set of endpoints for each; objectStore hides the difference.

// objectsAPI is the part of the Engine API that secrets, configs and their rotation use.
type objectsAPI interface {
	client.SecretAPIClient
	client.ConfigAPIClient
	ServiceList(ctx context.Context, options client.ServiceListOptions) (client.ServiceListResult, error)
}

// objectStore reaches the secrets or the configs of the swarm.
type objectStore interface {
	kind() Kind
	inspect(ctx context.Context, id string) (Object, error)
	list(ctx context.Context, f client.Filters) ([]Object, error)
	create(ctx context.Context, o Object) (string, error)
	// setLabels changes the labels, the only change the Engine accepts. It inspects right before
	// it writes and retries when another writer got in between.
	setLabels(ctx context.Context, id string, labels map[string]string) error
	remove(ctx context.Context, id string) error
}

func objectStoreFor(api objectsAPI, k Kind) objectStore {
	if k == KindConfig {
		return configStore{api: api}
	}
	return secretStore{api: api}
}

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
	if err != nil {
		return Object{}, inspectErr("secret", id, err)
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

func (s secretStore) setLabels(ctx context.Context, id string, labels map[string]string) error {
	return retryOutOfSequence(ctx, outOfSequenceBackoff, func() error {
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

// configStore reaches Swarm configs through the Engine API.
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
	if err != nil {
		return Object{}, inspectErr("config", id, err)
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

// setLabels sends the inspected spec back (same data) with the new labels.
func (s configStore) setLabels(ctx context.Context, id string, labels map[string]string) error {
	return retryOutOfSequence(ctx, outOfSequenceBackoff, func() error {
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
