package provider

// The plugin protocol carries state as msgpack (and stored state as JSON). The framework turns
// every one of them into a tftypes.Value, a tree with the type and path of every value, before
// anything reads it, and builds such a tree again to write it. For the values of swarm_service's
// refresh (service_fastread.go) these functions go from JSON to msgpack, and from a model to
// msgpack, directly, writing exactly what tftypes would write (service_fastread_test.go compares
// them on every fixture).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// writeMsgPackNumber writes f as tftypes writes a number: an integer when it is one that fits,
// a float64 when that is exact, its decimal text otherwise.
func writeMsgPackNumber(enc *msgpack.Encoder, f *big.Float) error {
	if f.IsInf() {
		return enc.EncodeFloat64(math.Inf(f.Sign()))
	}
	if i, acc := f.Int64(); acc == big.Exact {
		return enc.EncodeInt(i)
	}
	if x, acc := f.Float64(); acc == big.Exact && !f.IsInt() {
		return enc.EncodeFloat64(x)
	}
	return enc.EncodeString(f.Text('f', -1))
}

// msgType is a tftypes.Type as the msgpack writers walk it: object attributes in the order tftypes
// writes them (sorted), worked out once.
type msgType struct {
	kind  msgKind
	names []string   // objects
	attrs []*msgType // objects, in the order of names
	index map[string]int
	elem  *msgType // lists, sets, maps
}

type msgKind int

const (
	msgString msgKind = iota + 1
	msgNumber
	msgBool
	msgList // lists and sets: both are arrays
	msgMap
	msgObject
)

// newMsgType fails on types that swarm_service's schema does not use (tuples, dynamic values,
// optional attributes).
func newMsgType(typ tftypes.Type) (*msgType, error) {
	switch t := typ.(type) {
	case tftypes.Object:
		if len(t.OptionalAttributes) > 0 {
			return nil, fmt.Errorf("%s has optional attributes", typ)
		}
		mt := &msgType{kind: msgObject, index: map[string]int{}}
		for name := range t.AttributeTypes {
			mt.names = append(mt.names, name)
		}
		slices.Sort(mt.names)
		for i, name := range mt.names {
			mt.index[name] = i
			at, err := newMsgType(t.AttributeTypes[name])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			mt.attrs = append(mt.attrs, at)
		}
		return mt, nil
	case tftypes.List:
		elem, err := newMsgType(t.ElementType)
		return &msgType{kind: msgList, elem: elem}, err
	case tftypes.Set:
		elem, err := newMsgType(t.ElementType)
		return &msgType{kind: msgList, elem: elem}, err
	case tftypes.Map:
		elem, err := newMsgType(t.ElementType)
		return &msgType{kind: msgMap, elem: elem}, err
	}
	switch {
	case typ.Is(tftypes.String):
		return &msgType{kind: msgString}, nil
	case typ.Is(tftypes.Number):
		return &msgType{kind: msgNumber}, nil
	case typ.Is(tftypes.Bool):
		return &msgType{kind: msgBool}, nil
	}
	return nil, fmt.Errorf("%s is not supported", typ)
}

// jsonAsMsgPack is the framework's passthrough of a stored state of the current schema version:
// the JSON read with the type, attributes that the type does not have dropped
// (tftypes.ValueFromJSONWithOpts with IgnoreUndefinedAttributes), written as msgpack
// (tftypes.Value.MarshalMsgPack). It fails where tftypes would fail, for the framework to answer.
func jsonAsMsgPack(mt *msgType, raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(raw))
	enc := msgpack.NewEncoder(&buf)
	if err := writeJSONValue(enc, mt, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeJSONValue(enc *msgpack.Encoder, mt *msgType, v any) error {
	if v == nil {
		return enc.EncodeNil()
	}
	switch mt.kind {
	case msgObject:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%T for an object", v)
		}
		if err := enc.EncodeMapLen(len(mt.names)); err != nil {
			return err
		}
		for i, name := range mt.names {
			if err := enc.EncodeString(name); err != nil {
				return err
			}
			if err := writeJSONValue(enc, mt.attrs[i], m[name]); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	case msgList:
		l, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%T for a list", v)
		}
		if err := enc.EncodeArrayLen(len(l)); err != nil {
			return err
		}
		for i, e := range l {
			if err := writeJSONValue(enc, mt.elem, e); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case msgMap:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%T for a map", v)
		}
		if err := enc.EncodeMapLen(len(m)); err != nil {
			return err
		}
		for k, e := range m {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := writeJSONValue(enc, mt.elem, e); err != nil {
				return fmt.Errorf("[%q]: %w", k, err)
			}
		}
		return nil
	case msgString:
		switch s := v.(type) {
		case string:
			return enc.EncodeString(s)
		case json.Number:
			return enc.EncodeString(string(s))
		case bool:
			return enc.EncodeString(strconv.FormatBool(s))
		}
	case msgNumber:
		var s string
		switch n := v.(type) {
		case json.Number:
			s = string(n)
		case string:
			s = n
		default:
			return fmt.Errorf("%T for a number", v)
		}
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return enc.EncodeInt(i)
		}
		f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		if err != nil {
			return err
		}
		return writeMsgPackNumber(enc, f)
	case msgBool:
		switch b := v.(type) {
		case bool:
			return enc.EncodeBool(b)
		case string:
			switch b {
			case "true", "1":
				return enc.EncodeBool(true)
			case "false", "0":
				return enc.EncodeBool(false)
			}
		case json.Number:
			switch b {
			case "1":
				return enc.EncodeBool(true)
			case "0":
				return enc.EncodeBool(false)
			}
		}
	}
	return fmt.Errorf("%T is not a value of its type", v)
}

// writeTFValue writes v as msgpack of mt, as tftypes.Value.MarshalMsgPack does (unknown values
// excepted: state holds none).
func writeTFValue(enc *msgpack.Encoder, mt *msgType, v tftypes.Value) error {
	if !v.IsKnown() {
		return fmt.Errorf("an unknown value is not written")
	}
	if v.IsNull() {
		return enc.EncodeNil()
	}
	switch mt.kind {
	case msgObject:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return err
		}
		if err := enc.EncodeMapLen(len(mt.names)); err != nil {
			return err
		}
		for i, name := range mt.names {
			if err := enc.EncodeString(name); err != nil {
				return err
			}
			av, ok := m[name]
			if !ok {
				return fmt.Errorf("%s: no value", name)
			}
			if err := writeTFValue(enc, mt.attrs[i], av); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		return nil
	case msgList:
		var l []tftypes.Value
		if err := v.As(&l); err != nil {
			return err
		}
		if err := enc.EncodeArrayLen(len(l)); err != nil {
			return err
		}
		for i, e := range l {
			if err := writeTFValue(enc, mt.elem, e); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return nil
	case msgMap:
		var m map[string]tftypes.Value
		if err := v.As(&m); err != nil {
			return err
		}
		if err := enc.EncodeMapLen(len(m)); err != nil {
			return err
		}
		for k, e := range m {
			if err := enc.EncodeString(k); err != nil {
				return err
			}
			if err := writeTFValue(enc, mt.elem, e); err != nil {
				return fmt.Errorf("[%q]: %w", k, err)
			}
		}
		return nil
	case msgString:
		var s string
		if err := v.As(&s); err != nil {
			return err
		}
		return enc.EncodeString(s)
	case msgNumber:
		var f big.Float
		if err := v.As(&f); err != nil {
			return err
		}
		return writeMsgPackNumber(enc, &f)
	case msgBool:
		var b bool
		if err := v.As(&b); err != nil {
			return err
		}
		return enc.EncodeBool(b)
	}
	return fmt.Errorf("unknown kind %d", mt.kind)
}

// readMsgPackTree reads a msgpack value of mt as plain Go values: map[string]any for objects and
// maps, []any for lists and sets, string, bool, *big.Float (as tftypes reads numbers), nil for
// null. Unknown values (msgpack extensions) and attributes mt does not have are errors: a prior
// state has neither.
func readMsgPackTree(dec *msgpack.Decoder, mt *msgType) (any, error) {
	code, err := dec.PeekCode()
	if err != nil {
		return nil, err
	}
	if msgpcode.IsExt(code) {
		return nil, fmt.Errorf("an unknown value")
	}
	if code == msgpcode.Nil {
		return nil, dec.Skip()
	}
	switch mt.kind {
	case msgObject:
		n, err := dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, n)
		for range n {
			name, err := dec.DecodeString()
			if err != nil {
				return nil, err
			}
			i, ok := mt.index[name]
			if !ok {
				return nil, fmt.Errorf("no attribute %q", name)
			}
			if m[name], err = readMsgPackTree(dec, mt.attrs[i]); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
		return m, nil
	case msgList:
		n, err := dec.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		l := make([]any, n)
		for i := range l {
			if l[i], err = readMsgPackTree(dec, mt.elem); err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return l, nil
	case msgMap:
		n, err := dec.DecodeMapLen()
		if err != nil {
			return nil, err
		}
		m := make(map[string]any, n)
		for range n {
			k, err := dec.DecodeString()
			if err != nil {
				return nil, err
			}
			if m[k], err = readMsgPackTree(dec, mt.elem); err != nil {
				return nil, fmt.Errorf("[%q]: %w", k, err)
			}
		}
		return m, nil
	case msgString:
		return dec.DecodeString()
	case msgBool:
		return dec.DecodeBool()
	case msgNumber:
		switch {
		case msgpcode.IsFixedNum(code), code == msgpcode.Int8, code == msgpcode.Int16, code == msgpcode.Int32, code == msgpcode.Int64:
			i, err := dec.DecodeInt64()
			return new(big.Float).SetInt64(i), err
		case code == msgpcode.Uint8, code == msgpcode.Uint16, code == msgpcode.Uint32, code == msgpcode.Uint64:
			u, err := dec.DecodeUint64()
			return new(big.Float).SetUint64(u), err
		case code == msgpcode.Float, code == msgpcode.Double:
			f, err := dec.DecodeFloat64()
			return big.NewFloat(f), err
		}
		s, err := dec.DecodeString()
		if err != nil {
			return nil, err
		}
		f, _, err := big.ParseFloat(s, 10, 512, big.ToNearestEven)
		return f, err
	}
	return nil, fmt.Errorf("unknown kind %d", mt.kind)
}

// treeValue is the tftypes.Value of typ that a tree of readMsgPackTree holds.
func treeValue(typ tftypes.Type, tree any) (tftypes.Value, error) {
	if tree == nil {
		return tftypes.NewValue(typ, nil), nil
	}
	switch t := typ.(type) {
	case tftypes.Object:
		m, ok := tree.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("%T for %s", tree, typ)
		}
		vals := make(map[string]tftypes.Value, len(t.AttributeTypes))
		for name, at := range t.AttributeTypes {
			v, err := treeValue(at, m[name])
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("%s: %w", name, err)
			}
			vals[name] = v
		}
		return tftypes.NewValue(typ, vals), nil
	case tftypes.List, tftypes.Set:
		l, ok := tree.([]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("%T for %s", tree, typ)
		}
		elem := elementType(t)
		vals := make([]tftypes.Value, len(l))
		for i, e := range l {
			var err error
			if vals[i], err = treeValue(elem, e); err != nil {
				return tftypes.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
		}
		return tftypes.NewValue(typ, vals), nil
	case tftypes.Map:
		m, ok := tree.(map[string]any)
		if !ok {
			return tftypes.Value{}, fmt.Errorf("%T for %s", tree, typ)
		}
		vals := make(map[string]tftypes.Value, len(m))
		for k, e := range m {
			v, err := treeValue(t.ElementType, e)
			if err != nil {
				return tftypes.Value{}, fmt.Errorf("[%q]: %w", k, err)
			}
			vals[k] = v
		}
		return tftypes.NewValue(typ, vals), nil
	}
	switch v := tree.(type) {
	case string:
		if typ.Is(tftypes.String) {
			return tftypes.NewValue(typ, v), nil
		}
	case bool:
		if typ.Is(tftypes.Bool) {
			return tftypes.NewValue(typ, v), nil
		}
	case *big.Float:
		if typ.Is(tftypes.Number) {
			return tftypes.NewValue(typ, v), nil
		}
	}
	return tftypes.Value{}, fmt.Errorf("%T for %s", tree, typ)
}

func elementType(t tftypes.Type) tftypes.Type {
	switch t := t.(type) {
	case tftypes.List:
		return t.ElementType
	case tftypes.Set:
		return t.ElementType
	case tftypes.Map:
		return t.ElementType
	}
	return nil
}
