// A tiny in-process TCP server on 127.0.0.1:0 for the load generator's tests, with one
// behaviour chosen per instance: a misbehaviour the load generator must count (produced on
// purpose), canned replies, or the protocol suite's own Session (a correct server for every
// protocol). It runs its own Asio thread; the test drives run_load() against port().
//
// Thread-safety: construct and destroy on the test thread; the accessors are atomics and may be
// read while the server runs.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "protocols/session.h"

namespace archbench::load::testing {

enum class Behaviour {
  kEcho,        // every byte back
  kStallOnce,   // echo, but the whole server blocks once for `stall_for`, `stall_after` after the
                // first byte arrived (a GC pause, a disk hiccup)
  kCorruptOnce, // echo, but flips one byte of the reply to the `corrupt_read`-th read
  kReset,       // reads the first bytes, then resets the connection (RST, SO_LINGER 0)
  kSilent,      // reads and never answers
  kWrongBytes,  // answers every read with as many bytes of 'x'
  kCustom,      // answers with reply_for(bytes read) (a canned HTTP response, ...)
  kSession,     // a well-behaved server: the protocol suite's Session for `protocol`; with
                // protocol_config.can_broadcast, sessions on /broadcast form one group and
                // each message goes to every member, as a broadcasting architecture does
};

struct ServerConfig {
  Behaviour behaviour = Behaviour::kEcho;
  std::chrono::milliseconds stall_after{500};
  std::chrono::milliseconds stall_for{300};
  int corrupt_read = 100;
  // kCustom: given everything received so far on a connection that is not yet answered, the
  // bytes it used (0: wait for more), the reply, and whether to close after sending it.
  struct CannedReply {
    std::size_t used = 0;
    std::string bytes;
    bool close = false;
  };
  std::function<CannedReply(const std::string&)> reply_for;
  // kSession: which protocol, and its configuration.
  Protocol protocol = Protocol::kEcho;
  ProtocolConfig protocol_config;
  // kSession broadcast faults, for the client's verification. Deliveries to members other than
  // the sender are numbered from 1 over the whole server; 0 disables the fault.
  std::uint64_t drop_delivery = 0;       // this one is not sent
  std::uint64_t duplicate_delivery = 0;  // this one is sent twice
  // kSession websocket: after every n-th piece of output following the handshake, the server
  // also sends a ping (0: never). The session fails the connection on a bad pong.
  int ping_every = 0;
};

class TestServer {
 public:
  explicit TestServer(ServerConfig config);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint64_t connections_accepted() const { return accepted_.load(); }
  bool stalled() const { return stalled_.load(); }
  std::uint64_t pings_sent() const { return pings_.load(); }

  // Called by the sessions (on the server thread).
  const ServerConfig& config() const { return config_; }
  void count_ping() { ++pings_; }
  // The sessions of the broadcast group (server thread only).
  class Group;
  Group& group() { return *group_; }
  // The stall, when this read should trigger it (once per server).
  void maybe_stall();
  bool take_corrupt_turn();  // true exactly once: on the corrupt_read-th read of the server

 private:
  void accept_next();

  ServerConfig config_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<bool> stalled_{false};
  std::atomic<std::uint64_t> pings_{0};
  std::unique_ptr<Group> group_;
  bool first_byte_seen_ = false;
  std::chrono::steady_clock::time_point first_byte_at_{};
  int reads_ = 0;
};

// A loopback port with no listener (bound, then closed): connecting to it is refused.
std::uint16_t refused_port();

}  // namespace archbench::load::testing
