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
    by_file = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        key = filename if filename != "~" else "built-in " + name
        by_file[key] = by_file.get(key, 0.0) + tottime
    total = sum(by_file.values()) or 1.0
    text.write("self time by file (built-ins by name), heaviest first; %.3f s in all\n" % total)
    for key, seconds in sorted(by_file.items(), key=lambda kv: -kv[1])[:30]:
        text.write("%9.3f s %5.1f%%  %s\n" % (seconds, 100 * seconds / total, key))
    text.write("\n")
    stats.sort_stats("tottime").print_stats(45)
    stats.sort_stats("cumulative").print_stats(45)
    with open(os.environ["BENCH_PROFILE_OUT"], "w", encoding="utf-8") as f:
        f.write(text.getvalue())
