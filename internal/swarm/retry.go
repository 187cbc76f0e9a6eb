package swarm

import (
	"context"
	"fmt"
	"time"
)

// Every write of a service, node, the swarm, a secret or a config sends the version it has just
// read; when another writer got in between, the manager refuses it as out of sequence. The one
// policy for that: read again and write again, at most outOfSequenceAttempts times in all, pausing
// outOfSequenceBackoff, then twice as long each time (0.1 s, 0.2 s, 0.4 s, 0.8 s: 1.5 s at most).
const (
	outOfSequenceAttempts = 5
	outOfSequenceBackoff  = 100 * time.Millisecond
)

// retryOutOfSequence runs write (an inspect followed by a write with the version just read) until
// it succeeds, fails with anything but "update out of sequence", or has lost the race
// outOfSequenceAttempts times; it returns the last error. backoff is the first pause (tests pass
// 0). When ctx ends during a pause it returns ctx's error together with the last one.
func retryOutOfSequence(ctx context.Context, backoff time.Duration, write func() error) error {
	for attempt := 1; ; attempt++ {
		err := write()
		if err == nil || !isOutOfSequence(err) {
			return err
		}
		if attempt == outOfSequenceAttempts {
			return fmt.Errorf("still out of sequence after %d attempts: %w", attempt, err)
		}
		if perr := pause(ctx, backoff<<(attempt-1)); perr != nil {
			return fmt.Errorf("%w (the last attempt: %w)", perr, err)
		}
	}
}

// pause sleeps for d, or less when ctx ends first; it then returns ctx's error.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pollInterval is how often pollUntil looks again.
var pollInterval = 500 * time.Millisecond

// pollUntil calls check until it says done, fails, or timeout passes. what names the condition in
// the timeout error, which wraps ErrTimeout.
func pollUntil(ctx context.Context, timeout time.Duration, what string, check func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %s waiting for %s", ErrTimeout, timeout, what)
		}
		if err := pause(ctx, pollInterval); err != nil {
			return err
		}
	}
}
