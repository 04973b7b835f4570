#include "protocols/framing/length_framer.h"

#include <stdexcept>

namespace archbench::framing {
namespace {

bool is_text_byte(unsigned char byte) {
  return (byte >= 0x20 && byte <= 0x7e) || byte == '\r' || byte == '\n' || byte == '\t';
}

std::uint32_t byte_swapped(std::uint32_t value) {
  return ((value & 0x000000ffu) << 24) | ((value & 0x0000ff00u) << 8) |
         ((value & 0x00ff0000u) >> 8) | ((value & 0xff000000u) >> 24);
}

}  // namespace

void encode_length_frame(std::string_view body, std::string& out) {
  if (body.size() > kMaxEncodableLength) {
    throw std::length_error("length framing: a body of " + std::to_string(body.size()) +
                            " bytes does not fit a 4-byte length header");
  }
  const auto length = static_cast<std::uint32_t>(body.size());
  const char header[kLengthHeaderSize] = {
      static_cast<char>(length >> 24), static_cast<char>(length >> 16),
      static_cast<char>(length >> 8), static_cast<char>(length)};
  out.append(header, kLengthHeaderSize);
  out.append(body);
}

std::uint32_t decode_length_header(std::string_view header) {
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(header[i]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::string likely_cause_of_bad_length(std::string_view header, std::uint64_t max_body_length) {
  if (header.size() < kLengthHeaderSize) return {};
  header = header.substr(0, kLengthHeaderSize);
  // Request methods of RFC 9110 (and the HTTP/2 preface "PRI * HTTP/2.0"), cut to 4 bytes.
  static constexpr std::string_view kHttpStarts[] = {"GET ", "HEAD", "POST", "PUT ", "DELE",
                                                     "CONN", "OPTI", "TRAC", "PATC"};
  for (std::string_view start : kHttpStarts) {
    if (header == start) return "looks like an HTTP request sent to a length-framed port";
  }
  if (header == "PRI ") return "looks like an HTTP/2 connection preface sent to a length-framed port";
  if (header == "SSH-") return "looks like an SSH client sent to a length-framed port";
  const auto b0 = static_cast<unsigned char>(header[0]);
  const auto b1 = static_cast<unsigned char>(header[1]);
  // A TLS record: content type 22 (handshake), legacy version 3.x.
  if (b0 == 0x16 && b1 == 0x03) {
    return "looks like a TLS handshake sent to a plaintext length-framed port";
  }
  bool all_text = true;
  for (char c : header) all_text = all_text && is_text_byte(static_cast<unsigned char>(c));
  if (all_text) {
    return "the header is text: a text protocol (line- or EOF-framed?) sent to a length-framed "
           "port";
  }
  const std::uint32_t length = decode_length_header(header);
  if (length == 0x7fffffffu || length == 0xffffffffu) {
    return "the largest signed/unsigned 32-bit value: a sentinel or an uninitialised length, "
           "not a real frame";
  }
  const std::uint32_t swapped = byte_swapped(length);
  if (swapped <= max_body_length) {
    return "read little-endian it would be " + std::to_string(swapped) +
           ": the client may write the length little-endian (it must be big-endian)";
  }
  return {};
}

LengthFramer::LengthFramer(std::size_t max_body_length) : max_body_length_(max_body_length) {}

void LengthFramer::append(std::string_view data) {
  if (failed_) return;
  // Drop frames already handed out; only an unfinished tail moves.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  if (buffer_.empty() && buffer_.capacity() > kRetainedCapacity) {
    std::string().swap(buffer_);
  }
  buffer_.append(data);
}

LengthFramer::Result LengthFramer::next() {
  if (failed_) return failure_;
  const std::string_view pending = std::string_view(buffer_).substr(start_);
  if (pending.size() < kLengthHeaderSize) return Result{};
  const std::uint32_t length = decode_length_header(pending);
  if (length > max_body_length_) {
    failed_ = true;
    failure_ = Result{};
    failure_.status = Status::kTooLong;
    failure_.length = length;
    failure_.header = pending.substr(0, kLengthHeaderSize);
    return failure_;
  }
  const std::size_t frame_size = kLengthHeaderSize + length;
  if (pending.size() < frame_size) return Result{};
  Result result;
  result.status = Status::kFrame;
  result.frame = pending.substr(0, frame_size);
  result.body = pending.substr(kLengthHeaderSize, length);
  result.length = length;
  start_ += frame_size;
  return result;
}

}  // namespace archbench::framing
