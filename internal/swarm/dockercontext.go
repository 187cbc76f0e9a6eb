package swarm

// Docker CLI contexts: which context applies and what endpoint it names, read through the CLI's
// own context store and config file packages.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/cli/cli/config/configfile"
	dcontext "github.com/docker/cli/cli/context"
	"github.com/docker/cli/cli/context/docker"
	"github.com/docker/cli/cli/context/store"
)

// Environment variables that select a Docker context, as the Docker CLI reads them.
const (
	EnvContext = "DOCKER_CONTEXT"
	EnvConfig  = "DOCKER_CONFIG"
)

// DefaultContext is the context name that means "no context": DOCKER_HOST or the local socket.
const DefaultContext = "default"

// CheckContextName checks a context name as the Docker CLI does ("default" included).
func CheckContextName(name string) error {
	if name == DefaultContext {
		return nil
	}
	return store.ValidateContextName(name)
}

// contextChoice is the context that applies to an endpoint and what chose it, for messages.
type contextChoice struct {
	name string
	// from is "" for the endpoint's own context setting, else the variable or file that chose it.
	from string
}

// chooseContext applies the Docker CLI's order: the endpoint's own setting, then DOCKER_HOST (which
// means no context), DOCKER_CONTEXT, and the current context of config.json. An endpoint with a
// host or TLS settings of its own takes no context from the environment. The zero choice, or the
// name "default", means no context.
func (e Endpoint) chooseContext(getenv Getenv) (contextChoice, error) {
	switch {
	case e.Context != "":
		return contextChoice{name: e.Context}, nil
	case e.Host != "" || len(e.tlsSettings()) > 0 || getenv(EnvHost) != "":
		return contextChoice{}, nil
	case getenv(EnvContext) != "":
		return contextChoice{name: getenv(EnvContext), from: EnvContext}, nil
	}
	dir := dockerConfigDir(getenv)
	if dir == "" {
		return contextChoice{}, nil
	}
	f, err := os.Open(filepath.Join(dir, "config.json"))
	if errors.Is(err, os.ErrNotExist) {
		return contextChoice{}, nil
	}
	if err != nil {
		return contextChoice{}, fmt.Errorf("reading the Docker CLI configuration: %w", err)
	}
	defer func() { _ = f.Close() }()
	cf := configfile.New(f.Name())
	if err := cf.LoadFromReader(f); err != nil {
		return contextChoice{}, fmt.Errorf("reading the Docker CLI configuration %s: %w", f.Name(), err)
	}
	return contextChoice{name: cf.CurrentContext, from: "currentContext in " + f.Name()}, nil
}

// dockerConfigDir is the Docker CLI's configuration directory: DOCKER_CONFIG, else ~/.docker; ""
// when neither DOCKER_CONFIG nor HOME is set.
func dockerConfigDir(getenv Getenv) string {
	if d := getenv(EnvConfig); d != "" {
		return d
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".docker")
	}
	return ""
}

// contextEndpoint is the Docker endpoint of the context ch names: its host, its TLS material and
// whether it skips verification, and words that say where it came from. The endpoint's ssh_opts
// are kept.
func (e Endpoint) contextEndpoint(getenv Getenv, ch contextChoice) (Endpoint, string, error) {
	where := "the context " + ch.name
	if ch.from != "" {
		where += " (chosen by " + ch.from + ")"
	}
	wrap := func(err error) error {
		err = fmt.Errorf("%s: %w", where, err)
		if ch.from == "" {
			return &SettingError{Setting: "context", Err: err}
		}
		return err
	}
	if err := CheckContextName(ch.name); err != nil {
		return Endpoint{}, "", wrap(err)
	}
	s := store.New(filepath.Join(dockerConfigDir(getenv), "contexts"), store.NewConfig(
		func() any { return &map[string]any{} },
		store.EndpointTypeGetter(docker.DockerEndpoint, func() any { return &docker.EndpointMeta{} }),
	))
	meta, err := s.GetMetadata(ch.name)
	if cerrdefs.IsNotFound(err) {
		return Endpoint{}, "", wrap(fmt.Errorf("no such context in the Docker CLI configuration %s (`docker context ls` lists them)", dockerConfigDir(getenv)))
	}
	if err != nil {
		return Endpoint{}, "", wrap(err)
	}
	epMeta, err := docker.EndpointFromContext(meta)
	if err != nil {
		return Endpoint{}, "", wrap(err)
	}
	if epMeta.Host == "" {
		return Endpoint{}, "", wrap(errors.New("it names no Docker host"))
	}
	tlsData, err := dcontext.LoadTLSData(s, ch.name, docker.DockerEndpoint)
	if err != nil {
		return Endpoint{}, "", wrap(err)
	}
	out := Endpoint{Host: epMeta.Host, SSHOpts: e.SSHOpts}
	if tlsData != nil {
		out.CAPEM, out.CertPEM, out.KeyPEM = string(tlsData.CA), string(tlsData.Cert), string(tlsData.Key)
	}
	if epMeta.SkipTLSVerify {
		no := false
		out.TLSVerify = &no
	}
	return out, where, nil
}
