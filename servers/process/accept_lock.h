// The lock around accept() that Stevens' preforked servers compare (UNIX Network Programming,
// 3rd ed., ch. 30: "preforking, no locking around accept", "file locking around accept",
// "thread locking around accept").
//
// Why lock at all: when N processes wait for the same listening socket, how many of them the
// kernel wakes for one connection is the kernel's business. Old BSD kernels woke all N for one
// winner (the "thundering herd"); Linux wakes exactly one process blocked in accept() (exclusive
// wait queue), but still wakes every process blocked in select()/poll() on that socket. A lock
// makes the choice explicit: only the holder waits in accept(), the others wait on the lock.
//
//   kNone   no lock: every child blocks in accept() itself.
//   kFcntl  fcntl(F_SETLKW) write lock on a temporary file. POSIX record locks belong to a
//           *process*, not to a descriptor, so children sharing the one inherited descriptor still
//           exclude each other (Linux's OFD locks would NOT: they belong to the open file
//           description, which fork() shares). The kernel drops the lock of a process that dies,
//           so a killed child can never leave the lock held. Costs a syscall to lock and unlock.
//   kMutex  a pthread mutex with PTHREAD_PROCESS_SHARED in a MAP_SHARED anonymous mapping made
//           before fork(). Uncontended lock/unlock stay in user space (futex). Made ROBUST: when
//           a child dies holding it (kill -9 while in accept), the next locker gets EOWNERDEAD
//           and repairs it instead of the whole pool hanging, which Stevens' version would do.
//
// Thread-safety: make_accept_lock() in the parent before forking; afterwards each child process
// uses lock()/unlock() from its single thread. The lock excludes processes, not threads.
#pragma once

#include <memory>
#include <optional>
#include <string_view>

namespace archbench::process {

enum class AcceptLockKind { kNone, kFcntl, kMutex };

// "none", "fcntl", "mutex"; nullopt for anything else.
std::optional<AcceptLockKind> parse_accept_lock(std::string_view name);
std::string_view accept_lock_name(AcceptLockKind kind);

class AcceptLock {
 public:
  virtual ~AcceptLock() = default;
  // Blocks until this process holds the lock. Returns false, NOT holding it, when a stop
  // (SIGTERM) was requested: the caller stops instead of accepting.
  virtual bool lock() = 0;
  virtual void unlock() = 0;
};

// Builds the lock; the parent calls it before fork() so every child inherits the same one.
// Throws std::system_error when the temp file or the shared mapping cannot be made.
std::unique_ptr<AcceptLock> make_accept_lock(AcceptLockKind kind);

}  // namespace archbench::process
