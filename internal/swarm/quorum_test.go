package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/client"
)

// The Engine's own words (Engine 20.10, daemon/cluster): the refusals of a manager that has just
// restarted, of an engine whose swarm component has not started yet, and of a worker; and the
// gRPC status of a swarm request that ran out of the manager's 20 s while it waited for a leader.
const (
	engineNotManagerPreparing = "This node is not a swarm manager. Manager is being prepared or has trouble connecting to the cluster."
	engineNotManagerNoSwarm   = `This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.`
	engineNotManagerWorker    = "This node is not a swarm manager. Worker nodes can't be used to view or modify cluster state. Please run this command on a manager node or promote the current node to a manager."
	engineDeadline            = "rpc error: code = DeadlineExceeded desc = context deadline exceeded"
	engineNoLeader            = "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online. Make sure more than half of the managers are online."
	// An engine that is stopping, after its swarm component has gone (seen on the fault swarm).
	engineManagerStopping = `rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /var/run/docker/swarm/control.sock: connect: no such file or directory"`
)

// engineErrorBody is an Engine error response's body.
func engineErrorBody(msg string) string {
	b, _ := json.Marshal(map[string]string{"message": msg})
	return string(b)
}

// TestLeaderRetryNotManager: an engine that answers "not a swarm manager" (503) is asked again,
// for each of the Engine's wordings, until it serves.
func TestLeaderRetryNotManager(t *testing.T) {
	for _, msg := range []string{engineNotManagerPreparing, engineNotManagerNoSwarm, engineNotManagerWorker, engineManagerStopping} {
		t.Run(msg[:40], func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= 2 {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = io.WriteString(w, engineErrorBody(msg))
					return
				}
				_, _ = io.WriteString(w, "ok")
			}))
			defer srv.Close()
			hc := &http.Client{Transport: &leaderRetry{next: http.DefaultTransport, wait: 5 * time.Second, interval: 10 * time.Millisecond}}
			resp, err := hc.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || calls.Load() != 3 {
				t.Errorf("status %d after %d calls, want 200 after 3", resp.StatusCode, calls.Load())
			}
		})
	}
}

// TestLeaderRetryDeadlineSaysWhy: when the caller's time runs out while the swarm has no leader,
// the error says what the Engine said, not only "context deadline exceeded": whether the time runs
// out in the pause between two tries or while a re-sent request is on its way. The deadline is
// far beyond the first answer, so a slow machine cannot end the test before the Engine spoke.
func TestLeaderRetryDeadlineSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name     string
		interval time.Duration
		hang     bool // the second request gets no answer
	}{
		{name: "in the pause", interval: time.Minute},
		{name: "during a re-sent request", interval: time.Millisecond, hang: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 1 && tc.hang {
					<-r.Context().Done()
					return
				}
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = io.WriteString(w, engineErrorBody(engineNoLeader))
			}))
			defer srv.Close()
			hc := &http.Client{Transport: &leaderRetry{next: http.DefaultTransport, wait: 5 * time.Minute, interval: tc.interval}}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			_, err := hc.Do(req) //nolint:bodyclose // no response on error
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "does not have a leader") {
				t.Fatalf("err = %v after %d calls, want the deadline and the Engine's message", err, calls.Load())
			}
			if !isQuorumSymptom(err) {
				t.Errorf("not recognised as a quorum symptom: %v", err)
			}
		})
	}
}

// notManagerEngine is a manager that, after the client chose it, answers swarm requests as a
// manager that has just restarted.
type notManagerEngine struct {
	fakeEngine
	refuse atomic.Bool
	words  string        // the refusal; engineNotManagerPreparing when empty
	hold   time.Duration // how long a /version call takes
}

func (f *notManagerEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.refuse.Load() && strings.Contains(r.URL.Path, "/services/") {
		f.requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		words := f.words
		if words == "" {
			words = engineNotManagerPreparing
		}
		_, _ = io.WriteString(w, engineErrorBody(words))
		return
	}
	if strings.HasSuffix(r.URL.Path, "/version") {
		time.Sleep(f.hold)
	}
	f.fakeEngine.ServeHTTP(w, r)
}

// TestManagerNotManagerFailsOver: the read-back after a create meets the first manager just back
// from a restart ("not a swarm manager"), or one that is stopping: the request goes to the next
// engine of hosts and succeeds there, and later requests stay there.
func TestManagerNotManagerFailsOver(t *testing.T) {
	for _, words := range []string{engineNotManagerPreparing, engineManagerStopping} {
		t.Run(words[:40], func(t *testing.T) { testManagerNotManagerFailsOver(t, words) })
	}
}

func testManagerNotManagerFailsOver(t *testing.T, words string) {
	ctx := context.Background()
	first := &notManagerEngine{fakeEngine: fakeEngine{swarmHeader: "active/manager"}, words: words, hold: 100 * time.Millisecond}
	firstHost, _ := serveUnix(t, first)
	second := &fakeEngine{swarmHeader: "active/manager"}
	secondHost, _ := serveUnix(t, second)
	c, err := New(Config{Endpoints: []Endpoint{{Host: firstHost}, {Host: secondHost}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	api, err := c.Manager(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Calls at once leave several connections to the first engine in the pool.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = api.ServerVersion(ctx, serverVersionOptions()) })
	}
	wg.Wait()
	first.refuse.Store(true)
	before := first.requests.Load()
	if _, err := c.InspectService(ctx, "svc"); err != nil {
		t.Fatalf("InspectService: %v", err)
	}
	// One refusal is enough: the other connections to that engine are dropped with it (each
	// refusal costs a pause before the request is sent again).
	if got := first.requests.Load() - before; got != 1 || second.requests.Load() == 0 {
		t.Fatalf("the first engine refused %d times and the second got %d requests; want 1 refusal, then the second", got, second.requests.Load())
	}
	refused := first.requests.Load()
	for range 4 {
		if _, err := api.ServiceInspect(ctx, "svc", client.ServiceInspectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if first.requests.Load() != refused {
		t.Errorf("%d later requests went back to the engine that is not a manager (its idle connections were kept)", first.requests.Load()-refused)
	}
}

// TestManagerNotManagerOneHost: with one host, a manager that is being prepared is waited for.
func TestManagerNotManagerOneHost(t *testing.T) {
	ctx := context.Background()
	e := &notManagerEngine{fakeEngine: fakeEngine{swarmHeader: "active/manager"}}
	host, _ := serveUnix(t, e)
	c, err := New(Config{Endpoints: []Endpoint{{Host: host}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Manager(ctx); err != nil {
		t.Fatal(err)
	}
	e.refuse.Store(true)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		e.refuse.Store(false)
	}()
	if _, err := c.InspectService(ctx, "svc"); err != nil {
		t.Fatalf("InspectService while the manager came back: %v", err)
	}
	if e.requests.Load() < 2 {
		t.Errorf("%d requests: the refusal was not retried", e.requests.Load())
	}
}

// engineErr is the error the Engine client makes of an Engine error response.
func engineErr(t *testing.T, status int, msg string) error {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, engineErrorBody(msg))
	}))
	defer srv.Close()
	api, err := client.New(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithAPIVersion("1.41"))
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	_, err = api.ServiceUpdate(context.Background(), "svc", client.ServiceUpdateOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	return err
}

func TestIsQuorumSymptom(t *testing.T) {
	cases := map[string]struct {
		err  error
		want bool
	}{
		"the manager's deadline":   {engineErr(t, 500, engineDeadline), true},
		"no leader":                {engineErr(t, 503, engineNoLeader), true},
		"our own deadline":         {context.DeadlineExceeded, false},
		"cancelled by the user":    {context.Canceled, false},
		"an unrelated error":       {engineErr(t, 500, "something else broke"), false},
		"not found":                {engineErr(t, 404, "service svc not found"), false},
		"already explained":        {&QuorumError{Err: errors.New(engineNoLeader)}, false},
		"nil":                      {nil, false},
		"wrapped manager deadline": {errors.Join(errors.New("updating service x"), engineErr(t, 500, engineDeadline)), true},
	}
	for name, tc := range cases {
		if got := isQuorumSymptom(tc.err); got != tc.want {
			t.Errorf("%s: isQuorumSymptom(%v) = %v, want %v", name, tc.err, got, tc.want)
		}
	}
}

// fakeQuorumAPI answers NodeList and Info as a manager of a swarm in trouble.
type fakeQuorumAPI struct {
	nodes   []swarm.Node
	listErr error
	info    swarm.Info
	infoErr error
	listed  int
}

func (f *fakeQuorumAPI) NodeList(context.Context, client.NodeListOptions) (client.NodeListResult, error) {
	f.listed++
	return client.NodeListResult{Items: f.nodes}, f.listErr
}

func (f *fakeQuorumAPI) Info(context.Context, client.InfoOptions) (client.SystemInfoResult, error) {
	var r client.SystemInfoResult
	r.Info.Swarm = f.info
	return r, f.infoErr
}

func managerNode(host, addr string, leader bool, r swarm.Reachability) swarm.Node {
	return swarm.Node{
		Description:   swarm.NodeDescription{Hostname: host},
		ManagerStatus: &swarm.ManagerStatus{Leader: leader, Reachability: r, Addr: addr},
	}
}

func TestExplainQuorum(t *testing.T) {
	ctx := context.Background()
	cause := engineErr(t, 500, engineDeadline)
	down := func(_ context.Context, addr string) bool { return addr == "10.77.0.41:2377" }

	t.Run("the leader has not noticed yet", func(t *testing.T) {
		api := &fakeQuorumAPI{nodes: []swarm.Node{
			managerNode("fm1", "10.77.0.41:2377", true, swarm.ReachabilityReachable),
			managerNode("fm3", "10.77.0.43:2377", false, swarm.ReachabilityUnreachable),
			managerNode("fm2", "10.77.0.42:2377", false, swarm.ReachabilityUnreachable),
		}}
		err := explainQuorum(ctx, api, "unix:///fm1.sock", cause, down)
		var qe *QuorumError
		if !errors.As(err, &qe) {
			t.Fatalf("err = %v, want a *QuorumError", err)
		}
		want := "the swarm has no leader: it has lost its quorum, 1 of 3 managers reachable where 2 are needed; managers unreachable: fm2 (10.77.0.42:2377), fm3 (10.77.0.43:2377)."
		if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "unix:///fm1.sock said: "+cause.Error()) {
			t.Errorf("message:\n%s\nwant it to begin with:\n%s", err, want)
		}
		if !errors.Is(err, cause) {
			t.Errorf("the Engine's error is not wrapped")
		}
	})
	t.Run("no leader: the engine's peers, probed", func(t *testing.T) {
		api := &fakeQuorumAPI{
			listErr: engineErr(t, 503, engineNoLeader),
			info: swarm.Info{NodeID: "id1", RemoteManagers: []swarm.Peer{
				{NodeID: "id2", Addr: "10.77.0.42:2377"}, {NodeID: "id1", Addr: "10.77.0.41:2377"}, {NodeID: "id3", Addr: "10.77.0.43:2377"},
			}},
		}
		err := explainQuorum(ctx, api, "unix:///fm1.sock", cause, func(context.Context, string) bool { return false })
		var qe *QuorumError
		if !errors.As(err, &qe) || !qe.Probed {
			t.Fatalf("err = %v, want a probed *QuorumError", err)
		}
		// Told there is no leader, it does not ask for the node list.
		api.listed = 0
		if err := explainQuorum(ctx, api, "unix:///fm1.sock", engineErr(t, 503, engineNoLeader), func(context.Context, string) bool { return false }); !errors.As(err, &qe) || api.listed != 0 {
			t.Errorf("after a no-leader answer: err = %v, node list asked %d times", err, api.listed)
		}
		want := "1 of 3 managers reachable where 2 are needed; managers not answering on their swarm port from here: id2 (10.77.0.42:2377), id3 (10.77.0.43:2377)."
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message:\n%s\nwant:\n%s", err, want)
		}
	})
	t.Run("a healthy swarm: the error as it was", func(t *testing.T) {
		api := &fakeQuorumAPI{nodes: []swarm.Node{
			managerNode("fm1", "10.77.0.41:2377", true, swarm.ReachabilityReachable),
			managerNode("fm2", "10.77.0.42:2377", false, swarm.ReachabilityReachable),
			managerNode("fm3", "10.77.0.43:2377", false, swarm.ReachabilityUnreachable),
		}}
		if err := explainQuorum(ctx, api, "h", cause, down); err != cause { //nolint:errorlint // the same error
			t.Errorf("err = %v, want the cause unchanged", err)
		}
	})
	t.Run("nothing to learn", func(t *testing.T) {
		api := &fakeQuorumAPI{listErr: errors.New("x"), infoErr: errors.New("y")}
		if err := explainQuorum(ctx, api, "h", cause, down); err != cause { //nolint:errorlint // the same error
			t.Errorf("err = %v, want the cause unchanged", err)
		}
	})
}
