package swarm

import (
	"errors"
	"fmt"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
)

// The errors this package returns that callers tell apart with errors.Is or errors.As, and how
// Engine errors are classified. *ConvergenceError, with the task problems it lists, is in
// converge.go beside the waiter that builds it.

// ErrNotFound is returned by finders when the object does not exist on the Engine.
var ErrNotFound = errors.New("not found")

// ErrTimeout is returned by the waiters when the condition did not come true in time.
var ErrTimeout = errors.New("timed out")

// EngineError says which engine could not be reached and why.
type EngineError struct {
	Host string
	Err  error
}

func (e *EngineError) Error() string {
	return fmt.Sprintf("cannot reach the Docker Engine at %s: %v", e.Host, e.Err)
}

func (e *EngineError) Unwrap() error { return e.Err }

// ServiceExistsError is returned when a service could not be created because one of that name,
// made earlier and not by this create, exists: it may be one that an earlier run created but could
// not record. The message says how to bring it under management.
type ServiceExistsError struct {
	Name    string
	ID      string
	Created time.Time
	Err     error
}

func (e *ServiceExistsError) Error() string {
	return fmt.Sprintf("a service named %s exists already (ID %s, created %s), not made by this create; "+
		"if it is the one this configuration describes (an earlier run may have created it without recording it), "+
		"import it with `terraform import <resource address> %s` or an import block with id = %q; otherwise choose another name. The Engine said: %v",
		e.Name, e.ID, e.Created.UTC().Format(time.RFC3339), e.ID, e.ID, e.Err)
}

func (e *ServiceExistsError) Unwrap() error { return e.Err }

// InUseError is returned when a secret or config cannot be removed because services use it.
type InUseError struct {
	Kind     Kind
	Name     string
	Services []string
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("the %s %s is in use by the service(s) %s: remove it from those services first (or let them reference a new version)",
		e.Kind, e.Name, quoteServiceNames(e.Services))
}

// NetworkInUseError says which services still hold a network that could not be removed.
type NetworkInUseError struct {
	Network string
	// Services are the names (or IDs) of services attached to the network, sorted.
	Services []string
	// Waited is how long removal was retried.
	Waited time.Duration
	// Err is the Engine's last answer.
	Err error
	// TimedOut: the removal was retried until its timeout ran out (errors.Is(e, ErrTimeout)).
	TimedOut bool
}

func (e *NetworkInUseError) Error() string {
	who := "tasks that have not detached yet"
	if len(e.Services) > 0 {
		who = "services " + strings.Join(e.Services, ", ")
	}
	return fmt.Sprintf("network %s is still in use by %s after waiting %s; remove or update them first: %v",
		e.Network, who, e.Waited.Round(time.Second), e.Err)
}

func (e *NetworkInUseError) Unwrap() error { return e.Err }

// Is makes a removal whose wait ran out an ErrTimeout, as the other waits' errors are.
func (e *NetworkInUseError) Is(target error) bool { return e.TimedOut && target == ErrTimeout }

// VolumeInUseError names the containers that keep a volume from being removed.
type VolumeInUseError struct {
	Volume     string
	Containers []string
	Err        error
	// Waited is how long the removal was retried: zero when containers other than swarm tasks'
	// hold the volume (then it is not retried), the timeout when the tasks' containers did not go
	// in time (errors.Is(e, ErrTimeout)).
	Waited time.Duration
}

func (e *VolumeInUseError) Error() string {
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" after waiting %s", e.Waited.Round(time.Second))
	}
	return fmt.Sprintf("volume %s is in use by containers %s%s; nothing is force-removed: remove or stop using them first: %v",
		e.Volume, strings.Join(e.Containers, ", "), waited, e.Err)
}

func (e *VolumeInUseError) Unwrap() error { return e.Err }

// Is makes a removal whose wait for task containers ran out an ErrTimeout.
func (e *VolumeInUseError) Is(target error) bool { return e.Waited > 0 && target == ErrTimeout }

// inspectErr words the failure of an inspect of the object kind (service, node, …) named ref:
// ErrNotFound when the Engine says there is no such object, else the Engine's error.
func inspectErr(kind, ref string, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("%s %s: %w", kind, ref, ErrNotFound)
	}
	return fmt.Errorf("inspecting %s %s: %w", kind, ref, err)
}

// isObjectInUse recognises the Engine's refusal to remove a secret or config that a service
// references (the manager answers InvalidArgument; a conflict or failed precondition counts too).
func isObjectInUse(err error) bool {
	return cerrdefs.IsInvalidArgument(err) || cerrdefs.IsFailedPrecondition(err) || cerrdefs.IsConflict(err)
}

// isOutOfSequence tells that a write lost the race against another writer of the same object
// (swarmkit's ErrSequenceConflict). It reaches the client as a gRPC error of code Unknown passed
// through the Engine, with no type or code of its own, so its text is the only mark it has.
func isOutOfSequence(err error) bool {
	return err != nil && strings.Contains(err.Error(), "update out of sequence")
}
