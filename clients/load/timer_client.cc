#include "clients/load/timer_client.h"

#include <algorithm>
#include <charconv>

#include "protocols/framing/printable_bytes.h"

namespace archbench::load {
namespace {

// A reply line longer than this cannot be "FIRED <20 digits>"; stop buffering it.
constexpr std::size_t kMaxLine = 128;

class TimerClient final : public ProtocolClient {
 public:
  explicit TimerClient(int timer_ms)
      : delay_(std::chrono::milliseconds(timer_ms)),
        prefix_("AFTER " + std::to_string(timer_ms) + " ") {}

  void append_request(std::string& out) override {
    out += prefix_;
    append_number(out, ++sent_);
    out += "\r\n";
  }

  std::chrono::microseconds intended_delay() const override { return delay_; }

  ParseStep consume(std::string_view data, ReplyVerdict& verdict) override {
    const auto newline = data.find('\n');
    const std::size_t take = newline == std::string_view::npos ? data.size() : newline + 1;
    if (line_.size() + take > kMaxLine) {
      std::string shown = line_;
      shown.append(data.substr(0, std::min(take, kMaxLine)));
      return judge(verdict, shown, take, /*too_long=*/true);
    }
    line_.append(data.substr(0, take));
    if (newline == std::string_view::npos) return {ParseStep::Event::kNeedMore, take};
    return judge(verdict, line_, take, /*too_long=*/false);
  }

  void reset() override {
    sent_ = answered_ = 0;
    line_.clear();
  }

 private:
  static void append_number(std::string& out, std::uint64_t n) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
  }

  ParseStep judge(ReplyVerdict& verdict, std::string_view line, std::size_t take,
                  bool too_long) {
    std::string expected = "FIRED ";
    append_number(expected, ++answered_);
    std::string_view body = line;
    if (!too_long && body.ends_with('\n')) body.remove_suffix(1);
    if (!too_long && body.ends_with('\r')) body.remove_suffix(1);
    if (!too_long && body == expected) {
      verdict.kind = ReplyVerdict::Kind::kOk;
    } else {
      verdict.kind = ReplyVerdict::Kind::kWrong;
      verdict.expected = "\"" + expected + "\\r\\n\"";
      verdict.got = "\"" + framing::printable_bytes(line) + "\"";
    }
    line_.clear();
    return {ParseStep::Event::kReply, take};
  }

  const std::chrono::microseconds delay_;
  const std::string prefix_;  // "AFTER <ms> "
  std::uint64_t sent_ = 0;
  std::uint64_t answered_ = 0;
  std::string line_;  // the reply line so far
};

}  // namespace

std::unique_ptr<ProtocolClient> make_timer_client(const Options& options) {
  return std::make_unique<TimerClient>(options.timer_ms);
}

}  // namespace archbench::load
