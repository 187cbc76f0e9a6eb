package provider

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Configurations written as Go values, shaped like HCL: a map is a block (or an object or map
// value), a slice is a list (of blocks or values), and strings, numbers and bools are themselves.
// tfConfig turns one into the value Terraform would send for a schema: attributes left out are
// null, single blocks left out are null, list blocks left out are empty lists.

// hcl is a block's body.
type hcl = map[string]any

// unknownValue stands for a value not known at plan time (`(known after apply)`).
type unknownValue struct{}

// tfConfig is body as Terraform sends it for block. A key the schema does not have fails the
// test: misspelled keys are Terraform's to reject (see TestMisspelledKeysRejected), the protocol
// cannot carry them.
func tfConfig(t *testing.T, block *tfprotov6.SchemaBlock, body hcl) tftypes.Value {
	t.Helper()
	v, err := tfBlockValue(block, body)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func tfBlockValue(block *tfprotov6.SchemaBlock, body hcl) (tftypes.Value, error) {
	typ, ok := block.ValueType().(tftypes.Object)
	if !ok {
		return tftypes.Value{}, fmt.Errorf("block type %s is not an object", block.ValueType())
	}
	known := map[string]bool{}
	vals := map[string]tftypes.Value{}
	for _, a := range block.Attributes {
		known[a.Name] = true
		raw, set := body[a.Name]
		if !set {
			vals[a.Name] = tftypes.NewValue(a.ValueType(), nil)
			continue
		}
		v, err := tfValue(a.ValueType(), raw)
		if err != nil {
			return tftypes.Value{}, fmt.Errorf("%s: %w", a.Name, err)
		}
		vals[a.Name] = v
	}
	for _, b := range block.BlockTypes {
		known[b.TypeName] = true
		raw, set := body[b.TypeName]
		bt := b.ValueType()
		switch b.Nesting {
		case tfprotov6.SchemaNestedBlockNestingModeSingle, tfprotov6.SchemaNestedBlockNestingModeGroup:
			if !set {
				vals[b.TypeName] = tftypes.NewValue(bt, nil)
				continue
			}
			inner, ok := raw.(hcl)
			if !ok {
				return tftypes.Value{}, fmt.Errorf("%s: a single block is an hcl{}, not %T", b.TypeName, raw)
			}
			v, err := tfBlockValue(b.Block, inner)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", b.TypeName, err)
			}
			vals[b.TypeName] = v
		case tfprotov6.SchemaNestedBlockNestingModeList:
			elemType := b.Block.ValueType()
			var elems []tftypes.Value
			if set {
				items, ok := raw.([]hcl)
				if !ok {
					return tftypes.Value{}, fmt.Errorf("%s: a list block is a []hcl, not %T", b.TypeName, raw)
				}
				for i, item := range items {
					v, err := tfBlockValue(b.Block, item)
					if err != nil {
						return tftypes.Value{}, fmt.Errorf("%s[%d]: %w", b.TypeName, i, err)
					}
					elems = append(elems, v)
				}
			}
			vals[b.TypeName] = tftypes.NewValue(tftypes.List{ElementType: elemType}, elems)
		default:
			return tftypes.Value{}, fmt.Errorf("%s: nesting mode %v is not supported here", b.TypeName, b.Nesting)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(body)) {
		if !known[k] {
			return tftypes.Value{}, fmt.Errorf("no attribute or block %q here", k)
		}
	}
	return tftypes.NewValue(typ, vals), nil
}

// tfValue is raw as a value of typ.
func tfValue(typ tftypes.Type, raw any) (tftypes.Value, error) {
	if raw == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	if _, ok := raw.(unknownValue); ok {
		return tftypes.NewValue(typ, tftypes.UnknownValue), nil
	}
	switch {
	case typ.Is(tftypes.String):
		s, ok := raw.(string)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a string, got %T", raw)
		}
		return tftypes.NewValue(typ, s), nil
	case typ.Is(tftypes.Bool):
		b, ok := raw.(bool)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a bool, got %T", raw)
		}
		return tftypes.NewValue(typ, b), nil
	case typ.Is(tftypes.Number):
		switch n := raw.(type) {
		case int:
			return tftypes.NewValue(typ, new(big.Float).SetInt64(int64(n))), nil
		case int64:
			return tftypes.NewValue(typ, new(big.Float).SetInt64(n)), nil
		case float64:
			// As Terraform reads the number from the configuration: its decimal spelling.
			f, _, err := big.ParseFloat(strconv.FormatFloat(n, 'g', -1, 64), 10, 512, big.ToNearestEven)
			if err != nil {
				return tftypes.Value{}, err
			}
			return tftypes.NewValue(typ, f), nil
		}
		return tftypes.Value{}, fmt.Errorf("want a number, got %T", raw)
	case typ.Is(tftypes.List{}):
		lt, _ := typ.(tftypes.List)
		items, ok := raw.([]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a []any, got %T", raw)
		}
		elems := make([]tftypes.Value, len(items))
		for i, item := range items {
			v, err := tfValue(lt.ElementType, item)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			elems[i] = v
		}
		return tftypes.NewValue(typ, elems), nil
	case typ.Is(tftypes.Map{}):
		mt, _ := typ.(tftypes.Map)
		m, ok := raw.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("want a map[string]any, got %T", raw)
		}
		elems := make(map[string]tftypes.Value, len(m))
		for k, item := range m {
			v, err := tfValue(mt.ElementType, item)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", k, err)
			}
			elems[k] = v
		}
		return tftypes.NewValue(typ, elems), nil
	}
	return tftypes.Value{}, fmt.Errorf("type %s is not supported here", typ)
}

// with returns a deep copy of body with the value at dotted path (`a.b.c`, or `a.b[1].c` into a
// list block) set to v; nil removes it. Missing single blocks on the way are created.
func with(body hcl, path string, v any) hcl {
	out := deepCopyBody(body)
	steps := strings.Split(path, ".")
	cur := out
	for i, s := range steps {
		name, idx := s, -1
		if j := strings.IndexByte(s, '['); j >= 0 {
			name = s[:j]
			n, err := strconv.Atoi(strings.TrimSuffix(s[j+1:], "]"))
			if err != nil {
				panic("with: bad index in " + path)
			}
			idx = n
		}
		last := i == len(steps)-1
		if idx >= 0 {
			items, _ := cur[name].([]hcl)
			if idx >= len(items) {
				panic(fmt.Sprintf("with: %s has %d items, not %d", name, len(items), idx+1))
			}
			if last {
				item, ok := v.(hcl)
				switch {
				case v == nil:
					cur[name] = slices.Delete(items, idx, idx+1)
				case !ok:
					panic(fmt.Sprintf("with: an item of %s is an hcl, not %T", name, v))
				default:
					items[idx] = item
				}
				return out
			}
			cur = items[idx]
			continue
		}
		if last {
			if v == nil {
				delete(cur, name)
			} else {
				cur[name] = v
			}
			return out
		}
		next, ok := cur[name].(hcl)
		if !ok {
			next = hcl{}
			cur[name] = next
		}
		cur = next
	}
	return out
}

func deepCopyBody(b hcl) hcl {
	out := make(hcl, len(b))
	for k, x := range b {
		out[k] = deepCopyHCL(x)
	}
	return out
}

func deepCopyHCL(v any) any {
	switch v := v.(type) {
	case hcl:
		return deepCopyBody(v)
	case []hcl:
		out := make([]hcl, len(v))
		for i, x := range v {
			out[i] = deepCopyBody(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopyHCL(x)
		}
		return out
	}
	return v
}

// attributePathString writes a protocol attribute path as the framework writes a path:
// `task_template.container_spec.mounts[0].source`, `labels["x"]`.
func attributePathString(p *tftypes.AttributePath) string {
	if p == nil {
		return ""
	}
	var b strings.Builder
	for _, s := range p.Steps() {
		switch s := s.(type) {
		case tftypes.AttributeName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(s))
		case tftypes.ElementKeyInt:
			fmt.Fprintf(&b, "[%d]", int64(s))
		case tftypes.ElementKeyString:
			fmt.Fprintf(&b, "[%q]", string(s))
		case tftypes.ElementKeyValue:
			b.WriteString("[<value>]")
		}
	}
	return b.String()
}
