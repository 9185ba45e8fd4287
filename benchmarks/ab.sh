#!/usr/bin/env bash
# A/B comparison of two revisions of the gateway under the load harness, in alternating rounds.
#
# On a shared VM a single run of each build differs by more than most changes are worth (±30 µs at
# p50, ±15% at saturation, and the machine drifts over minutes), so one run before and one after
# says little. This builds both revisions in git worktrees and runs the harness on them in turns,
# A B, B A, A B, B A, ... (a machine getting steadily quieter or busier would otherwise always
# favour the side that runs second), then prints every round and B − A (mean, median).
#
# Usage: benchmarks/ab.sh [-r ROUNDS] [-A JVM_FLAGS] [-B JVM_FLAGS] REV_A REV_B [-- HARNESS ARGS...]
#   REV_A, REV_B   anything git names: a commit, a branch, HEAD~1; "WORKTREE" for the working tree
#                  (the same revision twice compares JVM flags alone)
#   -r ROUNDS      rounds of both (default 4)
#   -A, -B FLAGS   extra JVM flags for side A's or B's gateway, comma-separated (-B -XX:+UseParallelGC)
#   HARNESS ARGS   replace the defaults: --targets d --rates 1000 --step 20 --saturation 8
#                  --sse-targets none --idle-sessions 0 --cold-start false
# Each round's full report goes to benchmarks/target/ab/. Run nothing else meanwhile.
set -euo pipefail

rounds=4
jvm_a=""
jvm_b=""
while getopts "r:A:B:" opt; do
  case "$opt" in
    r) rounds="$OPTARG" ;;
    A) jvm_a="$OPTARG" ;;
    B) jvm_b="$OPTARG" ;;
    *) sed -n '2,17p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
rev_a="$1"
rev_b="$2"
shift 2
[ "${1:-}" = "--" ] && shift
if [ $# -gt 0 ]; then
  harness_args=("$@")
else
  harness_args=(--targets d --rates 1000 --step 20 --saturation 8 --sse-targets none --idle-sessions 0 --cold-start false)
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/benchmarks/target/ab"
trees="$out/trees"
mkdir -p "$out" "$trees"

# Builds REV into a worktree of its own (the working tree itself for WORKTREE) and prints its path.
checkout() {
  local rev="$1" dir
  if [ "$rev" = "WORKTREE" ]; then
    dir="$root"
  else
    local sha
    sha="$(git -C "$root" rev-parse --verify "$rev^{commit}")"
    dir="$trees/$sha"
    if [ ! -d "$dir" ]; then
      git -C "$root" worktree add --detach "$dir" "$sha" >&2
    fi
    # The pinned OPA is the same for both: reuse the main checkout's instead of building it again.
    if [ -x "$root/.tools/bin/opa" ] && [ ! -e "$dir/.tools/bin/opa" ]; then
      mkdir -p "$dir/.tools/bin"
      cp "$root/.tools/bin/opa" "$dir/.tools/bin/opa"
    fi
  fi
  echo "ab: building $rev in $dir" >&2
  (cd "$dir" && mvn -B -q -DskipTests package -pl gateway,benchmarks -am >&2)
  echo "$dir"
}

dir_a="$(checkout "$rev_a")"
if [ "$rev_b" = "$rev_a" ]; then dir_b="$dir_a"; else dir_b="$(checkout "$rev_b")"; fi

# One harness run; prints its result lines ("[load]   1000.0/s: ..." and the saturation line).
run() {
  local dir="$1" name="$2" jvm="$3" extra=()
  [ -n "$jvm" ] && extra=(--gateway-jvm "$jvm")
  (cd "$dir" && java -cp benchmarks/target/benchmarks.jar io.portcullis.bench.load.LoadHarness \
      "${harness_args[@]}" ${extra[@]+"${extra[@]}"} --name "$name" --out "$out" 2>&1) | grep -E '^\[load\]   (SSE )?[0-9.]+/s:|saturation:' || true
}

summary="$out/summary-$(date -u +%Y%m%dT%H%M%SZ).txt"
for ((i = 1; i <= rounds; i++)); do
  order="A B"
  ((i % 2 == 0)) && order="B A"
  for side in $order; do
    if [ "$side" = A ]; then dir="$dir_a" jvm="$jvm_a"; else dir="$dir_b" jvm="$jvm_b"; fi
    run "$dir" "ab-$side-$i" "$jvm" | sed "s/^/$side $i /" | tee -a "$summary"
  done
done

echo
echo "ab: A = $rev_a${jvm_a:+ ($jvm_a)}, B = $rev_b${jvm_b:+ ($jvm_b)}, $rounds rounds; every line in $summary"
# B − A per kind of line, pairing round i of A with round i of B: mean, median, and how often B was lower.
awk '
  {
    side = $1; round = $2
    if ($0 ~ /saturation:/) {
      kind = "saturation"; unit = "calls/s"
      match($0, /: [0-9]+\/s answered/); v = substr($0, RSTART + 2, RLENGTH - 13) + 0
    } else {
      kind = ($4 == "SSE") ? "SSE " $5 : $4; sub(/:$/, "", kind); unit = "µs p50"
      match($0, /p50 [0-9.]+ [^ ,]+/); split(substr($0, RSTART, RLENGTH), f, " ")
      v = f[2] * (f[3] == "ms" ? 1000 : 1)
    }
    val[side, round, kind] = v; units[kind] = unit; if (round > n) n = round
  }
  END {
    for (k in units) {
      pairs = 0; diff = 0; base = 0; lower = 0
      for (r = 1; r <= n; r++) {
        if ((("A", r, k) in val) && (("B", r, k) in val)) {
          d = val["B", r, k] - val["A", r, k]
          diff += d; base += val["A", r, k]; pairs++; lower += (d < 0)
          # Insertion into a sorted list, for the median: one noisy round can carry the mean.
          for (i = pairs; i > 1 && sorted[i - 1] > d; i--) sorted[i] = sorted[i - 1]
          sorted[i] = d
        }
      }
      if (pairs == 0) continue
      median = pairs % 2 ? sorted[(pairs + 1) / 2] : (sorted[pairs / 2] + sorted[pairs / 2 + 1]) / 2
      printf "ab: %-14s A %.0f %s; B - A mean %+.0f, median %+.0f; B lower in %d of %d pairs\n", k, base / pairs, units[k], diff / pairs, median, lower, pairs
    }
  }' "$summary"
