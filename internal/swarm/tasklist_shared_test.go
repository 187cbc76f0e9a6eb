package swarm

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// gatedTasks answers each TaskList with the number of lists sent before it, once release lets it.
type gatedTasks struct {
	convergeAPI
	sent    atomic.Int32
	release chan struct{}
}

func (g *gatedTasks) TaskList(context.Context, client.TaskListOptions) (client.TaskListResult, error) {
	n := g.sent.Add(1)
	<-g.release
	return client.TaskListResult{Items: make([]swarm.Task, n)}, nil
}

// TestSharedTaskList: waits that ask while a list is in flight share the next one (one list in
// flight at a time), and none gets a list sent before it asked.
func TestSharedTaskList(t *testing.T) {
	t.Parallel()
	g := &gatedTasks{release: make(chan struct{})}
	s := &sharedTaskList{}
	ctx := context.Background()

	first := make(chan int, 1)
	go func() {
		res, _ := s.list(ctx, g)
		first <- len(res.Items)
	}()
	for g.sent.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// Ten more ask while the first list is in flight: they must not get it.
	var wg sync.WaitGroup
	got := make([]int, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.list(ctx, g)
			if err != nil {
				t.Error(err)
			}
			got[i] = len(res.Items)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if n := g.sent.Load(); n != 1 {
		t.Fatalf("%d lists in flight, want 1", n)
	}
	close(g.release)
	wg.Wait()
	if n := <-first; n != 1 {
		t.Errorf("the first caller got list %d", n)
	}
	for i, n := range got {
		if n != 2 {
			t.Errorf("caller %d got list %d, want the one sent after it asked (2)", i, n)
		}
	}
	if n := g.sent.Load(); n != 2 {
		t.Errorf("%d lists sent for 11 callers, want 2", n)
	}

	// A filtered list is not shared.
	f := &fakeAPI{allTasks: []swarm.Task{{ID: "t1"}}}
	a := sharedTasksAPI{convergeAPI: f, s: s}
	if _, err := a.TaskList(ctx, client.TaskListOptions{Filters: make(client.Filters).Add("service", "x")}); err != nil {
		t.Fatal(err)
	}
	if res, err := a.TaskList(ctx, client.TaskListOptions{}); err != nil || len(res.Items) != 1 {
		t.Fatalf("%v %v", res, err)
	}
	if len(f.filters) != 2 || len(f.filters[0]) == 0 || len(f.filters[1]) != 0 {
		t.Errorf("filters sent: %v", f.filters)
	}

	// A caller whose context ends stops waiting.
	g2 := &gatedTasks{release: make(chan struct{})}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := s.list(cctx, g2); err == nil {
		t.Error("want the context's error")
	}
	close(g2.release)
}
