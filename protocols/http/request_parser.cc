#include "protocols/http/request_parser.h"

#include <algorithm>

#include "protocols/http/framing_fields.h"
#include "protocols/http/request_line.h"

namespace archbench::http {
namespace {

// A body buffer larger than this is released at reset() instead of kept for the next request:
// one big upload must not pin megabytes to an idle keep-alive connection.
constexpr std::size_t kKeptBodyCapacity = 64 * 1024;

}  // namespace

RequestParser::RequestParser(const RequestLimits& limits)
    : limits_(limits),
      section_reader_(limits.max_header_section),
      chunked_(limits.max_body, limits.max_header_section) {}

RequestParser::Result RequestParser::fail(ParseError error, std::size_t consumed) {
  state_ = State::kError;
  error_ = error;
  return {Status::kError, consumed};
}

RequestParser::Result RequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  while (true) {
    switch (state_) {
      case State::kStart:
        // RFC 9112 2.2: ignore empty lines before a request line (some clients send a CRLF
        // after a POST body).
        if (used == data.size()) return {Status::kNeedMore, used};
        if (data[used] == '\r') {
          ++used;
          state_ = State::kStartCr;
        } else {
          state_ = State::kHeader;
        }
        break;
      case State::kStartCr:
        if (used == data.size()) return {Status::kNeedMore, used};
        if (data[used] != '\n') return fail({400, "bare CR before request line"}, used);
        ++used;
        state_ = State::kStart;
        break;
      case State::kHeader: {
        if (used == data.size()) return {Status::kNeedMore, used};
        std::string_view rest = data.substr(used);
        HeaderSectionReader::Result r = section_reader_.feed(rest);
        if (r.status == HeaderSectionReader::Status::kNeedMore) {
          return {Status::kNeedMore, used + r.consumed};
        }
        if (r.status == HeaderSectionReader::Status::kTooLarge) {
          // Judge only the first max_header_section bytes, whether they came in one read or
          // many: the verdict (414 or 431) must not depend on how the input was split.
          std::string_view partial = section_reader_.buffered().empty()
                                         ? rest.substr(0, limits_.max_header_section)
                                         : section_reader_.buffered();
          if (target_already_too_long(partial, limits_.max_target)) {
            return fail({414, "request target too long"}, used + r.consumed);
          }
          return fail({431, "header section too large"}, used + r.consumed);
        }
        used += r.consumed;
        if (!on_header_section()) return fail(error_, used);
        break;
      }
      case State::kBodyLength: {
        std::size_t take = static_cast<std::size_t>(
            std::min<std::uint64_t>(body_remaining_, data.size() - used));
        if (take == 0 && body_remaining_ != 0) return {Status::kNeedMore, used};
        if (take > 0) expect_continue_ = false;
        request_.body.append(data.data() + used, take);
        used += take;
        body_remaining_ -= take;
        if (body_remaining_ == 0) state_ = State::kComplete;
        break;
      }
      case State::kBodyChunked: {
        if (used == data.size()) return {Status::kNeedMore, used};
        expect_continue_ = false;
        ChunkedDecoder::Result r = chunked_.feed(data.substr(used), request_.body);
        used += r.consumed;
        if (r.status == ChunkedDecoder::Status::kError) return fail(chunked_.error(), used);
        if (r.status == ChunkedDecoder::Status::kNeedMore) return {Status::kNeedMore, used};
        state_ = State::kComplete;
        break;
      }
      case State::kComplete:
        return {Status::kComplete, used};
      case State::kError:
        return {Status::kError, used};
    }
  }
}

bool RequestParser::on_header_section() {
  const HeaderSectionReader& section = section_reader_;
  if (!section.valid()) {
    error_ = section.error();
    return false;
  }
  RequestLine line;
  if (!parse_request_line(section.line(0), limits_.max_target, line, error_)) return false;
  request_.method.assign(line.method);
  request_.target.assign(line.target);
  request_.version_minor = line.version_minor;
  if (!split_target(line.method, line.target, request_.path, request_.query, error_)) {
    return false;
  }

  // Field lines go into the header entries the previous request left behind, so their
  // strings' capacity is reused.
  FramingFields fields;
  std::size_t count = 0;
  auto& headers = request_.headers;
  const std::size_t field_lines = section.line_count() - 1;  // the last line is the empty one
  for (std::size_t k = 1; k < field_lines; ++k) {
    std::string_view field_line = section.line(k);
    std::string_view name;
    std::string_view value;
    if (!split_field_line(field_line, name, value, error_)) return false;
    if (!fields.note(name, value, error_)) return false;
    if (count < headers.size()) {
      headers[count].name.assign(name);
      headers[count].value.assign(value);
    } else {
      headers.push_back(Header{std::string(name), std::string(value)});
    }
    ++count;
  }
  headers.resize(count);

  // RFC 9112 3.2: exactly one Host in HTTP/1.1; more than one is refused in any version.
  if (fields.host_count > 1) {
    error_ = {400, "more than one Host header"};
    return false;
  }
  if (fields.host_count == 0 && line.version_minor == 1) {
    error_ = {400, "missing Host header"};
    return false;
  }

  request_.keep_alive = line.version_minor == 1
                            ? !fields.connection_close
                            : fields.connection_keep_alive && !fields.connection_close;

  // Body framing, RFC 9112 6.3. Every ambiguous case is refused rather than guessed at: a
  // front-end that guessed differently is how request smuggling happens.
  if (fields.has_transfer_encoding) {
    if (line.version_minor == 0) {
      error_ = {400, "Transfer-Encoding in an HTTP/1.0 request"};
      return false;
    }
    if (fields.has_content_length) {
      error_ = {400, "both Content-Length and Transfer-Encoding"};
      return false;
    }
    if (fields.unknown_coding) {
      error_ = {501, "unknown transfer coding"};
      return false;
    }
    if (!fields.chunked_last || fields.chunked_count != 1) {
      error_ = {400, "chunked is not the final transfer coding"};
      return false;
    }
    if (fields.coding_count > 1) {
      error_ = {501, "transfer coding other than chunked not implemented"};
      return false;
    }
    chunked_.reset();
    state_ = State::kBodyChunked;
  } else if (fields.has_content_length && fields.content_length > 0) {
    if (fields.content_length > limits_.max_body) {
      error_ = {413, "Content-Length exceeds the body limit"};
      return false;
    }
    body_remaining_ = fields.content_length;
    request_.body.reserve(static_cast<std::size_t>(fields.content_length));
    state_ = State::kBodyLength;
  } else {
    state_ = State::kComplete;
  }
  // RFC 9110 10.1.1: an HTTP/1.0 client's 100-continue must be ignored.
  expect_continue_ =
      fields.expect_continue && line.version_minor == 1 && state_ != State::kComplete;
  return true;
}

bool RequestParser::take_expect_continue() {
  bool wanted = expect_continue_;
  expect_continue_ = false;
  return wanted;
}

void RequestParser::reset() {
  state_ = State::kStart;
  section_reader_.reset();
  chunked_.reset();
  body_remaining_ = 0;
  expect_continue_ = false;
  error_ = {};
  request_.method.clear();
  request_.target.clear();
  request_.path.clear();
  request_.query.clear();
  request_.version_minor = 1;
  request_.keep_alive = true;
  // Header entries stay (see on_header_section); their count is set when the next is parsed.
  request_.body.clear();
  if (request_.body.capacity() > kKeptBodyCapacity) std::string().swap(request_.body);
}

}  // namespace archbench::http
