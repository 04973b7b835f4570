#include "fuzz/websocket_frame_check.h"

#include <string>
#include <vector>

#include "fuzz/check.h"
#include "fuzz/split_input.h"
#include "fuzz/websocket_reference.h"

namespace archbench::fuzz {
namespace {

using websocket::DecodeStatus;
using websocket::FrameDecoder;
using websocket::Role;

struct DecodedFrame {
  std::uint8_t opcode = 0;
  bool fin = false;
  bool message_start = false;
  std::uint8_t message_opcode = 0;
  std::string payload;

  bool operator==(const DecodedFrame&) const = default;
};

struct Run {
  std::vector<DecodedFrame> frames;
  std::uint16_t error_code = 0;
  std::string error_reason;
  bool has_partial = false;
  DecodedFrame partial;  // the frame in progress at the end
};

DecodedFrame copy_frame(const websocket::Frame& frame) {
  return {static_cast<std::uint8_t>(frame.opcode), frame.fin, frame.message_start,
          static_cast<std::uint8_t>(frame.message_opcode), std::string(frame.payload)};
}

std::string describe(const DecodedFrame& f) {
  return "{opcode " + std::to_string(f.opcode) + ", fin " + std::to_string(f.fin) + ", start " +
         std::to_string(f.message_start) + ", message opcode " + std::to_string(f.message_opcode) +
         ", payload " + shown(f.payload, 40) + "}";
}

Run decode_pieces(Role role, std::size_t max_message, const std::vector<std::string_view>& pieces) {
  Run run;
  FrameDecoder decoder(role, max_message);
  bool open_message = false;  // what in_message() must say
  for (std::string_view piece : pieces) {
    std::string_view rest = piece;
    while (!rest.empty()) {
      const std::size_t before = rest.size();
      const DecodeStatus status = decoder.decode(rest);
      FUZZ_CHECK(rest.size() <= before, "decode() grew its input");
      if (status == DecodeStatus::kError) {
        run.error_code = decoder.error().close_code;
        run.error_reason = decoder.error().reason;
        std::string_view more = "x";
        FUZZ_CHECK(decoder.decode(more) == DecodeStatus::kError, "an error must be sticky");
        run.has_partial = false;
        return run;
      }
      if (status == DecodeStatus::kNeedMore) {
        FUZZ_CHECK(rest.empty(), "kNeedMore with " + std::to_string(rest.size()) + " bytes left");
        if (const websocket::Frame* partial = decoder.partial()) {
          const DecodedFrame snapshot = copy_frame(*partial);
          if (run.has_partial) {
            FUZZ_CHECK(snapshot.payload.compare(0, run.partial.payload.size(),
                                                run.partial.payload) == 0,
                       "partial payload changed: " + describe(run.partial) + " then " +
                           describe(snapshot));
          }
          run.partial = snapshot;
          run.has_partial = true;
        }
        break;
      }
      const DecodedFrame frame = copy_frame(decoder.frame());
      if (run.has_partial) {
        FUZZ_CHECK(frame.payload.compare(0, run.partial.payload.size(), run.partial.payload) == 0 &&
                       frame.opcode == run.partial.opcode && frame.fin == run.partial.fin,
                   "the complete frame " + describe(frame) + " does not extend its partial " +
                       describe(run.partial));
        run.has_partial = false;
      }
      if (!websocket::is_control(decoder.frame().opcode)) open_message = !frame.fin;
      FUZZ_CHECK(decoder.in_message() == open_message, "in_message() is wrong after " + describe(frame));
      run.frames.push_back(frame);
    }
  }
  return run;
}

void expect_same(const Run& a, const Run& b, const char* what) {
  FUZZ_CHECK(a.frames.size() == b.frames.size(),
             std::string(what) + ": " + std::to_string(a.frames.size()) + " vs " +
                 std::to_string(b.frames.size()) + " frames");
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    FUZZ_CHECK(a.frames[i] == b.frames[i], std::string(what) + ": frame " + std::to_string(i) +
                                               " is " + describe(a.frames[i]) + " vs " +
                                               describe(b.frames[i]));
  }
  FUZZ_CHECK(a.error_code == b.error_code, std::string(what) + ": error " +
                                               std::to_string(a.error_code) + " (" + a.error_reason +
                                               ") vs " + std::to_string(b.error_code) + " (" +
                                               b.error_reason + ")");
  FUZZ_CHECK(a.has_partial == b.has_partial && (!a.has_partial || a.partial == b.partial),
             std::string(what) + ": the frame in progress differs: " +
                 (a.has_partial ? describe(a.partial) : "none") + " vs " +
                 (b.has_partial ? describe(b.partial) : "none"));
}

Run from_reference(const ReferenceDecode& ref) {
  Run run;
  for (const ReferenceFrame& f : ref.frames) {
    run.frames.push_back({f.opcode, f.fin, f.message_start, f.message_opcode, f.payload});
  }
  run.error_code = ref.error_code;
  run.error_reason = "(reference)";
  if (ref.partial) {
    const ReferenceFrame& f = *ref.partial;
    run.has_partial = true;
    run.partial = {f.opcode, f.fin, f.message_start, f.message_opcode, f.payload};
  }
  return run;
}

void check_round_trip(Role role, std::size_t max_message, const Run& run,
                      const websocket::MaskingKey& key) {
  std::string encoded;
  for (const DecodedFrame& f : run.frames) {
    const std::optional<websocket::MaskingKey> mask =
        role == Role::kServer ? std::optional(key) : std::nullopt;
    websocket::append_frame(encoded, static_cast<websocket::Opcode>(f.opcode), f.payload, f.fin,
                            mask);
  }
  Run again = decode_pieces(role, max_message, {encoded});
  FUZZ_CHECK(again.error_code == 0, "re-encoded frames fail to decode: " + again.error_reason);
  again.error_code = run.error_code;  // compare the frames only
  again.error_reason = run.error_reason;
  Run frames_only = run;
  frames_only.has_partial = again.has_partial = false;
  expect_same(frames_only, again, "round trip");
}

void check_mask_copy(std::string_view payload, const websocket::MaskingKey& key, std::size_t phase) {
  std::string masked(payload.size(), '\0');
  websocket::mask_copy(payload.data(), masked.data(), payload.size(), key, phase);
  std::string in_place(payload);
  websocket::mask_copy(in_place.data(), in_place.data(), in_place.size(), key, phase);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const char want = static_cast<char>(payload[i] ^ key[(phase + i) % 4]);
    FUZZ_CHECK(masked[i] == want && in_place[i] == want,
               "mask_copy byte " + std::to_string(i) + " at phase " + std::to_string(phase));
  }
}

}  // namespace

void check_frame_decoder(const std::uint8_t* data, std::size_t size, Role role) {
  const auto input = read_split_input(data, size);
  if (!input) return;
  static constexpr std::size_t kLimits[] = {1u << 20, 0, 16, 130};
  const std::size_t max_message = kLimits[input->option_bits(0, 2)];
  const std::string_view payload = input->payload;

  const Run whole = decode_pieces(role, max_message, {payload});
  const Run split = decode_pieces(role, max_message, cut(payload, input->piece_lengths));
  expect_same(whole, split, "whole vs split");
  expect_same(from_reference(reference_decode(payload, role, max_message)), whole,
              "reference vs decoder");

  websocket::MaskingKey key = {0x37, 0xfa, 0x21, 0x3d};
  for (std::size_t i = 0; i < 4 && i < payload.size(); ++i) {
    key[i] = static_cast<std::uint8_t>(payload[i]);
  }
  check_round_trip(role, max_message, whole, key);
  check_mask_copy(payload, key, input->option_bits(2, 2));
}

}  // namespace archbench::fuzz
