// The commands of --protocol timer, one per line (the terminator already removed):
//
//   AFTER <ms> <id>           after ms milliseconds send  FIRED <id>
//   TICK <ms> <count> <id>    send  TICK <id> <k>  for k = 1..count, every ms milliseconds
//   CANCEL <id>               stop timer <id>
//
// Fields are separated by one or more spaces or tabs; leading and trailing blanks are ignored.
// Verbs are upper case, as written (a lower-case verb is an unknown command). Numbers are plain
// decimal digits (no sign). An id is 1..64 printable ASCII bytes without blanks; it is echoed in
// replies, so control bytes are refused rather than sent back.
//
// parse_timer_command checks everything a single line can show; what depends on the
// connection's timers (duplicate id, unknown id, too many timers) is the session's job. Every
// refusal carries the reason text that follows "ERR " on the wire.
//
// Thread-safety: pure functions, no state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace archbench::timer {

inline constexpr std::uint64_t kMaxDelayMs = 24ull * 60 * 60 * 1000;  // 24 h
inline constexpr std::uint64_t kMaxTickCount = 1'000'000;
inline constexpr std::size_t kMaxIdLength = 64;

struct AfterCommand {
  std::uint64_t ms = 0;  // 0..kMaxDelayMs (0: fires at once)
  std::string_view id;
};

struct TickCommand {
  std::uint64_t ms = 0;     // 1..kMaxDelayMs
  std::uint64_t count = 0;  // 1..kMaxTickCount
  std::string_view id;
};

struct CancelCommand {
  std::string_view id;
};

struct CommandError {
  std::string reason;  // the text after "ERR "
};

// The views point into the parsed line.
using TimerCommand = std::variant<AfterCommand, TickCommand, CancelCommand, CommandError>;

TimerCommand parse_timer_command(std::string_view line);

}  // namespace archbench::timer
