package swarm

import (
	"context"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// statusProbe lets the convergence waits of one provider process share a cheap look at their
// services between full looks: one ServiceList with task counts (the Engine's service status:
// running, desired and completed tasks) for every service waited on, at most every probeSpacing
// however many waits ask (a sharedCall, keyed by service ID). A wait looks fully (service and
// tasks) after pauses that grow to a second, so it learned that a service runs up to a second
// after it did; the probe cuts such a pause short when the service's counts change (see
// convWaiter.pause), at a fraction of the Engine's work of looking at each service fully that
// often. An apply of one service that runs in about two seconds returns half a second sooner; an
// apply of many services is bound by how fast the swarm starts tasks, and gains little.
type statusProbe struct {
	calls sharedCall[serviceStatusAPI, map[string]swarm.ServiceStatus]
}

// serviceStatusAPI is the part of the Engine API the probe uses.
type serviceStatusAPI interface {
	ServiceList(ctx context.Context, options client.ServiceListOptions) (client.ServiceListResult, error)
}

const (
	// probeInterval is how often a wait looks at the probe between its full looks.
	probeInterval = 200 * time.Millisecond
	// probeSpacing is the least time between two lists of the probe.
	probeSpacing = 100 * time.Millisecond
)

// status returns the service's task counts from a list sent after the call began; ok is false
// when the list did not hold the service (gone, or an Engine that does not count tasks).
func (p *statusProbe) status(ctx context.Context, api serviceStatusAPI, id string) (st swarm.ServiceStatus, ok bool, err error) {
	res, err := p.calls.do(ctx, api, id, probeSpacing, listStatuses)
	st, ok = res[id]
	return st, ok, err
}

// listStatuses lists the task counts of the services ids.
func listStatuses(ctx context.Context, api serviceStatusAPI, ids []string) (map[string]swarm.ServiceStatus, error) {
	filters := make(client.Filters)
	for _, id := range ids {
		filters.Add("id", id)
	}
	res, err := api.ServiceList(ctx, client.ServiceListOptions{Filters: filters, Status: true})
	statuses := map[string]swarm.ServiceStatus{}
	for _, s := range res.Items {
		if s.ServiceStatus != nil {
			statuses[s.ID] = *s.ServiceStatus
		}
	}
	return statuses, err
}
