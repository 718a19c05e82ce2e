#!/usr/bin/env bash
# Instructions apigate executes per request on the proxy route, counted by callgrind: a figure
# that does not move with the machine's load, for comparing two builds where throughput on a
# shared machine cannot resolve a few percent.
#
# usage: benches/callgrind-load.sh [APIGATE_BINARY]   (default: target/release/apigate)
#        SIM=1 benches/callgrind-load.sh ...  also simulates the caches and branch predictors and
#        prints their misses a request (I1mr: instruction-cache misses, D1mr/D1mw: data-cache
#        read/write misses, Bcm/Bim: mispredicted conditional/indirect branches)
#
# Runs the load bench's proxy target (8 connections, closed loop) against apigate under
# `valgrind --tool=callgrind`, collecting only inside client-connection tasks (the request path,
# not start-up or the runtime's own event loop), dumps the counts mid-run and divides them by the
# number of requests (calls of `RequestCtx::new`). Needs valgrind; build first with
# `cargo build --profile bench --bins --bench load`.
set -euo pipefail

cd "$(dirname "$0")/.."
binary=$(realpath "${1:-target/release/apigate}")
bench=$(ls -t target/release/deps/load-* | grep -v '\.d$' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sim=""
if [ "${SIM:-0}" = 1 ]; then
  sim="--cache-sim=yes --branch-sim=yes"
fi

cat >"$work/apigate" <<EOF
#!/usr/bin/env bash
if [ "\$1" = serve ]; then
  exec valgrind --tool=callgrind $sim --callgrind-out-file=$work/out.%p \
    --toggle-collect='apigate::server::conn::run*' "$binary" "\$@"
fi
exec "$binary" "\$@"
EOF
chmod +x "$work/apigate"

"$bench" --apigate "$work/apigate" --targets proxy --reps 1 --warmup 1 --duration 8 --rate 0 \
  --connections 8 >"$work/bench.log" 2>&1 &
bench_pid=$!
sleep 8
pid=$(pgrep -f "valgrind.*$binary serve" | tail -1)
callgrind_control -d "$pid" >/dev/null 2>&1
wait "$bench_pid" || true

python3 - "$work"/out.*.1 <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
events = re.search(r'^events: (.*)$', text, re.M).group(1).split()
counts = [int(n) for n in re.search(r'^(?:summary|totals): (.*)$', text, re.M).group(1).split()]
total = counts[0]
names = dict(re.findall(r'^c?fn=\((\d+)\) (.*)$', text, re.M))
wanted = {k for k, v in names.items() if v.startswith('apigate::gateway::context::RequestCtx::new')}
requests, callee = 0, None
for line in text.split('\n'):
    m = re.match(r'^cfn=\((\d+)\)', line)
    if m:
        callee = m.group(1)
    elif line.startswith('calls=') and callee in wanted:
        requests += int(line[6:].split()[0])
        callee = None
print(f"{total} instructions / {requests} requests = {total / max(requests, 1):.0f} per request")
if len(events) > 1:
    print("a request: " + " ".join(f"{e} {n / max(requests, 1):.0f}" for e, n in zip(events, counts)))
EOF
