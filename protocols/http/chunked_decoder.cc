#include "protocols/http/chunked_decoder.h"

#include <algorithm>
#include <cstring>

#include "protocols/http/header_section.h"

namespace archbench::http {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Controls other than HTAB (a CR left inside a line is a bare CR) and DEL.
bool has_control(std::string_view line) {
  for (char ch : line) {
    auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

ChunkedDecoder::Result ChunkedDecoder::fail(int status, std::string_view reason,
                                            std::size_t used) {
  state_ = State::kError;
  error_ = {status, reason};
  return {Status::kError, used};
}

bool ChunkedDecoder::take_line(std::string_view data, std::size_t& used, std::size_t limit,
                               std::string_view& line) {
  const char* start = data.data() + used;
  std::size_t available = data.size() - used;
  const void* hit = std::memchr(start, '\n', available);
  if (hit == nullptr) {
    if (line_.size() + available > limit) {
      error_ = {state_ == State::kSizeLine ? 400 : 431,
                state_ == State::kSizeLine ? "chunk size line too long" : "trailer too large"};
      state_ = State::kError;
      return false;
    }
    line_.append(start, available);
    used = data.size();
    return false;
  }
  std::size_t length = static_cast<const char*>(hit) - start;  // without the LF
  if (line_.size() + length + 1 > limit) {
    error_ = {state_ == State::kSizeLine ? 400 : 431,
              state_ == State::kSizeLine ? "chunk size line too long" : "trailer too large"};
    state_ = State::kError;
    return false;
  }
  if (line_.empty()) {
    line = std::string_view(start, length);
  } else {
    line_.append(start, length);
    line = line_;
  }
  used += length + 1;
  if (line.empty() || line.back() != '\r') {
    error_ = {400, "bare LF in chunked body"};
    state_ = State::kError;
    return false;
  }
  line.remove_suffix(1);
  return true;
}

bool ChunkedDecoder::on_size_line(std::string_view line, std::size_t body_size) {
  std::uint64_t size = 0;
  std::size_t i = 0;
  for (; i < line.size(); ++i) {
    int digit = hex_digit(line[i]);
    if (digit < 0) break;
    if (i == kMaxHexDigits) {
      error_ = {400, "chunk size has more than 16 hex digits"};
      return false;
    }
    size = size * 16 + static_cast<std::uint64_t>(digit);
  }
  if (i == 0) {
    error_ = {400, "invalid chunk size"};
    return false;
  }
  // chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ): whitespace after the size is only
  // allowed in front of a ';'.
  std::size_t j = i;
  while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
  if (j < line.size() ? line[j] != ';' : j != i) {
    error_ = {400, "invalid chunk size"};
    return false;
  }
  std::string_view rest = line.substr(i);
  if (has_control(rest)) {
    error_ = {400, "control character in chunk extension"};
    return false;
  }
  if (size > max_body_ - std::min(body_size, max_body_)) {
    error_ = {413, "chunked body exceeds the body limit"};
    return false;
  }
  remaining_ = size;
  state_ = size == 0 ? State::kTrailerLine : State::kData;
  return true;
}

bool ChunkedDecoder::on_trailer_line(std::string_view line) {
  trailer_bytes_ += line.size() + 2;
  if (trailer_bytes_ > max_trailer_) {
    error_ = {431, "trailer too large"};
    return false;
  }
  if (line.empty()) {
    state_ = State::kDone;
    return true;
  }
  if (has_control(line)) {
    error_ = {400, "control character in trailer"};
    return false;
  }
  std::string_view name;
  std::string_view value;
  return split_field_line(line, name, value, error_);  // checked, then dropped
}

ChunkedDecoder::Result ChunkedDecoder::feed(std::string_view data, std::string& body) {
  std::size_t used = 0;
  while (used < data.size() || state_ == State::kDone) {
    switch (state_) {
      case State::kSizeLine:
      case State::kTrailerLine: {
        bool size_line = state_ == State::kSizeLine;
        std::string_view line;
        if (!take_line(data, used, size_line ? kMaxSizeLine : max_trailer_, line)) {
          if (state_ == State::kError) return {Status::kError, used};
          return {Status::kNeedMore, used};
        }
        bool ok = size_line ? on_size_line(line, body.size()) : on_trailer_line(line);
        line_.clear();
        if (!ok) {
          state_ = State::kError;
          return {Status::kError, used};
        }
        break;
      }
      case State::kData: {
        std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, data.size() - used));
        body.append(data.data() + used, take);
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        break;
      }
      case State::kDataCr:
        if (data[used] != '\r') return fail(400, "chunk data not followed by CRLF", used);
        ++used;
        state_ = State::kDataLf;
        break;
      case State::kDataLf:
        if (data[used] != '\n') return fail(400, "chunk data not followed by CRLF", used);
        ++used;
        state_ = State::kSizeLine;
        break;
      case State::kDone:
        return {Status::kDone, used};
      case State::kError:
        return {Status::kError, used};
    }
  }
  return {Status::kNeedMore, used};
}

void ChunkedDecoder::reset() {
  state_ = State::kSizeLine;
  remaining_ = 0;
  trailer_bytes_ = 0;
  line_.clear();
  error_ = {};
}

}  // namespace archbench::http
