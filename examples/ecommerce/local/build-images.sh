#!/usr/bin/env bash
# Builds the images of examples/ecommerce on this machine (nothing is pulled from outside) and
# pushes them to the test bed's registry:
#
#   ecommerce/nginx:local       nginx-light (+ curl for the health check)  from Debian's packages
#   ecommerce/redis:local       redis-server                               from Debian's packages
#   ecommerce/postgres:local    postgresql-15 + an entry point like the official image's
#   ecommerce/prometheus:local  prometheus                                 from Debian's packages
#   ecommerce/api:v1, :v2       our API (examples/ecommerce/api), a static Go binary FROM scratch
#
# The Debian images are root filesystems made by mmdebstrap from the machine's own apt sources
# (read from /etc/apt) and imported by the Engine (`docker import`). Grafana is not packaged by
# Debian, so it cannot be built here: the local run leaves it out (enable_grafana = false).
#
# Every image carries the label org.tfswarm.ecommerce.hash, a hash of what it is built from; a
# second run skips every image whose label matches. The images are pushed to the test bed's private
# registry (as REGISTRY_ADDR/ecommerce/...), from which the nodes pull them through the swarm with
# the provider's registry credentials: nothing is loaded into a node by hand.
#
# Environment:
#   ECOMMERCE_BUILD_DIR   where root filesystems and logs go (default /var/tmp/tfswarm-ecommerce)
#   TESTBED_REGISTRY_ENV  the test bed's registry.env (default /run/tfswarm-testbed/registry.env)
#   ECOMMERCE_IMAGES     the images to build, a subset of "nginx redis postgres prometheus api"
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# examples/ecommerce is a Go module of its own (the provider's module does not depend on its
# PostgreSQL driver).
module="$(cd "$here/.." && pwd)"
build_dir="${ECOMMERCE_BUILD_DIR:-/var/tmp/tfswarm-ecommerce}"
registry_env="${TESTBED_REGISTRY_ENV:-/run/tfswarm-testbed/registry.env}"
images="${ECOMMERCE_IMAGES:-nginx redis postgres prometheus api}"
label="org.tfswarm.ecommerce.hash"
api_tags="v1 v2"

log() { printf 'build-images: %s\n' "$*" >&2; }

mkdir -p "$build_dir"

# image_hash IMAGE [DOCKER_HOST_URL]: the value of the hash label, or nothing.
image_hash() {
	local h=()
	[ -n "${2:-}" ] && h=(-H "$2")
	docker "${h[@]}" image inspect --format "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Debian root filesystems

codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"

ensure_mmdebstrap() {
	command -v mmdebstrap >/dev/null && return
	log "installing mmdebstrap from Debian's packages"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
}

# The machine's own apt sources for this Debian release: deb822 files are passed as they are, and
# the matching lines of one-line files are collected into one file. Third-party repositories are
# left out (their keys are not in the new root filesystem).
mirror_args=()
aptopt_args=()
collect_sources() {
	local f oneline="$build_dir/sources.list"
	: >"$oneline"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		if grep -q 'debian-archive-keyring' "$f" || grep -Eq "^Suites:.*[[:space:]]$codename([[:space:]]|-|$)" "$f"; then
			mirror_args+=("$f")
		fi
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -E "^deb[[:space:]].*[[:space:]]$codename(-[a-z]+)?[[:space:]]" "$f" >>"$oneline" || true
	done
	[ -s "$oneline" ] && mirror_args+=("$oneline")
	# apt's Acquire options of this machine (e.g. for a snapshot archive whose Release has expired).
	for f in /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] || continue
		if grep -Eq '^[[:space:]]*Acquire::(Check-Valid-Until|Check-Date)' "$f"; then
			aptopt_args+=("--aptopt=$f")
		fi
	done
}

# Docs, manuals and translations are left out of every image.
strip_args=(
	--dpkgopt='path-exclude=/usr/share/doc/*'
	--dpkgopt='path-include=/usr/share/doc/*/copyright'
	--dpkgopt='path-exclude=/usr/share/man/*'
	--dpkgopt='path-exclude=/usr/share/info/*'
	--dpkgopt='path-exclude=/usr/share/locale/*'
	--dpkgopt='path-exclude=/usr/share/lintian/*'
	--customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*.log "$1"/var/cache/debconf/*-old'
)

# The per-image recipe: packages, hooks and the image configuration (docker import --change).
spec_packages() {
	case "$1" in
	nginx) echo "nginx-light,curl" ;;
	redis) echo "redis-server" ;;
	postgres) echo "postgresql-15" ;;
	prometheus) echo "prometheus" ;;
	esac
}

spec_hooks() {
	case "$1" in
	nginx)
		printf '%s\n' \
			'rm -f "$1"/etc/nginx/sites-enabled/default' \
			'ln -sf /dev/stderr "$1"/var/log/nginx/error.log' \
			'ln -sf /dev/stdout "$1"/var/log/nginx/access.log'
		;;
	redis)
		printf '%s\n' 'mkdir -p "$1"/var/lib/redis' 'chroot "$1" chown redis:redis /var/lib/redis'
		;;
	postgres)
		# No cluster from the package (the entry point makes one in the volume), and no LLVM (JIT
		# is off): that halves the image.
		printf '%s\n' \
			'rm -rf "$1"/etc/postgresql/15 "$1"/var/lib/postgresql/15' \
			'rm -rf "$1"/usr/lib/postgresql/15/lib/llvmjit* "$1"/usr/lib/postgresql/15/lib/bitcode' \
			'rm -f "$1"/usr/lib/*/libLLVM-*.so* "$1"/usr/lib/*/libz3.so*' \
			'rm -rf "$1"/usr/share/i18n' \
			'mkdir -p "$1"/var/lib/postgresql/data "$1"/run/postgresql' \
			'chroot "$1" chown postgres:postgres /var/lib/postgresql/data /run/postgresql' \
			'chmod 700 "$1"/var/lib/postgresql/data' \
			"upload $here/images/postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint" \
			'chmod 755 "$1"/usr/local/bin/postgres-entrypoint'
		;;
	prometheus)
		# promtool and the unpacked time zone data of the old web UI are not needed: -300 MB.
		printf '%s\n' 'mkdir -p "$1"/prometheus' 'rm -f "$1"/usr/bin/promtool' \
			'rm -rf "$1"/usr/share/javascript/moment-timezone/data/unpacked'
		;;
	esac
}

spec_changes() {
	case "$1" in
	nginx)
		printf '%s\n' 'ENTRYPOINT ["/usr/sbin/nginx", "-g", "daemon off;"]' 'EXPOSE 80 443'
		;;
	redis)
		printf '%s\n' \
			'ENTRYPOINT ["/usr/bin/redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis"]' \
			'USER redis' 'EXPOSE 6379'
		;;
	postgres)
		printf '%s\n' 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint"]' 'USER postgres' \
			'ENV PGDATA=/var/lib/postgresql/data' 'EXPOSE 5432'
		;;
	prometheus)
		# root: the Swarm service discovery reads the manager's Docker socket.
		# As the upstream image: the flags are the CMD, so that a service's args replace them.
		printf '%s\n' \
			'ENTRYPOINT ["/usr/bin/prometheus"]' \
			'CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"]' \
			'USER root' 'WORKDIR /prometheus' 'EXPOSE 9090'
		;;
	esac
}

# rootfs_hash names the root filesystem (packages, hooks, files); spec_hash the image (the root
# filesystem and its configuration).
rootfs_hash() {
	{
		echo "$1 $codename"
		spec_packages "$1"
		spec_hooks "$1"
		printf '%s\n' "${strip_args[@]}"
		if [ "$1" = postgres ]; then cat "$here/images/postgres-entrypoint.sh"; fi
	} | sha256sum | cut -c1-16
}

spec_hash() {
	{
		rootfs_hash "$1"
		spec_changes "$1"
	} | sha256sum | cut -c1-16
}

# build_debian NAME: builds ecommerce/NAME:local unless its hash label matches.
build_debian() {
	local name="$1" ref="ecommerce/$1:local" hash tar hooks=() changes=() line
	hash="$(spec_hash "$name")"
	if [ "$(image_hash "$ref")" = "$hash" ]; then
		log "$ref is up to date ($hash)"
		return
	fi
	tar="$build_dir/$name-$(rootfs_hash "$name").tar"
	if [ ! -s "$tar" ]; then
		log "$ref: mmdebstrap $codename $(spec_packages "$name") (log in $build_dir/$name.log)"
		while IFS= read -r line; do hooks+=("--customize-hook=$line"); done < <(spec_hooks "$name")
		if ! mmdebstrap --variant=minbase --include="$(spec_packages "$name")" \
			"${aptopt_args[@]}" "${strip_args[@]}" "${hooks[@]}" \
			--format=tar "$codename" "$tar.tmp" "${mirror_args[@]}" >"$build_dir/$name.log" 2>&1; then
			log "$ref: mmdebstrap failed; last lines of $build_dir/$name.log:"
			tail -20 "$build_dir/$name.log" >&2
			return 1
		fi
		mv "$tar.tmp" "$tar"
	fi
	while IFS= read -r line; do changes+=(--change "$line"); done < <(spec_changes "$name")
	docker import "${changes[@]}" --change "LABEL $label=$hash" "$tar" "$ref" >/dev/null
	log "$ref imported ($hash, $(du -h "$tar" | cut -f1) root filesystem)"
}

# ---------------------------------------------------------------------------------------------
# Our API: a static binary in a FROM scratch image, one image per tag (the version is built in).

build_api() {
	local tag ref hash dir
	for tag in $api_tags; do
		ref="ecommerce/api:$tag"
		hash="$({
			echo "$tag"
			go version
			cat "$module"/api/*.go "$module/go.mod" "$module/go.sum"
		} | sha256sum | cut -c1-16)"
		if [ "$(image_hash "$ref")" = "$hash" ]; then
			log "$ref is up to date ($hash)"
			continue
		fi
		dir="$build_dir/api-$tag"
		rm -rf "$dir"
		mkdir -p "$dir/rootfs/tmp"
		(cd "$module" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$tag" \
			-o "$dir/rootfs/app" ./api)
		tar -C "$dir/rootfs" -c . | docker import \
			--change 'ENTRYPOINT ["/app"]' --change 'USER 65534:65534' --change 'EXPOSE 8080' \
			--change "LABEL $label=$hash" - "$ref" >/dev/null
		log "$ref imported ($hash)"
	done
}

# ---------------------------------------------------------------------------------------------
# Pushing to the test bed's registry.

all_refs() {
	local n t
	for n in $images; do
		if [ "$n" = api ]; then
			for t in $api_tags; do echo "ecommerce/api:$t"; done
		else
			echo "ecommerce/$n:local"
		fi
	done
}

# push_registry: every image goes to the test bed's registry (registry.env), with the credentials
# of the bed's Docker config (as `docker login` writes them). The host engine then drops the
# registry's names again (the tag and the digest the push recorded), so that its tasks pull through
# the swarm like every other node's; the layers stay, so that pull is quick. A second push of an
# unchanged image only checks that the registry has its layers.
push_registry() {
	[ -r "$registry_env" ] || {
		log "no test bed registry ($registry_env): run make testbed"
		return 1
	}
	# shellcheck disable=SC2034 # set by registry.env; only the address is used here
	local REGISTRY_ADDR REGISTRY_USER REGISTRY_PASSWORD ref pids=() pid rc=0
	# shellcheck disable=SC1090 # the bed writes it: REGISTRY_ADDR, REGISTRY_USER, REGISTRY_PASSWORD
	. "$registry_env"
	DOCKER_CONFIG="$(dirname "$registry_env")/docker-config"
	export DOCKER_CONFIG
	while read -r ref; do
		(
			target="$REGISTRY_ADDR/$ref"
			docker tag "$ref" "$target"
			docker push -q "$target" >/dev/null
			docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "$target" |
				grep "^$REGISTRY_ADDR/" | xargs -r docker rmi >/dev/null
			docker rmi "$target" >/dev/null
			log "pushed $target"
		) &
		pids+=($!)
	done < <(all_refs)
	for pid in "${pids[@]}"; do wait "$pid" || rc=1; done
	[ "$rc" = 0 ] || {
		log "pushing to the registry failed"
		return 1
	}
}

main() {
	docker info >/dev/null 2>&1 || { log "the Docker Engine does not answer"; exit 1; }
	local debs=() n pids=() rc=0
	for n in $images; do [ "$n" = api ] || debs+=("$n"); done
	if [ "${#debs[@]}" -gt 0 ]; then
		local need=0
		for n in "${debs[@]}"; do
			[ "$(image_hash "ecommerce/$n:local")" = "$(spec_hash "$n")" ] || need=1
		done
		if [ "$need" = 1 ]; then
			ensure_mmdebstrap
			collect_sources
		fi
		# The root filesystems are built side by side (mostly downloads and dpkg).
		for n in "${debs[@]}"; do
			build_debian "$n" &
			pids+=($!)
		done
	fi
	case " $images " in *" api "*) build_api || rc=1 ;; esac
	for n in "${pids[@]}"; do wait "$n" || rc=1; done
	[ "$rc" = 0 ] || { log "some images failed"; exit 1; }
	push_registry
	log "done: $(all_refs | tr '\n' ' ')"
}

main "$@"
