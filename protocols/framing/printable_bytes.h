// Bytes made safe for a log line or an error reply: what a delimiter, a length header or an
// unknown command looked like, without letting raw control bytes into a terminal or a log file.
//
// Thread-safety: pure functions, no state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace archbench::framing {

// C-style escapes: \r \n \t \\ \" stay readable, every other byte outside 0x20..0x7e becomes
// \xHH. At most `max_bytes` input bytes are shown; when there were more, "..." is appended.
std::string printable_bytes(std::string_view bytes, std::size_t max_bytes = 64);

// Lower-case hex, one space between bytes: "47 45 54 20". For binary headers, where the escaped
// form would hide the numeric values someone debugging a framing bug wants to see.
std::string hex_bytes(std::string_view bytes);

}  // namespace archbench::framing
