package swarm

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Placement constraints as the scheduler reads them. ParseConstraint is an exact equivalent of
// swarmkit's manager/constraint.Parse (github.com/moby/swarmkit/v2 v2.0.0), which the manager runs
// on every service it is given (controlapi's validatePlacement): a constraint it refuses fails the
// create or update. The package itself is not imported: it depends on swarmkit's generated API
// package, which brings gogo/protobuf, etcd's raft and go-events into the build for forty lines.
// constraint_test.go holds swarmkit's own test cases.

// Constraint operators, in the order swarmkit tries them.
const (
	ConstraintEqual    = "=="
	ConstraintNotEqual = "!="
)

// Label prefixes of constraint keys and spread descriptors.
const (
	NodeLabelPrefix   = "node.labels."
	EngineLabelPrefix = "engine.labels."
)

var (
	// constraintKeyPattern and constraintValuePattern are swarmkit's alphaNumeric and
	// valuePattern: a value cannot hold an operator such as `>`, `<`, `~` or `=`.
	constraintKeyPattern   = regexp.MustCompile(`^(?i)[a-z_][a-z0-9\-_.]+$`)
	constraintValuePattern = regexp.MustCompile(`^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$`)
)

// Constraint is one parsed placement constraint: Key Op Value, with the spaces around the key
// and the value trimmed.
type Constraint struct {
	Key, Op, Value string
}

// String writes the constraint back in the form the scheduler reads.
func (c Constraint) String() string { return c.Key + " " + c.Op + " " + c.Value }

// ParseConstraint parses one constraint as swarmkit does: the first operator of `==` and `!=`
// that occurs splits the expression at its first occurrence; the key must be letters, digits,
// `-`, `_` and `.` (not beginning with a digit, `-` or `.`, at least two characters), and the
// value letters, digits, spaces and `:-_.*()?+[]\^$|/`. The errors are swarmkit's.
func ParseConstraint(expr string) (Constraint, error) {
	for _, op := range []string{ConstraintEqual, ConstraintNotEqual} {
		if !strings.Contains(expr, op) {
			continue
		}
		parts := strings.SplitN(expr, op, 2)
		key := strings.TrimSpace(parts[0])
		if !constraintKeyPattern.MatchString(key) {
			return Constraint{}, fmt.Errorf("key '%s' is invalid", key)
		}
		value := strings.TrimSpace(parts[1])
		if !constraintValuePattern.MatchString(value) {
			return Constraint{}, fmt.Errorf("value '%s' is invalid", value)
		}
		return Constraint{Key: key, Op: op, Value: value}, nil
	}
	return Constraint{}, fmt.Errorf("constraint expected one operator from %s, %s", ConstraintEqual, ConstraintNotEqual)
}

// ConstraintKeys are the keys the scheduler evaluates besides the label prefixes (compared
// without regard to case). A constraint on any other key matches no node.
var ConstraintKeys = []string{"node.id", "node.hostname", "node.ip", "node.role", "node.platform.os", "node.platform.arch"}

// labelKey says whether key is prefix followed by a label name, as the scheduler compares it.
func labelKey(key, prefix string) bool {
	return len(key) > len(prefix) && strings.EqualFold(key[:len(prefix)], prefix)
}

// CheckConstraintMatchable returns an error for a parsed constraint that can match no node (with
// `==`) or every node (with `!=`) whatever the swarm holds, so that it cannot be what was meant:
// a key the scheduler does not know, a node.ip value that is neither an address nor a CIDR (the
// scheduler then rejects every node, for either operator), or a node.role that is not a role.
func CheckConstraintMatchable(c Constraint) error {
	switch {
	case labelKey(c.Key, NodeLabelPrefix), labelKey(c.Key, EngineLabelPrefix):
		return nil
	case strings.EqualFold(c.Key, "node.ip"):
		if _, err := netip.ParseAddr(c.Value); err == nil && !strings.Contains(c.Value, "%") {
			return nil
		}
		if _, err := netip.ParsePrefix(c.Value); err == nil {
			return nil
		}
		return fmt.Errorf("node.ip takes an IP address or a CIDR subnet, not '%s': the scheduler places no task with it", c.Value)
	case strings.EqualFold(c.Key, "node.role"):
		if strings.EqualFold(c.Value, "manager") || strings.EqualFold(c.Value, "worker") {
			return nil
		}
		return fmt.Errorf("node.role is manager or worker, not '%s'", c.Value)
	}
	for _, k := range ConstraintKeys {
		if strings.EqualFold(c.Key, k) {
			return nil
		}
	}
	return fmt.Errorf("the scheduler knows no key '%s': the keys are %s, %s<label> and %s<label>",
		c.Key, strings.Join(ConstraintKeys, ", "), NodeLabelPrefix, EngineLabelPrefix)
}

// CheckSpreadDescriptor returns an error for a spread preference the scheduler ignores: it
// spreads only over node.labels.<label> and engine.labels.<label>.
func CheckSpreadDescriptor(d string) error {
	if labelKey(d, NodeLabelPrefix) || labelKey(d, EngineLabelPrefix) {
		return nil
	}
	if rest, ok := strings.CutPrefix(d, "spread="); ok {
		return fmt.Errorf("write the descriptor alone, without `spread=`: %q (the Docker CLI's --placement-pref takes spread=…, the Engine's API takes the descriptor)", rest)
	}
	return fmt.Errorf("%q is not node.labels.<label> or engine.labels.<label>, the only descriptors the scheduler spreads over (it ignores any other)", d)
}
