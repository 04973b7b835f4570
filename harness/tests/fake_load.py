"""A stand-in for //clients:load in the harness's tests: the same flags and JSON shape, one
blocking connection, echo verification. Exit status 0 only when every reply matched. With
--log-requests FILE it writes the client's request log (the same CSV columns, times in µs from
its start).

Bounded: it stops at --duration (or --requests) and never runs longer than 30 s.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import time


def broadcast_refusal(host: str, port: int, timeout_s: float):
    """The body of a 501 answer to a /broadcast handshake, or None when it is not refused."""
    request = (f"GET /broadcast HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode()
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) >= 2 and parts[1] == b"501":
        return body.decode(errors="replace") or "the server answered 501"
    return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--protocol", default="echo")
    parser.add_argument("--json")
    parser.add_argument("--duration", type=float, default=1.0)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--message-size", type=int, default=16)
    parser.add_argument("--timeout", type=int, default=1000)
    parser.add_argument("--log-requests")
    parser.add_argument("--path", default="/")
    args, _ = parser.parse_known_args()
    host, port = args.target.rsplit(":", 1)
    if args.protocol == "websocket" and args.path == "/broadcast":
        refusal = broadcast_refusal(host, int(port), args.timeout / 1000)
        if refusal is not None:
            if args.json:
                with open(args.json, "w") as handle:
                    json.dump({"verdict": "unsupported", "unsupported": {"reason": refusal}},
                              handle)
            return 3
    errors = {"connect": 0, "timeout": 0, "wrong_reply": 0, "read_error": 0}
    latencies: list[float] = []
    log: list[str] = []
    payload = b"x" * args.message_size
    deadline = time.monotonic() + min(args.duration, 30.0)
    started = time.monotonic()
    try:
        sock = socket.create_connection((host, int(port)), timeout=args.timeout / 1000)
    except OSError:
        errors["connect"] += 1
        sock = None
    while sock is not None and time.monotonic() < deadline:
        if args.requests is not None and len(latencies) >= args.requests:
            break
        began = time.monotonic()
        try:
            sock.sendall(payload)
            reply = b""
            while len(reply) < len(payload):
                chunk = sock.recv(len(payload) - len(reply))
                if not chunk:
                    raise ConnectionResetError
                reply += chunk
        except socket.timeout:
            errors["timeout"] += 1
            break
        except OSError:
            errors["read_error"] += 1
            break
        if reply != payload:
            errors["wrong_reply"] += 1
        latency = (time.monotonic() - began) * 1e6
        latencies.append(latency)
        at = (began - started) * 1e6
        log.append(f"{at:.3f},{at:.3f},{latency:.0f},"
                   f"{'ok' if reply == payload else 'wrong_reply'},0\n")
    elapsed = max(1e-6, time.monotonic() - started)
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0

    doc = {
        "parameters": vars(args),
        "throughput": {"requests": len(latencies), "requests_per_sec": len(latencies) / elapsed,
                       "bytes_per_sec": 2 * len(payload) * len(latencies) / elapsed},
        "errors": errors,
        "percentiles": {"p50": pick(0.5), "p90": pick(0.9), "p99": pick(0.99),
                        "p99.9": pick(0.999), "max": latencies[-1] if latencies else 0.0},
    }
    if args.log_requests:
        with open(args.log_requests, "w") as handle:
            handle.write("intended_us,actual_us,latency_us,outcome,connection\n")
            handle.writelines(log)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(doc, handle)
    return 0 if not any(errors.values()) and latencies else 1


if __name__ == "__main__":
    sys.exit(main())
