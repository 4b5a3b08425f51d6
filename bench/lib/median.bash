# Sourced by the bench scripts (not run on its own: ./build.sh bench runs bench/*.sh only).
# median_us FILE: the median of the integers in FILE, one per line (the mean of the middle
# two for an even count).
median_us() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
