#!/bin/bash
# /usr/bin/python3 under callgrind, its profile written to $VG_OUT (valgrind's own output to $VG_LOG).
exec valgrind --tool=callgrind --callgrind-out-file="$VG_OUT" /usr/bin/python3 "$@" 2>>"${VG_LOG:-/dev/null}"
