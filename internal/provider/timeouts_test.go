package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// An error names the timeout to raise exactly when a wait bounded by it ran out.
func TestTimeoutErr(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	const named = "the swarm_node update did not finish within its timeout (`timeouts.update`): "
	tests := map[string]struct {
		ctx   context.Context
		err   error
		named bool
	}{
		"poll ran out":      {context.Background(), fmt.Errorf("%w after 1s waiting for node n1 to become a manager", swarm.ErrTimeout), true},
		"deadline":          {context.Background(), fmt.Errorf("stopped waiting: %w", context.DeadlineExceeded), true},
		"context ran out":   {expired, errors.New("connection reset"), true},
		"network waited":    {context.Background(), &swarm.NetworkInUseError{Network: "n", Waited: time.Second, Err: errEngine, TimedOut: true}, true},
		"volume waited":     {context.Background(), &swarm.VolumeInUseError{Volume: "v", Containers: []string{"t.1"}, Err: errEngine, Waited: time.Second}, true},
		"network in use":    {context.Background(), &swarm.NetworkInUseError{Network: "n", Err: errEngine}, false},
		"volume not waited": {context.Background(), &swarm.VolumeInUseError{Volume: "v", Containers: []string{"db"}, Err: errEngine}, false},
		"other error":       {context.Background(), errEngine, false},
		"cancelled":         {context.Background(), context.Canceled, false},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got := timeoutErr(tt.ctx, "swarm_node", "update", tt.err)
			if !strings.HasSuffix(got, tt.err.Error()) {
				t.Errorf("%q lost the error %q", got, tt.err)
			}
			if strings.HasPrefix(got, named) != tt.named {
				t.Errorf("timeoutErr = %q, naming the timeout: want %v", got, tt.named)
			}
		})
	}
}
