#include "protocols/framing/eof_framer.h"

#include <stdexcept>
#include <utility>

namespace archbench::framing {

EofFramer::EofFramer(std::string delimiter, std::size_t max_message_length)
    : delimiter_(std::move(delimiter)), max_message_length_(max_message_length) {
  if (delimiter_.empty()) {
    throw std::invalid_argument("eof framing: the delimiter (package_eof) must not be empty");
  }
  if (delimiter_.size() > max_message_length_) {
    throw std::invalid_argument(
        "eof framing: package_max_length " + std::to_string(max_message_length_) +
        " is shorter than the delimiter (" + std::to_string(delimiter_.size()) + " bytes)");
  }
}

void EofFramer::append(std::string_view data) {
  if (failed_) return;
  // Drop the messages already handed out. Only the unfinished tail moves, and it moves at most
  // once per read, so the copy cost stays proportional to the bytes received.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    scan_ -= start_;
    start_ = 0;
  }
  if (buffer_.empty() && buffer_.capacity() > kRetainedCapacity) {
    std::string().swap(buffer_);
  }
  buffer_.append(data);
}

EofFramer::Result EofFramer::next() {
  if (failed_) return failure_;
  const std::string_view buffered(buffer_);
  const std::size_t found = buffered.find(delimiter_, scan_);
  if (found == std::string_view::npos) {
    // No delimiter starts at or after scan_ in full. One may still start in the last
    // (delimiter - 1) bytes and finish in the next read: resume the search there.
    const std::size_t keep = delimiter_.size() - 1;
    const std::size_t resume = buffered.size() >= keep ? buffered.size() - keep : 0;
    if (resume > scan_) scan_ = resume;
    const std::size_t pending = buffered.size() - start_;
    // Without a complete delimiter the message needs at least one more byte, so `pending`
    // bytes at the limit already prove it too long: fail now rather than buffer more.
    if (pending >= max_message_length_) {
      failed_ = true;
      failure_ = Result{Status::kTooLong, buffered.substr(start_), false};
      return failure_;
    }
    return Result{};
  }
  const std::size_t end = found + delimiter_.size();
  const std::string_view message = buffered.substr(start_, end - start_);
  if (message.size() > max_message_length_) {
    failed_ = true;
    failure_ = Result{Status::kTooLong, message, true};
    return failure_;
  }
  start_ = end;
  scan_ = end;
  return Result{Status::kMessage, message, true};
}

}  // namespace archbench::framing
