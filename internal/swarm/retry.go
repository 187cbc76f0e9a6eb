package swarm

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
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

// After a create whose answer did not arrive (the engine stopped, the connection broke), the
// object may exist all the same. lookUpAfterCreate looks it up by name, for at most
// createLookupWait while the engines do not answer; the caller adopts an object of that name that
// the manager created no earlier than adoptSlack before the create was sent (madeBy), unless the
// Engine's answer was a refusal (createRefused): names of services, networks, secrets and configs
// are unique in a swarm, so that object is the one the create made. An older object of that name,
// or one that a refusal names, is someone else's: the error says how to import it.
const (
	createLookupWait = time.Minute
	adoptSlack       = 5 * time.Second
)

// lookUpAfterCreate calls find until it answers (found, or ErrNotFound), lookupWait passes, or ctx
// ends, pausing interval between tries, and returns its last answer.
func lookUpAfterCreate[T any](ctx context.Context, lookupWait, interval time.Duration, find func() (T, error)) (T, error) {
	deadline := time.Now().Add(lookupWait)
	for {
		found, err := find()
		if err == nil || errors.Is(err, ErrNotFound) || !time.Now().Before(deadline) || pause(ctx, interval) != nil {
			return found, err
		}
	}
}

// madeBy says whether an object created at created can be the one of a create sent at sent.
func madeBy(created, sent time.Time) bool {
	return !created.Before(sent.Add(-adoptSlack))
}

// nameTaken says whether the Engine refused a create because the name is taken.
func nameTaken(err error) bool {
	return cerrdefs.IsConflict(err) || cerrdefs.IsAlreadyExists(err)
}

// createRefused says whether the Engine answered a create with a refusal, after which nothing was
// made: a name taken, a spec it rejects, something the spec names that is not there, no
// permission. Any other error (no answer, a broken connection, a manager failing mid-request) may
// be the lost answer of a create that went through; only then is an object of that name adopted,
// so that one made by someone else just before, which a refusal names, is never taken.
func createRefused(err error) bool {
	return nameTaken(err) || cerrdefs.IsInvalidArgument(err) || cerrdefs.IsNotFound(err) || cerrdefs.IsPermissionDenied(err)
}
