// BroadcastHub: who is in which broadcast group, for servers whose connections live on several
// threads (threads, asio).
//
// A single-threaded loop delivers a broadcast by calling Session::on_broadcast of every member
// itself (ConnectionTable::deliver_broadcasts). With many threads it must not: a Session belongs
// to the thread that serves its connection, and two threads writing one socket would interleave
// frames. So delivery is split in two:
//
//   sender's thread:  hub.publish(group, message)  -> for each member: member.deliver(message)
//   member's thread:  deliver() only *queues* the message and wakes the owner (a mailbox +
//                     eventfd in threads, asio::post to the owning io_context in asio); the
//                     owner then calls on_broadcast and writes, like any other output.
//
// The hub is one mutex around a map from member id to (group, deliver). publish() scans all
// members, O(connections) per message, as ConnectionTable does: membership is the session's
// business (it joins after its handshake, leaves when it closes) and a scan cannot go stale.
//
// Thread-safety: every method may be called from any thread. `deliver` callbacks run on the
// publishing thread while the hub's mutex is held, so they must be quick and must not call back
// into the hub; in exchange, once remove() returns, a member's callback is never called again,
// so the owner may destroy whatever the callback points to.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace archbench::threads {

// One encoded message, shared by every member's queue (a broadcast to 1000 members is one copy).
using SharedMessage = std::shared_ptr<const std::string>;

class BroadcastHub {
 public:
  using Deliver = std::function<void(const SharedMessage&)>;
  using MemberId = std::uint64_t;

  // Registers a connection (in no group yet). Returns its id for set_group/remove.
  MemberId add(Deliver deliver);
  // The member's current group ("" for none). Owners call it after each session call, before
  // writing that call's output, so a client that has seen its handshake reply is already in.
  void set_group(MemberId id, std::string_view group);
  // Unregisters; after it returns the member's deliver callback is never called again.
  void remove(MemberId id);
  // Hands `message` to every member of `group` (the sender included). Returns how many.
  std::size_t publish(std::string_view group, const SharedMessage& message);

 private:
  struct Member {
    std::string group;
    Deliver deliver;
  };
  std::mutex mutex_;
  MemberId next_id_ = 1;
  std::map<MemberId, Member> members_;
};

// RAII registration: add() in the constructor, remove() in the destructor.
// Thread-safety: owned by the connection's thread.
class HubMembership {
 public:
  HubMembership(BroadcastHub& hub, BroadcastHub::Deliver deliver)
      : hub_(hub), id_(hub.add(std::move(deliver))) {}
  ~HubMembership() { hub_.remove(id_); }
  HubMembership(const HubMembership&) = delete;
  HubMembership& operator=(const HubMembership&) = delete;

  // Updates the hub only when the group changed (the common case is "no change": no locking).
  void set_group(std::string_view group) {
    if (group == group_) return;
    group_ = group;
    hub_.set_group(id_, group_);
  }
  const std::string& group() const { return group_; }

 private:
  BroadcastHub& hub_;
  BroadcastHub::MemberId id_;
  std::string group_;
};

}  // namespace archbench::threads
