// FUZZ_CHECK: the one way a fuzz target reports a broken invariant.
//
// A failed check prints what was expected and why, then calls abort(): libFuzzer treats the
// abort as a crash and saves the input, and the replay binary (replay_main.cc) dies with it, so
// a seed that trips a check fails its Bazel corpus test. The detail expression is evaluated only
// when the check fails, so it may build strings without slowing the fuzzing loop.
//
// Thread-safety: check_failed writes to stderr and aborts; fuzz targets are single-threaded.
#pragma once

#include <string>
#include <string_view>

namespace archbench::fuzz {

[[noreturn]] void check_failed(const char* file, int line, const char* condition,
                               const std::string& detail);

// Bytes made readable for a check message (escapes, cut to max_bytes).
std::string shown(std::string_view bytes, std::size_t max_bytes = 200);

}  // namespace archbench::fuzz

#define FUZZ_CHECK(condition, detail)                                              \
  do {                                                                             \
    if (!(condition)) {                                                            \
      ::archbench::fuzz::check_failed(__FILE__, __LINE__, #condition, (detail));   \
    }                                                                              \
  } while (0)
