#include "protocols/http/http_session.h"

#include <utility>

#include "protocols/websocket/upgrade.h"

namespace archbench::http {
namespace {

constexpr std::size_t kMaxHeaderSection = 8192;

RequestLimits limits_for(const ProtocolConfig& config) {
  RequestLimits limits;
  limits.max_body = config.package_max_length;
  limits.max_header_section = kMaxHeaderSection;
  return limits;
}

}  // namespace

HttpSession::HttpSession(const ProtocolConfig& config, bool websocket_only, TimePoint opened)
    : config_(config),
      websocket_only_(websocket_only),
      max_unread_(config.package_max_length + kMaxHeaderSection),
      parser_(limits_for(config)),
      request_clock_(config.header_timeout, config.body_timeout),
      app_(config),
      writer_(config.server_name),
      idle_since_(opened) {}

void HttpSession::on_bytes(std::string_view data, const Now& now, SessionOutput& out) {
  if (upgraded_) {
    upgraded_->on_bytes(data, now, out);
    return;
  }
  if (closing_ || (reading_done_ && !upgrade_pending_)) return;  // nothing more is read
  if (request_clock_.expired(now.steady)) {
    on_read_timeout(now, out);  // these bytes came too late to save the request
    return;
  }
  if (!unread_.empty()) {
    keep_unread(data, now, out);
    return;
  }
  // The usual path: parse straight from the driver's buffer.
  std::size_t used = consume(data, now.steady, now, out);
  std::string_view rest = data.substr(used);
  if (rest.empty()) return;
  if (upgraded_) {
    upgraded_->on_bytes(rest, now, out);  // bytes that came with the handshake
    return;
  }
  if (closing_ || (reading_done_ && !upgrade_pending_)) return;
  keep_unread(rest, now, out);
}

void HttpSession::keep_unread(std::string_view rest, const Now& now, SessionOutput& out) {
  if (unread_.size() + rest.size() <= max_unread_) {
    unread_.append(rest);
    unread_arrival_ = now.steady;
    return;
  }
  // The client keeps pipelining while replies are owed: stop reading, answer what was parsed,
  // then a 503 for the rest.
  unread_.clear();
  unread_.shrink_to_fit();
  reading_done_ = true;
  out.log = "http: pipelining backlog over " + std::to_string(max_unread_) +
            " bytes; closing after the owed replies";
  if (upgrade_pending_) {
    // The handshake reply is owed, but the WebSocket side will not get this flood.
    queue_.back().upgrade.reset();
    queue_.back().framing.close = true;
    upgrade_pending_ = false;
    return;
  }
  Pending busy;
  busy.response.status = 503;
  busy.response.content_type = "text/plain";
  busy.response.body = "pipelining backlog too deep";
  busy.framing.close = true;
  deliver(std::move(busy), now, out);
}

bool HttpSession::backlog_full() const {
  return queue_.size() >= kMaxQueuedReplies || queued_body_bytes_ >= kMaxQueuedBodyBytes;
}

std::size_t HttpSession::consume(std::string_view input, TimePoint arrival, const Now& now,
                                 SessionOutput& out) {
  std::size_t used = 0;
  while (!reading_done_ && used < input.size() && !backlog_full()) {
    RequestParser::Result r = parser_.feed(input.substr(used));
    used += r.consumed;
    switch (r.status) {
      case RequestParser::Status::kNeedMore:
        // A half-closed peer can never complete the request: no clock for it.
        if (!peer_closed_) request_clock_.after_need_more(parser_, arrival);
        // A 100 Continue must not overtake replies still owed to earlier requests; without
        // it the client sends the body after its own timeout anyway.
        if (parser_.take_expect_continue() && queue_.empty()) {
          ResponseWriter::write_continue(out.bytes);
        }
        return used;
      case RequestParser::Status::kError:
        request_clock_.stop();
        on_parse_error(now, out);
        return used;
      case RequestParser::Status::kComplete:
        request_clock_.stop();
        on_request(now, out);
        parser_.reset();
        break;
    }
  }
  return used;
}

void HttpSession::on_parse_error(const Now& now, SessionOutput& out) {
  const ParseError& error = parser_.error();
  Pending reply;
  reply.response.status = error.status;
  reply.response.content_type = "text/plain";
  reply.response.body.assign(error.reason);
  reply.framing.close = true;
  out.log = "http: " + std::to_string(error.status) + " " + std::string(error.reason);
  reading_done_ = true;
  deliver(std::move(reply), now, out);
}

void HttpSession::on_read_timeout(const Now& now, SessionOutput& out) {
  out.log = request_clock_.describe(parser_, now.steady);
  Pending reply;
  reply.response = request_clock_.timeout_response();
  request_clock_.stop();
  reading_done_ = true;
  reply.framing.close = true;
  deliver(std::move(reply), now, out);
}

void HttpSession::on_request(const Now& now, SessionOutput& out) {
  const Request& request = parser_.request();
  Pending reply;
  reply.framing.version_minor = request.version_minor;
  if (websocket_only_ || websocket::is_upgrade_request(request)) {
    websocket::UpgradeResult result = websocket::upgrade(request, config_);
    reply.response.status = result.status;
    reply.framing.head = request.method == "HEAD";  // a refused HEAD upgrade gets no body either
    reply.response.headers = std::move(result.headers);
    reply.response.body = std::move(result.body);
    if (!reply.response.body.empty()) reply.response.content_type = "text/plain";
    reading_done_ = true;  // either the WebSocket session reads on, or we close
    if (result.status == 101 && result.session) {
      reply.upgrade = std::move(result.session);
    } else {
      reply.framing.close = true;
    }
    deliver(std::move(reply), now, out);
    return;
  }
  Reply answer = app_.handle(request, now);
  reply.response = std::move(answer.response);
  reply.due = answer.due;
  reply.framing.head = request.method == "HEAD";
  reply.framing.close = answer.close || !request.keep_alive;
  if (answer.close && reply.response.status >= 400) {
    out.log = "http: " + std::to_string(reply.response.status) + " for " + request.method + " " +
              request.target + "; closing";
  }
  if (reply.framing.close) reading_done_ = true;
  deliver(std::move(reply), now, out);
}

void HttpSession::deliver(Pending pending, const Now& now, SessionOutput& out) {
  if (queue_.empty() && !pending.due) {
    write_now(pending, now, out);
    return;
  }
  if (pending.upgrade) upgrade_pending_ = true;
  queued_body_bytes_ += pending.response.body.size();
  queue_.push_back(std::move(pending));
}

void HttpSession::write_now(Pending& pending, const Now& now, SessionOutput& out) {
  writer_.write(pending.response, pending.framing, now.wall, out.bytes);
  idle_since_ = now.steady;
  if (pending.framing.close) {
    out.close = true;
    closing_ = true;
  }
  if (pending.upgrade) {
    upgraded_ = std::move(pending.upgrade);
    upgrade_pending_ = false;
  }
}

void HttpSession::drain(const Now& now, SessionOutput& out) {
  while (true) {
    // Flush the replies whose time has come, in order.
    while (!queue_.empty() && !closing_ && !upgraded_ &&
           (!queue_.front().due || *queue_.front().due <= now.steady)) {
      Pending front = std::move(queue_.front());
      queue_.pop_front();
      queued_body_bytes_ -= front.response.body.size();
      write_now(front, now, out);
    }
    if (closing_) return;
    if (upgraded_) {
      if (!unread_.empty()) {
        std::string handed_over = std::move(unread_);
        unread_.clear();
        upgraded_->on_bytes(handed_over, now, out);
      }
      return;
    }
    // Parse input kept back while the backlog was full.
    if (unread_.empty() || reading_done_ || backlog_full()) break;
    std::size_t used = consume(unread_, unread_arrival_, now, out);
    unread_.erase(0, used);
    if (upgraded_) continue;  // hand the rest over (loop body above)
    if (reading_done_ && !upgrade_pending_) unread_.clear();
    if (used == 0) break;
  }
  if (peer_closed_ && queue_.empty() && !closing_) {
    out.close = true;
    closing_ = true;
  }
}

void HttpSession::on_peer_closed(const Now& now, SessionOutput& out) {
  if (upgraded_) {
    upgraded_->on_peer_closed(now, out);
    return;
  }
  peer_closed_ = true;
  request_clock_.stop();
  drain(now, out);
}

bool HttpSession::waiting_between_requests() const {
  return config_.keepalive_timeout.count() > 0 && !closing_ && !upgraded_ && !reading_done_ &&
         !peer_closed_ && queue_.empty() && unread_.empty() && parser_.between_requests();
}

std::optional<TimePoint> HttpSession::next_deadline() const {
  if (upgraded_) return upgraded_->next_deadline();
  if (closing_) return std::nullopt;
  // Between requests no header clock runs and nothing is queued: the keep-alive clock alone.
  if (waiting_between_requests()) return idle_since_ + config_.keepalive_timeout;
  const std::optional<TimePoint>& request = request_clock_.deadline();
  if (queue_.empty()) return request;
  // The head of the queue is always a deferred reply: anything ready is flushed at once.
  const TimePoint reply = queue_.front().due.value_or(TimePoint::min());
  return request && *request < reply ? *request : reply;
}

void HttpSession::on_deadline(const Now& now, SessionOutput& out) {
  if (upgraded_) {
    upgraded_->on_deadline(now, out);
    return;
  }
  drain(now, out);
  if (!closing_ && !upgraded_ && request_clock_.expired(now.steady)) on_read_timeout(now, out);
  if (waiting_between_requests() && idle_since_ + config_.keepalive_timeout <= now.steady) {
    // Idle for the whole keep-alive time: close quietly (nothing is owed, nothing is lost).
    reading_done_ = true;
    closing_ = true;
    out.close = true;
  }
}

std::string_view HttpSession::broadcast_group() const {
  return upgraded_ ? upgraded_->broadcast_group() : std::string_view();
}

void HttpSession::on_broadcast(std::string_view encoded, SessionOutput& out) {
  if (upgraded_) upgraded_->on_broadcast(encoded, out);
}

std::unique_ptr<Session> make_http_session(const ProtocolConfig& config, bool websocket_only,
                                           TimePoint opened) {
  return std::make_unique<HttpSession>(config, websocket_only, opened);
}

}  // namespace archbench::http
