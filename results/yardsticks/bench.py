"""Yardstick benchmark: nginx vs event_loop vs asio (and threads), HTTP via wrk, echo via
//clients:load. Alternating runs, 3 each. Writes raw numbers to results/yardsticks/<name>.json.

Usage: /usr/bin/python3 bench.py run3   (BIN: where `bazel build -c opt` put the binaries; nginx is
started with nginx.conf copied to /tmp/yard_nginx/, as in README.md)."""
import json, os, re, signal, subprocess, sys, time, platform
BIN = "/root/.cache/bazel_ob_yard/execroot/archbench/bazel-out/k8-opt/bin"
OUT = "/work/main/results/yardsticks"
ROUNDS = 3

def start_server(args):
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    port = int(line.split()[2])
    return p, port

def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill(); p.wait(); return "killed"

def wrk(port):
    out = subprocess.run(["wrk", "-t2", "-c128", "-d5s", f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, timeout=30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else "", "raw": out}

def load_echo(port, tag):
    path = f"/tmp/yard_load_{tag}.json"
    subprocess.run([f"{BIN}/clients/load/load", "--target", f"127.0.0.1:{port}", "--protocol", "echo",
                    "-c", "64", "-t", "2", "-s", "64", "-d", "5", "--warmup", "1", "--json", path, "-q"],
                   capture_output=True, text=True, timeout=60)
    d = json.load(open(path))
    return {"rps": d["requests"] / d["measured_seconds"], "requests": d["requests"],
            "errors": d["errors"]["total"], "wrong_replies": d.get("wrong_replies"),
            "p50_us": d["latency_us"]["p50"], "p99_us": d["latency_us"]["p99"], "verdict": d["verdict"]}

HTTP = {
    "event_loop": [f"{BIN}/servers/event_loop/event_loop", "--protocol", "http"],
    "asio_t2": [f"{BIN}/servers/asio/asio", "--protocol", "http", "--threads", "2"],
    "threads_pool16_mutex": [f"{BIN}/servers/threads/threads", "--protocol", "http", "--mode", "pool", "--threads", "16", "--accept", "mutex"],
    "threads_per_connection": [f"{BIN}/servers/threads/threads", "--protocol", "http", "--mode", "per-connection"],
}
ECHO = {
    "event_loop": [f"{BIN}/servers/event_loop/event_loop", "--protocol", "echo"],
    "asio_t2": [f"{BIN}/servers/asio/asio", "--protocol", "echo", "--threads", "2"],
    "threads_per_connection": [f"{BIN}/servers/threads/threads", "--protocol", "echo", "--mode", "per-connection"],
}

def main():
    res = {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                       "loadavg_before": os.getloadavg()},
           "http_wrk": {k: [] for k in ["nginx"] + list(HTTP)}, "echo_load": {k: [] for k in ECHO}}
    nginx = subprocess.Popen(["nginx", "-c", "/tmp/yard_nginx/nginx.conf", "-p", "/tmp/yard_nginx"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    try:
        subprocess.run(["wrk", "-t2", "-c128", "-d1s", "http://127.0.0.1:18481/"], capture_output=True)  # warm-up
        for r in range(ROUNDS):
            w = wrk(18481); w.pop("raw"); res["http_wrk"]["nginx"].append(w); print("nginx", w, flush=True)
            for name, args in HTTP.items():
                p, port = start_server(args)
                subprocess.run(["wrk", "-t2", "-c128", "-d1s", f"http://127.0.0.1:{port}/"], capture_output=True)
                w = wrk(port); w.pop("raw"); w["exit"] = stop(p)
                res["http_wrk"][name].append(w); print(name, w, flush=True)
    finally:
        nginx.send_signal(signal.SIGQUIT)
        try: nginx.wait(timeout=5)
        except subprocess.TimeoutExpired: nginx.kill(); nginx.wait()
    for r in range(ROUNDS):
        for name, args in ECHO.items():
            p, port = start_server(args)
            e = load_echo(port, name); e["exit"] = stop(p)
            res["echo_load"][name].append(e); print("echo", name, e, flush=True)
    res["machine"]["loadavg_after"] = os.getloadavg()
    med = lambda xs: sorted(xs)[len(xs)//2]
    summary = {}
    ng = med([w["rps"] for w in res["http_wrk"]["nginx"]])
    for name, runs in res["http_wrk"].items():
        m = med([w["rps"] for w in runs])
        summary[f"http {name}"] = {"median_rps": m, "ratio_to_nginx": m / ng}
    el = med([e["rps"] for e in res["echo_load"]["event_loop"]])
    for name, runs in res["echo_load"].items():
        m = med([e["rps"] for e in runs])
        summary[f"echo {name}"] = {"median_rps": m, "ratio_to_event_loop": m / el}
    res["summary"] = summary
    json.dump(res, open(f"{OUT}/{sys.argv[1] if len(sys.argv) > 1 else 'yardsticks'}.json", "w"), indent=2)
    print(json.dumps(summary, indent=2))

main()
