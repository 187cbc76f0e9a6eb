package swarm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// TestLeaderRetry checks that a request refused for want of a leader is sent again, with its
// body, and that other errors come back at once.
func TestLeaderRetry(t *testing.T) {
	cases := map[string]struct {
		failures  int32
		message   string
		wantCalls int32
		wantCode  int
	}{
		"no leader, then elected": {failures: 2, message: "rpc error: code = Unknown desc = The swarm does not have a leader. It's possible that too few managers are online.", wantCalls: 3, wantCode: 200},
		"raft without leader":     {failures: 1, message: "raft: no elected cluster leader", wantCalls: 2, wantCode: 200},
		// The leader stepped down under the request, as when two of three managers stop.
		"leader lost its status": {failures: 1, message: "rpc error: code = Unknown desc = raft: failed to process the request: node lost leader status", wantCalls: 2, wantCode: 200},
		"other server error":     {failures: 5, message: "something else broke", wantCalls: 1, wantCode: 500},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				body, _ := io.ReadAll(r.Body)
				if string(body) != `{"x":1}` {
					t.Errorf("call %d: body %q", n, body)
				}
				if n <= tc.failures {
					http.Error(w, `{"message":"`+tc.message+`"}`, http.StatusInternalServerError)
					return
				}
				_, _ = w.Write([]byte("ok"))
			}))
			defer srv.Close()
			hc := &http.Client{Transport: &leaderRetry{next: http.DefaultTransport, wait: 5 * time.Second, interval: 10 * time.Millisecond}}
			resp, err := hc.Post(srv.URL, "application/json", strings.NewReader(`{"x":1}`))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantCode || calls.Load() != tc.wantCalls {
				t.Errorf("status %d after %d calls (body %q), want %d after %d", resp.StatusCode, calls.Load(), body, tc.wantCode, tc.wantCalls)
			}
			if tc.wantCode == 500 && !strings.Contains(string(body), tc.message) {
				t.Errorf("the error body was lost: %q", body)
			}
		})
	}
}

// initEngine is an engine whose init gives no answer: it holds /swarm/init until the request ends,
// or with drop closes the connection without an answer. Its node is then pending for a moment, and
// active in a swarm created at created after that, or in no swarm when created is zero.
type initEngine struct {
	fakeEngine
	drop    bool
	created time.Time
	inits   atomic.Int32
	infos   atomic.Int32
	got     chan struct{} // closed when the init arrived
}

func (f *initEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/swarm/init"):
		f.inits.Add(1)
		close(f.got)
		if f.drop {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		}
		<-r.Context().Done()
	case strings.HasSuffix(r.URL.Path, "/info") && f.inits.Load() > 0:
		state := `"LocalNodeState":"inactive"`
		if !f.created.IsZero() {
			state = `"LocalNodeState":"pending"`
			if f.infos.Add(1) > 1 {
				state = `"LocalNodeState":"active","NodeID":"node1","Cluster":{"ID":"swarm1","CreatedAt":"` + f.created.UTC().Format(time.RFC3339Nano) + `"}`
			}
		}
		_, _ = io.WriteString(w, `{"ID":"x","Swarm":{`+state+`}}`)
	default:
		f.fakeEngine.ServeHTTP(w, r)
	}
}

// TestInitSwarmOutlived: an init that got no answer (interrupted once the engine has the request,
// or its connection closed) says whether the engine went on with it, and as which node. An engine
// in no swarm, or in a swarm from before the init, leaves the error as it was: that swarm is not
// the init's.
func TestInitSwarmOutlived(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		drop     bool
		swarm    string // the engine's swarm after the init: "" none, "new" or "old" (an hour old)
		outlived bool
	}{
		"interrupted, went on":             {swarm: "new", outlived: true},
		"answer lost, went on":             {drop: true, swarm: "new", outlived: true},
		"interrupted, no swarm":            {},
		"answer lost, a swarm from before": {drop: true, swarm: "old"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			engine := &initEngine{drop: tc.drop, got: make(chan struct{})}
			switch tc.swarm {
			case "new":
				engine.created = time.Now()
			case "old":
				engine.created = time.Now().Add(-time.Hour)
			}
			host, _ := serveUnix(t, engine)
			c, err := New(Config{Endpoints: []Endpoint{{Host: host}}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if !tc.drop {
				go func() {
					<-engine.got
					cancel()
				}()
			}
			nodeID, err := c.InitSwarm(ctx, client.SwarmInitOptions{ListenAddr: "0.0.0.0:2377"})
			var late *InitOutlivedError
			switch {
			case err == nil || (!tc.drop && !errors.Is(err, context.Canceled)):
				t.Errorf("want the init's error, got %q, %v", nodeID, err)
			case tc.outlived && (!errors.As(err, &late) || late.NodeID != "node1" || nodeID != "node1"):
				t.Errorf("want the init outlived by node1, got %q, %v", nodeID, err)
			case tc.outlived && !strings.Contains(err.Error(), "went on with the init and is now node node1"):
				t.Errorf("message: %v", err)
			case !tc.outlived && (errors.As(err, &late) || nodeID != ""):
				t.Errorf("not the init's swarm: got %q, %v", nodeID, err)
			}
		})
	}
}
