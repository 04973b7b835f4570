// The broadcast group's bookkeeping without sockets: the barrier, the order checks, the drain
// and the totals (deliveries of measured messages, missing copies, departures). Also the tags
// and bodies every member can rebuild.
#include "clients/load/broadcast_group.h"

#include <gtest/gtest.h>

#include <set>

#include "clients/load/broadcast_message.h"

namespace archbench::load {
namespace {

using Kind = BroadcastGroup::Receipt::Kind;

const TimePoint kStart = Clock::now();
const TimePoint kDeadline = kStart + std::chrono::seconds(10);

TEST(BroadcastMessageTest, TagsRoundTripAndOnlyOurFormatParses) {
  const BroadcastTag tag{1023, 0x123456789abcull};
  const std::string text = format_broadcast_tag(tag);
  EXPECT_EQ(text, "#00003ff:000123456789abc");
  ASSERT_EQ(text.size(), kBroadcastTagSize);
  const auto parsed = parse_broadcast_tag(text);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->sender, 1023u);
  EXPECT_EQ(parsed->sequence, 0x123456789abcull);
  EXPECT_FALSE(parse_broadcast_tag("#00003FF:000123456789abc"));  // upper case
  EXPECT_FALSE(parse_broadcast_tag("x00003ff:000123456789abc"));
  EXPECT_FALSE(parse_broadcast_tag("#00003ff-000123456789abc"));
  EXPECT_FALSE(parse_broadcast_tag("#00003ff:00012345"));  // too short
}

TEST(BroadcastMessageTest, BodiesDependOnTheTagAndTextStaysPrintable) {
  const BroadcastPayload text(200, /*binary=*/false, 7);
  EXPECT_EQ(text.message_size(), 200u);
  std::set<std::string> bodies;
  for (std::uint64_t q = 1; q <= 20; ++q) bodies.insert(std::string(text.body({3, q})));
  EXPECT_GT(bodies.size(), 15u);  // 256 windows: collisions are rare
  std::string message;
  text.build({3, 5}, message);
  ASSERT_EQ(message.size(), 200u);
  EXPECT_EQ(message.substr(0, kBroadcastTagSize), format_broadcast_tag({3, 5}));
  EXPECT_EQ(message.substr(kBroadcastTagSize), text.body({3, 5}));
  for (char c : message) ASSERT_TRUE(c >= ' ' && c <= '~');
  // Every member rebuilds the same body from the same seed.
  EXPECT_EQ(BroadcastPayload(200, false, 7).body({3, 5}), text.body({3, 5}));
  EXPECT_EQ(BroadcastPayload(kBroadcastTagSize, true, 7).body({0, 1}), "");
}

TEST(BroadcastGroupTest, BarrierWaitsForEveryoneAndRefusesLateJoiners) {
  BroadcastGroup group(3, kDeadline);
  EXPECT_TRUE(group.join(0, kStart));
  EXPECT_FALSE(group.released(kStart));
  group.give_up(2, kStart);
  EXPECT_FALSE(group.released(kStart));
  EXPECT_TRUE(group.join(1, kStart + std::chrono::milliseconds(5)));
  EXPECT_TRUE(group.released(kStart));
  EXPECT_EQ(group.released_at(), kStart + std::chrono::milliseconds(5));
  EXPECT_FALSE(group.join(2, kStart));  // gave up, then came too late anyway
}

TEST(BroadcastGroupTest, BarrierReleasesAtTheDeadline) {
  BroadcastGroup group(2, kDeadline);
  EXPECT_TRUE(group.join(0, kStart));
  EXPECT_FALSE(group.released(kDeadline - std::chrono::milliseconds(1)));
  EXPECT_TRUE(group.released(kDeadline));
  EXPECT_FALSE(group.join(1, kDeadline));
  EXPECT_EQ(group.totals(kStart).members, 1);
}

TEST(BroadcastGroupTest, ReceiptsAreInOrderRepeatedOrSkipped) {
  BroadcastGroup group(2, kDeadline);
  EXPECT_EQ(group.receive(1, {0, 1}).kind, Kind::kInOrder);
  EXPECT_EQ(group.receive(1, {0, 2}).kind, Kind::kInOrder);
  const auto repeated = group.receive(1, {0, 2});
  EXPECT_EQ(repeated.kind, Kind::kRepeated);
  EXPECT_EQ(repeated.expected, 3u);
  const auto skipped = group.receive(1, {0, 5});
  EXPECT_EQ(skipped.kind, Kind::kSkipped);
  EXPECT_EQ(skipped.expected, 3u);
  EXPECT_EQ(group.receive(1, {0, 6}).kind, Kind::kInOrder);  // goes on after the skip
  EXPECT_EQ(group.receive(1, {1, 1}).kind, Kind::kInOrder);  // senders are independent
  EXPECT_EQ(group.receive(0, {0, 1}).kind, Kind::kInOrder);  // and so are receivers
}

TEST(BroadcastGroupTest, DrainedOnceEveryoneStoppedAndEveryConfirmedMessageArrived) {
  BroadcastGroup group(2, kDeadline);
  ASSERT_TRUE(group.join(0, kStart));
  ASSERT_TRUE(group.join(1, kStart));
  group.note_sent(0, 1, true);
  group.receive(0, {0, 1});
  group.confirm(0, 1);
  group.finish_sending(0, false);
  int settled0 = 0;
  int settled1 = 0;
  EXPECT_FALSE(group.drained(0, settled0));  // member 1 still sends
  group.finish_sending(1, false);
  EXPECT_TRUE(group.drained(0, settled0));
  EXPECT_FALSE(group.drained(1, settled1));  // owed message 1 of member 0
  EXPECT_EQ(settled1, 0);
  group.receive(1, {0, 1});
  EXPECT_TRUE(group.drained(1, settled1));
  EXPECT_EQ(settled1, 2);
}

TEST(BroadcastGroupTest, TotalsCountMeasuredDeliveriesAndMissingCopies) {
  BroadcastGroup group(4, kDeadline);
  for (std::uint32_t m = 0; m < 3; ++m) ASSERT_TRUE(group.join(m, kStart));
  group.give_up(3, kStart + std::chrono::milliseconds(2));  // never a member
  // Member 0 sends 1 (warmup), 2 and 3 (measured); member 1 sends 1 (measured), then fails.
  group.note_sent(0, 1, false);
  group.note_sent(0, 2, true);
  group.note_sent(0, 3, true);
  group.confirm(0, 3);
  group.note_sent(1, 1, true);
  group.note_sent(1, 2, true);  // never confirmed: not owed
  group.confirm(1, 1);
  for (std::uint32_t r : {0u, 2u}) {
    for (std::uint64_t q = 1; q <= 3; ++q) group.receive(r, {0, q});
  }
  group.receive(1, {0, 1});        // member 1 departs after one message
  group.receive(0, {1, 1});        // member 2 never gets member 1's message
  group.finish_sending(1, /*departed=*/true);
  group.finish_sending(0, false);
  group.finish_sending(2, false);

  const BroadcastTotals t = group.totals(kStart);
  EXPECT_EQ(t.connections, 4);
  EXPECT_EQ(t.members, 3);
  EXPECT_EQ(t.departed, 1);
  EXPECT_NEAR(t.join_seconds, 0.002, 1e-9);
  EXPECT_EQ(t.messages, 4u);  // 0:{2,3}, 1:{1,2}
  // Measured copies that arrived: message 2 and 3 of member 0 at members 0 and 2; message 1 of
  // member 1 at member 0. (Member 1 got only the warmup message of member 0.)
  EXPECT_EQ(t.deliveries, 5u);
  // Owed and never received, by members that stayed: member 2 lacks message 1 of member 1.
  EXPECT_EQ(t.missing, 1u);
}

}  // namespace
}  // namespace archbench::load
