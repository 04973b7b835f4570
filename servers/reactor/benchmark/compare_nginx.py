#!/usr/bin/python3
"""reactor (R=2, W=2) against Debian's nginx-light (2 workers), GET / with wrk.

Not a test: a measurement for the record (results/reactor/). Both servers run on 127.0.0.1 on
this machine, started here; wrk -t2 -c128 -d5s runs alternate between them, 3 runs each after a
warm-up, and the ratio of the medians is reported. For the reactor, the CPU time of every thread
and process is sampled around each run from /proc, to show how the work splits between the
master's main thread, its reactor threads, the manager and the workers.

Usage: compare_nginx.py REACTOR_BINARY OUT_DIR
"""

import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;  # like the reactor: no per-connection request limit
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 "Hello World"; }}
  }}
}}
"""

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(stat_path):
    try:
        with open(stat_path) as f:
            text = f.read()
    except OSError:
        return 0.0
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def children(pid):
    found = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return found


def reactor_cpu(master):
    """CPU seconds per role: main thread, reactor threads, manager, workers (incl. task workers)."""
    roles = {"main thread": 0.0, "reactor threads": 0.0, "manager": 0.0, "workers": 0.0}
    for tid in os.listdir(f"/proc/{master}/task"):
        seconds = cpu_seconds(f"/proc/{master}/task/{tid}/stat")
        roles["main thread" if int(tid) == master else "reactor threads"] += seconds
    for manager in children(master):
        roles["manager"] += cpu_seconds(f"/proc/{manager}/stat")
        for worker in children(manager):
            roles["workers"] += cpu_seconds(f"/proc/{worker}/stat")
    return roles


def tree_cpu(pid):
    total = cpu_seconds(f"/proc/{pid}/stat")
    for child in children(pid):
        total += tree_cpu(child)
    return total


def wrk(port, seconds):
    out = subprocess.run(["wrk", "-t2", "-c128", f"-d{seconds}s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    return rate, (errors.group(0) if errors else "")


def main():
    reactor_binary, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="reactor_nginx_")
    nginx_port = 18189
    with open(f"{scratch}/nginx.conf", "w") as f:
        f.write(NGINX_CONF.format(dir=scratch, port=nginx_port))
    nginx = subprocess.Popen(["nginx", "-c", f"{scratch}/nginx.conf", "-p", scratch],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reactor = subprocess.Popen([reactor_binary, "--protocol", "http", "--reactors", "2",
                                "--workers", "2", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ready = reactor.stdout.readline().split()
    reactor_port = int(ready[2])
    time.sleep(0.5)
    try:
        wrk(nginx_port, 1)  # warm-up
        wrk(reactor_port, 1)
        runs = {"nginx": [], "reactor": []}
        cpu = []
        for _ in range(3):
            before = tree_cpu(nginx.pid)
            rate, errors = wrk(nginx_port, 5)
            runs["nginx"].append({"req_per_s": rate, "cpu_s": tree_cpu(nginx.pid) - before,
                                  "errors": errors})
            before_roles = reactor_cpu(reactor.pid)
            rate, errors = wrk(reactor_port, 5)
            after_roles = reactor_cpu(reactor.pid)
            roles = {k: round(after_roles[k] - before_roles[k], 2) for k in after_roles}
            runs["reactor"].append({"req_per_s": rate, "cpu_s": round(sum(roles.values()), 2),
                                    "cpu_by_role_s": roles, "errors": errors})
            cpu.append(roles)
        for v in runs.values():
            for r in v:
                r["cpu_us_per_request"] = round(1e6 * r["cpu_s"] / (r["req_per_s"] * 5), 2)
        median = {k: statistics.median(r["req_per_s"] for r in v) for k, v in runs.items()}
        cpu_per_request = {k: statistics.median(r["cpu_us_per_request"] for r in v)
                           for k, v in runs.items()}
        split = {k: round(statistics.median(c[k] for c in cpu), 2) for k in cpu[0]}
        result = {
            "what": "wrk -t2 -c128 -d5s GET /, 3 alternating runs each after a 1 s warm-up",
            "machine": {"cpus": os.cpu_count(), "kernel": os.uname().release,
                        "load_average_at_end": os.getloadavg()},
            "reactor_args": "--protocol http --reactors 2 --workers 2 (dispatch mode 2)",
            "nginx": "nginx-light, worker_processes 2, keepalive_requests 1000000, "
                     "return 200 \"Hello World\"",
            "runs": runs,
            "median_req_per_s": median,
            "ratio_reactor_to_nginx": round(median["reactor"] / median["nginx"], 3),
            "median_cpu_us_per_request": cpu_per_request,
            "note": "client and servers share 2 cores with other work: a server that keeps more "
                    "threads runnable takes a bigger share of the CPU; compare CPU per request "
                    "for efficiency",
            "reactor_cpu_split_median_s": split,
        }
        with open(f"{out_dir}/reactor_vs_nginx.json", "w") as f:
            json.dump(result, f, indent=2)
        print(json.dumps(result, indent=2))
    finally:
        reactor.send_signal(signal.SIGTERM)
        nginx.send_signal(signal.SIGQUIT)
        reactor.wait(timeout=5)
        nginx.wait(timeout=5)


if __name__ == "__main__":
    main()
