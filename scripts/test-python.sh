#!/usr/bin/env bash
# Runs the Python shim's test suite (test/python, stdlib unittest) on every interpreter present:
# pyenv's 3.9-3.13 and Debian's /usr/bin/python3 (which also runs the httpx and libzmq interop
# tests; their packages are installed with apt-get when missing and we are root).
# Prints one line per interpreter and exits non-zero if any of them fails.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

interpreters=()
for dir in /root/.pyenv/versions/3.9* /root/.pyenv/versions/3.1[0-9]*; do
  [ -x "$dir/bin/python" ] && interpreters+=("$dir/bin/python")
done
if [ -x /usr/bin/python3 ]; then
  bash "$ROOT/scripts/ensure-debian-packages.sh" python3-httpx python3-requests python3-aiohttp python3-zmq python3-msgpack python3-mypy python3-botocore ||
    echo "warning: the interop packages for /usr/bin/python3 could not be installed"
  interpreters+=(/usr/bin/python3)
fi
if [ ${#interpreters[@]} -eq 0 ]; then
  echo "no Python interpreter found" >&2
  exit 1
fi

# The shim's modules import each other in no circle (fails naming the circle).
"${interpreters[0]}" "$ROOT/scripts/check-python-imports.py" || exit 1

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pids=()
for i in "${!interpreters[@]}"; do
  py="${interpreters[$i]}"
  (
    cd "$ROOT"
    PYTHONPATH="$ROOT/python" IRON_SHIM_STRICT=1 PYTHONDONTWRITEBYTECODE=1 \
      timeout 240 "$py" -m unittest discover -s test/python -t . >"$logs/$i.log" 2>&1
    echo $? >"$logs/$i.rc"
  ) &
  pids+=($!)
done
wait "${pids[@]}"

failed=0
for i in "${!interpreters[@]}"; do
  py="${interpreters[$i]}"
  version="$("$py" -c 'import platform; print(platform.python_version())')"
  rc="$(cat "$logs/$i.rc")"
  summary="$(grep -E '^(Ran [0-9]+ tests|OK|FAILED)' "$logs/$i.log" | tr '\n' ' ')"
  if [ "$rc" = 0 ]; then
    echo "PASS python $version ($py): $summary"
  else
    echo "FAIL python $version ($py): $summary"
    sed 's/^/    /' "$logs/$i.log" | tail -60
    failed=1
  fi
done
exit $failed
