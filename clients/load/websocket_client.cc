#include "clients/load/websocket_client.h"

#include <cstring>
#include <optional>
#include <random>

#include "clients/load/broadcast_message.h"
#include "clients/load/payload.h"
#include "protocols/framing/printable_bytes.h"
#include "protocols/http/response_parser.h"
#include "protocols/websocket/frame.h"
#include "protocols/websocket/handshake.h"

namespace archbench::load {
namespace {

using websocket::Opcode;

// How much of a refusal's reason the report keeps.
constexpr std::size_t kShownReason = 200;

class WebSocketClient final : public ProtocolClient {
 public:
  WebSocketClient(const Options& o, std::uint64_t connection_index)
      : host_(o.host.find(':') != std::string::npos ? "[" + o.host + "]:" + std::to_string(o.port)
                                                    : o.host + ":" + std::to_string(o.port)),
        path_(o.path),
        opcode_(o.ws_binary ? Opcode::kBinary : Opcode::kText),
        broadcast_(o.broadcast()),
        index_(static_cast<std::uint32_t>(connection_index)),
        members_(static_cast<std::uint32_t>(o.connections)),
        // Echo mode sends the same payload again and again; broadcast mode builds each message
        // from its tag and the shared filler.
        payload_(broadcast_ ? std::string()
                 : o.ws_binary ? random_bytes(o.message_size, o.seed, connection_index)
                               : random_text(o.message_size, o.seed, connection_index)),
        tagged_(broadcast_ ? std::optional<BroadcastPayload>(
                                 std::in_place, o.message_size, o.ws_binary, o.seed)
                           : std::nullopt),
        // Keys and masks need not be secret here, only different per connection and frame.
        random_(o.seed * 0x9e3779b97f4a7c15ull + connection_index),
        max_message_(std::max<std::size_t>(o.message_size, websocket::kMaxControlPayload)) {
    reset();
  }

  bool start(std::string& out) override {
    std::array<std::uint8_t, 16> nonce;
    for (auto& b : nonce) b = static_cast<std::uint8_t>(random_());
    key_ = websocket::encode_key(nonce);
    out += websocket::build_client_handshake(host_, path_, key_);
    return true;
  }

  void append_request(std::string& out) override {
    std::string_view message = payload_;
    if (broadcast_) {
      tagged_->build({index_, ++sent_}, outgoing_);
      message = outgoing_;
    }
    websocket::append_frame(out, opcode_, message, /*fin=*/true, next_mask());
  }

  void take_output(std::string& out) override {
    out.append(control_out_);
    control_out_.clear();
  }

  ParseStep consume(std::string_view data, ReplyVerdict& verdict) override {
    if (!handshake_done_) return consume_handshake(data, verdict);
    const std::size_t size_before = data.size();
    for (;;) {
      const websocket::DecodeStatus status = decoder_->decode(data);
      const std::size_t used = size_before - data.size();
      if (status == websocket::DecodeStatus::kNeedMore) return {ParseStep::Event::kNeedMore, used};
      if (status == websocket::DecodeStatus::kError) {
        wrong(verdict, "a valid server frame",
              "close " + std::to_string(decoder_->error().close_code) + ": " +
                  decoder_->error().reason);
        return {ParseStep::Event::kReply, size_before};
      }
      const websocket::Frame& frame = decoder_->frame();
      if (frame.opcode == Opcode::kPing) {
        // Answered even in the middle of a fragmented message (RFC 6455 5.4, 5.5.2).
        websocket::append_frame(control_out_, Opcode::kPong, frame.payload, true, next_mask());
        return {ParseStep::Event::kPing, used};
      }
      if (frame.opcode == Opcode::kPong) continue;
      if (frame.opcode == Opcode::kClose) {
        wrong(verdict, broadcast_ ? "broadcast messages" : "an echoed message",
              "a close frame from the server");
        return {ParseStep::Event::kReply, used};
      }
      if (frame.message_opcode != opcode_ && !mismatch_) {
        mismatch_ = "opcode " + std::to_string(static_cast<int>(frame.message_opcode));
      }
      take(frame.payload);
      if (!frame.fin) continue;
      judge(verdict);
      return {ParseStep::Event::kReply, used};
    }
  }

  void reset() override {
    handshake_done_ = false;
    parser_.reset();
    decoder_.emplace(websocket::Role::kClient, max_message_);
    control_out_.clear();
    start_message();
  }

 private:
  websocket::MaskingKey next_mask() {
    const std::uint64_t bits = random_();
    websocket::MaskingKey mask;
    std::memcpy(mask.data(), &bits, mask.size());
    return mask;
  }

  ParseStep consume_handshake(std::string_view data, ReplyVerdict& verdict) {
    const http::ResponseParser::Result result = parser_.feed(data);
    if (result.status == http::ResponseParser::Status::kNeedMore) {
      return {ParseStep::Event::kNeedMore, result.consumed};
    }
    if (result.status == http::ResponseParser::Status::kComplete && broadcast_ &&
        parser_.response().status == 501) {
      const std::string& reason = parser_.response().body;
      verdict.kind = ReplyVerdict::Kind::kUnsupported;
      verdict.expected = "101 Switching Protocols on " + path_;
      verdict.got = reason.empty() ? "501 without a reason"
                                   : framing::printable_bytes(reason, kShownReason);
      return {ParseStep::Event::kHandshake, result.consumed};
    }
    const http::ParsedResponse& response = parser_.response();
    std::string problem =
        result.status == http::ResponseParser::Status::kError
            ? "unparsable response (" + std::string(parser_.error().reason) + ")"
            : websocket::verify_server_handshake(response.status, response.headers, key_);
    if (problem.empty()) {
      verdict.kind = ReplyVerdict::Kind::kOk;
      handshake_done_ = true;
    } else {
      wrong(verdict, "101 Switching Protocols with the right Sec-WebSocket-Accept", problem);
    }
    return {ParseStep::Event::kHandshake, result.consumed};
  }

  std::size_t expected_size() const {
    return broadcast_ ? tagged_->message_size() : payload_.size();
  }
  // Bytes of a message before the part compared with expected_: the tag in broadcast mode.
  std::size_t prefix() const { return broadcast_ ? kBroadcastTagSize : 0; }

  void start_message() {
    matched_ = 0;
    mismatch_.reset();
    tag_text_.clear();
    tag_.reset();
    expected_ = broadcast_ ? std::string_view() : std::string_view(payload_);
  }

  // Compares the next piece of the current message with what it should be, without buffering
  // more than the tag.
  void take(std::string_view piece) {
    if (broadcast_ && matched_ < kBroadcastTagSize) {
      const std::size_t n = std::min(piece.size(), kBroadcastTagSize - matched_);
      tag_text_.append(piece.substr(0, n));
      matched_ += n;
      piece.remove_prefix(n);
      if (matched_ == kBroadcastTagSize) read_tag();
    }
    if (piece.empty()) return;
    const std::size_t at = matched_ - prefix();
    if (!mismatch_) {
      if (at + piece.size() > expected_.size()) {
        mismatch_ = "more than " + std::to_string(expected_size()) + " bytes";
      } else if (std::memcmp(piece.data(), expected_.data() + at, piece.size()) != 0) {
        mismatch_ = "payload differs: \"" + framing::printable_bytes(piece, 32) + "\"";
      }
    }
    matched_ += piece.size();
  }

  void read_tag() {
    tag_ = parse_broadcast_tag(tag_text_);
    if (tag_ && tag_->sender >= members_) {
      if (!mismatch_) {
        mismatch_ = "a tag naming connection " + std::to_string(tag_->sender) + " of " +
                    std::to_string(members_);
      }
      tag_.reset();
    }
    if (!tag_) {
      if (!mismatch_) mismatch_ = "no tag: \"" + framing::printable_bytes(tag_text_) + "\"";
      return;
    }
    expected_ = tagged_->body(*tag_);
  }

  std::string describe_expected() const {
    std::string what = std::string(opcode_ == Opcode::kText ? "text" : "binary") +
                       " message of " + std::to_string(expected_size()) + " bytes";
    if (!broadcast_) return what + " \"" + framing::printable_bytes(payload_, 32) + "\"";
    if (!tag_) return "a tagged " + what;
    return what + ", number " + std::to_string(tag_->sequence) + " of connection " +
           std::to_string(tag_->sender);
  }

  void judge(ReplyVerdict& verdict) {
    if (!mismatch_ && matched_ != expected_size()) mismatch_ = std::to_string(matched_) + " bytes";
    // Framing held: in broadcast mode the next message can still be read and placed.
    verdict.stream_intact = broadcast_;
    verdict.tag = tag_;
    if (mismatch_) {
      wrong(verdict, describe_expected(), *mismatch_);
    } else {
      verdict.kind = ReplyVerdict::Kind::kOk;
    }
    start_message();
  }

  static void wrong(ReplyVerdict& verdict, std::string expected, std::string got) {
    verdict.kind = ReplyVerdict::Kind::kWrong;
    verdict.expected = std::move(expected);
    verdict.got = std::move(got);
  }

  const std::string host_;  // the Host header value
  const std::string path_;
  const Opcode opcode_;
  const bool broadcast_;
  const std::uint32_t index_;    // this connection: the sender in its tags
  const std::uint32_t members_;  // --connections: a tag naming another index is wrong
  const std::string payload_;    // echo mode: every message
  const std::optional<BroadcastPayload> tagged_;  // broadcast mode: how messages are built
  std::mt19937_64 random_;
  const std::size_t max_message_;

  std::string key_;  // Sec-WebSocket-Key of the current connection
  bool handshake_done_ = false;
  http::ResponseParser parser_;
  std::optional<websocket::FrameDecoder> decoder_;
  std::string control_out_;   // pongs owed to the server
  std::uint64_t sent_ = 0;    // broadcast mode: the sequence number of the last message sent
  std::string outgoing_;      // broadcast mode: the message being framed

  // The message being received.
  std::size_t matched_ = 0;              // its bytes seen so far
  std::optional<std::string> mismatch_;  // what was wrong with it, if anything
  std::string tag_text_;                 // broadcast mode: its first bytes, until the tag is whole
  std::optional<BroadcastTag> tag_;      // broadcast mode: its tag, once read and valid
  std::string_view expected_;            // what follows the prefix (the tag), once known
};

}  // namespace

std::unique_ptr<ProtocolClient> make_websocket_client(const Options& options,
                                                      std::uint64_t connection_index) {
  return std::make_unique<WebSocketClient>(options, connection_index);
}

}  // namespace archbench::load
