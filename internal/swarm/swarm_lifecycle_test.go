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

// initEngine is an engine whose init outlasts its caller: it answers /swarm/init only when the
// request ends, and its node is then pending for a moment and active after that when goesOn, or
// stays out of any swarm when not.
type initEngine struct {
	fakeEngine
	goesOn bool
	inits  atomic.Int32
	infos  atomic.Int32
	got    chan struct{} // closed when the init arrived
}

func (f *initEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/swarm/init"):
		f.inits.Add(1)
		close(f.got)
		<-r.Context().Done()
	case strings.HasSuffix(r.URL.Path, "/info") && f.inits.Load() > 0:
		state := `"inactive","NodeID":""`
		if f.goesOn {
			state = `"pending","NodeID":""`
			if f.infos.Add(1) > 1 {
				state = `"active","NodeID":"node1"`
			}
		}
		_, _ = io.WriteString(w, `{"ID":"x","Swarm":{"LocalNodeState":`+state+`}}`)
	default:
		f.fakeEngine.ServeHTTP(w, r)
	}
}

// TestInitSwarmOutlived: an init whose caller stopped waiting (here: interrupted once the engine
// has the request) says whether the engine went on with it, and as which node; an engine that did
// not keeps the caller's error as it was.
func TestInitSwarmOutlived(t *testing.T) {
	t.Parallel()
	for _, goesOn := range []bool{true, false} {
		engine := &initEngine{goesOn: goesOn, got: make(chan struct{})}
		host, _ := serveUnix(t, engine)
		c, err := New(Config{Endpoints: []Endpoint{{Host: host}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-engine.got
			cancel()
		}()
		nodeID, err := c.InitSwarm(ctx, client.SwarmInitOptions{ListenAddr: "0.0.0.0:2377"})
		cancel()
		_ = c.Close()
		var late *InitOutlivedError
		switch {
		case !errors.Is(err, context.Canceled):
			t.Errorf("goesOn=%v: want the interruption in the error, got %v", goesOn, err)
		case goesOn && (!errors.As(err, &late) || late.NodeID != "node1" || nodeID != "node1"):
			t.Errorf("want the init outlived by node1, got %q, %v", nodeID, err)
		case goesOn && !strings.Contains(err.Error(), "went on with the init and is now node node1"):
			t.Errorf("message: %v", err)
		case !goesOn && (errors.As(err, &late) || nodeID != ""):
			t.Errorf("an engine out of any swarm: got %q, %v", nodeID, err)
		}
	}
}
