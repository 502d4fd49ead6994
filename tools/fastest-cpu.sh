#!/bin/sh
# fastest-cpu.sh [LOOPS [CPU...]] — how fast each CPU runs a fixed awk loop
# (LOOPS additions, default 20 000 000): the CPUs given, else every one this
# process may run on. Prints "CPU SECONDS" for each, one per line, then
# "fastest CPU". Used by bench.sh (which core runs sections 1-3, and
# whether its speed changed by the end) and ab.sh: a VM's cores need not be
# equally fast (a 2-core AMD EPYC VM, 2026-12-07: 0.34 s on one, 0.63 s on
# the other, for minutes on end). Prints nothing when taskset is missing.
set -eu
command -v taskset >/dev/null 2>&1 || exit 0
loops=${1:-20000000}
[ $# -gt 0 ] && shift
cpus=$*
[ -n "$cpus" ] || cpus=$(taskset -cp $$ | sed 's/.*: //' | tr ',' ' ' | awk '{ for (i = 1; i <= NF; i++) {
                               n = split($i, r, "-"); for (c = r[1]; c <= r[n]; c++) print c } }')
best="" fastest=""
for c in $cpus; do
    t0=$(date +%s.%N)
    taskset -c "$c" awk -v n="$loops" 'BEGIN { for (i = 0; i < n; i++) s += i; if (s < 0) print s }'
    t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
    echo "$c $t"
    if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t fastest=$c; fi
done
[ -n "$fastest" ] && echo "fastest $fastest"
