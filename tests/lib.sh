# lib.sh — what every shell test shares; sourced after set -u.
#   pass MSG / fail MSG    one check's line ("ok   MSG" / "FAIL MSG")
#   finish NAME            the verdict line; exit 1 after any failure
#   OUT                    a temporary folder, removed on exit
#   MPIRUN                 mpirun as root, oversubscribed, unbound
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
MPIRUN="mpirun --oversubscribe --bind-to none"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
fails=0
pass() { printf 'ok   %s\n' "$1"; }
fail() { printf 'FAIL %s\n' "$1"; fails=$((fails + 1)); }
finish() {
    if [ "$fails" -eq 0 ]; then
        echo "$1: OK"
    else
        echo "$1: FAILED ($fails)"
        exit 1
    fi
}
