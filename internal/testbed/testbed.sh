#!/usr/bin/env bash
# The local Docker Swarm test bed of the acceptance tests: see README.md next to this file.
#
#   testbed.sh up      start (or repair) the bed; idempotent
#   testbed.sh down    remove everything the bed made; idempotent
#   testbed.sh status  print the bed; exit 1 if it is not up
#
# TESTBED_NODES (managers, the host engine included; default 1), TESTBED_WORKERS (default 0) and
# TESTBED_FREE (engines in no swarm; default 0) size the bed. Needs root.
set -Eeuo pipefail

# A daemon must not inherit the descriptors this script has: a caller's lock around `make testbed`
# (`flock FILE make testbed` hands it over as fd 3) would otherwise stay held as long as the
# daemon runs. Prefix a daemon's command with this to close every descriptor above 2.
# shellcheck disable=SC2016 # $f and $n are the inner shell's.
NO_INHERITED_FDS=(bash -c 'for f in /proc/$BASHPID/fd/*; do n=${f##*/}; if ((n > 2)); then eval "exec $n>&-"; fi; done 2>/dev/null; exec "$@"' bash)

readonly BRIDGE=tfsw-br0
readonly NET=10.77.0
readonly HOST_ADDR=$NET.1
readonly ADDR_POOL=10.200.0.0/16
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

# ---------------------------------------------------------------------------------------------
# Nodes. Names encode the role and the address:
#   m<i>     manager, 10.77.0.(10+i)  i = 2..9 (the host engine is the first manager, .1)
#   w<i>     worker,  10.77.0.(20+i)  i = 1..9
#   free<i>  free,    10.77.0.(30+i)  i = 1..9
# ---------------------------------------------------------------------------------------------

node_role() {
	case $1 in
	host | m[0-9]*) echo manager ;;
	w[0-9]*) echo worker ;;
	free[0-9]*) echo free ;;
	*) return 1 ;;
	esac
}

node_octet() {
	case $1 in
	host) echo 1 ;;
	m[0-9]*) echo $((10 + ${1#m})) ;;
	w[0-9]*) echo $((20 + ${1#w})) ;;
	free[0-9]*) echo $((30 + ${1#free})) ;;
	esac
}

node_addr() { echo "$NET.$(node_octet "$1")"; }

node_url() {
	if [[ $1 == host ]]; then echo "$HOST_URL"; else echo "unix://$RUN_DIR/$1.sock"; fi
}

is_node_name() { [[ $1 =~ ^(m[2-9]|w[1-9]|free[1-9])$ ]]; }

count() {
	local name=$1 def=$2 min=$3 max=$4 v
	v=${!name:-$def}
	if ! [[ $v =~ ^[0-9]+$ ]] || ((10#$v < min || 10#$v > max)); then
		die "$name=$v: want a number from $min to $max"
	fi
	echo "$((10#$v))"
}

# NODES: every extra node of the bed (managers, workers, free engines), in that order. The bed
# grows to what is asked and never shrinks in `up` (nodes of an earlier, larger run are kept and
# repaired): `down` then `up` shrinks it.
declare -a NODES=() MANAGERS=() WORKERS=() FREE=()
plan_nodes() {
	local managers workers free i n
	managers=$(count TESTBED_NODES 1 1 9)
	workers=$(count TESTBED_WORKERS 0 0 9)
	free=$(count TESTBED_FREE 0 0 9)
	local -A want=()
	for ((i = 2; i <= managers; i++)); do want[m$i]=1; done
	for ((i = 1; i <= workers; i++)); do want[w$i]=1; done
	for ((i = 1; i <= free; i++)); do want[free$i]=1; done
	if [[ -r $STATE_DIR/nodes.list ]]; then
		while read -r n; do
			if is_node_name "$n" && [[ -z ${want[$n]:-} ]]; then
				log "keeping $n from an earlier run (down, then up, to shrink the bed)"
				want[$n]=1
			fi
		done <"$STATE_DIR/nodes.list"
	fi
	for n in m{2..9}; do [[ -n ${want[$n]:-} ]] && MANAGERS+=("$n"); done
	for n in w{1..9}; do [[ -n ${want[$n]:-} ]] && WORKERS+=("$n"); done
	for n in free{1..9}; do [[ -n ${want[$n]:-} ]] && FREE+=("$n"); done
	NODES=("${MANAGERS[@]}" "${WORKERS[@]}" "${FREE[@]}")
	true
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

# ---------------------------------------------------------------------------------------------
# The host engine
# ---------------------------------------------------------------------------------------------

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
	for t in docker dockerd ip nsenter unshare setsid flock timeout; do
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

# host_engine_up: whether the host's dockerd answers. `docker version`, not `docker info`: info
# asks the swarm too, and takes up to 20s while the swarm has no leader.
host_engine_up() { timeout 10 docker -H "$HOST_URL" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# start_host_dockerd: starts the host's dockerd unless one runs (does not wait).
start_host_dockerd() {
	[[ -n $(host_dockerd_pid) ]] && return 0
	host_engine_up && return 0
	clear_stale_pidfile /var/run/docker.pid dockerd
	clear_stale_pidfile /var/run/docker/containerd/containerd.pid containerd
	log "starting dockerd (log: $LOG_DIR/dockerd.log)"
	mkdir -p "$LOG_DIR"
	# fd 9 is the lock: the daemon must not inherit it.
	setsid nohup "${NO_INHERITED_FDS[@]}" dockerd >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null 9>&- &
	: >"$STATE_DIR/host-dockerd.started"
}

# wait_host_dockerd: waits until the host's dockerd answers. A dockerd that was in a swarm waits
# up to 20s for its swarm before it answers.
wait_host_dockerd() {
	local deadline=$((SECONDS + 90))
	until host_engine_up; do
		((SECONDS < deadline)) || {
			tail -n 20 "$LOG_DIR/dockerd.log" >&2 2>/dev/null || true
			die "dockerd does not answer on $HOST_URL after 90s (log: $LOG_DIR/dockerd.log)"
		}
		sleep 0.5
	done
	if [[ -e $STATE_DIR/host-dockerd.started ]]; then
		cat /var/run/docker.pid >"$STATE_DIR/host-dockerd"
		rm -f "$STATE_DIR/host-dockerd.started"
	fi
}

ensure_bridge() {
	ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
	[[ $(ip -o -4 addr show dev "$BRIDGE") == *" $HOST_ADDR/24 "* ]] ||
		ip addr add "$HOST_ADDR/24" dev "$BRIDGE"
	ip link set "$BRIDGE" up
	# With br_netfilter, frames between two ports of the bridge pass the FORWARD chain, whose
	# policy dockerd sets to DROP.
	if [[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null) == 1 ]] && command -v iptables >/dev/null; then
		iptables -w -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null ||
			iptables -w -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
	fi
}

# swarm_info NODE: "<state> <node id> <control available>" of NODE's engine ("down - -" if it
# does not answer). Slow (up to 20s) on a manager whose swarm has no leader.
swarm_info() {
	local out
	out=$(timeout 40 docker -H "$(node_url "$1")" info \
		--format '{{.Swarm.LocalNodeState}} {{if .Swarm.NodeID}}{{.Swarm.NodeID}}{{else}}-{{end}} {{.Swarm.ControlAvailable}}' 2>/dev/null) ||
		out="down - -"
	echo "$out"
}

host_swarm_owned() { [[ -e $STATE_DIR/host-swarm ]]; }

# node_list: the host swarm's nodes, "<id>|<hostname>|<status>|<availability>|<manager status>".
node_list() {
	timeout 15 docker -H "$HOST_URL" node ls \
		--format '{{.ID}}|{{.Hostname}}|{{.Status}}|{{.Availability}}|{{.ManagerStatus}}' 2>/dev/null
}

host_swarm_init() {
	log "initialising the swarm on the host ($HOST_ADDR)"
	docker -H "$HOST_URL" swarm init --advertise-addr "$HOST_ADDR" --default-addr-pool "$ADDR_POOL" >/dev/null
	record_host_swarm
}

record_host_swarm() {
	local id root
	read -r _ id _ <<<"$(swarm_info host)"
	root=$(docker -H "$HOST_URL" info --format '{{.DockerRootDir}}')
	printf '%s %s\n' "$id" "$root" >"$STATE_DIR/host-swarm"
}

host_swarm_reset() {
	log "leaving the host's swarm ($1) to make it anew"
	timeout 60 docker -H "$HOST_URL" swarm leave --force >/dev/null 2>&1 || true
	host_swarm_init
}

ensure_host_swarm() {
	local state id control
	read -r state id control <<<"$(swarm_info host)"
	if [[ $state == pending || $state == error ]] && ((${#MANAGERS[@]} > 0)); then
		# E.g. every dockerd was killed: the host's swarm comes back once its managers are up.
		log "the host's swarm is $state; waiting up to 45s for its managers"
		local deadline=$((SECONDS + 45))
		while [[ $state == pending || $state == error ]] && ((SECONDS < deadline)); do
			sleep 1
			read -r state id control <<<"$(swarm_info host)"
		done
	fi
	case $state in
	inactive)
		host_swarm_init
		return
		;;
	active) ;;
	locked | error | pending)
		host_swarm_owned || die "the host engine's swarm is $state and the test bed did not make it; fix or leave it (docker swarm leave --force)"
		host_swarm_reset "$state"
		return
		;;
	*) die "the host engine's swarm state is '$state'" ;;
	esac
	if [[ $control != true ]]; then
		host_swarm_owned || die "the host engine is a worker of a swarm the test bed did not make"
		host_swarm_reset "host is not a manager"
		return
	fi
	host_swarm_owned || log "using the host's existing swarm (not made by the test bed)"
	# Managers restarted a moment ago may need a few seconds to elect a leader.
	local deadline=$((SECONDS + 30)) warned=""
	until swarm_writable; do
		if ((SECONDS >= deadline)); then
			host_swarm_owned || die "the host's swarm has no leader (lost quorum) and the test bed did not make it"
			log "the host's swarm lost quorum: docker swarm init --force-new-cluster"
			timeout 120 docker -H "$HOST_URL" swarm init --force-new-cluster --advertise-addr "$HOST_ADDR" >/dev/null
			record_host_swarm
			break
		fi
		[[ -n $warned ]] || log "the host's swarm has no leader yet; waiting up to 30s"
		warned=1
		sleep 1
	done
}

# swarm_writable: whether the host's swarm has a working quorum. A leader that has just lost its
# quorum still answers reads for a few seconds, so the bed's own swarm is probed with a write: the
# host node's availability, which the bed keeps active anyway (a test may have drained it).
swarm_writable() {
	if host_swarm_owned; then
		local id
		read -r _ id _ <<<"$(swarm_info host)"
		timeout 10 docker -H "$HOST_URL" node update --availability active "$id" >/dev/null 2>&1
	else
		node_list >/dev/null
	fi
}

# ---------------------------------------------------------------------------------------------
# Extra nodes: a dockerd each, in its own network namespace
# ---------------------------------------------------------------------------------------------

ensure_netns() {
	local n=$1 ns=tfsw-$1 veth=tfsw-v-$1 peer=tfsw-e-$1 addr
	addr=$(node_addr "$n")
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

node_engine_up() { timeout 10 docker -H "$(node_url "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# start_node_dockerd NODE: starts NODE's dockerd unless it runs (does not wait).
start_node_dockerd() {
	local n=$1 octet
	[[ -n $(node_dockerd_pids "$n") ]] && return 0
	octet=$(node_octet "$n")
	mkdir -p "$DATA_DIR/$n" "$RUN_DIR/$n-exec" "$LOG_DIR"
	rm -f "$RUN_DIR/$n.pid" "$RUN_DIR/$n.sock"
	clear_stale_pidfile "$RUN_DIR/$n-exec/containerd/containerd.pid" "$RUN_DIR/$n-exec/containerd/"
	log "starting dockerd of $n ($(node_addr "$n"), log: $LOG_DIR/$n.log)"
	# nsenter (not `ip netns exec`, which remounts /sys) for the network; unshare --uts for the
	# hostname. fd 9 is the lock: the daemon must not inherit it.
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
		>>"$LOG_DIR/$n.log" 2>&1 </dev/null 9>&- &
}

wait_node_dockerd() {
	local n=$1 deadline=$((SECONDS + 60))
	until node_engine_up "$n"; do
		if ((SECONDS >= deadline)) || [[ -z $(node_dockerd_pids "$n") ]]; then
			tail -n 20 "$LOG_DIR/$n.log" >&2 2>/dev/null || true
			die "the dockerd of $n does not answer on $(node_url "$n") (log: $LOG_DIR/$n.log)"
		fi
		sleep 0.3
	done
}

stop_node_dockerd() {
	local pids
	mapfile -t pids < <(node_dockerd_pids "$1")
	stop_pids "${2:-30}" "${pids[@]}"
}

# reset_node_swarm NODE: makes NODE leave its swarm; if that fails, wipes its swarm state.
reset_node_swarm() {
	local n=$1 state
	timeout 45 docker -H "$(node_url "$n")" swarm leave --force >/dev/null 2>&1 || true
	read -r state _ <<<"$(swarm_info "$n")"
	if [[ $state == inactive ]]; then
		remove_task_containers "$n"
		return 0
	fi
	log "$n is still '$state' after leaving: wiping its swarm state"
	stop_node_dockerd "$n" 30
	rm -rf "${DATA_DIR:?}/$n/swarm"
	start_node_dockerd "$n"
	wait_node_dockerd "$n"
	read -r state _ <<<"$(swarm_info "$n")"
	[[ $state == inactive ]] || die "$n is still in swarm state '$state' after wiping it"
}

# remove_task_containers NODE: removes the containers that tasks of a swarm left behind on NODE
# after it left that swarm.
remove_task_containers() {
	local ids
	mapfile -t ids < <(timeout 30 docker -H "$(node_url "$1")" ps -aq --filter label=com.docker.swarm.task.id 2>/dev/null)
	if ((${#ids[@]} > 0)); then
		timeout 60 docker -H "$(node_url "$1")" rm -f "${ids[@]}" >/dev/null 2>&1 || true
	fi
}

# remove_node_entry ID: removes a node from the host's swarm (demoting it first if needed).
remove_node_entry() {
	local id=$1 role i
	role=$(docker -H "$HOST_URL" node inspect -f '{{.Spec.Role}}' "$id" 2>/dev/null) || return 0
	if [[ $role == manager ]]; then
		timeout 30 docker -H "$HOST_URL" node demote "$id" >/dev/null 2>&1 || true
	fi
	for ((i = 0; i < 20; i++)); do
		timeout 30 docker -H "$HOST_URL" node rm --force "$id" >/dev/null 2>&1 && return 0
		docker -H "$HOST_URL" node inspect "$id" >/dev/null 2>&1 || return 0
		sleep 1
	done
	log "warning: could not remove node $id from the swarm"
}

join_node() {
	local n=$1 role token addr out
	role=$(node_role "$n")
	token=$(docker -H "$HOST_URL" swarm join-token -q "$role")
	addr=$(node_addr "$n")
	log "joining $n as a $role"
	if ! out=$(timeout 120 docker -H "$(node_url "$n")" swarm join --token "$token" \
		--advertise-addr "$addr" "$HOST_ADDR:2377" 2>&1); then
		# "continue in the background" is not a failure: the wait below decides.
		[[ $out == *"background"* ]] || die "$n could not join the swarm: $out"
	fi
}

# rejoin_node NODE: NODE leaves whatever swarm it believes in, its old entry goes, and it joins.
rejoin_node() {
	local n=$1 id
	read -r _ id _ <<<"$(swarm_info "$n")"
	log "re-joining $n"
	reset_node_swarm "$n"
	[[ $id != - ]] && remove_node_entry "$id"
	join_node "$n"
}

# member_problem NODE LIST: why NODE is not (yet) a healthy member of the host's swarm, or nothing.
member_problem() {
	local n=$1 list=$2 state id line status avail mstatus role
	read -r state id _ <<<"$(swarm_info "$n")"
	[[ $state == active ]] || {
		echo "swarm state $state"
		return
	}
	line=$(grep "^$id|" <<<"$list") || {
		echo "node id $id is not in the host's swarm"
		return
	}
	IFS='|' read -r _ _ status avail mstatus <<<"$line"
	role=$(node_role "$n")
	[[ $status == Ready ]] || {
		echo "status $status"
		return
	}
	if [[ $role == manager && $mstatus != Leader && $mstatus != Reachable ]]; then
		echo "manager status '${mstatus:-none}'"
	elif [[ $role == worker && -n $mstatus ]]; then
		echo "a manager, not a worker"
	elif [[ $avail != Active ]]; then
		echo "availability $avail"
	fi
}

# wait_members TIMEOUT NODES...: waits until the nodes are healthy members; prints the ones that
# are not when the time is up.
wait_members() {
	local t=$1 deadline list n p bad
	shift
	deadline=$((SECONDS + t))
	while :; do
		bad=()
		if list=$(node_list); then
			for n in "$@"; do
				p=$(member_problem "$n" "$list")
				[[ -z $p ]] || bad+=("$n")
			done
		else
			bad=("$@")
		fi
		((${#bad[@]} == 0)) && return 0
		if ((SECONDS >= deadline)); then
			printf '%s\n' "${bad[@]}"
			return 1
		fi
		sleep 1
	done
}

# fix_roles: promotes/demotes/activates testbed nodes that a test changed.
fix_roles() {
	local list n state id line mstatus avail role
	list=$(node_list) || return 0
	for n in "${MANAGERS[@]}" "${WORKERS[@]}"; do
		read -r state id _ <<<"$(swarm_info "$n")"
		[[ $state == active ]] || continue
		line=$(grep "^$id|" <<<"$list") || continue
		IFS='|' read -r _ _ _ avail mstatus <<<"$line"
		role=$(node_role "$n")
		if [[ $role == manager && -z $mstatus ]]; then
			log "promoting $n"
			docker -H "$HOST_URL" node promote "$id" >/dev/null
		elif [[ $role == worker && -n $mstatus ]]; then
			log "demoting $n"
			docker -H "$HOST_URL" node demote "$id" >/dev/null
		fi
		if [[ $avail != Active ]]; then
			log "setting $n active (was $avail)"
			docker -H "$HOST_URL" node update --availability active "$id" >/dev/null
		fi
	done
}

converge_members() {
	local n state id list out rejoin=() bad=() worker_pids=()
	list=$(node_list) || die "the host's swarm does not answer"
	local candidates=()
	for n in "${MANAGERS[@]}" "${WORKERS[@]}"; do
		read -r state id _ <<<"$(swarm_info "$n")"
		case $state in
		inactive) rejoin+=("$n") ;;
		active)
			if grep -q "^$id|" <<<"$list"; then candidates+=("$n"); else rejoin+=("$n"); fi
			;;
		*) rejoin+=("$n") ;;
		esac
	done
	# Nodes that believe they are members get some time to come back (e.g. just restarted).
	if ((${#candidates[@]} > 0)); then
		fix_roles
		if out=$(wait_members 30 "${candidates[@]}"); then :; else
			mapfile -t bad <<<"$out"
			log "not healthy after 30s: ${bad[*]}"
			rejoin+=("${bad[@]}")
		fi
	fi
	# Managers one at a time (each changes the raft membership), workers alongside.
	for n in "${rejoin[@]}"; do
		[[ $(node_role "$n") == worker ]] || continue
		(
			read -r state _ <<<"$(swarm_info "$n")"
			if [[ $state == inactive ]]; then join_node "$n"; else rejoin_node "$n"; fi
		) &
		worker_pids+=($!)
	done
	for n in "${rejoin[@]}"; do
		[[ $(node_role "$n") == manager ]] || continue
		read -r state _ <<<"$(swarm_info "$n")"
		if [[ $state == inactive ]]; then join_node "$n"; else rejoin_node "$n"; fi
	done
	local p
	for p in "${worker_pids[@]}"; do wait "$p" || die "a worker could not join"; done
	fix_roles
	if out=$(wait_members 90 host "${MANAGERS[@]}" "${WORKERS[@]}"); then return 0; fi
	# One more round for the stragglers, then give up.
	mapfile -t bad <<<"$out"
	log "not healthy after 90s: ${bad[*]}; re-joining them"
	for n in "${bad[@]}"; do [[ $n == host ]] || rejoin_node "$n"; done
	fix_roles
	if ! out=$(wait_members 90 host "${MANAGERS[@]}" "${WORKERS[@]}"); then
		list=$(node_list) || true
		for n in $out; do log "$n: $(member_problem "$n" "$list")"; done
		docker -H "$HOST_URL" node ls >&2 || true
		die "the swarm did not converge (logs: $LOG_DIR)"
	fi
}

# remove_stale_entries: entries of the host's swarm that carry the hostname of a testbed node but
# not the node id that node has now (left over from a node that was wiped, re-joined or left).
# The host may still show such an entry Ready for a while after its dockerd died: the node id
# decides, not the status.
remove_stale_entries() {
	local list n state id hostname status
	local -A live=() unsure=()
	for n in "${MANAGERS[@]}" "${WORKERS[@]}" "${FREE[@]}"; do
		read -r state id _ <<<"$(swarm_info "$n")"
		case $state in
		active) live[$id]=1 ;;
		inactive) ;;
		*) unsure[$n]=1 ;;
		esac
	done
	list=$(node_list) || return 0
	while IFS='|' read -r id hostname status _; do
		[[ -n $id ]] || continue
		is_node_name "$hostname" || continue
		[[ -n ${live[$id]:-} || -n ${unsure[$hostname]:-} ]] && continue
		log "removing stale node $hostname ($id, $status) from the swarm"
		remove_node_entry "$id"
	done <<<"$list"
}

ensure_free() {
	local n state
	for n in "${FREE[@]}"; do
		read -r state _ <<<"$(swarm_info "$n")"
		if [[ $state != inactive ]]; then
			log "$n is in swarm state '$state': leaving"
			reset_node_swarm "$n"
		fi
	done
}

# ---------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------

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
	command -v go >/dev/null || die "go is not installed: it builds the test images"
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
			{
				cat "$tmp/build.log" >&2
				die "docker build of $IMAGE:$v failed"
			}
	done
	# Old builds (now untagged) go.
	docker -H "$HOST_URL" image prune -f --filter "label=$SOURCE_LABEL" >/dev/null 2>&1 || true
)

image_ids() {
	timeout 30 docker -H "$(node_url "$1")" image inspect -f '{{.Id}}' "$IMAGE:v1" "$IMAGE:v2" 2>/dev/null | tr '\n' ' ' || true
}

load_images() {
	local want n pids=()
	want=$(image_ids host)
	for n in "${NODES[@]}"; do
		[[ $(image_ids "$n") == "$want" ]] && continue
		log "loading $IMAGE:v1 and :v2 into $n"
		(
			docker -H "$HOST_URL" save "$IMAGE:v1" "$IMAGE:v2" |
				timeout 120 docker -H "$(node_url "$n")" load -q >/dev/null
			docker -H "$(node_url "$n")" image prune -f --filter "label=$SOURCE_LABEL" >/dev/null 2>&1 || true
		) &
		pids+=($!)
	done
	local p
	for p in "${pids[@]}"; do wait "$p" || die "loading the images into a node failed"; done
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

write_nodes_file() {
	local n tmp=$NODES_FILE.tmp
	{
		echo "host manager $HOST_ADDR $HOST_URL"
		for n in "${NODES[@]}"; do
			echo "$n $(node_role "$n") $(node_addr "$n") $(node_url "$n")"
		done
	} >"$tmp"
	mv -f "$tmp" "$NODES_FILE"
	printf '%s\n' "${NODES[@]}" >"$STATE_DIR/nodes.list"
}

lock() {
	mkdir -p "$(dirname "$LOCK_FILE")"
	exec 9>"$LOCK_FILE"
	flock -w 900 9 || die "another testbed.sh holds $LOCK_FILE"
}

cmd_up() {
	(($(id -u) == 0)) || die "run as root"
	local start=$SECONDS n build_pid build_log
	lock
	plan_nodes
	ensure_packages
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
	build_log=$(mktemp)
	build_images >"$build_log" 2>&1 &
	build_pid=$!
	ensure_host_swarm
	for n in "${NODES[@]}"; do wait_node_dockerd "$n"; done
	converge_members
	ensure_free
	remove_stale_entries
	if ! wait "$build_pid"; then
		cat "$build_log" >&2
		rm -f "$build_log"
		die "building the test images failed"
	fi
	cat "$build_log" >&2
	rm -f "$build_log"
	load_images
	write_nodes_file
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
	} | sort -u | while read -r n; do is_node_name "$n" && echo "$n"; done
	true
}

cmd_down() {
	(($(id -u) == 0)) || die "run as root"
	mkdir -p "$RUN_DIR"
	lock
	local start=$SECONDS n nodes pids=() left="" root="" pid
	# The host leaves first, while its swarm still has its managers (and answers quickly).
	if [[ -r $STATE_DIR/host-swarm ]]; then
		read -r _ root <"$STATE_DIR/host-swarm"
		if [[ -n $(host_dockerd_pid) ]]; then
			log "leaving the host's swarm"
			if timeout 60 docker -H "$HOST_URL" swarm leave --force >/dev/null 2>&1; then
				left=1
				remove_task_containers host
				docker -H "$HOST_URL" network rm docker_gwbridge >/dev/null 2>&1 || true
			else
				log "warning: docker swarm leave failed"
			fi
		fi
	fi
	mapfile -t nodes < <(known_nodes)
	for n in "${nodes[@]}"; do
		[[ -n $n ]] || continue
		log "removing $n"
		(
			cleanup_node "$n"
			log "removed $n (${SECONDS}s)"
		) &
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

# cmd_status: the bed is up when every engine answers, the host's swarm answers, and every manager
# and worker is in it. (Free engines may be in swarms that tests made.)
cmd_status() {
	local ok=0 name role addr url state
	if [[ ! -r $NODES_FILE ]]; then
		echo "the test bed is not up ($NODES_FILE is missing)"
		return 1
	fi
	cat "$NODES_FILE"
	echo
	while read -r name role addr url; do
		state=$(timeout 10 docker -H "$url" info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null) || state="not answering"
		if [[ $state == "not answering" || ($role != free && $state != active) ]]; then
			echo "$name ($addr): $state"
			ok=1
		elif [[ $role == free && $state != inactive ]]; then
			echo "$name ($addr): swarm state $state (free engine; up makes it leave)"
		fi
	done <"$NODES_FILE"
	timeout 15 docker -H "$HOST_URL" node ls || ok=1
	return "$ok"
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
