package swarm

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
