package swarm

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// conflict is the text the Engine passes on from swarmkit's ErrSequenceConflict.
func conflict(n int) error {
	return fmt.Errorf("Error response from daemon: rpc error: code = Unknown desc = update out of sequence (attempt %d)", n)
}

func TestIsOutOfSequence(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		err  error
		want bool
	}{
		"nil":      {nil, false},
		"conflict": {errors.New("Error response from daemon: rpc error: code = Unknown desc = update out of sequence"), true},
		"wrapped":  {fmt.Errorf("updating node n1: %w", conflict(1)), true},
		"other":    {errors.New("node not found"), false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := isOutOfSequence(tc.err); got != tc.want {
				t.Errorf("isOutOfSequence(%v) = %t, want %t", tc.err, got, tc.want)
			}
		})
	}
}

func TestRetryOutOfSequence(t *testing.T) {
	t.Parallel()
	other := errors.New("invalid spec")
	cases := map[string]struct {
		// answers are the results of the writes in turn; the last one repeats.
		answers   []error
		wantCalls int
		// wantErr is the error the result must wrap (nil: success).
		wantErr error
	}{
		"first try":                    {answers: []error{nil}, wantCalls: 1},
		"two conflicts, then success":  {answers: []error{conflict(1), conflict(2), nil}, wantCalls: 3},
		"another error is not retried": {answers: []error{other}, wantCalls: 1, wantErr: other},
		"another error after a conflict ends it": {
			answers: []error{conflict(1), other}, wantCalls: 2, wantErr: other,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := retryOutOfSequence(context.Background(), 0, func() error {
				e := tc.answers[min(calls, len(tc.answers)-1)]
				calls++
				return e
			})
			if calls != tc.wantCalls {
				t.Errorf("%d writes, want %d", calls, tc.wantCalls)
			}
			if tc.wantErr == nil && err != nil {
				t.Errorf("err = %v, want success", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestRetryOutOfSequenceIsBoundedAndReturnsTheLastError(t *testing.T) {
	t.Parallel()
	var sent []error
	start := time.Now()
	err := retryOutOfSequence(context.Background(), time.Millisecond, func() error {
		e := conflict(len(sent) + 1)
		sent = append(sent, e)
		return e
	})
	if len(sent) != outOfSequenceAttempts {
		t.Fatalf("%d writes, want %d", len(sent), outOfSequenceAttempts)
	}
	if !errors.Is(err, sent[len(sent)-1]) {
		t.Errorf("err = %v, want it to wrap the last answer %v", err, sent[len(sent)-1])
	}
	// The pauses double: 1+2+4+8 ms between five attempts.
	if took := time.Since(start); took < 15*time.Millisecond {
		t.Errorf("took %s, want the pauses to double from the first (15ms in all)", took)
	}
}

func TestRetryOutOfSequenceStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	var last error
	done := make(chan error, 1)
	go func() {
		done <- retryOutOfSequence(ctx, time.Hour, func() error {
			calls++
			last = conflict(calls)
			return last
		})
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if calls != 1 {
			t.Errorf("%d writes, want 1 (no write after the context ended)", calls)
		}
		if !errors.Is(err, context.Canceled) || !errors.Is(err, last) {
			t.Errorf("err = %v, want context.Canceled together with the last answer", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the retry did not stop when its context was cancelled")
	}
}

func TestPollUntil(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	looks := 0
	if err := pollUntil(ctx, time.Minute, "x", func() (bool, error) { looks++; return looks == 2, nil }); err != nil || looks != 2 {
		t.Errorf("err = %v after %d looks, want success at the second", err, looks)
	}
	err := pollUntil(ctx, 0, "the thing", func() (bool, error) { return false, nil })
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("err = %v, want ErrTimeout", err)
	}
	boom := errors.New("boom")
	if err := pollUntil(ctx, time.Minute, "x", func() (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v, want the check's error", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := pollUntil(cctx, time.Minute, "x", func() (bool, error) { return false, nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
