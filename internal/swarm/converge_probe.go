package swarm

import (
	"context"
	"sync"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// statusProbe lets the convergence waits of one provider process share a cheap look at their
// services between full looks: one ServiceList with task counts (the Engine's service status:
// running, desired and completed tasks) for every service waited on, at most every probeSpacing
// however many waits ask. A wait looks fully (service and tasks) after pauses that grow to a
// second, so it learned that a service runs up to a second after it did; the probe cuts such a
// pause short when the service's counts change (see convWaiter.pause), at a fraction of the
// Engine's work of looking at each service fully that often. An apply of one service that runs
// in about two seconds returns half a second sooner; an apply of many services is bound by how
// fast the swarm starts tasks, and gains little.
//
// As sharedTaskList does, at most one list is in flight, waits that ask while one is on its way
// join the next, and no one gets an answer that the Engine gave before they asked.
type statusProbe struct {
	mu       sync.Mutex
	pending  *probeCall // not sent yet: whoever asks now adds its service to it
	flight   sync.Mutex // held while a list is in flight
	lastSent time.Time  // guarded by flight
}

// serviceStatusAPI is the part of the Engine API the probe uses.
type serviceStatusAPI interface {
	ServiceList(ctx context.Context, options client.ServiceListOptions) (client.ServiceListResult, error)
}

type probeCall struct {
	api  serviceStatusAPI
	ids  map[string]bool
	done chan struct{}
	res  map[string]swarm.ServiceStatus
	err  error
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
	p.mu.Lock()
	call := p.pending
	if call == nil || call.api != api {
		call = &probeCall{api: api, ids: map[string]bool{}, done: make(chan struct{})}
		if p.pending == nil {
			p.pending = call
		}
		go p.send(call)
	}
	call.ids[id] = true
	p.mu.Unlock()
	select {
	case <-call.done:
		st, ok = call.res[id]
		return st, ok, call.err
	case <-ctx.Done():
		return swarm.ServiceStatus{}, false, ctx.Err()
	}
}

func (p *statusProbe) send(call *probeCall) {
	p.flight.Lock()
	defer p.flight.Unlock()
	// Waits that ask meanwhile join this list.
	time.Sleep(time.Until(p.lastSent.Add(probeSpacing)))
	p.mu.Lock()
	if p.pending == call {
		p.pending = nil
	}
	filters := make(client.Filters)
	for id := range call.ids {
		filters.Add("id", id)
	}
	p.mu.Unlock()
	p.lastSent = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), sharedListTimeout)
	defer cancel()
	res, err := call.api.ServiceList(ctx, client.ServiceListOptions{Filters: filters, Status: true})
	call.err = err
	call.res = map[string]swarm.ServiceStatus{}
	for _, s := range res.Items {
		if s.ServiceStatus != nil {
			call.res[s.ID] = *s.ServiceStatus
		}
	}
	close(call.done)
}
