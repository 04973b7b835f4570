#!/usr/bin/python3
"""Benchmark (not a test): //clients/load against wrk on Debian's nginx, on this machine.

Starts nginx (config in a temporary directory, 127.0.0.1 only, 2 workers, `return 200 "Hello
World"`), then
  1. throughput: alternates `wrk -t2 -c128 -d5s` and `load --threads 2 --connections 128
     --duration 5` PAIRS times and reports each pair's ratio ours/wrk and the median;
  2. latency at low load: wrk has no --rate, so its low-load p50 comes from one connection
     (`wrk -t1 -c1 --latency`); ours runs open loop at --rate LOW_RATE on one connection
     (wrk2-style, latency from the intended start) and closed loop on one connection, both
     compared by p50.
Stops nginx at the end (also on Ctrl-C or failure), and writes JSON and Markdown.

Usage: /usr/bin/python3 clients/load/compare_with_wrk.py LOAD_BINARY OUT_DIR [PAIRS]
Client and server share the machine's cores: compare ratios of adjacent runs, not absolutes.
"""
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PORT = 18080
DURATION_S = 5
LOW_RATE = 1000

NGINX_CONF = """worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  server {{
    listen 127.0.0.1:{port};
    default_type text/plain;
    location / {{ return 200 "Hello World"; }}
  }}
}}
"""


def start_nginx(directory):
    conf = os.path.join(directory, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(dir=directory, port=PORT))
    proc = subprocess.Popen(["nginx", "-p", directory, "-c", conf],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):  # up to 5 s for the port to open
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("nginx did not start on port %d" % PORT)


def stop_nginx(proc):
    proc.send_signal(signal.SIGQUIT)  # graceful: the master reaps its workers
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def micros(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def run_wrk(threads, connections):
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % DURATION_S,
                          "--latency", "http://127.0.0.1:%d/" % PORT],
                         capture_output=True, text=True, timeout=DURATION_S + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = micros(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    return {"requests_per_sec": rps, "p50_us": p50, "errors": errors.group(1) if errors else ""}


def run_ours(binary, threads, connections, rate=0):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        args = [binary, "--target", "127.0.0.1:%d" % PORT, "--protocol", "http",
                "--threads", str(threads), "--connections", str(connections),
                "--duration", str(DURATION_S), "--json", f.name, "--quiet"]
        if rate:
            args += ["--rate", str(rate)]
        status = subprocess.run(args, timeout=DURATION_S + 30).returncode
        result = json.load(open(f.name))
    return {"requests_per_sec": result["throughput"]["requests_per_sec"],
            "p50_us": result["latency_us"]["p50"], "exit_status": status,
            "errors": result["errors"]["total"]}


def main():
    binary, out_dir = sys.argv[1], sys.argv[2]
    pairs = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    os.makedirs(out_dir, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="load_vs_wrk_nginx_")
    nginx = start_nginx(directory)
    try:
        throughput = []
        for i in range(pairs):
            # Alternate which tool goes first, so a drift in background load hits both alike.
            if i % 2 == 0:
                w = run_wrk(2, 128)
                o = run_ours(binary, 2, 128)
            else:
                o = run_ours(binary, 2, 128)
                w = run_wrk(2, 128)
            throughput.append({"wrk": w, "ours": o,
                               "ratio": o["requests_per_sec"] / w["requests_per_sec"]})
            print("pair %d: wrk %.0f, ours %.0f req/s, ratio %.3f" % (
                i + 1, w["requests_per_sec"], o["requests_per_sec"], throughput[-1]["ratio"]))
        low = []
        for i in range(max(2, pairs // 2)):
            w = run_wrk(1, 1)
            open_loop = run_ours(binary, 1, 1, rate=LOW_RATE)
            closed = run_ours(binary, 1, 1)
            low.append({"wrk_c1": w, "ours_open_loop": open_loop, "ours_closed_c1": closed,
                        "ratio_open": open_loop["p50_us"] / w["p50_us"],
                        "ratio_closed": closed["p50_us"] / w["p50_us"]})
            print("low load %d: p50 wrk -c1 %.1f us, ours open loop %d/s %d us, ours -c1 %d us" % (
                i + 1, w["p50_us"], LOW_RATE, open_loop["p50_us"], closed["p50_us"]))
    finally:
        stop_nginx(nginx)

    summary = {
        "throughput_ratio_median": statistics.median(p["ratio"] for p in throughput),
        "wrk_requests_per_sec_median": statistics.median(
            p["wrk"]["requests_per_sec"] for p in throughput),
        "ours_requests_per_sec_median": statistics.median(
            p["ours"]["requests_per_sec"] for p in throughput),
        "low_load_p50_ratio_open_loop_median": statistics.median(p["ratio_open"] for p in low),
        "low_load_p50_ratio_closed_c1_median": statistics.median(p["ratio_closed"] for p in low),
    }
    document = {
        "benchmark": "clients/load vs wrk on nginx (return 200 \"Hello World\", 2 workers)",
        "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                    "load_average_at_end": os.getloadavg()},
        "parameters": {"duration_s": DURATION_S, "threads": 2, "connections": 128,
                       "low_rate": LOW_RATE, "pairs": pairs},
        "summary": summary, "throughput_pairs": throughput, "low_load": low,
    }
    with open(os.path.join(out_dir, "load_vs_wrk.json"), "w") as f:
        json.dump(document, f, indent=2)
    with open(os.path.join(out_dir, "load_vs_wrk.md"), "w") as f:
        f.write("# clients/load vs wrk on nginx\n\n")
        f.write("nginx 2 workers, `return 200 \"Hello World\"`, 127.0.0.1; %d CPUs shared by "
                "client and server (load average at the end: %.1f).\n\n" % (
                    os.cpu_count(), os.getloadavg()[0]))
        f.write("## Throughput, -t2 -c128, %d s, alternating\n\n" % DURATION_S)
        f.write("| pair | wrk req/s | ours req/s | ours/wrk |\n|---|---|---|---|\n")
        for i, p in enumerate(throughput):
            f.write("| %d | %.0f | %.0f | %.3f |\n" % (
                i + 1, p["wrk"]["requests_per_sec"], p["ours"]["requests_per_sec"], p["ratio"]))
        f.write("\nMedian ratio ours/wrk: **%.3f** (goal >= 1.0)\n\n" %
                summary["throughput_ratio_median"])
        f.write("## p50 latency at low load\n\n")
        f.write("| run | wrk -t1 -c1 p50 (us) | ours open loop %d/s, 1 conn (us) | "
                "ours -c1 closed (us) |\n|---|---|---|---|\n" % LOW_RATE)
        for i, p in enumerate(low):
            f.write("| %d | %.1f | %d | %d |\n" % (i + 1, p["wrk_c1"]["p50_us"],
                                                  p["ours_open_loop"]["p50_us"],
                                                  p["ours_closed_c1"]["p50_us"]))
        f.write("\nMedian p50 ratio ours/wrk: open loop %.3f, closed loop one connection %.3f "
                "(goal: within 20%%)\n" % (summary["low_load_p50_ratio_open_loop_median"],
                                          summary["low_load_p50_ratio_closed_c1_median"]))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
