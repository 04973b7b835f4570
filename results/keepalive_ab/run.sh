#!/bin/bash
# A/B: --keepalive-timeout-ms 0 (off) vs the default 75 s, HTTP GET / at 64 connections, interleaved.
cd /work/main
for rep in 1 2 3; do
  for arch in event_loop asio threads; do
    for variant in off on; do
      flags=""
      [ "$variant" = off ] && flags="--keepalive-timeout-ms 0"
      out=/tmp/kab/$arch-$variant-$rep
      bazel-bin/harness/archbench run --bin-dir bazel-bin --arch $arch --protocol http --connections 64 --duration 5 --warmup 1 --server-flags "$flags" --out $out > $out.log 2>&1
      python3 -c "import json;d=json.load(open('$out/results.json'));r=d['runs'][0];print('$arch','$variant',$rep,r['verdict'],round(r['throughput_rps']),r['latency_us']['p50'],r['cost']['cpu_per_request_us'])"
    done
  done
done
