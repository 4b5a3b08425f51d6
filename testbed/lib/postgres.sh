# shellcheck shell=bash
# Sourced by testbed.sh. A throwaway PostgreSQL for the credential daemons (postgres, daemon --store postgresql).

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [[ -x $dir/initdb && -x $dir/pg_ctl ]] || die "PostgreSQL is not installed: apt-get install postgresql (./build.sh deps does)"
    echo "$dir"
}

# postgres_connection HOST: the daemons' connection string (the password is in a file).
postgres_connection() { echo "Host=$1;Port=$PG_PORT;Database=$PG_ROLE;Username=$PG_ROLE"; }

# as_postgres CMD...: as the postgres user, from a directory it may enter, holding none of our descriptors.
as_postgres() {
    (
        cd /
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        exec runuser -u postgres -- "$@"
    )
}

psql_admin() { as_postgres "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/run" -p "$PG_PORT" -d postgres "$@"; }

postgres_running() { alive postgres && as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

record_postgres_pid() { head -n1 "$PG_DATA/postmaster.pid" >"$PIDS/postgres"; }

postgres_start() {
    [[ -e $CONFIG ]] || die "the testbed is not running; start it first: $0 start"
    load_config
    local bin listen
    bin=$(pg_bin)
    if ! postgres_running; then
        id postgres >/dev/null 2>&1 || die "no postgres user: apt-get install postgresql"
        rm -rf "$PG_DIR"
        mkdir -p "$PG_DIR/data" "$PG_DIR/run"
        chown -R postgres:postgres "$PG_DIR"
        chmod 0700 "$PG_DIR/data"
        touch "$LOGS/postgresql.log"
        chown postgres:postgres "$LOGS/postgresql.log"
        as_postgres "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale=C.UTF-8 >"$LOGS/postgresql-initdb.out" 2>&1 \
            || fail_with_logs "initdb failed" postgresql-initdb
        listen=127.0.0.1
        ((CFG_NODES > 1)) && listen+=",$BRIDGE_ADDR"
        # Durable commits (fsync, synchronous_commit) stay at PostgreSQL's defaults: the
        # daemon refuses a server that would acknowledge what it has not written.
        cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '$listen'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/run'
max_connections = 200
CONF
        printf 'local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\nhost all all %s.0/24 scram-sha-256\n' "$NET_PREFIX" >"$PG_DATA/pg_hba.conf"
        as_postgres "$bin/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgresql.log" -w -t 30 start >/dev/null \
            || fail_with_logs "PostgreSQL did not start" postgresql
        record_postgres_pid
        random_password >"$PG_PASSWORD"
        chmod 0600 "$PG_PASSWORD"
        psql_admin -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$(cat "$PG_PASSWORD")';"
        psql_admin -c "CREATE DATABASE $PG_ROLE OWNER $PG_ROLE;"
        log "PostgreSQL up on $listen:$PG_PORT (log $LOGS/postgresql.log)"
    fi
    postgres_connection 127.0.0.1
}

# A fresh, empty database for the daemons (other tests may have used it).
reset_postgres_database() {
    psql_admin -c "DROP DATABASE IF EXISTS $PG_ROLE WITH (FORCE);" -c "CREATE DATABASE $PG_ROLE OWNER $PG_ROLE;"
}

stop_postgres() {
    # Fast shutdown: the daemons' pooled connections would hold a smart one (TERM) open.
    if [[ -f $PG_DATA/postmaster.pid ]] && alive postgres; then
        as_postgres "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 && log "stopped postgres" || true
    fi
    stop_daemon postgres
}

cmd_postgres() {
    require_root postgres
    local action=${1:-start}
    (($#)) && shift
    case $action in
        start) postgres_start ;;
        stop) stop_postgres; rm -rf "$PG_DIR" "$PG_PASSWORD" ;;
        restart)
            local mode=fast down=0 pg_ctl
            while (($#)); do
                case $1 in
                    --immediate) mode=immediate; shift ;;
                    --down) down=${2:?--down needs seconds}; shift 2 ;;
                    *) die "postgres restart: unknown option '$1' (--immediate, --down SECONDS)" ;;
                esac
            done
            postgres_running || die "PostgreSQL is not running; start it: $0 postgres start"
            pg_ctl=$(pg_bin)/pg_ctl
            # Stopped for --down seconds, then started again: an outage clients can run into.
            as_postgres "$pg_ctl" -D "$PG_DATA" -m "$mode" -w -t 30 stop >/dev/null || fail_with_logs "PostgreSQL did not stop" postgresql
            sleep "$down"
            as_postgres "$pg_ctl" -D "$PG_DATA" -l "$LOGS/postgresql.log" -w -t 30 start >/dev/null \
                || fail_with_logs "PostgreSQL did not start again" postgresql
            record_postgres_pid
            log "PostgreSQL restarted ($mode shutdown, down ${down}s)" ;;
        *) die "usage: $0 postgres start|stop|restart [--immediate] [--down SECONDS]" ;;
    esac
}
