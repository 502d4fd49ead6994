#!/usr/bin/env python3
"""bench_reference.py -- time the Python reference on one conversation, for
make bench's speed-up column (tools/bench.sh, section 1).

The reference is the public repository eliacobucci/comscij, folder asa/,
which this project does not copy: point HUEY_REFERENCE (bench.sh) at a
checkout's asa/ folder. Its model is the one huey reproduces
(huey-model.md): class HueyGPUConversationalNetwork, window 10, the
speaker detector's conversation mode, KILL.txt of asa/ (the reference
reads it from the working directory), seeds 0 (PYTHONHASHSEED=0 comes from
the caller), its own prints switched off while it learns.

usage: bench_reference.py ASA_DIR INPUT MAX_NEURONS BUDGET_SECONDS

Learns INPUT's utterances in order until the budget is spent (checked
between utterances, as huey-model.md's reference timings were taken) and
prints one line:
    words W seconds S words_per_second R utterances U
where W counts the whitespace words of the utterances learnt (huey's
words/s counts the same words). Exit status 3 when the reference cannot be
imported or does not run (NumPy missing, wrong folder): bench.sh then says
that the reference is not available.
"""
import builtins
import os
import random
import sys
import time


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__.split("\n\n")[2] + "\n")
        return 2
    asa, path, cap, budget = sys.argv[1], os.path.abspath(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    try:
        os.chdir(asa)
        sys.path.insert(0, os.getcwd())
        quiet_print = builtins.print
        builtins.print = lambda *a, **k: None   # the reference prints per utterance
        import numpy as np
        from huey_speaker_detector import HueySpeakerDetector
        from huey_gpu_conversational_experiment import HueyGPUConversationalNetwork
        random.seed(0)
        np.random.seed(0)
        detected = HueySpeakerDetector(conversation_mode=True).process_conversation_file(path)
        if "error" in detected:
            raise RuntimeError(detected["error"])
        net = HueyGPUConversationalNetwork(max_neurons=cap, window_size=10, use_gpu_acceleration=True)
        for info in detected["speakers_info"]:
            net.add_speaker(info[0], ["i", "me", "my", "myself"], ["you", "your", "yours"])
        words = utterances = 0
        start = time.perf_counter()
        for speaker, text in detected["conversation_data"]:
            if time.perf_counter() - start >= budget:
                break
            net.process_speaker_text(speaker, text)
            words += len(text.split())
            utterances += 1
        seconds = time.perf_counter() - start
        builtins.print = quiet_print
    except Exception as e:   # any failure of the reference's own code: not available here
        builtins.print = quiet_print
        sys.stderr.write("bench_reference.py: the reference did not run: %s: %s\n" % (type(e).__name__, e))
        return 3
    print("words %d seconds %.3f words_per_second %.2f utterances %d" % (words, seconds, words / seconds, utterances))
    return 0


if __name__ == "__main__":
    sys.exit(main())
