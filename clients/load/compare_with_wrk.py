#!/usr/bin/python3
"""Benchmark (not a test): //clients/load against wrk on Debian's nginx, on this machine.

Starts nginx (config in a temporary directory, 127.0.0.1 only, 2 workers, `return 200 "Hello
World"`), then
  1. throughput: alternates `wrk -t2 -c128 -d5s` and `load --threads 2 --connections 128
     --duration 5` PAIRS times and reports each pair's ratio ours/wrk and the median;
  2. latency at low load: wrk has no --rate, so its low-load p50 comes from one connection
     (`wrk -t1 -c1 --latency`); ours runs closed loop on one connection and open loop at each
     of LOW_RATES on one connection (wrk2-style, latency from the intended start; the p50 from
     the actual send is recorded beside it), all compared by p50.
Each run's client CPU time (user + system, from getrusage of the finished child) is recorded
per request: the one number here that the machine's background load hardly moves.
Stops nginx at the end (also on Ctrl-C or failure), and writes JSON and Markdown.

Usage: /usr/bin/python3 clients/load/compare_with_wrk.py LOAD_BINARY OUT_DIR [PAIRS]
Client and server share the machine's cores: compare ratios of adjacent runs, not absolutes.
"""
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

PORT = 18080
DURATION_S = 5
LOW_RATES = (1000, 10000)

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


def children_cpu_s():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def with_cpu(result, cpu_before, duration_s=DURATION_S):
    """Adds the run's CPU time per request (user + system of the finished child process)."""
    cpu = children_cpu_s() - cpu_before
    requests = result["requests_per_sec"] * duration_s
    result["cpu_s"] = cpu
    result["cpu_us_per_request"] = 1e6 * cpu / requests if requests else None
    return result


def run_wrk(threads, connections):
    cpu_before = children_cpu_s()
    out = subprocess.run(["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % DURATION_S,
                          "--latency", "http://127.0.0.1:%d/" % PORT],
                         capture_output=True, text=True, timeout=DURATION_S + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = micros(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    return with_cpu({"requests_per_sec": rps, "p50_us": p50,
                     "errors": errors.group(1) if errors else ""}, cpu_before)


def run_ours(binary, threads, connections, rate=0):
    cpu_before = children_cpu_s()
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        args = [binary, "--target", "127.0.0.1:%d" % PORT, "--protocol", "http",
                "--threads", str(threads), "--connections", str(connections),
                "--duration", str(DURATION_S), "--json", f.name, "--quiet"]
        if rate:
            args += ["--rate", str(rate)]
        status = subprocess.run(args, timeout=DURATION_S + 30).returncode
        result = json.load(open(f.name))
    summary = {"requests_per_sec": result["throughput"]["requests_per_sec"],
               "p50_us": result["latency_us"]["p50"], "exit_status": status,
               "errors": result["errors"]["total"]}
    if rate:
        summary["uncorrected_p50_us"] = result["uncorrected_latency_us"]["p50"]
    return with_cpu(summary, cpu_before)


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
            print("pair %d: wrk %.0f, ours %.0f req/s, ratio %.3f; CPU us/request wrk %.2f, "
                  "ours %.2f" % (i + 1, w["requests_per_sec"], o["requests_per_sec"],
                                 throughput[-1]["ratio"], w["cpu_us_per_request"],
                                 o["cpu_us_per_request"]))
        low = []
        for i in range(max(2, pairs // 2)):
            row = {"wrk_c1": run_wrk(1, 1), "ours_closed_c1": run_ours(binary, 1, 1)}
            for rate in LOW_RATES:
                row["ours_open_loop_%d" % rate] = run_ours(binary, 1, 1, rate=rate)
            wrk_p50 = row["wrk_c1"]["p50_us"]
            row["ratio_closed"] = row["ours_closed_c1"]["p50_us"] / wrk_p50
            for rate in LOW_RATES:
                row["ratio_open_%d" % rate] = row["ours_open_loop_%d" % rate]["p50_us"] / wrk_p50
            low.append(row)
            print("low load %d: p50 wrk -c1 %.1f us, ours -c1 %d us, ours open loop %s" % (
                i + 1, wrk_p50, row["ours_closed_c1"]["p50_us"], ", ".join(
                    "%d/s: %d us (from send %d us)" % (
                        rate, row["ours_open_loop_%d" % rate]["p50_us"],
                        row["ours_open_loop_%d" % rate]["uncorrected_p50_us"])
                    for rate in LOW_RATES)))
    finally:
        stop_nginx(nginx)
        shutil.rmtree(directory, ignore_errors=True)

    summary = {
        "throughput_ratio_median": statistics.median(p["ratio"] for p in throughput),
        "wrk_requests_per_sec_median": statistics.median(
            p["wrk"]["requests_per_sec"] for p in throughput),
        "ours_requests_per_sec_median": statistics.median(
            p["ours"]["requests_per_sec"] for p in throughput),
        "cpu_us_per_request_wrk_median": statistics.median(
            p["wrk"]["cpu_us_per_request"] for p in throughput),
        "cpu_us_per_request_ours_median": statistics.median(
            p["ours"]["cpu_us_per_request"] for p in throughput),
        "low_load_p50_ratio_closed_c1_median": statistics.median(p["ratio_closed"] for p in low),
    }
    for rate in LOW_RATES:
        summary["low_load_p50_ratio_open_loop_%d_median" % rate] = statistics.median(
            p["ratio_open_%d" % rate] for p in low)
    document = {
        "benchmark": "clients/load vs wrk on nginx (return 200 \"Hello World\", 2 workers)",
        "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                    "load_average_at_end": os.getloadavg()},
        "parameters": {"duration_s": DURATION_S, "threads": 2, "connections": 128,
                       "low_rates": LOW_RATES, "pairs": pairs},
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
        f.write("| pair | wrk req/s | ours req/s | ours/wrk | wrk CPU us/req | ours CPU us/req |\n"
                "|---|---|---|---|---|---|\n")
        for i, p in enumerate(throughput):
            f.write("| %d | %.0f | %.0f | %.3f | %.2f | %.2f |\n" % (
                i + 1, p["wrk"]["requests_per_sec"], p["ours"]["requests_per_sec"], p["ratio"],
                p["wrk"]["cpu_us_per_request"], p["ours"]["cpu_us_per_request"]))
        f.write("\nMedian ratio ours/wrk: **%.3f** (goal >= 1.0). Median client CPU per request "
                "(user + system, includes the kernel's loopback work done in the client's "
                "context): wrk %.2f us, ours %.2f us.\n\n" % (
                    summary["throughput_ratio_median"],
                    summary["cpu_us_per_request_wrk_median"],
                    summary["cpu_us_per_request_ours_median"]))
        f.write("## p50 latency at low load\n\n")
        f.write("| run | wrk -t1 -c1 | ours -c1 closed | %s |\n|---|---|---|%s\n" % (
            " | ".join("ours open loop %d/s (from send)" % r for r in LOW_RATES),
            "---|" * len(LOW_RATES)))
        for i, p in enumerate(low):
            f.write("| %d | %.1f | %d | %s |\n" % (
                i + 1, p["wrk_c1"]["p50_us"], p["ours_closed_c1"]["p50_us"], " | ".join(
                    "%d (%d)" % (p["ours_open_loop_%d" % r]["p50_us"],
                                 p["ours_open_loop_%d" % r]["uncorrected_p50_us"])
                    for r in LOW_RATES)))
        f.write("\np50 in microseconds. Median p50 ratio ours/wrk: closed loop, one connection "
                "%.3f; %s (goal: within 20%%).\n" % (
                    summary["low_load_p50_ratio_closed_c1_median"], "; ".join(
                        "open loop %d/s %.3f" % (r, summary[
                            "low_load_p50_ratio_open_loop_%d_median" % r]) for r in LOW_RATES)))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
