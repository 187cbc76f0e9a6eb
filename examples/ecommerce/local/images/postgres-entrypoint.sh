#!/bin/sh
# Entry point of ecommerce/postgres:local, a PostgreSQL image built from Debian's packages by
# build-images.sh. It behaves like the official image for what the example uses:
#   PGDATA                  the data directory (default /var/lib/postgresql/data, a volume)
#   POSTGRES_PASSWORD_FILE  a file holding the superuser's password (a swarm secret), or
#   POSTGRES_PASSWORD       the password itself
#   POSTGRES_USER           the superuser (default postgres)
#   POSTGRES_DB             a database created on first start (default: the user's name)
# The cluster is made only when PGDATA is empty: a new password later does not change the old one.
set -eu

BIN=/usr/lib/postgresql/15/bin
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
user="${POSTGRES_USER:-postgres}"
db="${POSTGRES_DB:-$user}"
export PGDATA

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
		password="$(cat "$POSTGRES_PASSWORD_FILE")"
	else
		password="${POSTGRES_PASSWORD:-}"
	fi
	if [ -z "$password" ]; then
		echo "postgres-entrypoint: set POSTGRES_PASSWORD_FILE (or POSTGRES_PASSWORD)" >&2
		exit 1
	fi
	mkdir -p "$PGDATA"
	chmod 700 "$PGDATA"
	pwfile="$(mktemp)"
	printf '%s\n' "$password" >"$pwfile"
	"$BIN/initdb" -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256
	rm -f "$pwfile"
	echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
	if [ "$db" != "postgres" ]; then
		echo "CREATE DATABASE \"$db\";" | "$BIN/postgres" --single -D "$PGDATA" -j postgres >/dev/null
	fi
	echo "postgres-entrypoint: initialised $PGDATA (user $user, database $db)"
fi

# No JIT: the image leaves LLVM out to stay small. The Unix socket goes to /tmp: the image's /run
# is empty and not writable by postgres.
exec "$BIN/postgres" -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp -c jit=off "$@"
