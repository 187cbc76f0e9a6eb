package provider

import (
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	apiswarm "github.com/moby/moby/api/types/swarm"
)

func expandContainerSpec(m containerSpecModel) *apiswarm.ContainerSpec {
	c := &apiswarm.ContainerSpec{
		Image:           m.Image.ValueString(),
		Labels:          m.Labels,
		Command:         m.Command,
		Args:            m.Args,
		Hostname:        derefOr(m.Hostname, ""),
		Env:             expandEnv(m.Env),
		Dir:             derefOr(m.Dir, ""),
		User:            derefOr(m.User, ""),
		Groups:          m.Groups,
		Privileges:      expandPrivileges(m.Privileges),
		Init:            &m.Init,
		StopSignal:      derefOr(m.StopSignal, ""),
		TTY:             m.TTY,
		OpenStdin:       m.OpenStdin,
		ReadOnly:        m.ReadOnly,
		StopGracePeriod: durationPtr(m.StopGracePeriod),
		Healthcheck:     expandHealthConfig(m.Healthcheck),
		Hosts:           expandHosts(m.Hosts),
		DNSConfig:       expandDNSConfig(m.DNSConfig),
		Isolation:       container.Isolation(m.Isolation),
		Sysctls:         m.Sysctls,
		CapabilityAdd:   m.CapabilityAdd,
		CapabilityDrop:  m.CapabilityDrop,
		OomScoreAdj:     m.OomScoreAdj,
	}
	if c.Isolation == "" {
		c.Isolation = defaultIsolation
	}
	for _, mt := range m.Mounts {
		c.Mounts = append(c.Mounts, expandMount(mt))
	}
	for _, s := range m.Secrets {
		c.Secrets = append(c.Secrets, expandSecretReference(s))
	}
	for _, cf := range m.Configs {
		c.Configs = append(c.Configs, expandConfigReference(cf))
	}
	for _, u := range m.Ulimits {
		c.Ulimits = append(c.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	return c
}

func flattenContainerSpec(c *apiswarm.ContainerSpec) containerSpecModel {
	if c == nil {
		c = &apiswarm.ContainerSpec{}
	}
	m := containerSpecModel{
		Image:           newImage(c.Image),
		Command:         nonNilSlice(c.Command),
		Args:            nonNilSlice(c.Args),
		Env:             flattenEnv(c.Env),
		Dir:             optStr(c.Dir),
		User:            optStr(c.User),
		Groups:          nonNilSlice(c.Groups),
		Hostname:        optStr(c.Hostname),
		Labels:          nonNilMap(c.Labels),
		Init:            derefOr(c.Init, false),
		TTY:             c.TTY,
		OpenStdin:       c.OpenStdin,
		ReadOnly:        c.ReadOnly,
		StopSignal:      optStr(c.StopSignal),
		StopGracePeriod: nullDuration(),
		Healthcheck:     flattenHealthConfig(c.Healthcheck),
		Mounts:          []mountModel{},
		Secrets:         []secretRefModel{},
		Configs:         []configRefModel{},
		Hosts:           flattenHosts(c.Hosts),
		DNSConfig:       flattenDNSConfig(c.DNSConfig),
		Privileges:      flattenPrivileges(c.Privileges),
		Isolation:       string(c.Isolation),
		Sysctls:         nonNilMap(c.Sysctls),
		CapabilityAdd:   nonNilSlice(c.CapabilityAdd),
		CapabilityDrop:  nonNilSlice(c.CapabilityDrop),
		Ulimits:         []ulimitModel{},
		OomScoreAdj:     c.OomScoreAdj,
	}
	if c.StopGracePeriod != nil {
		m.StopGracePeriod = newDuration(formatDuration(*c.StopGracePeriod))
	}
	if m.Isolation == "" {
		m.Isolation = defaultIsolation
	}
	for _, mt := range c.Mounts {
		m.Mounts = append(m.Mounts, flattenMount(mt))
	}
	for _, s := range c.Secrets {
		if s != nil {
			m.Secrets = append(m.Secrets, flattenSecretReference(*s))
		}
	}
	for _, cf := range c.Configs {
		if cf != nil && cf.File != nil {
			m.Configs = append(m.Configs, flattenConfigReference(*cf))
		}
	}
	for _, u := range c.Ulimits {
		if u != nil {
			m.Ulimits = append(m.Ulimits, ulimitModel{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
		}
	}
	return m
}

// ---- health check ----

func expandHealthConfig(m *healthcheckModel) *container.HealthConfig {
	if m == nil {
		return nil
	}
	h := &container.HealthConfig{
		Test:          m.Test,
		Interval:      durationOr(m.Interval, 0),
		Timeout:       durationOr(m.Timeout, 0),
		StartPeriod:   durationOr(m.StartPeriod, 0),
		StartInterval: durationOr(m.StartInterval, 0),
	}
	if m.Retries != nil {
		h.Retries = int(*m.Retries)
	}
	return h
}

func flattenHealthConfig(h *container.HealthConfig) *healthcheckModel {
	if h == nil {
		return nil
	}
	m := &healthcheckModel{
		Interval:      durationValue(h.Interval),
		Timeout:       durationValue(h.Timeout),
		StartPeriod:   durationValue(h.StartPeriod),
		StartInterval: durationValue(h.StartInterval),
	}
	if len(h.Test) > 0 {
		m.Test = h.Test
	}
	if h.Retries != 0 {
		m.Retries = int64Ptr(int64(h.Retries))
	}
	return m
}

// ---- mounts ----

func expandMount(m mountModel) mount.Mount {
	mt := mount.Mount{
		Type: mount.Type(m.Type), Source: derefOr(m.Source, ""), Target: m.Target, ReadOnly: m.ReadOnly,
		Consistency: mount.Consistency(derefOr(m.Consistency, "")),
	}
	if b := m.BindOptions; b != nil {
		mt.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(derefOr(b.Propagation, "")), NonRecursive: b.NonRecursive,
			CreateMountpoint: b.CreateMountpoint, ReadOnlyNonRecursive: b.ReadOnlyNonRecursive, ReadOnlyForceRecursive: b.ReadOnlyForceRecursive}
	}
	if v := m.VolumeOptions; v != nil {
		mt.VolumeOptions = &mount.VolumeOptions{NoCopy: v.NoCopy, Labels: v.Labels, Subpath: derefOr(v.Subpath, "")}
		if d := v.DriverConfig; d != nil {
			mt.VolumeOptions.DriverConfig = &mount.Driver{Name: d.Name, Options: d.Options}
		}
	}
	if t := m.TmpfsOptions; t != nil {
		mt.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: sizeBytes(t.Size), Mode: modeBits(t.Mode), Options: expandTmpfsOptions(t.Options)}
	}
	if i := m.ImageOptions; i != nil {
		mt.ImageOptions = &mount.ImageOptions{Subpath: derefOr(i.Subpath, "")}
	}
	return mt
}

func flattenMount(mt mount.Mount) mountModel {
	m := mountModel{
		Type: string(mt.Type), Source: optStr(mt.Source), Target: mt.Target, ReadOnly: mt.ReadOnly,
		Consistency: optStr(string(mt.Consistency)),
	}
	if b := mt.BindOptions; b != nil {
		m.BindOptions = &bindOptionsModel{Propagation: optStr(string(b.Propagation)), NonRecursive: b.NonRecursive,
			CreateMountpoint: b.CreateMountpoint, ReadOnlyNonRecursive: b.ReadOnlyNonRecursive, ReadOnlyForceRecursive: b.ReadOnlyForceRecursive}
	}
	if v := mt.VolumeOptions; v != nil {
		m.VolumeOptions = &volumeOptionsModel{NoCopy: v.NoCopy, Labels: nonNilMap(v.Labels), Subpath: optStr(v.Subpath)}
		if d := v.DriverConfig; d != nil {
			m.VolumeOptions.DriverConfig = &driverModel{Name: d.Name, Options: nonNilMap(d.Options)}
		}
	}
	if t := mt.TmpfsOptions; t != nil {
		// The mode is kept whole: Perm() would drop the sticky, setuid and setgid bits (0o1777).
		m.TmpfsOptions = &tmpfsOptionsModel{Size: bytesToSize(t.SizeBytes), Mode: nullFileMode(), Options: flattenTmpfsOptions(t.Options)}
		if t.Mode != 0 {
			m.TmpfsOptions.Mode = newFileMode(uint32(t.Mode))
		}
	}
	if i := mt.ImageOptions; i != nil {
		m.ImageOptions = &imageOptionsModel{Subpath: optStr(i.Subpath)}
	}
	return m
}

// expandTmpfsOptions turns "flag" and "key=value" into the Engine's one- and two-element lists.
func expandTmpfsOptions(opts []string) [][]string {
	var out [][]string
	for _, o := range opts {
		if k, v, ok := strings.Cut(o, "="); ok {
			out = append(out, []string{k, v})
		} else {
			out = append(out, []string{o})
		}
	}
	return out
}

func flattenTmpfsOptions(opts [][]string) []string {
	out := []string{}
	for _, o := range opts {
		out = append(out, strings.Join(o, "="))
	}
	return out
}

// ---- secrets and configs ----

func expandSecretReference(m secretRefModel) *apiswarm.SecretReference {
	return &apiswarm.SecretReference{
		SecretID: m.SecretID, SecretName: m.SecretName.ValueString(),
		File: &apiswarm.SecretReferenceFileTarget{Name: m.FileName, UID: m.UID, GID: m.GID, Mode: modeBits(m.Mode)},
	}
}

func flattenSecretReference(s apiswarm.SecretReference) secretRefModel {
	m := secretRefModel{SecretID: s.SecretID, SecretName: stringOrNull(s.SecretName), UID: defaultSecretUID, GID: defaultSecretGID, Mode: newFileMode(defaultSecretModeBits)}
	if f := s.File; f != nil {
		m.FileName, m.UID, m.GID, m.Mode = f.Name, f.UID, f.GID, newFileMode(uint32(f.Mode))
	}
	return m
}

func expandConfigReference(m configRefModel) *apiswarm.ConfigReference {
	return &apiswarm.ConfigReference{
		ConfigID: m.ConfigID, ConfigName: m.ConfigName.ValueString(),
		File: &apiswarm.ConfigReferenceFileTarget{Name: m.FileName, UID: m.UID, GID: m.GID, Mode: modeBits(m.Mode)},
	}
}

func flattenConfigReference(c apiswarm.ConfigReference) configRefModel {
	m := configRefModel{ConfigID: c.ConfigID, ConfigName: stringOrNull(c.ConfigName), UID: defaultSecretUID, GID: defaultSecretGID, Mode: newFileMode(defaultSecretModeBits)}
	if f := c.File; f != nil {
		m.FileName, m.UID, m.GID, m.Mode = f.Name, f.UID, f.GID, newFileMode(uint32(f.Mode))
	}
	return m
}

// ---- DNS, privileges ----

func expandDNSConfig(m *dnsConfigModel) *apiswarm.DNSConfig {
	if m == nil {
		return nil
	}
	d := &apiswarm.DNSConfig{Search: m.Search, Options: m.Options}
	for _, ns := range m.Nameservers {
		if a, err := parseAddr(ns); err == nil {
			d.Nameservers = append(d.Nameservers, a)
		}
	}
	return d
}

func flattenDNSConfig(d *apiswarm.DNSConfig) *dnsConfigModel {
	// `docker service create` writes an empty one: that is no DNS configuration.
	if d == nil || (len(d.Nameservers) == 0 && len(d.Search) == 0 && len(d.Options) == 0) {
		return nil
	}
	m := &dnsConfigModel{Nameservers: []string{}, Search: nonNilSlice(d.Search), Options: nonNilSlice(d.Options)}
	for _, a := range d.Nameservers {
		m.Nameservers = append(m.Nameservers, a.String())
	}
	return m
}

func expandPrivileges(m *privilegesModel) *apiswarm.Privileges {
	if m == nil {
		return nil
	}
	p := &apiswarm.Privileges{NoNewPrivileges: m.NoNewPrivileges}
	if c := m.CredentialSpec; c != nil {
		p.CredentialSpec = &apiswarm.CredentialSpec{Config: derefOr(c.Config, ""), File: derefOr(c.File, ""), Registry: derefOr(c.Registry, "")}
	}
	if s := m.SELinuxContext; s != nil {
		p.SELinuxContext = &apiswarm.SELinuxContext{Disable: s.Disable, User: derefOr(s.User, ""), Role: derefOr(s.Role, ""), Type: derefOr(s.Type, ""), Level: derefOr(s.Level, "")}
	}
	if s := m.Seccomp; s != nil {
		p.Seccomp = &apiswarm.SeccompOpts{Mode: apiswarm.SeccompMode(s.Mode)}
		if s.Profile != nil {
			p.Seccomp.Profile = []byte(*s.Profile)
		}
	}
	if a := m.AppArmor; a != nil {
		p.AppArmor = &apiswarm.AppArmorOpts{Mode: apiswarm.AppArmorMode(a.Mode)}
	}
	return p
}

func flattenPrivileges(p *apiswarm.Privileges) *privilegesModel {
	if p == nil {
		return nil
	}
	m := &privilegesModel{NoNewPrivileges: p.NoNewPrivileges}
	if c := p.CredentialSpec; c != nil {
		m.CredentialSpec = &credentialSpecModel{Config: optStr(c.Config), File: optStr(c.File), Registry: optStr(c.Registry)}
	}
	if s := p.SELinuxContext; s != nil {
		m.SELinuxContext = &seLinuxContextModel{Disable: s.Disable, User: optStr(s.User), Role: optStr(s.Role), Type: optStr(s.Type), Level: optStr(s.Level)}
	}
	if s := p.Seccomp; s != nil {
		m.Seccomp = &seccompModel{Mode: string(s.Mode), Profile: optStr(string(s.Profile))}
	}
	if a := p.AppArmor; a != nil {
		m.AppArmor = &appArmorModel{Mode: string(a.Mode)}
	}
	return m
}
