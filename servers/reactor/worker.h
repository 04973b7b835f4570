// Worker: one worker process (Swoole's "worker"). It runs the handlers: the protocol suite's
// sessions and HTTP application, on the complete requests reactor threads send it.
//
//   epoll_wait (timeout: the TimerSet's next deadline, the retire deadline)
//   -> a reactor channel: messages
//        kOpen / kClose           the connections it owns (their whole life, in every mode)
//        kMessage                 echo/eof/length: the suite's session, fed one whole message
//        kHttpRequest             http::Application -> ResponseWriter -> kReply (GET /sleep
//                                 waits on a timer; GET /task goes to a task worker)
//        kUpgrade                 websocket::upgrade; on 101 the WebSocket session lives here
//        kStreamData/kPeerClosed  the stateful sessions it owns (WebSocket, timer)
//   -> the result socket: task results (onFinish) -> the waiting HTTP reply
//   -> timers (one TimerSet): session deadlines (the timer protocol's AFTER/TICK run HERE, in
//      the worker, from this loop), deferred /sleep replies, task time-outs
//   -> end of turn: one write per reactor channel
//
// Retiring (max_request reached, SIGUSR1 reload from the manager, SIGTERM stop): the worker
// sends kRetiring on every channel and goes on working; each reactor answers kRetireAck after
// which it sends no new work, only data of the stateful sessions this worker owns. The worker
// exits once every reactor has acknowledged and nothing is owed (no deferred reply, no task in
// flight, no stateful session left), or when --max-wait-ms is over: then one log line names
// exactly what is dropped. So a retiring worker loses no request: everything dispatched to it
// before the reactors knew is still answered.
//
// Request handling is in worker_requests.cc; this file is the loop, channels and retiring.
//
// Thread-safety: a worker process is single-threaded; everything runs on its loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/http/application.h"
#include "protocols/http/request.h"
#include "protocols/http/response_writer.h"
#include "protocols/session.h"
#include "protocols/timer/timer_set.h"
#include "servers/core/unique_fd.h"
#include "servers/reactor/ipc_message.h"
#include "servers/reactor/reactor_options.h"

namespace archbench::reactor {

struct WorkerSetup {
  int slot = 0;
  std::uint32_t generation = 1;
  std::vector<UniqueFd> channels;  // index: reactor thread
  int task_queue = -1;             // the task queue's sending end; -1 without task workers
  int retire_notice = -1;          // pipe to the manager: "I am retiring, start my successor"
  std::uint64_t run_id = 0;        // names the result sockets of this run
  Protocol protocol = Protocol::kEcho;
  const ProtocolConfig* config = nullptr;
  const ReactorOptions* options = nullptr;
};

class Worker {
 public:
  explicit Worker(WorkerSetup setup);
  // The worker's life; returns its exit code.
  int run();

 private:
  struct Channel {
    UniqueFd fd;
    MessageReader in;
    MessageWriter out;
    std::uint32_t interest = 0;
    bool acked = false;  // sent kRetireAck: no new work from this reactor
    bool eof = false;
  };
  struct Stateful {
    int reactor = 0;
    std::unique_ptr<Session> session;
    std::string group;  // as last reported with kJoin
    timer::TimerId timer = timer::kNoTimer;
    std::optional<TimePoint> deadline;
    bool closed = false;  // the session asked to close; waiting for kClose
  };
  struct Deferred {  // a /sleep reply waiting for its time
    int reactor;
    std::uint64_t session;
    std::uint32_t seq;
    http::Response response;
    http::ResponseFraming framing;
  };
  struct PendingTask {  // a /task request waiting for its result
    int reactor;
    std::uint64_t session;
    std::uint32_t seq;
    http::ResponseFraming framing;
    std::uint32_t ms;
    timer::TimerId timeout;
  };

  // TimerSet tags: a session id (stateful deadline), or one of these ranges.
  static constexpr std::uint64_t kDeferredTag = std::uint64_t{1} << 61;  // | deferred reply number
  static constexpr std::uint64_t kTaskTag = std::uint64_t{1} << 62;      // | task id

  // --- loop, channels, retiring (worker.cc) ---
  void on_channel_event(int reactor, std::uint32_t events);
  void flush_channels();
  void send(int reactor, MessageType type, std::uint64_t session, std::uint32_t seq,
            std::string_view payload, std::uint8_t flags = kFlagNone, std::uint32_t extra = 0);
  void begin_retiring(const std::string& why, std::chrono::milliseconds max_wait, bool stop);
  bool may_exit() const;
  void log_dropped_on_exit();
  void final_flush();
  void fire_timers();

  // --- requests (worker_requests.cc) ---
  void on_message(int reactor, const MessageHeader& header, std::string_view payload);
  void count_request();
  void on_open(int reactor, std::uint64_t session, std::string_view peer, bool migrated);
  void on_close(std::uint64_t session);
  void on_framed_message(int reactor, const MessageHeader& header, std::string_view payload);
  void on_http_request(int reactor, const MessageHeader& header, std::string_view payload);
  void on_upgrade(int reactor, const MessageHeader& header, std::string_view payload);
  void on_stream(const MessageHeader& header, std::string_view payload);
  // Sends what a stateful session produced (output, join, broadcasts) and reschedules its timer.
  void emit(std::uint64_t session, Stateful& state);
  void start_task(int reactor, const MessageHeader& header, const http::Request& request,
                  const http::ResponseFraming& framing);
  void on_task_results();
  void finish_task(std::uint64_t task_id, int status, std::string body);
  void reply_http(int reactor, std::uint64_t session, std::uint32_t seq,
                  const http::Response& response, const http::ResponseFraming& framing);
  void trace_request(std::uint64_t session, std::uint32_t seq, std::string_view what);

  WorkerSetup setup_;
  const ProtocolConfig& config_;
  const ReactorOptions& options_;
  const pid_t pid_;
  std::vector<Channel> channels_;
  std::vector<int> dirty_;
  UniqueFd epoll_;
  UniqueFd result_socket_;
  Now now_;

  std::unique_ptr<Session> framed_session_;  // echo/eof/length, fed one whole message at a time
  http::Application app_;
  http::ResponseWriter writer_;
  http::Request request_;  // reused decoding target
  SessionOutput out_;      // reused session output
  std::string reply_;      // reused reply buffer

  std::unordered_map<std::uint64_t, std::string> owned_;  // session -> peer
  std::unordered_map<std::uint64_t, Stateful> sessions_;
  timer::TimerSet timers_;
  std::unordered_map<std::uint64_t, Deferred> deferred_;  // by timer tag (kDeferredTag | n)
  std::unordered_map<std::uint64_t, PendingTask> tasks_;  // by task id
  std::uint64_t next_tag_ = 1;
  std::uint64_t next_task_id_ = 1;

  long handled_ = 0;
  bool retiring_ = false;
  bool stopping_ = false;
  TimePoint retire_deadline_{};
};

// The body of a worker process (fork_child's body).
int run_worker(WorkerSetup setup);

}  // namespace archbench::reactor
