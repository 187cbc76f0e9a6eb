package swarm

import (
	"context"

	"github.com/moby/moby/client"
)

// sharedTaskList lets the removal waits of one provider process share their unfiltered task
// lists (a sharedCall). Terraform deletes services -parallelism at a time, and once a service is
// gone its wait can only list every task of the swarm (the Engine refuses a filter naming a
// service that no longer exists): ten waits each listing hundreds of tasks, several times a
// second, kept the managers busy while a destroy of many services was waiting for exactly them.
type sharedTaskList struct {
	calls sharedCall[convergeAPI, client.TaskListResult]
}

// list returns every task, as api.TaskList with no filter, from a list sent after the call began.
func (s *sharedTaskList) list(ctx context.Context, api convergeAPI) (client.TaskListResult, error) {
	return s.calls.do(ctx, api, "", 0, listAllTasks)
}

func listAllTasks(ctx context.Context, api convergeAPI, _ []string) (client.TaskListResult, error) {
	return api.TaskList(ctx, client.TaskListOptions{})
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
