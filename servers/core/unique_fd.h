// UniqueFd: sole owner of one file descriptor, closed when the owner goes away.
//
// Why not a plain int: every architecture hands descriptors around (accept -> driver, parent ->
// child); an owner type makes "who closes this?" a compile-time question, and early returns on
// error paths cannot leak a descriptor.
//
// Thread-safety: like an int. One UniqueFd is used by one thread at a time; the descriptor number
// itself may be shared read-only (e.g. a listen socket polled by several threads).
#pragma once

#include <unistd.h>

#include <utility>

namespace archbench {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }

  // Gives up ownership without closing (e.g. to hand the descriptor to exec'd code).
  int release() { return std::exchange(fd_, -1); }

  // Closes the current descriptor (if any) and owns `fd` instead. close() errors are ignored:
  // on Linux the descriptor is gone either way, and there is nothing useful to retry.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace archbench
