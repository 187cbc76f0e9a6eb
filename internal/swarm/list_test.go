package swarm

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

func TestListFilterKeep(t *testing.T) {
	f := ListFilter{NamePrefix: "shop_", Labels: map[string]string{"tier": "web", "team": ""}}
	cases := map[string]struct {
		name   string
		labels map[string]string
		want   bool
	}{
		"all match":          {"shop_web", map[string]string{"tier": "web", "team": "a"}, true},
		"other prefix":       {"blog_web", map[string]string{"tier": "web", "team": "a"}, false},
		"prefix inside only": {"x_shop_web", map[string]string{"tier": "web", "team": "a"}, false},
		"other label value":  {"shop_web", map[string]string{"tier": "db", "team": "a"}, false},
		"label missing":      {"shop_web", map[string]string{"tier": "web"}, false},
		"no labels":          {"shop_web", nil, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := f.keep(tc.name, tc.labels); got != tc.want {
				t.Errorf("keep(%q, %v) = %v, want %v", tc.name, tc.labels, got, tc.want)
			}
		})
	}
	if !(ListFilter{}).keep("anything", nil) {
		t.Error("an empty filter must keep everything")
	}
}

// listOnlyStore is an objectStore that only lists; it records the filters it was given.
type listOnlyStore struct {
	objectStore
	objs    []Object
	filters client.Filters
}

func (s *listOnlyStore) list(_ context.Context, f client.Filters) ([]Object, error) {
	s.filters = f
	return s.objs, nil
}

func TestListObjectsKeepsTheCurrentVersionOfEachFamily(t *testing.T) {
	fam := func(id, name, family, gen string) Object {
		return Object{ID: id, Name: name, Labels: map[string]string{LabelFamily: family, LabelGeneration: gen, "app": "shop"}}
	}
	s := &listOnlyStore{objs: []Object{
		fam("a1", "db", "db", "1"),
		fam("a3", "db-v3", "db", "3"),
		fam("a2", "db-v2", "db", "2"),
		{ID: "b", Name: "cli-made", Labels: map[string]string{"app": "shop"}},
		{ID: "c", Name: "other", Labels: map[string]string{"app": "shop"}},
	}}
	got, err := listObjects(context.Background(), s, ListFilter{NamePrefix: "", Labels: map[string]string{"app": "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range got {
		ids = append(ids, o.ID)
	}
	if diff := cmp.Diff([]string{"b", "a3", "c"}, ids); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]bool{"app=shop": true}, s.filters["label"]); diff != "" {
		t.Errorf("engine label filter (-want +got):\n%s", diff)
	}

	// A family is found by its logical name, not by the names of its later versions.
	got, err = listObjects(context.Background(), s, ListFilter{NamePrefix: "db"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "a3" {
		t.Errorf("name prefix db listed %v, want only the current version a3", got)
	}
}

func TestListNetworksSkipsIngressAndLocalScope(t *testing.T) {
	sum := func(id, name, scope string, ingress bool, labels map[string]string) network.Summary {
		var s network.Summary
		s.ID, s.Name, s.Scope, s.Ingress, s.Labels = id, name, scope, ingress, labels
		return s
	}
	api := &fakeNetworkAPI{list: []network.Summary{
		sum("z", "shop_front", "swarm", false, map[string]string{"stack": "shop"}),
		sum("i", "ingress", "swarm", true, map[string]string{"stack": "shop"}),
		sum("l", "bridge", "local", false, map[string]string{"stack": "shop"}),
		sum("a", "shop_back", "swarm", false, map[string]string{"stack": "shop"}),
		sum("o", "shop_other", "swarm", false, nil),
	}}
	got, err := listNetworks(context.Background(), api, ListFilter{Labels: map[string]string{"stack": "shop"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range got {
		names = append(names, n.Name)
	}
	if diff := cmp.Diff([]string{"shop_back", "shop_front"}, names); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
}

type fakeVolumeLister []volume.Volume

func (f fakeVolumeLister) VolumeList(context.Context, client.VolumeListOptions) (client.VolumeListResult, error) {
	return client.VolumeListResult{Items: f}, nil
}

func TestListVolumesFiltersAndSorts(t *testing.T) {
	api := fakeVolumeLister{
		{Name: "shop_db", Labels: map[string]string{"k": "v"}},
		{Name: "blog_db", Labels: map[string]string{"k": "v"}},
		{Name: "shop_cache", Labels: map[string]string{"k": "v"}},
		{Name: "shop_tmp"},
	}
	got, err := listVolumes(context.Background(), api, ListFilter{NamePrefix: "shop_", Labels: map[string]string{"k": ""}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range got {
		names = append(names, v.Name)
	}
	if diff := cmp.Diff([]string{"shop_cache", "shop_db"}, names); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
}
