package swarm

import (
	"context"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// sharedTaskList lets the removal waits of one provider process share their unfiltered task
// lists. Terraform deletes services -parallelism at a time, and once a service is gone its wait
// can only list every task of the swarm (the Engine refuses a filter naming a service that no
// longer exists): ten waits each listing hundreds of tasks, several times a second, kept the
// managers busy while a destroy of many services was waiting for exactly them. Waits that ask
// while a list is on its way join the next one, so at most one list is in flight, and no one gets
// an answer that the Engine gave before they asked.
type sharedTaskList struct {
	mu      sync.Mutex
	pending *taskListCall // not sent yet: whoever asks now joins it
	flight  sync.Mutex    // held while a list is in flight
}

type taskListCall struct {
	api  convergeAPI
	done chan struct{}
	res  client.TaskListResult
	err  error
}

// sharedListTimeout bounds one shared list, which no single caller's context governs.
const sharedListTimeout = time.Minute

// list returns every task, as api.TaskList with no filter, from a list sent after the call began.
func (s *sharedTaskList) list(ctx context.Context, api convergeAPI) (client.TaskListResult, error) {
	s.mu.Lock()
	call := s.pending
	if call == nil || call.api != api {
		call = &taskListCall{api: api, done: make(chan struct{})}
		if s.pending == nil {
			s.pending = call
		}
		go s.send(call)
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		return call.res, call.err
	case <-ctx.Done():
		return client.TaskListResult{}, ctx.Err()
	}
}

func (s *sharedTaskList) send(call *taskListCall) {
	s.flight.Lock()
	defer s.flight.Unlock()
	s.mu.Lock()
	if s.pending == call {
		s.pending = nil
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), sharedListTimeout)
	defer cancel()
	call.res, call.err = call.api.TaskList(ctx, client.TaskListOptions{})
	close(call.done)
}

// sharedTasksAPI is api with its unfiltered task lists shared through s.
type sharedTasksAPI struct {
	convergeAPI
	s *sharedTaskList
}

func (a sharedTasksAPI) TaskList(ctx context.Context, opts client.TaskListOptions) (client.TaskListResult, error) {
	if len(opts.Filters) > 0 {
		return a.convergeAPI.TaskList(ctx, opts)
	}
	return a.s.list(ctx, a.convergeAPI)
}
