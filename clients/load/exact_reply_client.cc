#include "clients/load/exact_reply_client.h"

#include <algorithm>
#include <cstring>

#include "clients/load/payload.h"
#include "protocols/framing/length_framer.h"
#include "protocols/framing/printable_bytes.h"

namespace archbench::load {
namespace {

// How many bytes of a wrong reply the report shows, from the first difference on.
constexpr std::size_t kShownBytes = 32;

class ExactReplyClient final : public ProtocolClient {
 public:
  explicit ExactReplyClient(std::string message) : message_(std::move(message)) {}

  void append_request(std::string& out) override { out.append(message_); }

  ParseStep consume(std::string_view data, ReplyVerdict& verdict) override {
    const std::size_t take = std::min(data.size(), message_.size() - matched_);
    const std::string_view part = data.substr(0, take);
    if (mismatch_at_ == kNoMismatch &&
        std::memcmp(part.data(), message_.data() + matched_, take) != 0) {
      std::size_t i = 0;
      while (part[i] == message_[matched_ + i]) ++i;
      mismatch_at_ = matched_ + i;
      got_ = std::string(part.substr(i, kShownBytes));
    }
    matched_ += take;
    if (matched_ < message_.size()) return {ParseStep::Event::kNeedMore, take};

    // One whole reply: as many bytes as the request, compared one by one.
    if (mismatch_at_ == kNoMismatch) {
      verdict.kind = ReplyVerdict::Kind::kOk;
    } else {
      verdict.kind = ReplyVerdict::Kind::kWrong;
      verdict.expected = "byte " + std::to_string(mismatch_at_) + " of " +
                         std::to_string(message_.size()) + ": \"" +
                         framing::printable_bytes(
                             std::string_view(message_).substr(mismatch_at_, kShownBytes)) +
                         "\"";
      verdict.got = "\"" + framing::printable_bytes(got_) + "\"";
    }
    matched_ = 0;
    mismatch_at_ = kNoMismatch;
    return {ParseStep::Event::kReply, take};
  }

  void reset() override {
    matched_ = 0;
    mismatch_at_ = kNoMismatch;
  }

 private:
  static constexpr std::size_t kNoMismatch = static_cast<std::size_t>(-1);

  const std::string message_;    // the request, and so the expected reply
  std::size_t matched_ = 0;      // bytes of the current reply seen so far
  std::size_t mismatch_at_ = kNoMismatch;
  std::string got_;              // the reply's bytes from the first difference
};

}  // namespace

std::unique_ptr<ProtocolClient> make_echo_client(const Options& options,
                                                 std::uint64_t connection_index) {
  return std::make_unique<ExactReplyClient>(
      random_bytes(options.message_size, options.seed, connection_index));
}

std::unique_ptr<ProtocolClient> make_eof_client(const Options& options,
                                                std::uint64_t connection_index) {
  std::string message =
      random_bytes(options.message_size, options.seed, connection_index, options.eof);
  message += options.eof;
  return std::make_unique<ExactReplyClient>(std::move(message));
}

std::unique_ptr<ProtocolClient> make_length_client(const Options& options,
                                                   std::uint64_t connection_index) {
  std::string frame;
  framing::encode_length_frame(random_bytes(options.message_size, options.seed, connection_index),
                               frame);
  return std::make_unique<ExactReplyClient>(std::move(frame));
}

}  // namespace archbench::load
