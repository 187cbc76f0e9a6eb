#!/usr/bin/env bash
# The local Docker Swarm test bed of the acceptance tests: see README.md next to this file.
#
#   testbed.sh up      start (or repair) the bed; idempotent
#   testbed.sh down    remove everything the bed made; idempotent
#   testbed.sh status  print the bed; exit 1 if it is not up
#
# TESTBED_NODES (managers, the host engine included; default 1), TESTBED_WORKERS (default 0),
# TESTBED_FREE (engines in no swarm; default 0) and TESTBED_FAULT (1: the fault swarm; default 0)
# size the bed (TESTBED_ONLY=fault: up does the fault swarm only). Needs root. This script runs
# the bridge, namespaces, dockerd processes and the build of the test images (pushed to the
# registry, never loaded into the nodes); the swarms (nodes, addresses, init, join, promote,
# repair, leave, the node lists) and the registry are cmd/bedswarm's, in Go.
set -Eeuo pipefail

# A daemon must not inherit the descriptors this script has: a caller's lock around `make testbed`
# (`flock FILE make testbed` hands it over as fd 3) would otherwise stay held as long as the
# daemon runs. Prefix a daemon's command with this to close every descriptor above 2.
# shellcheck disable=SC2016 # $f and $n are the inner shell's.
NO_INHERITED_FDS=(bash -c 'for f in /proc/$BASHPID/fd/*; do n=${f##*/}; if ((n > 2)); then eval "exec $n>&-"; fi; done 2>/dev/null; exec "$@"' bash)

readonly BRIDGE=tfsw-br0
readonly RUN_DIR=/run/tfswarm-testbed
readonly DATA_DIR=/var/lib/tfswarm-testbed
readonly STATE_DIR=$DATA_DIR/state
readonly LOG_DIR=/var/log/tfswarm-testbed
readonly NODES_FILE=$RUN_DIR/nodes
readonly LOCK_FILE=/run/lock/tfswarm-testbed.lock
readonly HOST_URL=unix:///var/run/docker.sock
readonly IMAGE=tfswarm/testapp
readonly SOURCE_LABEL=org.tfswarm.testapp.source
# Bump when the way the images are built changes, so that `up` rebuilds them.
readonly IMAGE_RECIPE=2

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly APP_DIR=$SCRIPT_DIR/testapp

# The engines talk only to the sockets named here.
unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH

log() { printf 'testbed: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() {
	printf 'testbed: error: %s\n' "$*" >&2
	exit 1
}
trap 'log "failed (exit $?) at line $LINENO: $BASH_COMMAND"' ERR
TMP_DIR=$(mktemp -d -t tfswarm-testbed.XXXXXX)
readonly TMP_DIR
trap 'rm -rf "$TMP_DIR"' EXIT

# --- Nodes -----------------------------------------------------------------------------------
# bedswarm names them (m2..m9 managers, w1..w9 workers, free1..free9 engines in no swarm) and gives
# their addresses; an extra node's engine listens on $RUN_DIR/<name>.sock.

BEDSWARM=$TMP_DIR/bedswarm
build_bedswarm() {
	(cd "$SCRIPT_DIR/../.." && GOTOOLCHAIN=local go build -o "$BEDSWARM" ./internal/testbed/cmd/bedswarm) ||
		die "building internal/testbed/cmd/bedswarm failed"
}

bedswarm() { "$BEDSWARM" -run-dir "$RUN_DIR" -state-dir "$STATE_DIR" -elapsed "$SECONDS" "$@"; }

# NODES: every extra node of the bed (managers, workers, free engines), in that order; ADDR: the
# address of each, the host's (on the bridge) included. The bed never shrinks in `up` (bedswarm
# keeps the nodes of an earlier, larger run): `down` then `up` shrinks it.
declare -a NODES=()
declare -A ADDR=()
plan_nodes() {
	local out name addr
	out=$(bedswarm nodes) || exit 1
	while read -r name _ addr _; do
		ADDR[$name]=$addr
		[[ $name == host ]] || NODES+=("$name")
	done <<<"$out"
}

node_url() {
	if [[ $1 == host ]]; then echo "$HOST_URL"; else echo "unix://$RUN_DIR/$1.sock"; fi
}

# pids_with STRING [PROGRAM]: the processes whose command line contains STRING (and whose first
# word ends in /PROGRAM or is PROGRAM). Builtins only: it runs often.
pids_with() {
	local p a=()
	for p in /proc/[0-9]*; do
		mapfile -d '' -t a 2>/dev/null <"$p/cmdline" || continue
		((${#a[@]} > 0)) || continue
		[[ -z ${2:-} || ${a[0]} == "$2" || ${a[0]} == */"$2" ]] || continue
		[[ " ${a[*]} " == *"$1"* ]] && echo "${p#/proc/}"
	done
	true
}

# pid_has_arg PID STRING: whether process PID runs with STRING in its command line.
pid_has_arg() {
	local a=()
	[[ $1 =~ ^[0-9]+$ ]] || return 1
	mapfile -d '' -t a 2>/dev/null <"/proc/$1/cmdline" || return 1
	[[ " ${a[*]} " == *"$2"* ]]
}

# clear_stale_pidfile FILE STRING: removes FILE unless the process it names runs with STRING in
# its command line. dockerd trusts any live process with the recorded pid (pids are reused fast),
# for its own pid file and for the one of the containerd it supervises.
clear_stale_pidfile() {
	[[ -e $1 ]] || return 0
	pid_has_arg "$(cat "$1" 2>/dev/null)" "$2" || rm -f "$1"
}

# node_dockerd_pids NODE: the running dockerd of NODE (found by its socket, not by the pid file).
node_dockerd_pids() { pids_with " -H unix://$RUN_DIR/$1.sock " dockerd; }

# stop_pids TIMEOUT PIDS...: SIGTERM, wait, then SIGKILL.
stop_pids() {
	local t=$1 p i alive
	shift
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null || true
	for ((i = 0; i < t * 5; i++)); do
		alive=()
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
		((${#alive[@]} > 0)) || return 0
		sleep 0.2
	done
	log "killing ${alive[*]} (did not stop in ${t}s)"
	kill -KILL "${alive[@]}" 2>/dev/null || true
	sleep 0.5
}

# --- The host engine -------------------------------------------------------------------------

ensure_packages() {
	local pkgs=()
	command -v dockerd >/dev/null || pkgs+=(docker.io)
	command -v ip >/dev/null || pkgs+=(iproute2)
	if ((${#pkgs[@]} > 0)); then
		log "installing ${pkgs[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io iproute2 >/dev/null
	fi
	local t
	for t in docker dockerd ip nsenter unshare setsid flock timeout go; do
		command -v "$t" >/dev/null || die "$t is not installed"
	done
}

# host_dockerd_pid: the pid of the host's running dockerd, if any.
host_dockerd_pid() {
	local pid
	pid=$(cat /var/run/docker.pid 2>/dev/null) || return 0
	if [[ $pid =~ ^[0-9]+$ && $(readlink "/proc/$pid/exe" 2>/dev/null) == */dockerd ]]; then echo "$pid"; fi
	true
}

# engine_up NODE: whether NODE's dockerd answers. `docker version`, not `docker info`: info asks
# the swarm too, and takes up to 20s while the swarm has no leader.
engine_up() { timeout 10 docker -H "$(node_url "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# start_host_dockerd: starts the host's dockerd unless one runs (does not wait).
start_host_dockerd() {
	[[ -n $(host_dockerd_pid) ]] && return 0
	engine_up host && return 0
	clear_stale_pidfile /var/run/docker.pid dockerd
	clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
	log "starting dockerd (log: $LOG_DIR/dockerd.log)"
	mkdir -p "$LOG_DIR"
	setsid nohup "${NO_INHERITED_FDS[@]}" dockerd >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
	: >"$STATE_DIR/host-dockerd.started"
}

# wait_engine NODE LOG SECONDS: waits until NODE's dockerd answers. A dockerd that was in a swarm
# waits up to 20s for its swarm before it answers.
wait_engine() {
	local n=$1 deadline=$((SECONDS + $3))
	until engine_up "$n"; do
		if ((SECONDS >= deadline)) || [[ $n != host && -z $(node_dockerd_pids "$n") ]]; then
			tail -n 20 "$2" >&2 2>/dev/null || true
			die "the dockerd of $n does not answer on $(node_url "$n") (log: $2)"
		fi
		sleep 0.3
	done
}

wait_host_dockerd() {
	wait_engine host "$LOG_DIR/dockerd.log" 90
	if [[ -e $STATE_DIR/host-dockerd.started ]]; then
		cat /var/run/docker.pid >"$STATE_DIR/host-dockerd"
		rm -f "$STATE_DIR/host-dockerd.started"
	fi
}

ensure_bridge() {
	ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
	[[ $(ip -o -4 addr show dev "$BRIDGE") == *" ${ADDR[host]}/24 "* ]] ||
		ip addr add "${ADDR[host]}/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
	# With br_netfilter, frames between two ports of the bridge pass the FORWARD chain, whose
	# policy dockerd sets to DROP.
	if [[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) == 1 ]] && command -v iptables >/dev/null; then
		iptables -w -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null ||
			iptables -w -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
	fi
}

# --- Extra nodes: a dockerd each, in its own network namespace -------------------------------

ensure_netns() {
	local n=$1 ns=tfsw-$1 veth=tfsw-v-$1 peer=tfsw-e-$1 addr=${ADDR[$1]}
	[[ -e /run/netns/$ns ]] || ip netns add "$ns"
	# A veth whose peer is not in the namespace (e.g. the namespace was made anew) is useless.
	if ip link show "$veth" >/dev/null 2>&1 && ! ip -n "$ns" link show "$peer" >/dev/null 2>&1; then
		ip link del "$veth"
	fi
	ip link show "$veth" >/dev/null 2>&1 || ip link add "$veth" type veth peer name "$peer" netns "$ns"
	ip link set "$veth" master "$BRIDGE" up
	[[ $(ip -n "$ns" -o -4 addr show dev "$peer") == *" $addr/24 "* ]] ||
		ip -n "$ns" addr add "$addr/24" dev "$peer"
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "$peer" up
	# No default route: see TESTBED notes in README.md.
}

# start_node_dockerd NODE: starts NODE's dockerd unless it runs (does not wait).
start_node_dockerd() {
	local n=$1 octet
	[[ -n $(node_dockerd_pids "$n") ]] && return 0
	octet=${ADDR[$n]##*.}
	mkdir -p "$DATA_DIR/$n" "$RUN_DIR/$n-exec" "$LOG_DIR"
	rm -f "$RUN_DIR/$n.pid" "$RUN_DIR/$n.sock"
	clear_stale_pidfile "$RUN_DIR/$n-exec/containerd/containerd.pid" "$RUN_DIR/$n-exec/containerd/"
	log "starting dockerd of $n (${ADDR[$n]}, log: $LOG_DIR/$n.log)"
	# nsenter (not `ip netns exec`, which remounts /sys) for the network; unshare --uts for the
	# hostname.
	# shellcheck disable=SC2016 # $1 and $@ are the inner shell's.
	setsid "${NO_INHERITED_FDS[@]}" nsenter --net="/run/netns/tfsw-$n" unshare --uts \
		sh -c 'echo "$1" >/proc/sys/kernel/hostname && shift && exec "$@"' sh "$n" \
		dockerd \
		--data-root "$DATA_DIR/$n" \
		--exec-root "$RUN_DIR/$n-exec" \
		-H "unix://$RUN_DIR/$n.sock" \
		--pidfile "$RUN_DIR/$n.pid" \
		--bip "172.30.$octet.1/24" \
		--containerd-namespace "tfsw-$n" \
		--containerd-plugins-namespace "tfsw-$n-plugins" \
		>>"$LOG_DIR/$n.log" 2>&1 </dev/null &
}

wait_node_dockerd() { wait_engine "$1" "$LOG_DIR/$1.log" 60; }

stop_node_dockerd() {
	local pids
	mapfile -t pids < <(node_dockerd_pids "$1")
	stop_pids "${2:-30}" "${pids[@]}"
}

# wipe_node_swarm NODE: restarts NODE's engine on an empty swarm state, for a node that could not
# leave its swarm (bedswarm names them).
wipe_node_swarm() {
	local n=$1
	log "wiping the swarm state of $n"
	stop_node_dockerd "$n" 30
	rm -rf "${DATA_DIR:?}/$n/swarm"
	start_node_dockerd "$n"
	wait_node_dockerd "$n"
}

# converge_swarm: bedswarm brings the engines into their swarm roles; it exits 3 with the nodes to
# wipe, after which it runs again.
converge_swarm() {
	local i out rc n
	for i in 1 2 3; do
		rc=0
		out=$(bedswarm up) || rc=$?
		((rc == 0)) && return 0
		((rc == 3 && i < 3)) || die "the swarm did not converge (logs: $LOG_DIR)"
		for n in $out; do wipe_node_swarm "$n"; done
	done
}

# --- Images ----------------------------------------------------------------------------------

source_hash() {
	{
		echo "recipe $IMAGE_RECIPE"
		local f
		for f in "$APP_DIR"/Dockerfile "$APP_DIR"/*.go; do
			[[ $f == *_test.go ]] && continue
			echo "== ${f##*/}"
			cat "$f"
		done
	} | sha256sum | cut -c1-16
}

image_label() {
	docker -H "$HOST_URL" image inspect -f "{{index .Config.Labels \"$SOURCE_LABEL\"}}" "$1" 2>/dev/null || true
}

# build_images: builds the images unless they carry the hash of the current source. Runs in a
# subshell of its own (it is started in the background).
build_images() (
	hash=$(source_hash)
	if [[ $(image_label "$IMAGE:v1") == "$hash" && $(image_label "$IMAGE:v2") == "$hash" ]]; then
		exit 0
	fi
	log "building $IMAGE:v1 and :v2 (source $hash)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/ctx/rootfs/bin" "$tmp/src"
	# The app uses the standard library only: it builds as a module of its own, so that the state
	# of the repository's go.mod (edited by others at the same time) does not matter.
	cp "$APP_DIR"/*.go "$tmp/src/"
	rm -f "$tmp"/src/*_test.go
	printf 'module testapp\n\ngo 1.22\n' >"$tmp/src/go.mod"
	(cd "$tmp/src" && CGO_ENABLED=0 GOOS=linux GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local \
		go build -buildvcs=false -trimpath -ldflags '-s -w' -o "$tmp/ctx/rootfs/testapp" .)
	# The image has no shell: /bin/sh is testapp itself, which runs `sh -c '<testapp command>'`.
	ln -s /testapp "$tmp/ctx/rootfs/bin/sh"
	cp "$APP_DIR/Dockerfile" "$tmp/ctx/Dockerfile"
	for v in v1 v2; do
		DOCKER_BUILDKIT=0 docker -H "$HOST_URL" build -q --build-arg "TESTAPP_VERSION=$v" \
			--label "$SOURCE_LABEL=$hash" -t "$IMAGE:$v" "$tmp/ctx" >/dev/null 2>"$tmp/build.log" ||
			die "docker build of $IMAGE:$v failed: $(cat "$tmp/build.log")"
	done
	# Old builds (now untagged) go.
	docker -H "$HOST_URL" image prune -f --filter "label=$SOURCE_LABEL" >/dev/null 2>&1 || true
)

# --- Commands --------------------------------------------------------------------------------

lock() {
	mkdir -p "$(dirname "$LOCK_FILE")"
	exec 9>"$LOCK_FILE"
	flock -w 900 9 || die "another testbed.sh holds $LOCK_FILE"
}

cmd_up() {
	(($(id -u) == 0)) || die "run as root"
	local start=$SECONDS n build_pid build_log=$TMP_DIR/build.log
	lock
	ensure_packages
	build_bedswarm
	plan_nodes
	mkdir -p "$RUN_DIR" "$DATA_DIR" "$STATE_DIR" "$LOG_DIR"
	# All engines start together: after a crash, the managers restore their swarm together.
	start_host_dockerd
	ensure_bridge
	for n in "${NODES[@]}"; do
		ensure_netns "$n"
		start_node_dockerd "$n"
	done
	wait_host_dockerd
	# The images build while the nodes start.
	build_images >"$build_log" 2>&1 &
	build_pid=$!
	for n in "${NODES[@]}"; do wait_node_dockerd "$n"; done
	converge_swarm
	wait "$build_pid" || { cat "$build_log" >&2; die "building the test images failed"; }
	cat "$build_log" >&2
	# The images go to the registry only: the nodes pull them through the swarm, with credentials.
	bedswarm -log-dir "$LOG_DIR" registry-up
	bedswarm record
	docker -H "$HOST_URL" node ls
	cat "$NODES_FILE"
	log "up in $((SECONDS - start))s; nodes: $NODES_FILE"
}

# cleanup_node NODE: everything of NODE goes, running or not.
cleanup_node() {
	local n=$1 exec_root=$RUN_DIR/$1-exec data_root=$DATA_DIR/$1 pids id rt
	stop_node_dockerd "$n" 30
	# Containers of a dockerd that died live on under their shims: kill them through runc.
	for rt in "$exec_root"/runtime-runc/*; do
		if [[ ! -d $rt ]] || ! command -v runc >/dev/null; then continue; fi
		for id in $(runc --root "$rt" list -q 2>/dev/null); do
			runc --root "$rt" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	# containerd, shims and whatever else still runs in the namespace or from the exec root.
	mapfile -t pids < <({
		[[ -e /run/netns/tfsw-$n ]] && ip netns pids "tfsw-$n" 2>/dev/null
		pids_with "$exec_root/"
	} | sort -u)
	stop_pids 10 "${pids[@]}"
	# Mounts dockerd leaves (netns, overlay, shm).
	local mp
	awk '{print $5}' /proc/self/mountinfo | sort -r | while read -r mp; do
		if [[ $mp == "$exec_root" || $mp == "$exec_root"/* || $mp == "$data_root" || $mp == "$data_root"/* ]]; then
			umount -l "$mp" 2>/dev/null || true
		fi
	done
	ip link del "tfsw-v-$n" 2>/dev/null || true
	ip netns del "tfsw-$n" 2>/dev/null || true
	rm -rf "$exec_root" "$data_root" "$RUN_DIR/$n.sock" "$RUN_DIR/$n.pid"
}

# known_nodes: every testbed node there is a trace of.
known_nodes() {
	{
		[[ -r $STATE_DIR/nodes.list ]] && cat "$STATE_DIR/nodes.list"
		ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^tfsw-//p'
		ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed -n 's/^tfsw-v-\([^@]*\).*/\1/p'
		[[ -d $DATA_DIR ]] && find "$DATA_DIR" -mindepth 1 -maxdepth 1 -type d -printf '%f\n'
		[[ -d $RUN_DIR ]] && find "$RUN_DIR" -mindepth 1 -maxdepth 1 \( -name '*.pid' -o -name '*.sock' -o -name '*-exec' \) -printf '%f\n' |
			sed 's/\.pid$//; s/\.sock$//; s/-exec$//'
		pids_with " -H unix://$RUN_DIR/" dockerd | while read -r p; do
			tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | sed -n "s#^unix://$RUN_DIR/\(.*\)\.sock\$#\1#p"
		done
	} | sort -u | while read -r n; do [[ $n =~ ^(m[2-9]|w[1-9]|free[1-9]|fm[1-3]|fw1)$ ]] && echo "$n"; done
	true
}

cmd_down() {
	(($(id -u) == 0)) || die "run as root"
	mkdir -p "$RUN_DIR"
	lock
	local start=$SECONDS n nodes pids=() left="" root="" pid
	if ! { (build_bedswarm) && bedswarm -log-dir "$LOG_DIR" registry-down; }; then log "warning: stopping the test bed's registry failed"; fi
	# The host leaves first, while its swarm still has its managers (and answers quickly).
	if [[ -r $STATE_DIR/host-swarm ]]; then
		read -r _ root <"$STATE_DIR/host-swarm"
		if [[ -n $(host_dockerd_pid) ]]; then
			# A subshell: a failed build is a warning here, not the end of `down`.
			if [[ -x $BEDSWARM ]] && bedswarm leave-host; then left=1; else log "warning: leaving the host's swarm failed"; fi
		fi
	fi
	mapfile -t nodes < <(known_nodes)
	for n in "${nodes[@]}"; do
		[[ -n $n ]] || continue
		log "removing $n"
		{ cleanup_node "$n"; log "removed $n (${SECONDS}s)"; } &
		pids+=($!)
	done
	for n in "${pids[@]}"; do wait "$n" || true; done
	if command -v iptables >/dev/null; then
		while iptables -w -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do :; done
	fi
	ip link del "$BRIDGE" 2>/dev/null || true
	if [[ -r $STATE_DIR/host-dockerd ]]; then
		pid=$(host_dockerd_pid)
		if [[ -n $pid && $pid == "$(cat "$STATE_DIR/host-dockerd")" ]]; then
			log "stopping dockerd (pid $pid), which the test bed started"
			stop_pids 60 "$pid"
		fi
	fi
	# A swarm the bed made and could not leave (dockerd dead or hung) goes with its state files, if
	# no dockerd uses them.
	if [[ -r $STATE_DIR/host-swarm && -z $left && -n $root && -d $root/swarm ]]; then
		if [[ -z $(host_dockerd_pid) ]]; then
			log "removing the host's swarm state $root/swarm"
			rm -rf "${root:?}/swarm"
		else
			log "warning: the host engine is still in the swarm the test bed made: docker swarm leave --force"
		fi
	fi
	rm -rf "$STATE_DIR" "$DATA_DIR" "$NODES_FILE" "$RUN_DIR"
	log "down in $((SECONDS - start))s"
}

# cmd_status: the bed is up when every engine answers and every manager and worker is in the swarm.
cmd_status() {
	build_bedswarm
	bedswarm status
}

main() {
	case ${1:-} in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status || exit 1 ;;
	*)
		echo "usage: $0 up|down|status" >&2
		exit 2
		;;
	esac
}

main "$@"
