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

// checkJoinsNext checks a shared call: callers that ask while one is in flight share the next
// one (one in flight at a time), and none gets an answer sent before it asked. ask(i) is caller
// i's request (caller 0 asks first, alone); it returns the number of the send that answered it.
// sent counts the sends, which wait for release.
func checkJoinsNext(t *testing.T, callers int, sent *atomic.Int32, release chan struct{}, ask func(i int) int) {
	t.Helper()
	first := make(chan int, 1)
	go func() { first <- ask(0) }()
	for sent.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	// The others ask while the first call is in flight: they must not get its answer.
	var wg sync.WaitGroup
	got := make([]int, callers-1)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = ask(i + 1)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if n := sent.Load(); n != 1 {
		t.Fatalf("%d calls in flight, want 1", n)
	}
	close(release)
	wg.Wait()
	if n := <-first; n != 1 {
		t.Errorf("the first caller got answer %d", n)
	}
	for i, n := range got {
		if n != 2 {
			t.Errorf("caller %d got answer %d, want the one sent after it asked (2)", i+1, n)
		}
	}
	if n := sent.Load(); n != 2 {
		t.Errorf("%d calls sent for %d callers, want 2", n, callers)
	}
}

// TestSharedTaskList: see checkJoinsNext; filtered lists are not shared.
func TestSharedTaskList(t *testing.T) {
	t.Parallel()
	g := &gatedTasks{release: make(chan struct{})}
	s := &sharedTaskList{}
	ctx := context.Background()
	checkJoinsNext(t, 11, &g.sent, g.release, func(int) int {
		res, err := s.list(ctx, g)
		if err != nil {
			t.Error(err)
		}
		return len(res.Items)
	})

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
