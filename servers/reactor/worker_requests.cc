// What a worker does with each message from a reactor thread: the handler half of every protocol.
// The bytes of every reply come from the protocol suite's own code (sessions, Application,
// ResponseWriter, websocket::upgrade); this file only routes.
#include <charconv>
#include <cstring>

#include "protocols/http/query.h"
#include "protocols/websocket/upgrade.h"
#include "servers/core/server_log.h"
#include "servers/reactor/request_codec.h"
#include "servers/reactor/task_ipc.h"
#include "servers/reactor/worker.h"

namespace archbench::reactor {
namespace {

// GET /task?ms=N: the same bound as /sleep.
constexpr std::size_t kMaxTaskMs = http::Application::kMaxSleepMs;
// A task with no result this long after it should have finished is answered 504 (the manager
// normally reports a lost task at once; this covers a task worker killed before it said which
// job it took).
constexpr std::chrono::milliseconds kTaskGrace{10000};

http::Response text_response(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

std::optional<std::size_t> task_ms(const http::Request& request) {
  const http::NameValues query = http::parse_query(request.query);
  const std::string* text = http::find_value(query, "ms");
  if (text == nullptr || text->empty()) return std::nullopt;
  std::size_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value > kMaxTaskMs) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

void Worker::on_message(int reactor, const MessageHeader& h, std::string_view payload) {
  switch (h.type) {
    case MessageType::kOpen:
      on_open(reactor, h.session, payload, (h.flags & kFlagMigrated) != 0);
      return;
    case MessageType::kClose:
      on_close(h.session);
      return;
    case MessageType::kMessage:
      on_framed_message(reactor, h, payload);
      return;
    case MessageType::kHttpRequest:
      on_http_request(reactor, h, payload);
      return;
    case MessageType::kUpgrade:
      on_upgrade(reactor, h, payload);
      return;
    case MessageType::kStreamData:
    case MessageType::kPeerClosed:
      on_stream(h, payload);
      return;
    case MessageType::kRetireAck:
      channels_[reactor].acked = true;
      return;
    default:
      log_line("worker: unexpected " + std::string(message_type_name(h.type)) + " message");
      return;
  }
}

void Worker::count_request() {
  ++handled_;
  if (options_.max_request > 0 && handled_ >= options_.max_request && !retiring_) {
    begin_retiring("served " + std::to_string(handled_) + " requests, --max-request " +
                       std::to_string(options_.max_request),
                   std::chrono::milliseconds(options_.max_wait_ms), /*stop=*/false);
  }
}

void Worker::trace_request(std::uint64_t session, std::uint32_t seq, std::string_view what) {
  if (!trace_enabled()) return;
  trace_connection(what, "session=" + std::to_string(session) + " seq=" + std::to_string(seq) +
                             " worker=" + std::to_string(setup_.slot));
}

void Worker::on_open(int reactor, std::uint64_t session, std::string_view peer, bool migrated) {
  owned_[session] = std::string(peer);
  trace_connection(migrated ? "adopt" : "open", std::string(peer) + " session=" +
                                                    std::to_string(session) +
                                                    " worker=" + std::to_string(setup_.slot));
  if (setup_.protocol == Protocol::kTimer) {
    // The timer protocol's state (its timers) lives here from the first byte.
    Stateful& state = sessions_[session];
    state.reactor = reactor;
    state.session = make_session(Protocol::kTimer, config_, Clock::now());
  }
}

void Worker::on_close(std::uint64_t session) {
  if (trace_enabled()) {
    auto peer = owned_.find(session);
    trace_connection("close", (peer != owned_.end() ? peer->second + " " : std::string()) +
                                  "session=" + std::to_string(session) +
                                  " worker=" + std::to_string(setup_.slot));
  }
  owned_.erase(session);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  if (it->second.timer != timer::kNoTimer) timers_.cancel(it->second.timer);
  sessions_.erase(it);
}

// echo/eof/length: the reactor framed one complete message; the suite's session, fed exactly that
// message, answers it (the same bytes) and keeps no state between messages.
void Worker::on_framed_message(int reactor, const MessageHeader& h, std::string_view payload) {
  count_request();
  trace_request(h.session, h.seq, "request");
  framed_session_->on_bytes(payload, now_, out_);
  if (!out_.log.empty()) log_line("session " + std::to_string(h.session) + ": " + out_.log);
  send(reactor, MessageType::kReply, h.session, h.seq, out_.bytes, out_.close ? kFlagClose : kFlagNone);
  out_.clear();
}

void Worker::on_http_request(int reactor, const MessageHeader& h, std::string_view payload) {
  count_request();
  trace_request(h.session, h.seq, "request");
  if (!decode_request(payload, request_)) {
    log_line("worker: undecodable request from reactor " + std::to_string(reactor));
    send(reactor, MessageType::kReply, h.session, h.seq, {}, kFlagClose);
    return;
  }
  http::ResponseFraming framing;
  framing.version_minor = request_.version_minor;
  framing.head = request_.method == "HEAD";
  if (request_.path == "/task") {
    framing.close = !request_.keep_alive;
    start_task(reactor, h, request_, framing);
    return;
  }
  http::Reply answer = app_.handle(request_, now_);
  framing.close = answer.close || !request_.keep_alive;
  if (answer.close && answer.response.status >= 400) {
    log_line("session " + std::to_string(h.session) + ": http: " +
             std::to_string(answer.response.status) + " for " + request_.method + " " +
             request_.target + "; closing");
  }
  if (answer.due && *answer.due > now_.steady) {
    // GET /sleep: answered from this worker's timer later; the worker serves others meanwhile.
    const std::uint64_t tag = kDeferredTag | next_tag_++;
    deferred_.emplace(tag, Deferred{reactor, h.session, h.seq, std::move(answer.response), framing});
    timers_.after(now_.steady, *answer.due - now_.steady, tag);
    return;
  }
  reply_http(reactor, h.session, h.seq, answer.response, framing);
}

void Worker::reply_http(int reactor, std::uint64_t session, std::uint32_t seq,
                        const http::Response& response, const http::ResponseFraming& framing) {
  reply_.clear();
  writer_.write(response, framing, now_.wall, reply_);
  send(reactor, MessageType::kReply, session, seq, reply_, framing.close ? kFlagClose : kFlagNone);
}

void Worker::on_upgrade(int reactor, const MessageHeader& h, std::string_view payload) {
  count_request();
  trace_request(h.session, h.seq, "upgrade");
  if (!decode_request(payload, request_)) {
    send(reactor, MessageType::kReply, h.session, h.seq, {}, kFlagClose);
    return;
  }
  websocket::UpgradeResult result = websocket::upgrade(request_, config_);
  http::Response response;
  response.status = result.status;
  response.headers = std::move(result.headers);
  response.body = std::move(result.body);
  if (!response.body.empty()) response.content_type = "text/plain";
  http::ResponseFraming framing;
  framing.version_minor = request_.version_minor;
  // A refused upgrade sent as HEAD (websocket::upgrade wants GET) is still a HEAD: no body.
  framing.head = request_.method == "HEAD";
  framing.close = result.status != 101 || !result.session;
  reply_.clear();
  writer_.write(response, framing, now_.wall, reply_);
  if (framing.close) {
    send(reactor, MessageType::kReply, h.session, h.seq, reply_, kFlagClose);
    return;
  }
  send(reactor, MessageType::kReply, h.session, h.seq, reply_, kFlagUpgraded);
  Stateful& state = sessions_[h.session];
  state.reactor = reactor;
  state.session = std::move(result.session);
  emit(h.session, state);  // reports its broadcast group, if any
}

void Worker::on_stream(const MessageHeader& h, std::string_view payload) {
  auto it = sessions_.find(h.session);
  if (it == sessions_.end() || it->second.closed) return;  // already closed here
  Stateful& state = it->second;
  if (h.type == MessageType::kPeerClosed) {
    state.session->on_peer_closed(now_, out_);
  } else {
    // Not counted for --max-request: a session's bytes are not requests (its upgrade was).
    trace_request(h.session, 0, "data");
    state.session->on_bytes(payload, now_, out_);
  }
  emit(h.session, state);
}

void Worker::emit(std::uint64_t session, Stateful& state) {
  if (!out_.log.empty()) log_line("session " + std::to_string(session) + ": " + out_.log);
  // Membership first: a member that broadcasts in the same call must receive its own message.
  const std::string_view group = state.session->broadcast_group();
  if (group != state.group) {
    state.group.assign(group);
    send(state.reactor, MessageType::kJoin, session, 0, group);
  }
  if (!out_.bytes.empty() || out_.close) {
    send(state.reactor, MessageType::kStreamOut, session, 0, out_.bytes,
         out_.close ? kFlagClose : kFlagNone);
  }
  for (const std::string& encoded : out_.broadcasts) {
    // Every reactor thread delivers to the members it owns, whichever worker owns them.
    std::string payload = state.group;
    payload += encoded;
    for (std::size_t r = 0; r < channels_.size(); ++r) {
      send(static_cast<int>(r), MessageType::kBroadcast, session, 0, payload, kFlagNone,
           static_cast<std::uint32_t>(state.group.size()));
    }
  }
  if (out_.close) state.closed = true;
  out_.clear();
  // The session's next deadline drives this worker's TimerSet (the timer protocol's AFTER/TICK).
  const std::optional<TimePoint> next = state.closed ? std::nullopt : state.session->next_deadline();
  if (next != state.deadline) {
    if (state.timer != timer::kNoTimer) timers_.cancel(state.timer);
    state.timer = next ? timers_.after(now_.steady, *next - now_.steady, session) : timer::kNoTimer;
    state.deadline = next;
  }
}

// GET /task?ms=N: onTask in a task worker, onFinish here; the worker keeps serving meanwhile.
void Worker::start_task(int reactor, const MessageHeader& h, const http::Request& request,
                        const http::ResponseFraming& framing) {
  std::optional<std::size_t> ms = task_ms(request);
  if (!ms) {
    http::ResponseFraming closing = framing;
    closing.close = true;
    reply_http(reactor, h.session, h.seq,
               text_response(400, "ms must be a decimal number from 0 to " +
                                      std::to_string(kMaxTaskMs)),
               closing);
    return;
  }
  if (setup_.task_queue < 0) {
    reply_http(reactor, h.session, h.seq,
               text_response(503, "no task workers: the server runs with --task-workers 0\n"),
               framing);
    return;
  }
  if (tasks_.size() >= static_cast<std::size_t>(options_.task_max_pending)) {
    reply_http(reactor, h.session, h.seq,
               text_response(503, "task queue full: this worker already has " +
                                      std::to_string(tasks_.size()) +
                                      " tasks pending (--task-max-pending " +
                                      std::to_string(options_.task_max_pending) +
                                      "); try again later\n"),
               framing);
    return;
  }
  TaskJob job;
  job.task_id = next_task_id_++;
  job.worker_pid = pid_;
  job.ms = static_cast<std::uint32_t>(*ms);
  if (!enqueue_task(setup_.task_queue, job)) {
    reply_http(reactor, h.session, h.seq,
               text_response(503, std::string("task queue full: the shared queue to the task "
                                              "workers takes no more jobs (") +
                                      std::strerror(errno) + "); try again later\n"),
               framing);
    return;
  }
  const timer::TimerId timeout = timers_.after(
      now_.steady, std::chrono::milliseconds(*ms) + kTaskGrace, kTaskTag | job.task_id);
  tasks_.emplace(job.task_id, PendingTask{reactor, h.session, h.seq, framing, job.ms, timeout});
}

void Worker::on_task_results() {
  TaskResult result;
  while (receive_result(result_socket_.get(), result)) {
    if (tasks_.count(result.task_id) == 0) continue;  // timed out already
    if (result.status == TaskResult::kDone) {
      finish_task(result.task_id, 200,
                  "task " + std::to_string(result.task_id) + " done: worked " +
                      std::to_string(result.worked_ms) + " ms in task worker pid " +
                      std::to_string(result.task_worker_pid) + "\n");
    } else {
      finish_task(result.task_id, 503,
                  "task " + std::to_string(result.task_id) + " was dropped: its task worker (pid " +
                      std::to_string(result.task_worker_pid) + ") was stopped before finishing\n");
    }
  }
}

void Worker::finish_task(std::uint64_t task_id, int status, std::string body) {
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) return;
  PendingTask task = it->second;
  tasks_.erase(it);
  timers_.cancel(task.timeout);
  reply_http(task.reactor, task.session, task.seq, text_response(status, std::move(body)),
             task.framing);
}

}  // namespace archbench::reactor
