package swarm

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// sharedCall lets the concurrent callers of one provider process share an Engine call: at most
// one is in flight, callers that ask while one is on its way join the next one, and no caller gets
// an answer that the Engine gave before it asked. Each caller adds its key (what it wants from the
// call, "" for nothing) to the call it joins; the call is sent once, with every key it gathered.
// The zero value is ready to use.
type sharedCall[A comparable, R any] struct {
	mu       sync.Mutex
	pending  *joinedCall[A, R] // not sent yet: whoever asks now joins it
	flight   sync.Mutex        // held while a call is in flight
	lastSent time.Time         // guarded by flight
}

type joinedCall[A comparable, R any] struct {
	api  A
	keys map[string]bool
	done chan struct{}
	res  R
	err  error
}

// sharedCallTimeout bounds one shared call, which no single caller's context governs.
const sharedCallTimeout = time.Minute

// do returns the answer of send(api, keys) from a call sent after do began, at least spacing after
// the call before it; keys holds key and those of every caller that joined. Callers of one
// sharedCall pass the same send and spacing; a caller with another api does not join, but its call
// still waits for the one in flight.
func (s *sharedCall[A, R]) do(ctx context.Context, api A, key string, spacing time.Duration, send func(context.Context, A, []string) (R, error)) (R, error) {
	s.mu.Lock()
	call := s.pending
	if call == nil || call.api != api {
		call = &joinedCall[A, R]{api: api, keys: map[string]bool{}, done: make(chan struct{})}
		if s.pending == nil {
			s.pending = call
		}
		go s.send(call, spacing, send)
	}
	if key != "" {
		call.keys[key] = true
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		return call.res, call.err
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
}

func (s *sharedCall[A, R]) send(call *joinedCall[A, R], spacing time.Duration, send func(context.Context, A, []string) (R, error)) {
	s.flight.Lock()
	defer s.flight.Unlock()
	// Callers that ask meanwhile join this call.
	time.Sleep(time.Until(s.lastSent.Add(spacing)))
	s.mu.Lock()
	if s.pending == call {
		s.pending = nil
	}
	keys := slices.Sorted(maps.Keys(call.keys))
	s.mu.Unlock()
	s.lastSent = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), sharedCallTimeout)
	defer cancel()
	call.res, call.err = send(ctx, call.api, keys)
	close(call.done)
}
