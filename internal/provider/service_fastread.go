package provider

// A refresh reads every swarm_service of a configuration, on every plan. The framework spends far
// more on each of those reads than the Engine or our flatten does: it converts the prior state to
// its own attribute values and back, walks the whole schema for semantic equality through them,
// and does the same again for UpgradeResourceState, which Terraform calls before every read
// (measured with TFSWARM_CPUPROFILE: the framework's generic paths were most of the provider's CPU
// per refreshed service). fastServer serves those two calls for swarm_service itself, on the
// protocol's values, and hands every other call, and every read it cannot answer exactly as the
// framework would, to the framework:
//
//   - UpgradeResourceState of the current schema version: the framework's passthrough (the stored
//     JSON read with the schema, unknown attributes dropped), without the framework around it.
//   - ReadResource with a prior state, no private state and an Engine client: the same Read
//     (serviceResource.refresh), the state written through the schema codec (state_codec.go),
//     the framework's semantic equality applied to the custom string types (semanticKeeper),
//     and the identity as Read writes it. A service that is gone, an Engine error, an identity
//     that differs from the prior one, or anything unexpected goes to the framework, which then
//     answers (and for a gone service or an error, asks the Engine once more).
//
// service_fastread_test.go runs both paths on the same requests and requires the same responses.

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/vmihailenco/msgpack/v5"
)

// NewProtocol6 is the provider's protocol server: the framework's, with swarm_service's refresh
// served by fastServer. main and the tests' provider factories use it, so every acceptance test
// runs the fast path.
func NewProtocol6(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &swarmProvider{version: version}
		inner, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		return newFastServer(inner, func() serviceEngine {
			if c := p.client.Load(); c != nil {
				return c
			}
			return nil
		})
	}
}

// frameworkServer is every RPC the framework's server answers (list resources, actions and state
// stores are separate interfaces in terraform-plugin-go for now).
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ListResourceServer
	tfprotov6.ActionServer
	tfprotov6.StateStoreServer
}

type fastServer struct {
	frameworkServer
	// engine is the configured Engine client, nil before ConfigureProvider.
	engine func() serviceEngine
}

func newFastServer(inner tfprotov6.ProviderServer, engine func() serviceEngine) (*fastServer, error) {
	fw, ok := inner.(frameworkServer)
	if !ok {
		return nil, errors.New("the framework's protocol server lacks RPCs the provider serves")
	}
	return &fastServer{frameworkServer: fw, engine: engine}, nil
}

// serviceProtocol is what the fast path needs of swarm_service's schema, built once.
type serviceProtocol struct {
	version      int64
	stateType    tftypes.Type
	identityType tftypes.Type
	keeper       *semanticKeeper
	msg          *msgType
}

var serviceProtocolOnce = sync.OnceValues(func() (*serviceProtocol, error) {
	ctx := context.Background()
	s := serviceResourceSchema(ctx)
	typ := s.Type()
	mt, err := newMsgType(typ.TerraformType(ctx))
	if err != nil {
		return nil, err
	}
	return &serviceProtocol{
		version:      s.Version,
		stateType:    typ.TerraformType(ctx),
		identityType: idIdentitySchema("").Type().TerraformType(ctx),
		keeper:       newSemanticKeeper(typ),
		msg:          mt,
	}, nil
})

const serviceTypeName = "swarm_service"

func (s *fastServer) UpgradeResourceState(ctx context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	if resp := s.upgradeService(req); resp != nil {
		return resp, nil
	}
	return s.frameworkServer.UpgradeResourceState(ctx, req)
}

// upgradeService is the framework's passthrough of a current-version state, or nil.
func (s *fastServer) upgradeService(req *tfprotov6.UpgradeResourceStateRequest) *tfprotov6.UpgradeResourceStateResponse {
	if req == nil || req.TypeName != serviceTypeName || req.RawState == nil || req.RawState.JSON == nil || req.RawState.Flatmap != nil {
		return nil
	}
	sp, err := serviceProtocolOnce()
	if err != nil || req.Version != sp.version {
		return nil
	}
	b, err := jsonAsMsgPack(sp.msg, req.RawState.JSON)
	if err != nil {
		return nil
	}
	return &tfprotov6.UpgradeResourceStateResponse{UpgradedState: &tfprotov6.DynamicValue{MsgPack: b}}
}

func (s *fastServer) ReadResource(ctx context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	if resp := s.readService(ctx, req); resp != nil {
		return resp, nil
	}
	return s.frameworkServer.ReadResource(ctx, req)
}

// readService answers a swarm_service read as the framework would, or returns nil for the
// framework to answer.
func (s *fastServer) readService(ctx context.Context, req *tfprotov6.ReadResourceRequest) *tfprotov6.ReadResourceResponse {
	if req == nil || req.TypeName != serviceTypeName || len(req.Private) > 0 || req.CurrentState == nil ||
		req.CurrentState.MsgPack == nil || req.ProviderMeta != nil {
		return nil
	}
	engine := s.engine()
	if engine == nil {
		return nil
	}
	sp, err := serviceProtocolOnce()
	if err != nil {
		return nil
	}
	prior, err := readMsgPackTree(msgpack.NewDecoder(bytes.NewReader(req.CurrentState.MsgPack)), sp.msg)
	if err != nil || prior == nil {
		return nil
	}
	var priorID string
	if req.CurrentIdentity != nil && req.CurrentIdentity.IdentityData != nil {
		iv, err := req.CurrentIdentity.IdentityData.Unmarshal(sp.identityType)
		if err != nil {
			return nil
		}
		if !iv.IsFullyNull() {
			var m map[string]tftypes.Value
			if iv.As(&m) != nil || m["id"].As(&priorID) != nil {
				return nil
			}
			if priorID == "" {
				return nil
			}
		}
	}
	codec, err := servicePriorCodec.get(ctx)
	if err != nil {
		return nil
	}
	var p servicePriorModel
	if codec.DecodeTree(ctx, prior, &p) != nil || p.ID.IsNull() || p.ID.IsUnknown() {
		return nil
	}
	state, err := (&serviceResource{client: engine}).refresh(ctx, p)
	if err != nil {
		// Gone, or an Engine error: the framework answers (and asks once more).
		return nil
	}
	id := state.ID.ValueString()
	if id == "" || (priorID != "" && priorID != id) {
		return nil
	}
	out, err := serviceStateCodec.get(ctx)
	if err != nil {
		return nil
	}
	b, err := out.WriteMsgPack(ctx, state, prior)
	if err != nil {
		return nil
	}
	stateDV := tfprotov6.DynamicValue{MsgPack: b}
	identity := tftypes.NewValue(sp.identityType, map[string]tftypes.Value{"id": tftypes.NewValue(tftypes.String, id)})
	identityDV, err := tfprotov6.NewDynamicValue(sp.identityType, identity)
	if err != nil {
		return nil
	}
	return &tfprotov6.ReadResourceResponse{
		NewState:    &stateDV,
		NewIdentity: &tfprotov6.ResourceIdentityData{IdentityData: &identityDV},
	}
}

// semanticKeeper does what the framework does after Read for values whose type has semantic
// equality (semString: durations, sizes, file modes, images): where the new value means the same
// as the prior one, the prior spelling stays. It follows the framework's walk
// (fwschemadata.ValueSemanticEquality): objects by attribute, lists by index, maps by key, sets
// by the first prior element that changes the new one; only types that hold a semantic type are
// visited.
type semanticKeeper struct {
	typ attr.Type
	// kind of walk; for objects the attributes to visit, for collections the element.
	attrs map[string]*semanticKeeper
	elem  *semanticKeeper
	kind  semanticWalk
}

type semanticWalk int

const (
	walkString semanticWalk = iota + 1
	walkObject
	walkList
	walkSet
	walkMap
)

// newSemanticKeeper returns nil when typ holds no type with semantic equality.
func newSemanticKeeper(typ attr.Type) *semanticKeeper {
	ctx := context.Background()
	k := &semanticKeeper{typ: typ}
	switch t := typ.(type) {
	case basetypes.ListType:
		k.kind, k.elem = walkList, newSemanticKeeper(t.ElemType)
		if k.elem == nil {
			return nil
		}
		return k
	case basetypes.SetType:
		k.kind, k.elem = walkSet, newSemanticKeeper(t.ElemType)
		if k.elem == nil {
			return nil
		}
		return k
	case basetypes.MapType:
		k.kind, k.elem = walkMap, newSemanticKeeper(t.ElemType)
		if k.elem == nil {
			return nil
		}
		return k
	}
	if ot, ok := typ.(attr.TypeWithAttributeTypes); ok {
		k.kind, k.attrs = walkObject, map[string]*semanticKeeper{}
		for name, at := range ot.AttributeTypes() {
			if ak := newSemanticKeeper(at); ak != nil {
				k.attrs[name] = ak
			}
		}
		if len(k.attrs) == 0 {
			return nil
		}
		return k
	}
	if st, ok := typ.(basetypes.StringTypable); ok {
		v, err := st.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, ""))
		if _, sem := v.(basetypes.StringValuableWithSemanticEquals); err == nil && sem {
			k.kind = walkString
			return k
		}
	}
	return nil
}

// keep returns next with the prior spelling kept where both mean the same.
func (k *semanticKeeper) keep(ctx context.Context, prior, next tftypes.Value) (tftypes.Value, error) {
	if k == nil || prior.IsNull() || !prior.IsKnown() || next.IsNull() || !next.IsKnown() {
		return next, nil
	}
	switch k.kind {
	case walkString:
		pv, err := k.typ.ValueFromTerraform(ctx, prior)
		if err != nil {
			return next, err
		}
		nv, err := k.typ.ValueFromTerraform(ctx, next)
		if err != nil {
			return next, err
		}
		pse, ok1 := pv.(basetypes.StringValuableWithSemanticEquals)
		nse, ok2 := nv.(basetypes.StringValuableWithSemanticEquals)
		if !ok1 || !ok2 {
			return next, nil
		}
		same, diags := nse.StringSemanticEquals(ctx, pse)
		if diags.HasError() {
			return next, errors.New("semantic equality failed")
		}
		if same {
			return prior, nil
		}
		return next, nil
	case walkObject:
		var pm, nm map[string]tftypes.Value
		if err := prior.As(&pm); err != nil {
			return next, err
		}
		if err := next.As(&nm); err != nil {
			return next, err
		}
		changed := false
		for name, ak := range k.attrs {
			nv, err := ak.keep(ctx, pm[name], nm[name])
			if err != nil {
				return next, err
			}
			if !nv.Equal(nm[name]) {
				nm[name], changed = nv, true
			}
		}
		if !changed {
			return next, nil
		}
		return tftypes.NewValue(next.Type(), nm), nil
	case walkList, walkSet:
		var pl, nl []tftypes.Value
		if err := prior.As(&pl); err != nil {
			return next, err
		}
		if err := next.As(&nl); err != nil {
			return next, err
		}
		changed := false
		for i := range nl {
			if k.kind == walkList {
				if i >= len(pl) {
					break
				}
				nv, err := k.elem.keep(ctx, pl[i], nl[i])
				if err != nil {
					return next, err
				}
				if !nv.Equal(nl[i]) {
					nl[i], changed = nv, true
				}
				continue
			}
			for j := range pl {
				nv, err := k.elem.keep(ctx, pl[j], nl[i])
				if err != nil {
					return next, err
				}
				if nv.Equal(nl[i]) {
					continue
				}
				nl[i], changed = nv, true
				pl = append(pl[:j:j], pl[j+1:]...)
				break
			}
		}
		if !changed {
			return next, nil
		}
		return tftypes.NewValue(next.Type(), nl), nil
	case walkMap:
		var pm, nm map[string]tftypes.Value
		if err := prior.As(&pm); err != nil {
			return next, err
		}
		if err := next.As(&nm); err != nil {
			return next, err
		}
		changed := false
		for key, v := range nm {
			pv, ok := pm[key]
			if !ok {
				continue
			}
			nv, err := k.elem.keep(ctx, pv, v)
			if err != nil {
				return next, err
			}
			if !nv.Equal(v) {
				nm[key], changed = nv, true
			}
		}
		if !changed {
			return next, nil
		}
		return tftypes.NewValue(next.Type(), nm), nil
	}
	return next, nil
}
