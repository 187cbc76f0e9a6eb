package provider

// What each managed resource asks of the Engine: one narrow interface per resource, holding
// exactly the internal/swarm methods it calls (as internal/swarm does for the moby client). The
// resources hold these interfaces, Configure puts the provider's *swarm.Client in them, and unit
// tests put hand-written fakes in them (the *_crud_test.go files), so that every CRUD path runs
// without a swarm. Configure stores the client only when there is one: without provider data
// (validation) the interface must stay nil, not hold a nil *swarm.Client, for the nil checks of
// ModifyPlan and checkObjectAPI. Data sources and the ephemeral join token stay on
// *swarm.Client: they only read.

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/moby/moby/api/types/network"
	apiswarm "github.com/moby/moby/api/types/swarm"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

var (
	_ serviceEngine = (*swarm.Client)(nil)
	_ objectEngine  = (*swarm.Client)(nil)
	_ networkEngine = (*swarm.Client)(nil)
	_ volumeEngine  = (*swarm.Client)(nil)
	_ remoteVolumes = (*swarm.Client)(nil)
	_ clusterEngine = (*swarm.Client)(nil)
	_ joinManager   = (*swarm.Client)(nil)
	_ joiningEngine = (*swarm.Client)(nil)
	_ nodeEngine    = (*swarm.Client)(nil)
)

// apiVersionReader is what plan-time checks of optional fields ask.
type apiVersionReader interface {
	APIVersion(ctx context.Context) (string, error)
}

// serviceEngine is what swarm_service calls.
type serviceEngine interface {
	apiVersionReader
	CreateService(ctx context.Context, spec apiswarm.ServiceSpec, encodedAuth string) (string, []string, error)
	InspectService(ctx context.Context, idOrName string) (apiswarm.Service, error)
	UpdateService(ctx context.Context, id, encodedAuth string, build func(current apiswarm.Service) (apiswarm.ServiceSpec, error)) (swarm.ServiceUpdateResult, error)
	RegistryAuth() *swarm.RegistryAuth
	ResolveDigest(ctx context.Context, image, encodedAuth string) (string, error)
	RemoveService(ctx context.Context, id string) error
	WaitConverged(ctx context.Context, serviceID string, opts swarm.ConvergeOptions) error
	WaitServiceRemoved(ctx context.Context, serviceID string) error
	PruneReleased(ctx context.Context, secretIDs, configIDs []string) error
	ObjectName(ctx context.Context, k swarm.Kind, id string) (string, error)
}

// objectEngine is what swarm_secret and swarm_config (objectResource) call.
type objectEngine interface {
	apiVersionReader
	InspectObject(ctx context.Context, k swarm.Kind, id string) (swarm.Object, error)
	FindObjectByName(ctx context.Context, k swarm.Kind, name string) (swarm.Object, error)
	FindCurrent(ctx context.Context, k swarm.Kind, name string) (swarm.Object, error)
	CreateObject(ctx context.Context, k swarm.Kind, spec swarm.ObjectSpec) (swarm.Object, error)
	RotateObject(ctx context.Context, k swarm.Kind, currentID string, spec swarm.ObjectSpec) (swarm.Object, error)
	SetObjectLabels(ctx context.Context, k swarm.Kind, id string, spec swarm.ObjectSpec) (swarm.Object, error)
	DeleteObject(ctx context.Context, k swarm.Kind, name, currentID string) error
}

// networkEngine is what swarm_network calls.
type networkEngine interface {
	CreateNetwork(ctx context.Context, name string, opts client.NetworkCreateOptions) (string, error)
	InspectNetwork(ctx context.Context, idOrName string) (network.Inspect, error)
	InspectNetworkByID(ctx context.Context, id string) (network.Inspect, error)
	RemoveNetwork(ctx context.Context, id string, timeout time.Duration) error
}

// volumeEngine is what swarm_volume calls on the engine that holds the volume; Hosts names it in
// errors.
type volumeEngine interface {
	Hosts() []string
	CreateVolume(ctx context.Context, opts client.VolumeCreateOptions) (volume.Volume, error)
	InspectVolume(ctx context.Context, name string) (volume.Volume, error)
	RemoveVolume(ctx context.Context, name string, timeout time.Duration) error
}

// remoteVolumes is a volumeEngine built for one call from an `engine` block, closed after it.
type remoteVolumes interface {
	volumeEngine
	Close() error
}

// clusterEngine is what swarm_cluster calls on the engine the provider talks to.
type clusterEngine interface {
	InitSwarm(ctx context.Context, opts client.SwarmInitOptions) (string, error)
	ReadSwarm(ctx context.Context) (apiswarm.Swarm, error)
	UpdateSwarm(ctx context.Context, change func(*apiswarm.Spec), rot swarm.Rotation) error
	LocalNode(ctx context.Context) (apiswarm.Info, error)
	UnlockKey(ctx context.Context) (string, error)
	LeaveSwarm(ctx context.Context, force bool) error
}

// joinManager is what swarm_join calls on the provider's swarm (through a manager).
type joinManager interface {
	FindNode(ctx context.Context, idOrHostname string) (apiswarm.Node, error)
	InspectNode(ctx context.Context, id string) (apiswarm.Node, error)
	WaitNodeReady(ctx context.Context, id string, timeout time.Duration) (apiswarm.Node, error)
	SetNodeRole(ctx context.Context, id string, role apiswarm.NodeRole, timeout time.Duration) error
	DrainNode(ctx context.Context, id string, timeout time.Duration) error
	RemoveNode(ctx context.Context, id string, timeout time.Duration) error
}

// joiningEngine is what swarm_join calls on the engine that joins, built for one call from its
// `engine` block and closed after it.
type joiningEngine interface {
	LocalNode(ctx context.Context) (apiswarm.Info, error)
	JoinSwarm(ctx context.Context, opts client.SwarmJoinOptions, timeout time.Duration) (apiswarm.Info, error)
	LeaveSwarm(ctx context.Context, force bool) error
	Close() error
}

// nodeEngine is what swarm_node calls.
type nodeEngine interface {
	FindNode(ctx context.Context, idOrHostname string) (apiswarm.Node, error)
	InspectNode(ctx context.Context, id string) (apiswarm.Node, error)
	UpdateNode(ctx context.Context, id string, change func(*apiswarm.NodeSpec)) error
	WaitNodeRole(ctx context.Context, id string, role apiswarm.NodeRole, timeout time.Duration) error
}

// dialVolumeEngine builds the client of a swarm_volume `engine` block (clientForEngine).
func dialVolumeEngine(ctx context.Context, engine types.Object) (remoteVolumes, diag.Diagnostics) {
	c, diags := clientForEngine(ctx, engine)
	if c == nil {
		return nil, diags
	}
	return c, diags
}

// dialJoiningEngine builds the client of a swarm_join `engine` block (clientForEngine).
func dialJoiningEngine(ctx context.Context, engine types.Object) (joiningEngine, diag.Diagnostics) {
	c, diags := clientForEngine(ctx, engine)
	if c == nil {
		return nil, diags
	}
	return c, diags
}

// stackEngine is what swarm_stack calls.
type stackEngine interface {
	ReadStack(ctx context.Context, namespace string) (swarm.StackState, error)
	DeployStack(ctx context.Context, spec swarm.StackSpec, opts swarm.StackDeployOptions) error
	RemoveStack(ctx context.Context, namespace string) error
	// RegistryAuth is the provider's registry credentials (nil: none).
	RegistryAuth() *swarm.RegistryAuth
}
