// Backslash escapes on the command line: `--package-eof '\r\n'` means CR LF.
//
// Thread-safety: a pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace archbench {

// Decodes \r \n \t \0 \\ and \xHH (two hex digits); every other character stands for itself.
// Returns nullopt, with the reason in *error, for a dangling backslash, an unknown escape or a
// bad \x sequence (so a typo is an error, never a silently different delimiter).
std::optional<std::string> decode_escapes(std::string_view text, std::string* error);

}  // namespace archbench
