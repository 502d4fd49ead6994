#!/bin/bash
# local.sh — huey on a workstation: N ranks with mpirun, no SLURM. Ctrl-C
# (or kill -TERM / -USR1 of this script) makes huey checkpoint and exit;
# the same command again resumes from the checkpoint.
#
#   NP=4 INPUTS="corpus/*.txt" CKPT=out/net.h5 JSON=out/net.json jobs/local.sh
#   NP=4 BATCH=corpus/ CKPT=out/batch.h5 jobs/local.sh       # one network per file
#
# Environment: NP (ranks, default 2), INPUTS, CKPT (required), JSON,
# BATCH (a folder or list: batch mode instead of INPUTS), HUEY_ARGS,
# CHECKPOINT_EVERY, HUEY_HOME / HUEY (default: this checkout's bin/huey).
set -u
HUEY_HOME=${HUEY_HOME:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/lib.sh"
: "${CKPT:?set CKPT to the checkpoint file}"
NP=${NP:-2}
LAUNCH="mpirun -n $NP --oversubscribe --bind-to none"
if [ -n "${BATCH:-}" ]; then
    # shellcheck disable=SC2086
    run_requeueable $LAUNCH "$HUEY" run --batch "$BATCH" --checkpoint "$CKPT" $HUEY_ARGS
else
    # shellcheck disable=SC2086
    run_network $LAUNCH
fi
