// What the tests of the process-model architectures share (testonly).
//
// The tests observe a server from outside, as a student would: through its sockets, its
// process tree in /proc and its --trace lines on stderr ("trace: serve <peer> pid=<pid> ...").
// A connection is identified by the client's local port, which is the port in <peer>.
//
// Thread-safety: functions use only their arguments; call them from the test's thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {

// n pseudo-random bytes (all 256 values occur), the same for the same seed.
std::string random_bytes(std::size_t n, std::uint32_t seed);

// The client-side port of a connected TestConnection (0 on error).
std::uint16_t local_port(const TestConnection& connection);

// Calls `predicate` every 10 ms until it returns true or `timeout` passes. Returns its last value.
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

// The pid of the process that logged "trace: serve 127.0.0.1:<client_port> pid=<pid>" on the
// server's stderr, waiting up to `timeout` for the line. Needs the server started with --trace.
std::optional<pid_t> serving_pid(const ServerProcess& server, std::uint16_t client_port,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Opens `count` connections and, round by round, sends each a piece of its own random payload
// (`bytes` in all per connection) and reads the echo back, so every connection is open and being
// served at the same time. Expects exact bytes (GoogleTest EXPECTs). Returns the connections,
// still open, so a test can go on with them (e.g. look up their serving pids).
std::vector<TestConnection> expect_concurrent_echo(std::uint16_t port, int count,
                                                   std::size_t bytes);

// A WebSocket handshake on /broadcast to a server started with --protocol http or websocket:
// expects "HTTP/1.1 501" and a body that names `architecture` (how a client learns that a
// process-per-connection design cannot broadcast).
void expect_broadcast_refused(std::uint16_t port, const std::string& architecture);

// `AFTER 20 t1` to a server started with --protocol timer: expects "FIRED t1\r\n" (a child's
// blocking driver wakes up for the session's deadline with no input).
void expect_timer_fires(std::uint16_t port);

// SIGTERM; expects exit status 0 within 2 s, every child seen just before to be gone (not
// running, not a zombie), and no child to have needed the SIGKILL safety net.
void expect_clean_stop(ServerProcess& server);

// voluntary_ctxt_switches of `pid` from /proc (how often it went to sleep and was woken).
std::optional<long> voluntary_context_switches(pid_t pid);

// How many times the idle process `pid` woke up during `window`: a loop that blocks with no
// timeout wakes 0 times, one with a 500 ms timeout about twice a second.
// Waits 200 ms first, so a process that just announced READY is asleep before counting starts.
long wakeups_while_idle(pid_t pid, std::chrono::milliseconds window);

// Waits until the server has exactly `count` live children (bounded); returns them.
std::set<pid_t> wait_for_children(const ServerProcess& server, std::size_t count,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace archbench::testing
