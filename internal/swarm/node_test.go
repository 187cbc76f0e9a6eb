package swarm

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/moby/api/types/swarm"
)

func TestPickNode(t *testing.T) {
	nodes := []swarm.Node{
		{ID: "abc", Description: swarm.NodeDescription{Hostname: "free1"}},
		{ID: "def", Description: swarm.NodeDescription{Hostname: "twin"}},
		{ID: "ghi", Description: swarm.NodeDescription{Hostname: "twin"}},
		{ID: "free2", Description: swarm.NodeDescription{Hostname: "other"}},
	}
	cases := map[string]struct {
		key      string
		wantID   string
		notFound bool
		wantErr  bool
	}{
		"by ID":                    {key: "abc", wantID: "abc"},
		"by hostname":              {key: "free1", wantID: "abc"},
		"an ID wins over hostname": {key: "free2", wantID: "free2"},
		"ambiguous hostname":       {key: "twin", wantErr: true},
		"unknown":                  {key: "nope", notFound: true},
		"no prefix match":          {key: "ab", notFound: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			n, err := pickNode(nodes, tc.key)
			switch {
			case tc.notFound:
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
			case tc.wantErr:
				if err == nil || errors.Is(err, ErrNotFound) {
					t.Fatalf("want an ambiguity error, got %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.wantID, n.ID); d != "" {
					t.Errorf("pickNode (-want +got):\n%s", d)
				}
			}
		})
	}
}
