#include "tests/exhaustion/exhaustion_cases.h"

namespace archbench::exhaustion {

// Descriptor counts below are what each server holds before its first client: stdin/out/err, the
// stop pipe, the listen socket, plus the design's own (epoll, reserve, channels...). The limit
// caps descriptor NUMBERS, and a new descriptor takes the lowest free number.
const std::vector<ExhaustionCase>& all_cases() {
  static const std::vector<ExhaustionCase> cases = [] {
    std::vector<ExhaustionCase> list;

    // One client at a time: the limit only needs room for one connection, so a full iterative
    // server is one busy with a client, and the next waits in the backlog. A descriptor shortage
    // needs the limit lowered under it (LoweredLimitTest); with no client open it must then back
    // off in accept() and serve the waiting client once the limit is back.
    list.push_back({"iterative", "iterative", {}, "echo", 16, Full::kWaits, 0, true,
                    LoweredLimitCase{Target::kServer, false, Full::kWaits}});

    // select_loop lowers --max-conns to the limit minus 8, so at 20 it serves 12 and refuses the
    // 13th at --max-conns (accept, log, close) before accept() can fail. A descriptor shortage
    // from elsewhere (ENFILE, a leak) is LoweredLimitTest's: the reserve descriptor refuses.
    list.push_back({"select_loop", "select_loop", {}, "echo", 20, Full::kRefused, 0, false,
                    LoweredLimitCase{Target::kServer, true, Full::kRefused}});

    // event_loop holds 8 descriptors (epoll and the reserve among them), one per client: at 24 it
    // serves 16, then accept() fails and the reserve descriptor refuses each new client.
    list.push_back({"event_loop", "event_loop", {}, "http", 24, Full::kRefused, 1, false, {}});

    // Each prefork child serves one client at a time, and the limit is per process, so children
    // never run out from their clients: full means both children busy, the third client waits
    // in the backlog. LoweredLimitTest lowers the children's limit: the idle child backs off.
    list.push_back({"prefork", "prefork", {"--workers", "2"}, "http", 16, Full::kWaits, 0, false,
                    LoweredLimitCase{Target::kChildren, true, Full::kWaits}});

    // fork_limited's parent holds a client only from accept() to fork(): full means --max-procs
    // children busy, and the next client waits in the backlog. LoweredLimitTest lowers the
    // parent's limit: it leaves the listen socket alone for a while, the client still waiting.
    list.push_back({"fork_limited", "fork_limited", {"--max-procs", "3"}, "echo", 16, Full::kWaits,
                    0, false, LoweredLimitCase{Target::kServer, true, Full::kWaits}});

    // notify, no --max-procs: the parent keeps one channel per child (6 + 1 per child), and
    // needs room for a channel, the client and the child's stop pipe before it accepts: at 20 it
    // runs 9 children, then stops accepting until one exits; clients wait in the backlog.
    list.push_back({"socketpair_workers_notify",
                    "socketpair_workers",
                    {"--mode", "notify", "--max-procs", "0"},
                    "echo",
                    20,
                    Full::kWaits,
                    1,
                    false,
                    {}});

    // pass-fd: the parent holds a client only until it has passed it, each worker one client at
    // a time: full means both workers busy, the third client waits. LoweredLimitTest lowers the
    // workers' limit: the kernel cannot install the passed socket (MSG_CTRUNC) and drops it, so
    // that client sees its connection closed, and the worker backs off before taking the next.
    list.push_back({"socketpair_workers_pass_fd",
                    "socketpair_workers",
                    {"--mode", "pass-fd", "--workers", "2"},
                    "echo",
                    16,
                    Full::kWaits,
                    0,
                    false,
                    LoweredLimitCase{Target::kChildren, true, Full::kRefused}});

    // worker_pool: like prefork (one client per worker, limit per process).
    list.push_back({"worker_pool", "worker_pool", {"--workers", "2"}, "echo", 16, Full::kWaits, 0,
                    false, LoweredLimitCase{Target::kChildren, true, Full::kWaits}});

    // threads: one process, two descriptors per client (the socket and its mailbox's eventfd).
    // At 24 with 6 held, 9 clients fit; then either accept() fails (the client waits while the
    // accepting thread backs off) or accept() takes the last free number and the mailbox finds
    // none (that client is closed politely, counted in the same episode): which one depends on
    // whether the free numbers left are even or odd, so both are right.
    list.push_back({"threads_per_connection", "threads", {"--mode", "per-connection"}, "echo", 24,
                    Full::kRefusedOrWaits, 1, false, {}});
    // The pool is larger than the limit allows (16 threads, about 8 clients' worth of
    // descriptors), so descriptors, not threads, run out first.
    list.push_back({"threads_pool",
                    "threads",
                    {"--mode", "pool", "--threads", "16", "--accept", "mutex"},
                    "http",
                    24,
                    Full::kRefusedOrWaits,
                    1,
                    false,
                    {}});

    // asio: one process, one descriptor per client; 10 held at start (each io_context has its
    // epoll, eventfd and timerfd): at 24 it serves 13, then the reserve descriptor refuses.
    list.push_back({"asio", "asio", {"--threads", "2"}, "echo", 24, Full::kRefused, 1, false, {}});

    // reactor: every client descriptor lives in the master (about 21 held at start with 2
    // reactors and 2 workers: epolls, wake-ups, worker channels); the workers and the manager
    // hold about 20 and never see a client descriptor. At 40 the master serves about 18.
    list.push_back({"reactor",
                    "reactor",
                    {"--reactors", "2", "--workers", "2", "--dispatch-mode", "2"},
                    "http",
                    40,
                    Full::kRefused,
                    1,
                    false,
                    {}});
    return list;
  }();
  return cases;
}

std::vector<ExhaustionCase> lowered_limit_cases() {
  std::vector<ExhaustionCase> lowered;
  for (const ExhaustionCase& c : all_cases()) {
    if (c.lowered) lowered.push_back(c);
  }
  return lowered;
}

}  // namespace archbench::exhaustion
