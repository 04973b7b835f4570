// The main() of every fuzz target under the normal (g++, no libFuzzer) build: runs each file
// of the given corpus directories and files through LLVMFuzzerTestOneInput once, in name order.
//
// That makes every fuzz target an ordinary binary and its seed corpus a regression test
// (fuzz.bzl wires `bazel test` to it): a seed that trips a FUZZ_CHECK aborts, and the last
// "replaying" line on stderr names the file. Under scripts/fuzz, libFuzzer's own main replaces
// this one.
//
// Exit status: 0 when every input ran; 1 when no input was found at all (a wrong path must not
// pass as an empty success) or a path does not exist.
//
// Thread-safety: single-threaded.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& path, bool& ok) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path, error)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
  } else if (std::filesystem::is_regular_file(path, error)) {
    files.push_back(path);
  } else {
    std::fprintf(stderr, "replay: no such file or directory: %s\n", path.c_str());
    ok = false;
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  bool ok = true;
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    for (const std::filesystem::path& file : inputs_of(argv[i], ok)) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  std::fprintf(stderr, "replayed %zu input(s)\n", count);
  if (count == 0) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  return ok ? 0 : 1;
}
