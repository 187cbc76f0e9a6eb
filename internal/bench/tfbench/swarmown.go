package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"

	tfswarm "github.com/tfswarm/terraform-provider-swarm/internal/swarm"
	"github.com/tfswarm/terraform-provider-swarm/internal/testbed/bedenv"
)

// ownParallelism is how many API requests the swarm's own run has in flight at once. With 32, a
// loaded bed's managers timed out raft proposals when creating 500 services.
const ownParallelism = 16

// ownAttempts is how often the swarm's own run tries to create one service.
const ownAttempts = 3

// ownPollInterval is how often the swarm's own run looks whether it is done.
const ownPollInterval = 100 * time.Millisecond

// ownSpec is the service of servicesConfig, as the Engine's API takes it.
func ownSpec(name, image string, replicas uint64) swarm.ServiceSpec {
	return swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Name: name},
		Mode:         swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &replicas}},
		TaskTemplate: swarm.TaskSpec{ContainerSpec: &swarm.ContainerSpec{Image: image}},
		EndpointSpec: &swarm.EndpointSpec{Mode: swarm.ResolutionModeDNSRR},
	}
}

// pinnedImage is the test image as the provider runs it: pinned to the digest its tag points at,
// which the provider asks the registry for (resolve_image = "always", its default, as `docker
// service create` does). A node starts a task whose image names a digest it holds without asking
// the registry, and pulls a tag first (a round trip with the registry's password check, for every
// task): the swarm's own run names the same image as the provider's services, or it would be the
// swarm's pace for other services.
func pinnedImage(ctx context.Context, host string, reg bedenv.Registry) (string, error) {
	auth, err := reg.AuthHeader()
	if err != nil {
		return "", err
	}
	engine, err := tfswarm.New(tfswarm.Config{Endpoints: []tfswarm.Endpoint{{Host: host}}})
	if err != nil {
		return "", err
	}
	defer func() { _ = engine.Close() }()
	image := reg.Image("v1")
	digest, err := engine.ResolveDigest(ctx, image, auth)
	if err != nil {
		return "", err
	}
	return tfswarm.PinDigest(image, digest)
}

// ownRun is the swarm's own pace for n services of replicas tasks each, without Terraform or the
// provider: it creates them through the API directly and concurrently (with the registry's
// credentials, as the provider sends them), without waiting, then lists them until every one runs
// its task (one ServiceList with status per poll). It returns their IDs.
func ownRun(ctx context.Context, api *client.Client, reg bedenv.Registry, image string, n int, replicas uint64, prefix string) (map[string]bool, time.Duration, error) {
	auth, err := reg.AuthHeader()
	if err != nil {
		return nil, 0, err
	}
	create := client.ServiceCreateOptions{EncodedRegistryAuth: auth}
	start := time.Now()
	ids := make([]string, n)
	err = forEach(ctx, n, ownParallelism, func(i int) error {
		var err error
		opts := create
		opts.Spec = ownSpec(fmt.Sprintf("%s-%d", prefix, i), image, replicas)
		ids[i], err = createOwn(ctx, api, opts)
		return err
	})
	mine := map[string]bool{}
	for _, id := range ids {
		if id != "" {
			mine[id] = true
		}
	}
	if err != nil {
		return mine, 0, fmt.Errorf("creating the services: %w", err)
	}
	for {
		run, err := runningOwn(ctx, api, prefix, replicas)
		if err != nil {
			return mine, 0, err
		}
		running := 0
		for id := range run {
			if mine[id] {
				running++
			}
		}
		if running == n {
			return mine, time.Since(start), nil
		}
		if err := sleep(ctx, ownPollInterval); err != nil {
			return mine, 0, fmt.Errorf("waiting for %d services to run (%d do): %w", n, running, err)
		}
	}
}

// ownRunAt is the swarm's own pace for the same services when at most p are underway at once, as
// Terraform's -parallelism lets a provider that waits for convergence have them: p workers each
// create a service and wait until it runs before they create the next, and one ServiceList with
// task counts every ownPollInterval tells them all. No provider that waits for convergence under
// that -parallelism can be faster; the swarm may start tasks faster when it gets them all at once
// (ownRun). It returns the services' IDs.
func ownRunAt(ctx context.Context, api *client.Client, reg bedenv.Registry, image string, n, p int, replicas uint64, prefix string) (map[string]bool, time.Duration, error) {
	auth, err := reg.AuthHeader()
	if err != nil {
		return nil, 0, err
	}
	var mu sync.Mutex
	mine := map[string]bool{}
	waiting := map[string]chan struct{}{}
	pollCtx, stopPolling := context.WithCancel(ctx)
	defer stopPolling()
	var pollErr error
	failed := make(chan struct{}) // closed when a list failed (pollErr says why)
	go func() {
		for sleep(pollCtx, ownPollInterval) == nil {
			run, err := runningOwn(pollCtx, api, prefix, replicas)
			mu.Lock()
			if err != nil {
				if pollCtx.Err() == nil {
					pollErr = err
					close(failed)
				}
				mu.Unlock()
				return
			}
			for id := range run {
				if done, ok := waiting[id]; ok {
					close(done)
					delete(waiting, id)
				}
			}
			mu.Unlock()
		}
	}()
	start := time.Now()
	err = forEach(ctx, n, p, func(i int) error {
		done := make(chan struct{})
		id, err := createOwn(ctx, api, client.ServiceCreateOptions{EncodedRegistryAuth: auth, Spec: ownSpec(fmt.Sprintf("%s-%d", prefix, i), image, replicas)})
		if err != nil {
			return err
		}
		mu.Lock()
		mine[id] = true
		waiting[id] = done
		mu.Unlock()
		select {
		case <-done:
			return nil
		case <-failed:
			mu.Lock()
			defer mu.Unlock()
			return pollErr
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	took := time.Since(start)
	if err != nil {
		return mine, 0, fmt.Errorf("running the services %d at a time: %w", p, err)
	}
	return mine, took, nil
}

// runningOwn lists the services whose names start with prefix (one ServiceList with task counts)
// and returns the IDs of those that run replicas tasks.
func runningOwn(ctx context.Context, api *client.Client, prefix string, replicas uint64) (map[string]bool, error) {
	res, err := api.ServiceList(ctx, client.ServiceListOptions{Status: true, Filters: make(client.Filters).Add("name", prefix)})
	if err != nil {
		return nil, fmt.Errorf("listing the services: %w", err)
	}
	running := map[string]bool{}
	for _, s := range res.Items {
		if s.ServiceStatus != nil && s.ServiceStatus.RunningTasks >= replicas {
			running[s.ID] = true
		}
	}
	return running, nil
}

// ownRemoval removes the services of ownRun all concurrently and lists tasks until none of theirs
// is left (the destroy is timed to the same point).
func ownRemoval(ctx context.Context, api *client.Client, ids map[string]bool) (time.Duration, error) {
	list := make([]string, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	start := time.Now()
	if err := forEach(ctx, len(list), ownParallelism, func(i int) error {
		_, err := api.ServiceRemove(ctx, list[i], client.ServiceRemoveOptions{})
		return err
	}); err != nil {
		return 0, fmt.Errorf("removing the services: %w", err)
	}
	if err := waitTasksGone(ctx, api, ids); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// waitTasksGone lists tasks until none of the services in ids (by ID) has one left.
func waitTasksGone(ctx context.Context, api *client.Client, ids map[string]bool) error {
	for {
		res, err := api.TaskList(ctx, client.TaskListOptions{})
		if err != nil {
			return err
		}
		left := 0
		for _, t := range res.Items {
			if ids[t.ServiceID] {
				left++
			}
		}
		if left == 0 {
			return nil
		}
		if err := sleep(ctx, ownPollInterval); err != nil {
			return fmt.Errorf("waiting for the tasks of %d removed services to go (%d left): %w", len(ids), left, err)
		}
	}
}

// createOwn creates one service of the swarm's own run. A create that fails (a manager too busy
// to commit it in time) may still have happened: the service is looked up by name before the next
// attempt.
func createOwn(ctx context.Context, api *client.Client, opts client.ServiceCreateOptions) (string, error) {
	name := opts.Spec.Name
	var err error
	for range ownAttempts {
		var res client.ServiceCreateResult
		if res, err = api.ServiceCreate(ctx, opts); err == nil {
			return res.ID, nil
		}
		if got, ierr := api.ServiceInspect(ctx, name, client.ServiceInspectOptions{}); ierr == nil {
			return got.Service.ID, nil
		}
		if err := sleep(ctx, time.Second); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("service %s: %w", name, err)
}

// forEach runs f(0..n-1), p at a time, and returns the first error.
func forEach(ctx context.Context, n, p int, f func(i int) error) error {
	sem := make(chan struct{}, p)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(i); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
