package swarm

import (
	"testing"
)

// TestParseConstraint holds the cases of swarmkit's own TestParse and TestMatch expressions
// (manager/constraint, github.com/moby/swarmkit/v2 v2.0.0), then more edges of its two patterns.
func TestParseConstraint(t *testing.T) {
	t.Parallel()
	ok := func(key, op, value string) *Constraint { return &Constraint{Key: key, Op: op, Value: value} }
	for _, tc := range []struct {
		expr string
		want *Constraint // nil: refused
	}{
		// swarmkit's TestParse, in its order.
		{"", nil},           // empty string
		{" ", nil},          // empty string
		{"nodeabc", nil},    // no operator
		{"node ~ abc", nil}, // incorrect operator
		{"1node==a2", nil},  // cannot use the leading digit for key
		{" node == node1", ok("node", "==", "node1")},                // leading and trailing white space are ignored
		{"no de== node1", nil},                                       // key cannot contain white space in the middle
		{"no*de==node1", nil},                                        // cannot use * in key
		{"==node1", nil},                                             // key cannot be empty
		{"node==", nil},                                              // value cannot be empty
		{"node== ", nil},                                             // value cannot be an empty space
		{"no$de==node1", nil},                                        // cannot use $ in key
		{"NoDe==node1", ok("NoDe", "==", "node1")},                   // allow CAPS in key
		{"no.de==node1", ok("no.de", "==", "node1")},                 // allow dot in key
		{"_node==_node1", ok("_node", "==", "_node1")},               // allow leading underscore
		{"node==[a-b]+c*(n|b)/", ok("node", "==", "[a-b]+c*(n|b)/")}, // allow special characters in exp
		{"node==node 1", ok("node", "==", "node 1")},                 // allow space in exp
		// swarmkit's TestMatch expressions.
		{"node.name==foo", ok("node.name", "==", "foo")},
		{"node.name!=foo", ok("node.name", "!=", "foo")},
		{"node.name==f*o", ok("node.name", "==", "f*o")},
		{"node.name==f.-$o", ok("node.name", "==", "f.-$o")},
		// More edges of the patterns.
		{"node.role === worker", nil}, // the value would be "= worker"
		{"node.role=worker", nil},     // one `=` is no operator
		{"node.labels.a!=b==c", nil},  // `==` is tried first: the key would be "node.labels.a!=b"
		{"a==b!=c", nil},              // and the value "b!=c"
		{"n==x", nil},                 // a key has two characters at least
		{"-node==a", nil},             // nor may it begin with `-`
		{".node==a", nil},             // or `.`
		{"node.labels.é==a", nil},     // ASCII only
		{"node==é", nil},              //
		{"node == a,b", nil},          // no comma
		{"node == a\"b", nil},         // no quote
		{"node.labels.x == a\tb", ok("node.labels.x", "==", "a\tb")},
		{"node.labels.zone == eu-west-1a", ok("node.labels.zone", "==", "eu-west-1a")},
		{"node.ip != 10.0.0.0/8", ok("node.ip", "!=", "10.0.0.0/8")},
		{"node.ip == 2001:db8::1", ok("node.ip", "==", "2001:db8::1")},
		{"node.labels.x==\\^$|", ok("node.labels.x", "==", "\\^$|")},
	} {
		got, err := ParseConstraint(tc.expr)
		switch {
		case tc.want == nil && err == nil:
			t.Errorf("ParseConstraint(%q) = %+v, want an error", tc.expr, got)
		case tc.want != nil && err != nil:
			t.Errorf("ParseConstraint(%q): %v", tc.expr, err)
		case tc.want != nil && got != *tc.want:
			t.Errorf("ParseConstraint(%q) = %+v, want %+v", tc.expr, got, *tc.want)
		}
	}
}

// TestParseConstraintErrors: the messages are swarmkit's.
func TestParseConstraintErrors(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{
		"node.role === worker": "value '= worker' is invalid",
		"no de == x":           "key 'no de' is invalid",
		"node.role ~ worker":   "constraint expected one operator from ==, !=",
	} {
		if _, err := ParseConstraint(expr); err == nil || err.Error() != want {
			t.Errorf("ParseConstraint(%q) = %v, want %q", expr, err, want)
		}
	}
}

func TestCheckConstraintMatchable(t *testing.T) {
	t.Parallel()
	for expr, wantErr := range map[string]bool{
		"node.role == worker":          false,
		"node.role != MANAGER":         false,
		"node.role == workers":         true,
		"NODE.HOSTNAME == a":           false,
		"node.id != x1":                false,
		"node.platform.os == linux":    false,
		"node.platform.arch == arm64":  false,
		"node.labels.zone == a":        false,
		"Node.Labels.zone == a":        false,
		"engine.labels.disk == ssd":    false,
		"node.labels. == a":            true, // no label name; "node.labels." alone is no known key
		"node.label.zone == a":         true,
		"node.name == a":               true,
		"node.ip == 10.0.0.1":          false,
		"node.ip != 10.0.0.0/8":        false,
		"node.ip == 2001:db8::/32":     false,
		"node.ip == 10.0.0":            true,
		"node.ip == host.example.test": true,
	} {
		c, err := ParseConstraint(expr)
		if err != nil {
			t.Fatalf("ParseConstraint(%q): %v", expr, err)
		}
		if err := CheckConstraintMatchable(c); (err != nil) != wantErr {
			t.Errorf("CheckConstraintMatchable(%q) = %v, want error %v", expr, err, wantErr)
		}
	}
}

func TestCheckSpreadDescriptor(t *testing.T) {
	t.Parallel()
	for d, wantErr := range map[string]bool{
		"node.labels.zone":        false,
		"NODE.LABELS.zone":        false,
		"engine.labels.rack":      false,
		"node.labels.":            true,
		"spread=node.labels.zone": true,
		"node.hostname":           true,
		"":                        true,
	} {
		if err := CheckSpreadDescriptor(d); (err != nil) != wantErr {
			t.Errorf("CheckSpreadDescriptor(%q) = %v, want error %v", d, err, wantErr)
		}
	}
}
