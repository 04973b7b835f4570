#include "clients/load/websocket_client.h"

#include <cstring>
#include <optional>
#include <random>

#include "clients/load/payload.h"
#include "protocols/framing/printable_bytes.h"
#include "protocols/http/response_parser.h"
#include "protocols/websocket/frame.h"
#include "protocols/websocket/handshake.h"

namespace archbench::load {
namespace {

using websocket::Opcode;

class WebSocketClient final : public ProtocolClient {
 public:
  WebSocketClient(const Options& o, std::uint64_t connection_index)
      : host_(o.host.find(':') != std::string::npos ? "[" + o.host + "]:" + std::to_string(o.port)
                                                    : o.host + ":" + std::to_string(o.port)),
        path_(o.path),
        opcode_(o.ws_binary ? Opcode::kBinary : Opcode::kText),
        payload_(o.ws_binary ? random_bytes(o.message_size, o.seed, connection_index)
                             : random_text(o.message_size, o.seed, connection_index)),
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
    const std::uint64_t bits = random_();
    websocket::MaskingKey mask;
    std::memcpy(mask.data(), &bits, mask.size());
    websocket::append_frame(out, opcode_, payload_, /*fin=*/true, mask);
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
      if (frame.opcode == Opcode::kPing || frame.opcode == Opcode::kPong) continue;
      if (frame.opcode == Opcode::kClose) {
        wrong(verdict, "an echoed message", "a close frame from the server");
        return {ParseStep::Event::kReply, used};
      }
      if (frame.message_opcode != opcode_ && !mismatch_) {
        mismatch_ = "opcode " + std::to_string(static_cast<int>(frame.message_opcode));
      }
      compare(frame.payload);
      if (!frame.fin) continue;
      judge(verdict);
      return {ParseStep::Event::kReply, used};
    }
  }

  void reset() override {
    handshake_done_ = false;
    parser_.reset();
    decoder_.emplace(websocket::Role::kClient, max_message_);
    matched_ = 0;
    mismatch_.reset();
  }

 private:
  ParseStep consume_handshake(std::string_view data, ReplyVerdict& verdict) {
    const http::ResponseParser::Result result = parser_.feed(data);
    if (result.status == http::ResponseParser::Status::kNeedMore) {
      return {ParseStep::Event::kNeedMore, result.consumed};
    }
    std::string problem = result.status == http::ResponseParser::Status::kError
                              ? "unparsable response (" + std::string(parser_.error().reason) + ")"
                              : websocket::verify_server_handshake(parser_.response().status,
                                                                   parser_.response().headers, key_);
    if (problem.empty()) {
      verdict.kind = ReplyVerdict::Kind::kOk;
      handshake_done_ = true;
    } else {
      wrong(verdict, "101 Switching Protocols with the right Sec-WebSocket-Accept", problem);
    }
    return {ParseStep::Event::kHandshake, result.consumed};
  }

  // Compares the next piece of the reply message with the expected payload.
  void compare(std::string_view piece) {
    if (!mismatch_) {
      if (matched_ + piece.size() > payload_.size()) {
        mismatch_ = "more than " + std::to_string(payload_.size()) + " bytes";
      } else if (std::memcmp(piece.data(), payload_.data() + matched_, piece.size()) != 0) {
        mismatch_ = "payload differs: \"" + framing::printable_bytes(piece, 32) + "\"";
      }
    }
    matched_ += piece.size();
  }

  void judge(ReplyVerdict& verdict) {
    if (!mismatch_ && matched_ != payload_.size()) {
      mismatch_ = std::to_string(matched_) + " bytes";
    }
    if (mismatch_) {
      wrong(verdict,
            std::string(opcode_ == Opcode::kText ? "text" : "binary") + " message of " +
                std::to_string(payload_.size()) + " bytes \"" +
                framing::printable_bytes(payload_, 32) + "\"",
            *mismatch_);
    } else {
      verdict.kind = ReplyVerdict::Kind::kOk;
    }
    matched_ = 0;
    mismatch_.reset();
  }

  static void wrong(ReplyVerdict& verdict, std::string expected, std::string got) {
    verdict.kind = ReplyVerdict::Kind::kWrong;
    verdict.expected = std::move(expected);
    verdict.got = std::move(got);
  }

  const std::string host_;  // the Host header value
  const std::string path_;
  const Opcode opcode_;
  const std::string payload_;
  std::mt19937_64 random_;
  const std::size_t max_message_;

  std::string key_;  // Sec-WebSocket-Key of the current connection
  bool handshake_done_ = false;
  http::ResponseParser parser_;
  std::optional<websocket::FrameDecoder> decoder_;
  std::size_t matched_ = 0;              // payload bytes of the current reply seen
  std::optional<std::string> mismatch_;  // what was wrong with the current reply, if anything
};

}  // namespace

std::unique_ptr<ProtocolClient> make_websocket_client(const Options& options,
                                                      std::uint64_t connection_index) {
  return std::make_unique<WebSocketClient>(options, connection_index);
}

}  // namespace archbench::load
