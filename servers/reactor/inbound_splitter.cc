#include "servers/reactor/inbound_splitter.h"

#include "protocols/framing/eof_framer.h"
#include "protocols/framing/eof_session.h"
#include "protocols/framing/length_framer.h"
#include "protocols/framing/length_session.h"
#include "protocols/http/request_clock.h"
#include "protocols/http/request_parser.h"
#include "protocols/websocket/upgrade.h"
#include "servers/reactor/request_codec.h"

namespace archbench::reactor {
namespace {

// Echo has no framing: each read is one message.
class EchoSplitter final : public InboundSplitter {
 public:
  void on_bytes(std::string_view data, FramingSink& sink) override {
    sink.dispatch(MessageType::kMessage, data);
  }
};

class EofSplitter final : public InboundSplitter {
 public:
  explicit EofSplitter(const ProtocolConfig& config)
      : framer_(config.package_eof, config.package_max_length) {}

  void on_bytes(std::string_view data, FramingSink& sink) override {
    if (done_) return;
    framer_.append(data);
    more_ = true;
    resume(sink);
  }

  void resume(FramingSink& sink) override {
    while (more_ && sink.has_room()) {
      const framing::EofFramer::Result result = framer_.next();
      switch (result.status) {
        case framing::EofFramer::Status::kMessage:
          sink.dispatch(MessageType::kMessage, result.message);
          break;
        case framing::EofFramer::Status::kNeedMore:
          more_ = false;
          break;
        case framing::EofFramer::Status::kTooLong:
          more_ = false;
          done_ = true;
          sink.fail(framing::describe_oversize_eof_message(framer_, result));
          break;
      }
    }
  }

  bool holding() const override { return more_; }
  bool done() const override { return done_; }

 private:
  framing::EofFramer framer_;
  bool more_ = false;  // the framer may hold complete messages not dispatched yet
  bool done_ = false;
};

class LengthSplitter final : public InboundSplitter {
 public:
  explicit LengthSplitter(const ProtocolConfig& config) : framer_(config.package_max_length) {}

  void on_bytes(std::string_view data, FramingSink& sink) override {
    if (done_) return;
    framer_.append(data);
    more_ = true;
    resume(sink);
  }

  void resume(FramingSink& sink) override {
    while (more_ && sink.has_room()) {
      const framing::LengthFramer::Result result = framer_.next();
      switch (result.status) {
        case framing::LengthFramer::Status::kFrame:
          sink.dispatch(MessageType::kMessage, result.frame);
          break;
        case framing::LengthFramer::Status::kNeedMore:
          more_ = false;
          break;
        case framing::LengthFramer::Status::kTooLong:
          more_ = false;
          done_ = true;
          sink.fail(framing::describe_oversize_length_frame(result, framer_.max_body_length()));
          break;
      }
    }
  }

  bool holding() const override { return more_; }
  bool done() const override { return done_; }

 private:
  framing::LengthFramer framer_;
  bool more_ = false;
  bool done_ = false;
};

// A pipe to the owner worker's session (timer from the start; WebSocket after the upgrade).
class StreamSplitter final : public InboundSplitter {
 public:
  void on_bytes(std::string_view data, FramingSink& sink) override { sink.stream(data); }
  bool streaming() const override { return true; }
};

// The header-section bound of the suite's HttpSession (431 above it).
constexpr std::size_t kMaxHeaderSection = 8192;

class HttpSplitter final : public InboundSplitter {
 public:
  HttpSplitter(const ProtocolConfig& config, http::ResponseWriter& writer, bool websocket_only)
      : parser_(limits_for(config)),
        request_clock_(config.header_timeout, config.body_timeout),
        writer_(writer),
        websocket_only_(websocket_only) {}

  void on_bytes(std::string_view data, FramingSink& sink) override {
    switch (state_) {
      case State::kStreaming:
        sink.stream(data);
        return;
      case State::kDone:
        return;  // not ours to answer any more (Connection: close, error)
      case State::kAwaitingUpgrade:
        kept_.append(data);  // for the WebSocket session, if the owner accepts
        return;
      case State::kRequests:
        break;
    }
    const TimePoint arrival = sink.now().steady;
    if (request_clock_.expired(arrival)) {
      on_deadline(sink);  // these bytes came too late to save the request
      return;
    }
    if (!kept_.empty()) {
      kept_.append(data);
      kept_arrival_ = arrival;
      resume(sink);
      return;
    }
    // The usual path: parse straight from the read buffer.
    const std::size_t used = parse(data, arrival, sink);
    if (used < data.size() && (state_ == State::kRequests || state_ == State::kAwaitingUpgrade)) {
      kept_.append(data.substr(used));
      kept_arrival_ = arrival;
    }
  }

  void resume(FramingSink& sink) override {
    if (state_ != State::kRequests) return;
    if (upgrade_waiting_) {
      if (!sink.nothing_owed()) return;
      dispatch_upgrade(sink);
    } else {
      const std::size_t used = parse(kept_, kept_arrival_, sink);
      kept_.erase(0, used);
    }
    if (state_ == State::kDone) kept_.clear();
  }

  bool holding() const override {
    if (state_ == State::kAwaitingUpgrade) return true;  // wait for the owner's verdict
    return state_ == State::kRequests && (upgrade_waiting_ || !kept_.empty());
  }
  bool done() const override { return state_ == State::kDone; }
  bool streaming() const override { return state_ == State::kStreaming; }
  bool between_requests() const override {
    return state_ == State::kRequests && !upgrade_waiting_ && kept_.empty() &&
           parser_.between_requests();
  }

  std::string on_upgraded() override {
    state_ = State::kStreaming;
    std::string handed_over;
    handed_over.swap(kept_);
    return handed_over;
  }

  std::optional<TimePoint> next_deadline() const override {
    return state_ == State::kRequests ? request_clock_.deadline() : std::nullopt;
  }

  // The header section, or the next body byte, did not arrive in time: 408 after the owed
  // replies, read no more.
  void on_deadline(FramingSink& sink) override {
    const Now& now = sink.now();
    if (state_ != State::kRequests || !request_clock_.expired(now.steady)) return;
    std::string log = request_clock_.describe(parser_, now.steady);
    std::string reply = request_clock_.timeout_reply_bytes(writer_, now.wall);
    request_clock_.stop();
    state_ = State::kDone;
    kept_.clear();
    sink.answer_and_close(std::move(reply), std::move(log));
  }

 private:
  enum class State { kRequests, kAwaitingUpgrade, kStreaming, kDone };

  static http::RequestLimits limits_for(const ProtocolConfig& config) {
    http::RequestLimits limits;
    limits.max_body = config.package_max_length;
    limits.max_header_section = kMaxHeaderSection;
    return limits;
  }

  // Parses and dispatches requests from `input` (which arrived at `arrival`) while there is
  // room; returns bytes consumed.
  std::size_t parse(std::string_view input, TimePoint arrival, FramingSink& sink) {
    std::size_t used = 0;
    while (state_ == State::kRequests && !upgrade_waiting_ && used < input.size() &&
           sink.has_room()) {
      const http::RequestParser::Result r = parser_.feed(input.substr(used));
      used += r.consumed;
      switch (r.status) {
        case http::RequestParser::Status::kNeedMore:
          request_clock_.after_need_more(parser_, arrival);
          // A 100 Continue must not overtake replies still owed to earlier requests.
          if (parser_.take_expect_continue() && sink.nothing_owed()) {
            std::string continue_line;
            http::ResponseWriter::write_continue(continue_line);
            sink.write_now(continue_line);
          }
          return used;
        case http::RequestParser::Status::kError:
          request_clock_.stop();
          answer_error(sink);
          return used;
        case http::RequestParser::Status::kComplete:
          request_clock_.stop();
          on_request(sink);
          break;
      }
    }
    return used;
  }

  void on_request(FramingSink& sink) {
    http::Request& request = parser_.request();
    if (websocket_only_ || websocket::is_upgrade_request(request)) {
      // The 101 must not overtake earlier replies, and everything after it belongs to the
      // WebSocket session: wait until nothing is owed, then let the owner decide.
      upgrade_waiting_ = true;
      if (sink.nothing_owed()) dispatch_upgrade(sink);
      return;
    }
    encoded_.clear();
    encode_request(request, encoded_);
    const bool last = !request.keep_alive;
    parser_.reset();
    sink.dispatch(MessageType::kHttpRequest, encoded_);
    if (last) state_ = State::kDone;  // the reply closes; nothing after it is read
  }

  void dispatch_upgrade(FramingSink& sink) {
    upgrade_waiting_ = false;
    encoded_.clear();
    encode_request(parser_.request(), encoded_);
    parser_.reset();
    state_ = State::kAwaitingUpgrade;
    sink.dispatch(MessageType::kUpgrade, encoded_);
  }

  // What HttpSession::on_parse_error answers, made here in the reactor thread.
  void answer_error(FramingSink& sink) {
    const http::ParseError& error = parser_.error();
    http::Response response;
    response.status = error.status;
    response.content_type = "text/plain";
    response.body.assign(error.reason);
    http::ResponseFraming framing;
    framing.close = true;
    std::string bytes;
    writer_.write(response, framing, sink.now().wall, bytes);
    state_ = State::kDone;
    sink.answer_and_close(std::move(bytes),
                          "http: " + std::to_string(error.status) + " " + std::string(error.reason));
  }

  http::RequestParser parser_;
  http::RequestClock request_clock_;
  http::ResponseWriter& writer_;
  const bool websocket_only_;
  State state_ = State::kRequests;
  bool upgrade_waiting_ = false;  // a parsed upgrade request waits for the replies owed before it
  std::string kept_;              // input not parsed yet
  TimePoint kept_arrival_{};      // when kept_ was last added to
  std::string encoded_;           // reused encoding buffer
};

}  // namespace

bool starts_streaming(Protocol protocol) { return protocol == Protocol::kTimer; }

std::unique_ptr<InboundSplitter> make_splitter(Protocol protocol, const ProtocolConfig& config,
                                               http::ResponseWriter& writer) {
  switch (protocol) {
    case Protocol::kEcho:
      return std::make_unique<EchoSplitter>();
    case Protocol::kEof:
      return std::make_unique<EofSplitter>(config);
    case Protocol::kLength:
      return std::make_unique<LengthSplitter>(config);
    case Protocol::kHttp:
      return std::make_unique<HttpSplitter>(config, writer, /*websocket_only=*/false);
    case Protocol::kWebSocket:
      return std::make_unique<HttpSplitter>(config, writer, /*websocket_only=*/true);
    case Protocol::kTimer:
      return std::make_unique<StreamSplitter>();
  }
  return nullptr;
}

}  // namespace archbench::reactor
