// The server log: one line per event on stderr, and the optional --trace lines.
//
// Every line is written with a single write(2) call, so lines from several threads or forked
// processes sharing stderr never interleave mid-line (writes up to PIPE_BUF are atomic on pipes,
// and in practice on files opened O_APPEND and terminals).
//
// Thread-safety: all functions are safe from any thread and from forked children. The trace
// switch is a process-wide atomic set once at start-up.
#pragma once

#include <string>
#include <string_view>

namespace archbench {

// Writes "<line>\n" to stderr (the newline is added).
void log_line(std::string_view line);

// --trace: when enabled, trace_connection logs which process and thread serves a connection:
//   "trace: <event> <peer> pid=<pid> tid=<tid>"
// so a student can watch, e.g., prefork children taking turns. Off by default.
void set_trace_enabled(bool enabled);
bool trace_enabled();
void trace_connection(std::string_view event, std::string_view peer);

}  // namespace archbench
