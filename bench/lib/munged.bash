# Sourced by the bench scripts (not run on its own: ./build.sh bench runs bench/*.sh only).
# remunge_rate: munged's own encode+decode rate with remunge's C client, CLIENTS threads for
# PHASE_SECONDS, through MUNGE_SOCKET; the baseline the daemon's figures are read against.
remunge_rate() {
    local rate
    rate=$(remunge -d -q -T "$CLIENTS" -D "$PHASE_SECONDS" -S "$MUNGE_SOCKET" 2>/dev/null | awk '{ print $1 + 0 }')
    awk -v r="${rate:-0}" 'BEGIN { exit !(r > 0) }' || die "remunge measured nothing; is munged up on $MUNGE_SOCKET?"
    echo "$rate"
}
