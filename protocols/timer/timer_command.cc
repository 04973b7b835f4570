#include "protocols/timer/timer_command.h"

#include <array>
#include <charconv>
#include <optional>

#include "protocols/framing/printable_bytes.h"

namespace archbench::timer {
namespace {

// More than any command has, so "one field too many" is still seen.
constexpr std::size_t kMaxFields = 5;

struct Fields {
  std::array<std::string_view, kMaxFields> items;
  std::size_t count = 0;  // may exceed kMaxFields: counted, not stored
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

Fields split_fields(std::string_view line) {
  Fields fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i == line.size()) break;
    const std::size_t begin = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (fields.count < kMaxFields) fields.items[fields.count] = line.substr(begin, i - begin);
    ++fields.count;
  }
  return fields;
}

std::string usage(std::string_view verb) {
  if (verb == "AFTER") return "AFTER <ms> <id>";
  if (verb == "TICK") return "TICK <ms> <count> <id>";
  return "CANCEL <id>";
}

// Checks the field count of `verb` (fields include the verb itself).
std::optional<CommandError> check_field_count(const Fields& fields, std::size_t expected) {
  const std::string_view verb = fields.items[0];
  if (fields.count < expected) return CommandError{"missing field: " + usage(verb)};
  if (fields.count > expected) return CommandError{"extra field: " + usage(verb)};
  return std::nullopt;
}

// A number in [min, max]; digits only. An overlong number is out of range, not "bad".
std::optional<CommandError> parse_number(std::string_view text, std::string_view name,
                                         std::uint64_t min, std::uint64_t max,
                                         std::uint64_t& value) {
  bool digits_only = true;
  for (char c : text) digits_only = digits_only && c >= '0' && c <= '9';
  if (!digits_only) {
    return CommandError{"bad number \"" + framing::printable_bytes(text, 32) + "\" for " +
                        std::string(name)};
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range || value < min || value > max) {
    return CommandError{std::string(name) + " out of range " + std::to_string(min) + ".." +
                        std::to_string(max)};
  }
  return std::nullopt;
}

std::optional<CommandError> check_id(std::string_view id) {
  bool printable = id.size() <= kMaxIdLength;
  for (char c : id) printable = printable && c > 0x20 && c < 0x7f;
  if (!printable) {
    return CommandError{"bad id: 1.." + std::to_string(kMaxIdLength) +
                        " printable ASCII bytes without blanks"};
  }
  return std::nullopt;
}

}  // namespace

TimerCommand parse_timer_command(std::string_view line) {
  const Fields fields = split_fields(line);
  if (fields.count == 0) return CommandError{"empty line"};
  const std::string_view verb = fields.items[0];

  if (verb == "AFTER") {
    if (auto error = check_field_count(fields, 3)) return *error;
    AfterCommand command;
    if (auto error = parse_number(fields.items[1], "ms", 0, kMaxDelayMs, command.ms)) {
      return *error;
    }
    if (auto error = check_id(fields.items[2])) return *error;
    command.id = fields.items[2];
    return command;
  }
  if (verb == "TICK") {
    if (auto error = check_field_count(fields, 4)) return *error;
    TickCommand command;
    if (auto error = parse_number(fields.items[1], "ms", 1, kMaxDelayMs, command.ms)) {
      return *error;
    }
    if (auto error = parse_number(fields.items[2], "count", 1, kMaxTickCount, command.count)) {
      return *error;
    }
    if (auto error = check_id(fields.items[3])) return *error;
    command.id = fields.items[3];
    return command;
  }
  if (verb == "CANCEL") {
    if (auto error = check_field_count(fields, 2)) return *error;
    if (auto error = check_id(fields.items[1])) return *error;
    return CancelCommand{fields.items[1]};
  }
  return CommandError{"unknown command \"" + framing::printable_bytes(verb, 32) + "\""};
}

}  // namespace archbench::timer
