#!/usr/bin/env bash
# Speed, memory and accuracy in one run, printed as one table (docs/benchmarks.md).
# Usage: scripts/bench.sh [BUILD_DIR]   (make bench)
# Env: BENCH_SIDE (default 30000 px), BENCH_OUT (default out/bench), BENCH_REPEAT (default 3),
#      BENCH_COARSE_MPP (default "0.75 1.0"; empty to skip).
set -euo pipefail
build=${1:-build/release}
side=${BENCH_SIDE:-30000}
out=${BENCH_OUT:-out/bench}
# The OpenSlide side alone varies by 10-20% between runs on a shared host: each side runs
# BENCH_REPEAT times (default 3), alternating, and the table gives each side's median and
# the spread of the per-pair ratios.
repeat=${BENCH_REPEAT:-3}
if ! [[ $repeat =~ ^[1-9][0-9]*$ ]]; then
  echo "scripts/bench.sh: BENCH_REPEAT must be a positive integer, not '$repeat'" >&2
  exit 2
fi
# Coarser analysis pixel sizes (ihc.analysis_mpp) measured after the default: what the ratio
# would be there, next to what it costs in accuracy.
coarse=${BENCH_COARSE_MPP-0.75 1.0}
for m in $coarse; do
  if ! [[ $m =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
    echo "scripts/bench.sh: BENCH_COARSE_MPP must list pixel sizes in um, not '$m'" >&2
    exit 2
  fi
done
cli="$build/app/her2scope"
mkdir -p "$out"

# Reads a numeric or string field from a one-line JSON object.
jget() { sed -E "s/.*\"$1\":\"?([^,\"}]*)\"?.*/\1/" <<<"$2"; }

slide="$out/wsi-${side}.tif"
if [ ! -f "$slide" ] || [ ! -f "$out/wsi-${side}.truth.json" ]; then
  echo "generating a ${side}x${side} px 40x phantom (once): $slide" >&2
  "$cli" phantom ihc --case breast-2plus --width "$side" --height "$side" --threads 2 -o "$slide" >&2
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "slide:   $slide (${side}x${side} px at 0.25 um/px)"
echo
# A space-separated list of numbers, one per line in increasing order.
sorted() { tr ' ' '\n' | grep -v '^$' | sort -g; }
median() { sorted | awk '{v[NR]=$1} END{print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN{print a/b}'; }
# One OpenSlide read and one analysis of the slide on $1 threads (further arguments go to the
# analysis): sets read_json and ihc_json, and r and a, their mm2/s.
run_pair() {
  read_json=$("$cli" bench read "$slide" --threads "$1")
  ihc_json=$("$cli" bench ihc "$slide" --threads "$@")
  r=$(jget mm2_per_s "$read_json"); a=$(jget mm2_per_s "$ihc_json")
}
echo "each side run $repeat times, alternating; medians, and the lowest-highest ratio of a read/IHC pair"
printf '%-8s %-12s %-12s %-7s %-11s %-9s %-10s %-11s %-11s\n' threads "read mm2/s" "IHC mm2/s" ratio "pair range" "ratio-CPU" "IHC RSS" "IHC wall s" "IHC CPU s"
# Both sides read the same file: have it in the page cache before either is timed.
cat "$slide" > /dev/null
declare -A secs
for t in 1 2; do
  rs="" as="" rcs="" acs="" ws="" pairs="" rss=0
  for ((i = 0; i < repeat; i++)); do
    run_pair "$t"
    rs+=" $r"; as+=" $a"; ws+=" $(jget seconds "$ihc_json")"
    rcs+=" $(jget cpu_seconds "$read_json")"; acs+=" $(jget cpu_seconds "$ihc_json")"
    pairs+=" $(div "$a" "$r")"
    rss=$(awk -v m="$rss" -v v="$(jget peak_rss_mb "$ihc_json")" 'BEGIN{print (v > m) ? v : m}')
  done
  r=$(median <<<"$rs"); a=$(median <<<"$as"); rc=$(median <<<"$rcs"); ac=$(median <<<"$acs")
  secs[$t]=$(median <<<"$ws")
  range=$(sorted <<<"$pairs" | awk 'NR==1{lo=$1} {hi=$1} END{printf "%.2f-%.2f", lo, hi}')
  # ratio: areas per wall second (the target); ratio-CPU: the same from CPU seconds, which
  # a busy machine disturbs less.
  printf '%-8s %-12.3f %-12.3f %-7.2f %-11s %-9.2f %-10s %-11.1f %-11.1f\n' "$t" "$r" "$a" \
    "$(div "$a" "$r")" "$range" "$(div "$rc" "$ac")" \
    "$(awk -v m="$rss" 'BEGIN{printf "%.0f MB", m}')" "${secs[$t]}" "$ac"
done
awk -v a="${secs[1]}" -v b="${secs[2]}" 'BEGIN{printf "2 threads vs 1: %.2fx faster\n\n", a/b}'

if [ -n "$coarse" ]; then
  echo "coarser analysis (ihc.analysis_mpp; default 0.5), 1 thread, one read/IHC pair each, with the IHC phantom accuracy there:"
  printf '%-9s %-12s %-12s %-7s %-9s %-10s %s\n' "um/px" "read mm2/s" "IHC mm2/s" ratio cells "per cell" "slides right"
  for m in $coarse; do
    protocol="$out/analysis-mpp-$m.json"
    echo "{\"ihc.analysis_mpp\": $m}" > "$protocol"
    run_pair 1 --params "$protocol"
    # Slides right from the report's per-case verdicts: a case that fails with an error is
    # one of them, and counts as wrong. A report left by an earlier run is not read.
    report="$out/accuracy/ihc/ihc-accuracy.json"
    rm -f "$report"
    acc=$("$cli" accuracy ihc -o "$out/accuracy" --threads 2 --params "$protocol" || true)
    agree=$(sed -nE 's/^overall per-cell class agreement: ([0-9.]+%).*/\1/p' <<<"$acc")
    slides="?"
    if [ -f "$report" ]; then
      slides="$(grep -c '"right": true' "$report" || true) of $(grep -c '"right":' "$report" || true)"
    fi
    printf '%-9s %-12.3f %-12.3f %-7.2f %-9s %-10s %s\n' "$m" "$r" "$a" "$(div "$a" "$r")" \
      "$(jget cells "$ihc_json")" "${agree:-?}" "$slides"
  done
  echo
fi

fish_json=$("$cli" bench fish --size 2048 --repeat 5)
printf 'FISH 2048x2048 three-channel field, 1 core: median %.0f ms wall, %.0f ms thread CPU (%.1f fields/s)\n\n' \
  "$(jget median_ms "$fish_json")" "$(jget median_cpu_ms "$fish_json")" "$(jget fields_per_s "$fish_json")"

rb=""
for c in "$build/ui/her2scope-render-bench" "$build/app/her2scope-render-bench"; do
  if [ -x "$c" ]; then rb=$c; break; fi
done
if [ -n "$rb" ]; then
  echo "viewer overlay, 1,000,000 cells, offscreen:"
  QT_QPA_PLATFORM=offscreen "$rb" --cells 1000000 | grep -v '^{' || true
  echo
fi

echo "accuracy (phantom sets):"
"$cli" accuracy all -o "$out/accuracy" --threads 2 || true
