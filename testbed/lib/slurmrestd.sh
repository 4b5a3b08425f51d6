# shellcheck shell=bash
# Sourced by testbed.sh. slurmrestd with JWT authentication, on request (--restd).

start_restd() {
    command -v slurmrestd >/dev/null || die "--restd needs slurmrestd (apt-get install slurmrestd)"
    # slurmrestd refuses to run as root or SlurmUser: give it its own user.
    if ! id "$RESTD_USER" >/dev/null 2>&1; then
        echo "$RESTD_USER" >>"$CREATED_SYSUSERS"
        useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RESTD_USER"
    fi
    ON_FAIL_STOP=slurmrestd
    # Only the Slurm API plugins: the dbv0.0.* ones (before 23.02) and
    # openapi/slurmdbd need slurmdbd, which the testbed does not run, and make
    # slurmrestd exit at startup. Slurm 22.05 has one openapi plugin per API
    # version; from 23.02 on one plugin serves every data-parser version.
    local specs plugins
    plugins=$(setpriv --reuid="$RESTD_USER" --regid="$RESTD_USER" --init-groups \
        slurmrestd -f "$SLURM_CONF_FILE" -s list 2>&1 || true)
    if grep -q 'openapi/slurmctld' <<<"$plugins"; then
        specs=openapi/slurmctld
    else
        specs=$(grep -o 'openapi/v0\.0\.[0-9]*' <<<"$plugins" | sort -u | paste -sd, - || true)
        [[ -n $specs ]] || specs=openapi/v0.0.38,openapi/v0.0.37,openapi/v0.0.36
    fi
    # SLURM_JWT=daemon makes slurmrestd talk to slurmctld with each request's
    # token (auth/jwt) instead of its own munge identity, which slurmctld
    # would refuse to let act for another user.
    launch slurmrestd setpriv --reuid="$RESTD_USER" --regid="$RESTD_USER" --init-groups \
        env SLURM_JWT=daemon slurmrestd -f "$SLURM_CONF_FILE" -a rest_auth/jwt \
        -s "$specs" "127.0.0.1:$RESTD_PORT"
    wait_until 15 slurmrestd "slurmrestd listening on 127.0.0.1:$RESTD_PORT" \
        eval "ss -Hltn 'sport = :$RESTD_PORT' | grep -q ."
    local token out api
    token=$(SLURM_CONF=$SLURM_CONF_FILE scontrol token username=alice lifespan=300) \
        || fail_with_logs "scontrol token username=alice failed" slurmctld
    token=${token#SLURM_JWT=}
    # The newest API version slurmrestd's own OpenAPI document lists, for the
    # probe here and for tests that call slurmrestd directly.
    out=$(curl -sS --max-time 10 -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $token" \
        "http://127.0.0.1:$RESTD_PORT/openapi/v3" 2>&1) \
        || fail_with_logs "GET /openapi/v3 failed: ${out:0:500}" slurmrestd
    # 22.05 writes the paths with escaped slashes ("\/slurm\/v0.0.38\/diag").
    api=$(tr -d '\\' <<<"$out" | grep -o '"/slurm/v0\.0\.[0-9]*/diag/*"' | grep -o 'v0\.0\.[0-9]*' | sort -t. -k3,3n | tail -1 || true)
    [[ -n $api ]] || fail_with_logs "slurmrestd's /openapi/v3 lists no /slurm/v0.0.*/diag: ${out:0:500}" slurmrestd
    echo "$api" >"$ETC/slurmrestd-api"
    out=$(curl -sS --max-time 10 -H "X-SLURM-USER-NAME: alice" -H "X-SLURM-USER-TOKEN: $token" \
        "http://127.0.0.1:$RESTD_PORT/slurm/$api/diag" 2>&1) \
        || fail_with_logs "GET /slurm/$api/diag failed: $out" slurmrestd
    grep -q '"statistics"' <<<"$out" \
        || fail_with_logs "GET /slurm/$api/diag returned no statistics: ${out:0:500}" slurmrestd
    log "slurmrestd serves API $api"
    ON_FAIL_STOP=
}
