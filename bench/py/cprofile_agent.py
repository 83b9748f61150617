"""Runs a bench agent (argv[1]) under cProfile and writes the summary (self time, then cumulative)
as text to BENCH_PROFILE_OUT. cProfile sees only this (the calling) thread: the shim's I/O thread
is not in it, so a wait on the supervisor shows up where the caller blocks."""
import cProfile
import io
import os
import pstats
import runpy
import sys

target = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
profile = cProfile.Profile()
profile.enable()
try:
    runpy.run_path(target, run_name="__main__")
finally:
    profile.disable()
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(45)
    with open(os.environ["BENCH_PROFILE_OUT"], "w", encoding="utf-8") as f:
        f.write(text.getvalue())
