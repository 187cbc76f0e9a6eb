package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tfswarm/terraform-provider-swarm/internal/swarm"
)

// opBudget is the time an operation of a resource may take, from its `timeouts` block: every wait
// of the operation (join, ready, role change, drain, removal) gets what is left of it, so the
// timeout bounds the whole operation and each wait still names itself when it runs out.
type opBudget struct{ end time.Time }

func newOpBudget(d time.Duration) opBudget { return opBudget{end: time.Now().Add(d)} }

// left is the time left, at least a millisecond, so that a wait that starts late still looks once.
func (b opBudget) left() time.Duration { return max(time.Until(b.end), time.Millisecond) }

// timeoutsOrNull gives a null `timeouts` value the attribute types of the block (opts), as a model
// built from scratch (a flatten, an import) has none.
func timeoutsOrNull(v timeouts.Value, names ...string) timeouts.Value {
	if !v.IsNull() || len(v.AttributeTypes(context.Background())) > 0 {
		return v
	}
	types_ := make(map[string]attr.Type, len(names))
	for _, n := range names {
		types_[n] = types.StringType
	}
	return timeouts.Value{Object: types.ObjectNull(types_)}
}

// operationBudget reads one timeout of the block (create, update or delete) with its default.
func operationBudget(ctx context.Context, v timeouts.Value, op string, def time.Duration) (opBudget, diag.Diagnostics) {
	var (
		d     time.Duration
		diags diag.Diagnostics
	)
	switch op {
	case "create":
		d, diags = v.Create(ctx, def)
	case "update":
		d, diags = v.Update(ctx, def)
	default:
		d, diags = v.Delete(ctx, def)
	}
	return newOpBudget(d), diags
}

// defaultClusterTimeout bounds each operation of swarm_cluster: an init, an update of the spec
// (with rotations) or a leave is one Engine call, which a manager that lost its quorum may never
// answer.
const defaultClusterTimeout = 2 * time.Minute

// clusterOperationContext bounds a swarm_cluster operation by its timeout.
func clusterOperationContext(ctx context.Context, v timeouts.Value, op string) (context.Context, context.CancelFunc, diag.Diagnostics) {
	b, diags := operationBudget(ctx, v, op, defaultClusterTimeout)
	ctx, cancel := context.WithDeadline(ctx, b.end)
	return ctx, cancel, diags
}

// timeoutErr words the error of an operation of resource type typ (op: create, update or delete)
// so that, when a wait bounded by the operation's timeout ran out, it names the setting to raise
// (`timeouts.<op>`), instead of a bare "timed out" or "context deadline exceeded". Other errors
// are returned as they are.
func timeoutErr(ctx context.Context, typ, op string, err error) string {
	if errors.Is(err, swarm.ErrTimeout) || errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Sprintf("the %s %s did not finish within its timeout (`timeouts.%s`): %v", typ, op, op, err)
	}
	return err.Error()
}
