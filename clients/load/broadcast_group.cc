#include "clients/load/broadcast_group.h"

#include <algorithm>

namespace archbench::load {
namespace {

constexpr std::size_t kCountersPerCacheLine = 64 / sizeof(std::uint64_t);

std::size_t padded(int connections) {
  const auto n = static_cast<std::size_t>(connections);
  return (n + kCountersPerCacheLine - 1) / kCountersPerCacheLine * kCountersPerCacheLine;
}

}  // namespace

BroadcastGroup::BroadcastGroup(int connections, TimePoint join_deadline)
    : connections_(connections),
      join_deadline_(join_deadline),
      stride_(padded(connections)),
      members_(std::make_unique<Member[]>(static_cast<std::size_t>(connections))),
      last_received_(std::make_unique<std::atomic<std::uint64_t>[]>(
          stride_ * static_cast<std::size_t>(connections))) {
  for (std::size_t i = 0; i < stride_ * static_cast<std::size_t>(connections); ++i) {
    last_received_[i].store(0, std::memory_order_relaxed);
  }
}

// --- the barrier ---------------------------------------------------------------------------

void BroadcastGroup::release_locked(TimePoint now) {
  if (released_.load(std::memory_order_relaxed)) return;
  released_at_ = now;
  released_.store(true, std::memory_order_release);
}

bool BroadcastGroup::join(std::uint32_t member, TimePoint now) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (released_.load(std::memory_order_relaxed)) return false;
  members_[member].joined = true;
  ++joined_;
  if (++settled_ == connections_) release_locked(now);
  return true;
}

void BroadcastGroup::give_up(std::uint32_t member, TimePoint now) {
  std::lock_guard<std::mutex> lock(mutex_);
  Member& m = members_[member];
  if (m.joined || m.gave_up) return;
  m.gave_up = true;
  if (released_.load(std::memory_order_relaxed)) return;
  if (++settled_ == connections_) release_locked(now);
}

bool BroadcastGroup::released(TimePoint now) {
  if (released_.load(std::memory_order_acquire)) return true;
  if (now < join_deadline_) return false;
  std::lock_guard<std::mutex> lock(mutex_);
  release_locked(now);
  return true;
}

// --- a member's own messages -----------------------------------------------------------------

void BroadcastGroup::note_sent(std::uint32_t member, std::uint64_t sequence, bool measured) {
  Member& m = members_[member];
  m.sent = sequence;
  if (!measured) return;
  if (m.first_measured == 0) m.first_measured = sequence;
  m.last_measured = sequence;
}

void BroadcastGroup::confirm(std::uint32_t member, std::uint64_t sequence) {
  std::atomic<std::uint64_t>& confirmed = members_[member].confirmed;
  // Only the owner writes it, so a plain compare is enough; release publishes it to receivers.
  if (sequence > confirmed.load(std::memory_order_relaxed)) {
    confirmed.store(sequence, std::memory_order_release);
  }
}

void BroadcastGroup::finish_sending(std::uint32_t member, bool departed) {
  Member& m = members_[member];
  if (!m.joined) return;
  if (departed) m.departed.store(true, std::memory_order_relaxed);
  if (m.finished) return;
  m.finished = true;
  // release: a receiver that sees the count complete also sees every final `confirmed`.
  finished_.fetch_add(1, std::memory_order_acq_rel);
}

// --- receiving -------------------------------------------------------------------------------

BroadcastGroup::Receipt BroadcastGroup::receive(std::uint32_t receiver, const BroadcastTag& tag) {
  std::atomic<std::uint64_t>& slot = row(receiver)[tag.sender];
  const std::uint64_t last = slot.load(std::memory_order_relaxed);  // only this thread writes
  Receipt receipt;
  receipt.expected = last + 1;
  if (tag.sequence == receipt.expected) {
    receipt.kind = Receipt::Kind::kInOrder;
  } else if (tag.sequence < receipt.expected) {
    receipt.kind = Receipt::Kind::kRepeated;
    return receipt;  // keep the place: later messages are judged against the true order
  } else {
    receipt.kind = Receipt::Kind::kSkipped;
  }
  slot.store(tag.sequence, std::memory_order_relaxed);
  return receipt;
}

bool BroadcastGroup::drained(std::uint32_t receiver, int& settled) const {
  if (!released_.load(std::memory_order_acquire)) return false;
  if (finished_.load(std::memory_order_acquire) < joined_) return false;
  // Once everyone has finished, `confirmed` no longer moves: a sender found complete stays so.
  const std::atomic<std::uint64_t>* last = row(receiver);
  for (; settled < connections_; ++settled) {
    const Member& sender = members_[settled];
    if (sender.joined && last[settled].load(std::memory_order_relaxed) <
                             sender.confirmed.load(std::memory_order_acquire)) {
      return false;
    }
  }
  return true;
}

std::uint64_t BroadcastGroup::undelivered(std::uint32_t sender) const {
  const std::uint64_t sent = members_[sender].sent;  // the caller is the sender's thread
  std::uint64_t undelivered = 0;
  for (int r = 0; r < connections_; ++r) {
    const Member& receiver = members_[r];
    if (!receiver.joined || receiver.departed.load(std::memory_order_relaxed)) continue;
    const std::uint64_t got = row(static_cast<std::uint32_t>(r))[sender].load(
        std::memory_order_relaxed);
    undelivered = std::max(undelivered, sent - std::min(got, sent));
  }
  return undelivered;
}

// --- after the run ---------------------------------------------------------------------------

BroadcastTotals BroadcastGroup::totals(TimePoint run_start) const {
  BroadcastTotals t;
  t.connections = connections_;
  t.members = joined_;
  if (released_.load(std::memory_order_acquire)) {
    t.join_seconds = std::chrono::duration<double>(released_at_ - run_start).count();
  }
  for (int s = 0; s < connections_; ++s) {
    const Member& sender = members_[s];
    if (!sender.joined) continue;
    if (sender.departed.load(std::memory_order_relaxed)) ++t.departed;
    if (sender.first_measured > 0) t.messages += sender.last_measured - sender.first_measured + 1;
  }
  for (int r = 0; r < connections_; ++r) {
    const Member& receiver = members_[r];
    if (!receiver.joined) continue;
    const std::atomic<std::uint64_t>* row_of_receiver = row(static_cast<std::uint32_t>(r));
    const bool stayed = !receiver.departed.load(std::memory_order_relaxed);
    for (int s = 0; s < connections_; ++s) {
      const Member& sender = members_[s];
      if (!sender.joined) continue;
      const std::uint64_t last = row_of_receiver[s].load(std::memory_order_relaxed);
      // Messages arrive in order, so those received are 1..last: count the measured ones.
      if (sender.first_measured > 0 && last >= sender.first_measured) {
        t.deliveries += std::min(last, sender.last_measured) - sender.first_measured + 1;
      }
      const std::uint64_t owed = sender.confirmed.load(std::memory_order_relaxed);
      if (stayed && last < owed) t.missing += owed - last;
    }
  }
  return t;
}

}  // namespace archbench::load
