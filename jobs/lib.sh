# lib.sh — sourced by the job scripts in this folder (not run by itself).
#
# run_requeueable CMD...   runs CMD (a launcher and huey) in the background
#   and waits. On USR1 (SLURM's --signal=B:USR1@SECONDS reaches this batch
#   shell, not the ranks) it forwards USR1 to CMD: huey finishes the current
#   window, writes its checkpoint and exits 0; then, inside SLURM, the job
#   requeues itself (scontrol requeue) and resumes from the checkpoint when
#   it starts again. TERM and INT are forwarded the same way, without a
#   requeue. Returns CMD's exit status.
# run_network LAUNCH...    one network from $INPUTS, or resumed from $CKPT
#   when that exists (a requeued or rerun job), through run_requeueable;
#   also takes JSON, CHECKPOINT_EVERY and HUEY_ARGS.

log() { echo "[huey-job $(date +%H:%M:%S)] $*"; }

# Settings every script shares, from the environment.
HUEY_HOME=${HUEY_HOME:-${SLURM_SUBMIT_DIR:-$(pwd)}}
HUEY=${HUEY:-$HUEY_HOME/bin/huey}
HUEY_ARGS=${HUEY_ARGS:-}
# Open MPI refuses root unless told; harmless for other users.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# More ranks than cores (oversubscribed test nodes): ranks must not busy-poll.
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle:-1}

[ -x "$HUEY" ] || { log "no huey binary at $HUEY (set HUEY or HUEY_HOME)"; exit 2; }

run_requeueable() {
    requeue=0
    trap 'requeue=1; log "USR1: asking huey to checkpoint"; kill -USR1 "$child" 2>/dev/null' USR1
    trap 'log "TERM: asking huey to checkpoint"; kill -USR1 "$child" 2>/dev/null' TERM INT
    log "start${SLURM_RESTART_COUNT:+ (restart $SLURM_RESTART_COUNT)}: $*"
    "$@" &
    child=$!
    rc=0
    # wait returns early (status > 128) when a trapped signal arrives
    while kill -0 "$child" 2>/dev/null; do
        wait "$child"
        rc=$?
    done
    trap - USR1 TERM INT
    log "huey exited with status $rc"
    if [ "$requeue" = 1 ] && [ -n "${SLURM_JOB_ID:-}" ]; then
        log "requeueing job $SLURM_JOB_ID; it resumes from its checkpoint"
        scontrol requeue "$SLURM_JOB_ID"
    fi
    return "$rc"
}

run_network() {
    : "${CKPT:?set CKPT to the checkpoint file}"
    if [ -s "$CKPT" ]; then
        set -- "$@" "$HUEY" run --resume "$CKPT"
    else
        [ -n "${INPUTS:-}" ] || { log "INPUTS is empty and there is no checkpoint $CKPT to resume"; exit 2; }
        # shellcheck disable=SC2086  # a space-separated list, globs allowed
        set -- "$@" "$HUEY" run $INPUTS
    fi
    # shellcheck disable=SC2086
    run_requeueable "$@" --checkpoint "$CKPT" ${CHECKPOINT_EVERY:+--checkpoint-every "$CHECKPOINT_EVERY"} \
        ${JSON:+--json "$JSON"} $HUEY_ARGS
}
