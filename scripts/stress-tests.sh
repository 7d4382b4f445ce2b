#!/usr/bin/env bash
# Runs the whole test suite N times in a row while another process keeps one core busy, and stops
# at the first failure: the proof that the suite does not flake on a loaded machine.
#
#   scripts/stress-tests.sh                 # `npm test` 10 times
#   scripts/stress-tests.sh -n 3            # (or: scripts/stress-tests.sh 3)
#   scripts/stress-tests.sh -n 5 -- npx jest spec/node/streams.spec.ts   # any command instead
#   scripts/stress-tests.sh --no-load       # without the busy core
#
# Prints one line per run (its Jest summary and time); on a failure, the failing tests' names and
# the path of that run's full log, and exits non-zero.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=10
load=1
command=(npm test)
usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    -n) runs="${2:-}"; shift 2 ;;
    -n*) runs="${1#-n}"; shift ;;
    --no-load) load=0; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; [ $# -gt 0 ] && command=("$@"); break ;;
    *) runs="$1"; shift ;;
  esac
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ ]]; then
  echo "stress-tests: the number of runs must be a whole number >= 1, not '${runs}'." >&2
  usage >&2
  exit 2
fi

logs="$(mktemp -d "${TMPDIR:-/tmp}/rxws-stress.XXXXXX")"
busy=""
cleanup() {
  if [ -n "$busy" ]; then kill "$busy" 2>/dev/null; wait "$busy" 2>/dev/null; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ "$load" = 1 ]; then
  node -e 'for(;;);' &
  busy=$!
fi

echo "stress-tests: ${runs} run(s) of '${command[*]}'$([ "$load" = 1 ] && echo " with one core kept busy (pid ${busy})"); logs in ${logs}"
for ((i = 1; i <= runs; i++)); do
  log="${logs}/run-${i}.log"
  start=$(date +%s)
  "${command[@]}" >"$log" 2>&1
  status=$?
  took=$(( $(date +%s) - start ))
  summary="$(grep -E '^Tests:' "$log" | tail -n 1)"
  [ -n "$summary" ] || summary="(no Jest summary: see the log)"
  if [ "$status" -eq 0 ]; then
    echo "run ${i}/${runs}: PASS  ${summary}  (${took} s)"
  else
    echo "run ${i}/${runs}: FAIL (exit ${status})  ${summary}  (${took} s)"
    echo "failing tests:"
    grep -E '^\s+● ' "$log" | grep -v '● Console' | sed 's/^ *//' | awk '!seen[$0]++' | sed 's/^/  /'
    grep -E '^FAIL ' "$log" | awk '!seen[$0]++' | sed 's/^/  /'
    grep -qE '^\s+● |^FAIL ' "$log" || tail -n 30 "$log" | sed 's/^/  | /'
    echo "full log: ${log}"
    exit 1
  fi
done
echo "stress-tests: ${runs}/${runs} runs green"
