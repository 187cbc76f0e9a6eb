package provider

// stateCodec writes a model struct (fields tagged `tfsdk:"..."`, as tfsdk.State.Set takes them) as
// the tftypes.Value of a schema, and reads parts of such a value back. It gives the same values
// as the framework's Set and Get (state_codec_test.go checks that on every service fixture), but
// works out the way from each Go field to its schema attribute once, from the schema and the Go
// type, instead of on every call: the framework's reflection compiles a regular expression for
// every struct field it visits and builds every nested type again, which made tfsdk.State.Set two
// thirds of a swarm_service Read. Being built from the schema, it needs no edits when a field is
// added; a field that the model and the schema do not both have is an error when it is built, as
// it is for the framework.

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
)

// stateCodec converts values of one Go type to and from one schema type.
type stateCodec struct {
	tfType tftypes.Type
	encode func(ctx context.Context, v reflect.Value) (tftypes.Value, error)
	// decode sets v (settable) from a value of the schema type.
	decode func(ctx context.Context, tv tftypes.Value, v reflect.Value) error
	// write writes v as msgpack of the schema type, as encode then tftypes would
	// (state_msgpack.go), keeping prior's spelling of values with semantic equality where both
	// mean the same, as the framework does after Read (semanticKeeper). prior is the value at the
	// same place in the prior state as readMsgPackTree reads it (nil when there is none).
	write func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error
	// decodeTree is decode from a value as readMsgPackTree reads it.
	decodeTree func(ctx context.Context, tree any, v reflect.Value) error
	// sem says whether the type holds a type with semantic equality.
	sem bool
}

var (
	attrValueType = reflect.TypeFor[attr.Value]()
	tfValueType   = reflect.TypeFor[tftypes.Value]()
)

// errNullOrUnknown is a null or unknown value for a Go type that cannot hold one.
func errNullOrUnknown(tv tftypes.Value, goType reflect.Type) error {
	if tv.IsNull() {
		return fmt.Errorf("a null value cannot go into %s", goType)
	}
	if !tv.IsKnown() {
		return fmt.Errorf("an unknown value cannot go into %s", goType)
	}
	return nil
}

// newStateCodec builds the codec of goType for the schema type typ. A struct must have a field
// for every attribute of its object type.
func newStateCodec(ctx context.Context, typ attr.Type, goType reflect.Type) (*stateCodec, error) {
	return buildStateCodec(ctx, typ, goType, false)
}

// newPartialStateCodec builds a codec that only decodes (Encode fails) into a struct that has
// fields for some of the attributes of each object; a field of type tftypes.Value takes the raw
// value (to ask whether it is null without converting it).
func newPartialStateCodec(ctx context.Context, typ attr.Type, goType reflect.Type) (*stateCodec, error) {
	return buildStateCodec(ctx, typ, goType, true)
}

func buildStateCodec(ctx context.Context, typ attr.Type, goType reflect.Type, partial bool) (*stateCodec, error) {
	c, err := buildValueCodec(ctx, typ, goType, partial)
	if err != nil || c.decodeTree != nil {
		return c, err
	}
	// Values that are not structs are read from the tree through their tftypes.Value.
	c.decodeTree = func(ctx context.Context, tree any, v reflect.Value) error {
		tv, err := treeValue(c.tfType, tree)
		if err != nil {
			return err
		}
		return c.decode(ctx, tv, v)
	}
	return c, nil
}

func buildValueCodec(ctx context.Context, typ attr.Type, goType reflect.Type, partial bool) (*stateCodec, error) {
	tfType := typ.TerraformType(ctx)
	c := &stateCodec{tfType: tfType}
	switch {
	case goType == tfValueType:
		c.encode = func(_ context.Context, v reflect.Value) (tftypes.Value, error) {
			tv, _ := v.Interface().(tftypes.Value)
			return tv, nil
		}
		c.decode = func(_ context.Context, tv tftypes.Value, v reflect.Value) error {
			v.Set(reflect.ValueOf(tv))
			return nil
		}
		c.write = func(context.Context, *msgpack.Encoder, reflect.Value, any) error {
			return fmt.Errorf("a raw value is not written")
		}
		return c, nil
	case goType.Implements(attrValueType):
		c.decode = func(ctx context.Context, tv tftypes.Value, v reflect.Value) error {
			av, err := typ.ValueFromTerraform(ctx, tv)
			if err != nil {
				return err
			}
			rv := reflect.ValueOf(av)
			if !rv.Type().AssignableTo(goType) {
				return fmt.Errorf("the schema type gives %s, not %s", rv.Type(), goType)
			}
			v.Set(rv)
			return nil
		}
		// types.String, types.Object, custom values, timeouts.Value: they convert themselves.
		c.encode = func(ctx context.Context, v reflect.Value) (tftypes.Value, error) {
			av, _ := v.Interface().(attr.Value)
			tv, err := av.ToTerraformValue(ctx)
			if err != nil {
				return tv, err
			}
			if !tv.Type().Equal(tfType) {
				return tv, fmt.Errorf("%s holds a value of type %s, the schema has %s", goType, tv.Type(), tfType)
			}
			return tv, nil
		}
		keeper := newSemanticKeeper(typ)
		c.sem = keeper != nil
		mt, mtErr := newMsgType(tfType)
		c.write = func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error {
			if mtErr != nil {
				return mtErr
			}
			tv, err := c.encode(ctx, v)
			if err != nil {
				return err
			}
			if keeper != nil && prior != nil {
				pv, err := treeValue(tfType, prior)
				if err != nil {
					return err
				}
				if tv, err = keeper.keep(ctx, pv, tv); err != nil {
					return err
				}
			}
			return writeTFValue(enc, mt, tv)
		}
		return c, nil
	case goType.Kind() == reflect.Pointer:
		elem, err := buildStateCodec(ctx, typ, goType.Elem(), partial)
		if err != nil {
			return nil, err
		}
		c.encode = func(ctx context.Context, v reflect.Value) (tftypes.Value, error) {
			if v.IsNil() {
				return tftypes.NewValue(tfType, nil), nil
			}
			return elem.encode(ctx, v.Elem())
		}
		c.sem = elem.sem
		c.write = func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error {
			if v.IsNil() {
				return enc.EncodeNil()
			}
			return elem.write(ctx, enc, v.Elem(), prior)
		}
		c.decodeTree = func(ctx context.Context, tree any, v reflect.Value) error {
			if tree == nil {
				v.Set(reflect.Zero(goType))
				return nil
			}
			p := reflect.New(goType.Elem())
			if err := elem.decodeTree(ctx, tree, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		}
		c.decode = func(ctx context.Context, tv tftypes.Value, v reflect.Value) error {
			if tv.IsNull() {
				v.Set(reflect.Zero(goType))
				return nil
			}
			p := reflect.New(goType.Elem())
			if err := elem.decode(ctx, tv, p.Elem()); err != nil {
				return err
			}
			v.Set(p)
			return nil
		}
		return c, nil
	}
	switch goType.Kind() {
	case reflect.String:
		if !tfType.Equal(tftypes.String) {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		c.encode = func(_ context.Context, v reflect.Value) (tftypes.Value, error) {
			return tftypes.NewValue(tftypes.String, v.String()), nil
		}
		c.write = func(_ context.Context, enc *msgpack.Encoder, v reflect.Value, _ any) error {
			return enc.EncodeString(v.String())
		}
		c.decode = func(_ context.Context, tv tftypes.Value, v reflect.Value) error {
			var s string
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			if err := tv.As(&s); err != nil {
				return err
			}
			v.SetString(s)
			return nil
		}
	case reflect.Bool:
		if !tfType.Equal(tftypes.Bool) {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		c.encode = func(_ context.Context, v reflect.Value) (tftypes.Value, error) {
			return tftypes.NewValue(tftypes.Bool, v.Bool()), nil
		}
		c.write = func(_ context.Context, enc *msgpack.Encoder, v reflect.Value, _ any) error {
			return enc.EncodeBool(v.Bool())
		}
		c.decode = func(_ context.Context, tv tftypes.Value, v reflect.Value) error {
			var b bool
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			if err := tv.As(&b); err != nil {
				return err
			}
			v.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !tfType.Equal(tftypes.Number) {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		c.encode = func(_ context.Context, v reflect.Value) (tftypes.Value, error) {
			return tftypes.NewValue(tftypes.Number, new(big.Float).SetInt64(v.Int())), nil
		}
		c.write = func(_ context.Context, enc *msgpack.Encoder, v reflect.Value, _ any) error {
			return enc.EncodeInt(v.Int())
		}
		c.decode = func(_ context.Context, tv tftypes.Value, v reflect.Value) error {
			var f big.Float
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			if err := tv.As(&f); err != nil {
				return err
			}
			i, acc := f.Int64()
			if acc != big.Exact || v.OverflowInt(i) {
				return fmt.Errorf("%s does not fit %s", f.String(), goType)
			}
			v.SetInt(i)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		if !tfType.Equal(tftypes.Number) {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		c.encode = func(_ context.Context, v reflect.Value) (tftypes.Value, error) {
			return tftypes.NewValue(tftypes.Number, big.NewFloat(v.Float())), nil
		}
		c.write = func(_ context.Context, enc *msgpack.Encoder, v reflect.Value, _ any) error {
			return writeMsgPackNumber(enc, big.NewFloat(v.Float()))
		}
		c.decode = func(_ context.Context, tv tftypes.Value, v reflect.Value) error {
			var f big.Float
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			if err := tv.As(&f); err != nil {
				return err
			}
			x, _ := f.Float64()
			v.SetFloat(x)
			return nil
		}
	case reflect.Slice:
		et, ok := typ.(attr.TypeWithElementType)
		if !ok {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		switch typ.(type) {
		case basetypes.ListType, basetypes.SetType:
		default:
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		elem, err := buildStateCodec(ctx, et.ElementType(), goType.Elem(), partial)
		if err != nil {
			return nil, fmt.Errorf("element: %w", err)
		}
		c.encode = func(ctx context.Context, v reflect.Value) (tftypes.Value, error) {
			if v.IsNil() {
				return tftypes.NewValue(tfType, nil), nil
			}
			elems := make([]tftypes.Value, v.Len())
			for i := range elems {
				var err error
				if elems[i], err = elem.encode(ctx, v.Index(i)); err != nil {
					return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return tftypes.NewValue(tfType, elems), nil
		}
		_, isSet := typ.(basetypes.SetType)
		c.sem = elem.sem
		c.write = func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error {
			if v.IsNil() {
				return enc.EncodeNil()
			}
			// The prior elements at the same index (the framework's walk of lists).
			var priorElems []any
			if elem.sem && prior != nil {
				if isSet {
					return fmt.Errorf("semantic equality in sets is not written")
				}
				priorElems, _ = prior.([]any)
			}
			if err := enc.EncodeArrayLen(v.Len()); err != nil {
				return err
			}
			for i := range v.Len() {
				var pe any
				if i < len(priorElems) {
					pe = priorElems[i]
				}
				if err := elem.write(ctx, enc, v.Index(i), pe); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return nil
		}
		c.decode = func(ctx context.Context, tv tftypes.Value, v reflect.Value) error {
			if tv.IsNull() {
				v.Set(reflect.Zero(goType))
				return nil
			}
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			var elems []tftypes.Value
			if err := tv.As(&elems); err != nil {
				return err
			}
			out := reflect.MakeSlice(goType, len(elems), len(elems))
			for i, e := range elems {
				if err := elem.decode(ctx, e, out.Index(i)); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			v.Set(out)
			return nil
		}
	case reflect.Map:
		mt, ok := typ.(basetypes.MapType)
		if !ok || goType.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		elem, err := buildStateCodec(ctx, mt.ElementType(), goType.Elem(), partial)
		if err != nil {
			return nil, fmt.Errorf("element: %w", err)
		}
		c.encode = func(ctx context.Context, v reflect.Value) (tftypes.Value, error) {
			if v.IsNil() {
				return tftypes.NewValue(tfType, nil), nil
			}
			elems := make(map[string]tftypes.Value, v.Len())
			for it := v.MapRange(); it.Next(); {
				ev, err := elem.encode(ctx, it.Value())
				if err != nil {
					return tftypes.Value{}, fmt.Errorf("[%q]: %w", it.Key().String(), err)
				}
				elems[it.Key().String()] = ev
			}
			return tftypes.NewValue(tfType, elems), nil
		}
		c.sem = elem.sem
		c.write = func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error {
			if v.IsNil() {
				return enc.EncodeNil()
			}
			// The prior elements of the same key (the framework's walk of maps).
			var priorElems map[string]any
			if elem.sem {
				priorElems, _ = prior.(map[string]any)
			}
			if err := enc.EncodeMapLen(v.Len()); err != nil {
				return err
			}
			for it := v.MapRange(); it.Next(); {
				k := it.Key().String()
				if err := enc.EncodeString(k); err != nil {
					return err
				}
				if err := elem.write(ctx, enc, it.Value(), priorElems[k]); err != nil {
					return fmt.Errorf("[%q]: %w", k, err)
				}
			}
			return nil
		}
		c.decode = func(ctx context.Context, tv tftypes.Value, v reflect.Value) error {
			if tv.IsNull() {
				v.Set(reflect.Zero(goType))
				return nil
			}
			if err := errNullOrUnknown(tv, goType); err != nil {
				return err
			}
			var elems map[string]tftypes.Value
			if err := tv.As(&elems); err != nil {
				return err
			}
			out := reflect.MakeMapWithSize(goType, len(elems))
			for k, e := range elems {
				ev := reflect.New(goType.Elem()).Elem()
				if err := elem.decode(ctx, e, ev); err != nil {
					return fmt.Errorf("[%q]: %w", k, err)
				}
				out.SetMapIndex(reflect.ValueOf(k).Convert(goType.Key()), ev)
			}
			v.Set(out)
			return nil
		}
	case reflect.Struct:
		ot, ok := typ.(attr.TypeWithAttributeTypes)
		if !ok {
			return nil, fmt.Errorf("%s for a schema %s", goType, tfType)
		}
		return newStructCodec(ctx, c, ot, goType, partial)
	default:
		return nil, fmt.Errorf("%s is not supported", goType)
	}
	return c, nil
}

type structField struct {
	name  string
	index int
	codec *stateCodec
}

func newStructCodec(ctx context.Context, c *stateCodec, typ attr.TypeWithAttributeTypes, goType reflect.Type, partial bool) (*stateCodec, error) {
	attrTypes := typ.AttributeTypes()
	var fields []structField
	seen := map[string]bool{}
	for i := range goType.NumField() {
		f := goType.Field(i)
		tag := f.Tag.Get("tfsdk")
		if tag == "-" {
			continue
		}
		if tag == "" || !f.IsExported() {
			return nil, fmt.Errorf("%s.%s has no tfsdk tag", goType, f.Name)
		}
		at, ok := attrTypes[tag]
		if !ok {
			return nil, fmt.Errorf("%s.%s: the schema has no attribute %q", goType, f.Name, tag)
		}
		fc, err := buildStateCodec(ctx, at, f.Type, partial)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tag, err)
		}
		fields = append(fields, structField{name: tag, index: i, codec: fc})
		seen[tag] = true
	}
	var missing []string
	for name := range attrTypes {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 && !partial {
		return nil, fmt.Errorf("%s has no field for the schema's %s", goType, strings.Join(missing, ", "))
	}
	tfType := c.tfType
	c.decode = func(ctx context.Context, tv tftypes.Value, v reflect.Value) error {
		if err := errNullOrUnknown(tv, goType); err != nil {
			return err
		}
		var vals map[string]tftypes.Value
		if err := tv.As(&vals); err != nil {
			return err
		}
		for _, f := range fields {
			if err := f.codec.decode(ctx, vals[f.name], v.Field(f.index)); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return nil
	}
	c.decodeTree = func(ctx context.Context, tree any, v reflect.Value) error {
		m, ok := tree.(map[string]any)
		if !ok {
			return fmt.Errorf("%T cannot go into %s", tree, goType)
		}
		for _, f := range fields {
			if err := f.codec.decodeTree(ctx, m[f.name], v.Field(f.index)); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return nil
	}
	if partial {
		c.encode = func(context.Context, reflect.Value) (tftypes.Value, error) {
			return tftypes.Value{}, fmt.Errorf("%s has only some of the attributes: it cannot be written", goType)
		}
		c.write = func(context.Context, *msgpack.Encoder, reflect.Value, any) error {
			return fmt.Errorf("%s has only some of the attributes: it cannot be written", goType)
		}
		return c, nil
	}
	// msgpack has the attributes in the order of their names, as tftypes writes them.
	sorted := slices.Clone(fields)
	slices.SortFunc(sorted, func(a, b structField) int { return strings.Compare(a.name, b.name) })
	for _, f := range fields {
		c.sem = c.sem || f.codec.sem
	}
	c.write = func(ctx context.Context, enc *msgpack.Encoder, v reflect.Value, prior any) error {
		// The prior attributes of the same name (the framework's walk of objects).
		var priorAttrs map[string]any
		if c.sem {
			priorAttrs, _ = prior.(map[string]any)
		}
		if err := enc.EncodeMapLen(len(sorted)); err != nil {
			return err
		}
		for _, f := range sorted {
			if err := enc.EncodeString(f.name); err != nil {
				return err
			}
			var pa any
			if f.codec.sem {
				pa = priorAttrs[f.name]
			}
			if err := f.codec.write(ctx, enc, v.Field(f.index), pa); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		return nil
	}
	c.encode = func(ctx context.Context, v reflect.Value) (tftypes.Value, error) {
		vals := make(map[string]tftypes.Value, len(fields))
		for _, f := range fields {
			fv, err := f.codec.encode(ctx, v.Field(f.index))
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", f.name, err)
			}
			vals[f.name] = fv
		}
		return tftypes.NewValue(tfType, vals), nil
	}
	return c, nil
}

// WriteMsgPack returns m, a value of the codec's Go type, as msgpack (what Encode then
// tftypes.Value.MarshalMsgPack give), keeping prior's spelling where the framework would.
func (c *stateCodec) WriteMsgPack(ctx context.Context, m any, prior any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.NewEncoder(&buf)
	if err := c.write(ctx, enc, reflect.ValueOf(m), prior); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeTree sets *target from a value as readMsgPackTree reads it.
func (c *stateCodec) DecodeTree(ctx context.Context, tree any, target any) error {
	p := reflect.ValueOf(target)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("decoding into %T: want a non-nil pointer", target)
	}
	return c.decodeTree(ctx, tree, p.Elem())
}

// Decode sets *target (a pointer to a value of the codec's Go type) from tv.
func (c *stateCodec) Decode(ctx context.Context, tv tftypes.Value, target any) error {
	p := reflect.ValueOf(target)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return fmt.Errorf("decoding into %T: want a non-nil pointer", target)
	}
	return c.decode(ctx, tv, p.Elem())
}

// Encode returns the value of m, a value of the codec's Go type.
func (c *stateCodec) Encode(ctx context.Context, m any) (tftypes.Value, error) {
	return c.encode(ctx, reflect.ValueOf(m))
}

// lazyStateCodec builds a codec on first use and keeps it; a schema and model that do not match
// are a programming error, found by the tests that build it (state_codec_test.go).
type lazyStateCodec struct {
	once  sync.Once
	codec *stateCodec
	err   error
	build func(ctx context.Context) (*stateCodec, error)
}

func (l *lazyStateCodec) get(ctx context.Context) (*stateCodec, error) {
	l.once.Do(func() { l.codec, l.err = l.build(ctx) })
	return l.codec, l.err
}

// setState writes m into s through the codec, as s.Set(ctx, m) would.
func setState(ctx context.Context, s *tfsdk.State, codec *lazyStateCodec, m any) diag.Diagnostics {
	var diags diag.Diagnostics
	c, err := codec.get(ctx)
	if err == nil {
		var v tftypes.Value
		if v, err = c.Encode(ctx, m); err == nil {
			s.Raw = v
			return diags
		}
	}
	diags.AddError("State Write Error", "An unexpected error was encountered trying to write the state. This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
	return diags
}

// getState reads s into target through the codec, as s.Get(ctx, target) would.
func getState(ctx context.Context, s tfsdk.State, codec *lazyStateCodec, target any) diag.Diagnostics {
	var diags diag.Diagnostics
	c, err := codec.get(ctx)
	if err == nil {
		if err = c.Decode(ctx, s.Raw, target); err == nil {
			return diags
		}
	}
	diags.AddError("State Read Error", "An unexpected error was encountered trying to read the state. This is always an error in the provider. Please report the following to the provider developer:\n\n"+err.Error())
	return diags
}
