// ReactorThread: one of the master's R reactor threads (Swoole's "reactor thread").
//
// Each has its own epoll set holding:
//   - the clients the main thread handed it (it owns them for life: reads, framing, writes,
//     output buffers, back-pressure, heartbeat and keep-alive timeout, close);
//   - its end of every worker process's socketpair (one per worker incarnation);
//   - an eventfd the main thread rings after putting something in its inbox.
//
//   epoll_wait (timeout: next linger deadline / idle sweep / stop deadline)
//   -> inbox: adopt new clients and new worker channels, or begin the stop
//   -> client readable: recv -> splitter -> numbered requests -> a worker's channel buffer
//   -> worker channel readable: replies -> the client's reorder window -> its socket
//   -> timers: lingering closes, idle sweep (heartbeat, keep-alive timeout)
//   -> end of turn: one write per worker channel with everything queued for it this turn,
//      epoll interest updated for the clients touched, closed clients forgotten
//
// Dispatch and the worker-channel side live in reactor_dispatch.cc; this file is the loop and
// the client side.
//
// Thread-safety: hand_connection, hand_link and request_stop are safe from any thread (the main
// thread calls them); everything else runs on the reactor thread itself.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "protocols/http/response_writer.h"
#include "protocols/timer/timer_set.h"
#include "servers/reactor/client_connection.h"
#include "servers/reactor/dispatcher.h"
#include "servers/reactor/master_shared.h"
#include "servers/reactor/worker_link.h"

namespace archbench::reactor {

class ReactorThread final : public ConnectionHost {
 public:
  ReactorThread(int index, MasterShared& shared);
  ~ReactorThread() override;
  ReactorThread(const ReactorThread&) = delete;
  ReactorThread& operator=(const ReactorThread&) = delete;

  void start();
  void join();

  // From the main thread.
  void hand_connection(NewConnection connection);
  void hand_link(NewLink link);
  // Finish: read no more requests, answer those in flight, close every client by `deadline`.
  void request_stop(TimePoint deadline);

  // ConnectionHost (the reactor thread only).
  void send_request(ClientConnection& c, MessageType type, std::uint32_t seq,
                    std::string_view payload) override;
  void send_stream(ClientConnection& c, std::string_view bytes) override;
  void send_peer_closed(ClientConnection& c) override;
  void schedule(ClientConnection& c, TimePoint when) override;
  const Now& now() const override { return now_; }

 private:
  struct ClientEntry {
    std::unique_ptr<ClientConnection> connection;
    std::uint32_t interest = 0;
    bool touched = false;
  };
  struct Parked {
    std::uint64_t session;
    MessageType type;
    std::uint32_t seq;
    std::string payload;
  };

  // --- the loop and the client side (reactor_thread.cc) ---
  void run();
  void take_inbox();
  void adopt_connection(NewConnection connection);
  void on_client_event(ClientEntry& entry, std::uint32_t events);
  void touch(ClientConnection& c);
  void sync_touched();
  void forget(ClientEntry& entry);
  void fire_timers();
  void sweep_idle();
  void begin_stop();
  ClientEntry* find(std::uint64_t session);

  // --- worker channels and dispatch (reactor_dispatch.cc) ---
  void adopt_link(NewLink link);
  void on_link_event(WorkerLink& link, std::uint32_t events);
  void on_link_message(WorkerLink& link, const MessageHeader& header, std::string_view payload);
  void on_hello(WorkerLink& link, pid_t pid);
  void on_retiring(WorkerLink& link);
  void on_broadcast(std::string_view group, std::string_view encoded);
  // The process behind `link` is gone: close what it owed, move what it merely owned.
  void link_gone(WorkerLink& link, const std::string& why);
  void send_to(WorkerLink& link, MessageType type, std::uint64_t session, std::uint32_t seq,
               std::string_view payload, std::uint8_t flags = kFlagNone);
  // Chooses the connection's owner (the worker that sees its open/close events) and tells it.
  void assign_owner(ClientConnection& c, bool migrated);
  WorkerLink* choose_link(ClientConnection& c);
  // Sends now if a worker can take it; false when it must be parked.
  bool try_send_request(ClientConnection& c, MessageType type, std::uint32_t seq,
                        std::string_view payload);
  bool try_send_to_owner(ClientConnection& c, MessageType type, std::string_view bytes);
  WorkerLink* link(std::uint32_t id);
  void park(ClientConnection& c, MessageType type, std::uint32_t seq, std::string_view payload);
  void retry_parked();
  void flush_links();
  void update_available();

  const int index_;
  MasterShared& shared_;
  Dispatcher dispatcher_;
  http::ResponseWriter writer_;
  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: the inbox has something
  std::thread thread_;

  std::mutex inbox_mutex_;
  std::vector<NewConnection> inbox_connections_;
  std::vector<NewLink> inbox_links_;
  std::optional<TimePoint> inbox_stop_;

  Now now_;
  std::unordered_map<std::uint64_t, ClientEntry> clients_;
  std::vector<std::uint64_t> touched_;
  std::unordered_map<std::uint32_t, std::unique_ptr<WorkerLink>> links_;
  std::uint32_t next_link_id_ = 1;
  std::vector<WorkerLink*> active_by_slot_;  // the newest active incarnation of each slot
  std::vector<bool> available_;              // active_by_slot_[i] != nullptr
  std::vector<WorkerLink*> dirty_links_;
  std::vector<std::uint32_t> gone_links_;
  std::deque<Parked> parked_;
  std::vector<std::uint64_t> ownerless_;
  timer::TimerSet timers_;  // tag 0: idle sweep; otherwise a session's lingering close
  bool stopping_ = false;
  TimePoint stop_deadline_{};
};

}  // namespace archbench::reactor
