// --protocol timer: AFTER / TICK / CANCEL lines, FIRED / TICK / ERR replies (DESIGN.md). The cases
// check order and content; the only time checks are lower bounds (nothing fires early), because
// lateness belongs to the benchmarks.
#include <chrono>
#include <string>
#include <thread>
#include <utility>

#include "clients/conformance/case_catalogue.h"

namespace archbench::conformance {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string read_line(BlockingSocket& s, const std::string& what) {
  std::string line;
  try {
    line = s.read_until("\r\n", 4096);
  } catch (const SocketError& error) {
    fail(what + ": expected a line, but " + error.what());
  }
  line.resize(line.size() - 2);
  expect(line.find('\n') == std::string::npos,
         what + ": reply line with a bare LF: \"" + printable(line) + "\"");
  return line;
}

void expect_line(BlockingSocket& s, const std::string& want, const std::string& what) {
  const std::string got = read_line(s, what);
  expect(got == want, what + ": expected \"" + want + "\", got \"" + printable(got) + "\"");
}

long long millis_since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Millis>(SteadyClock::now() - start).count();
}

// The connection still takes commands, and nothing else is queued before the probe's answer.
void expect_alive(BlockingSocket& s, const std::string& what) {
  s.write_all("AFTER 0 probe\r\n");
  expect_line(s, "FIRED probe", what + " (probe)");
}

void after_fires(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const auto start = SteadyClock::now();
  s.write_all("AFTER 50 a1\r\n");
  expect_line(s, "FIRED a1", "AFTER 50 a1");
  const long long elapsed = millis_since(start);
  expect(elapsed >= 50, "AFTER 50 a1 fired after " + std::to_string(elapsed) + " ms (early)");
  expect_silence(s, Millis(100), "after the one FIRED");
}

void after_zero(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("AFTER 0 now\r\n");
  expect_line(s, "FIRED now", "AFTER 0 now");
}

void after_order(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("AFTER 150 late\r\nAFTER 30 early\r\n");
  expect_line(s, "FIRED early", "the shorter timer first");
  expect_line(s, "FIRED late", "the longer timer second");
}

void many_in_one_write(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  std::string all;
  for (int i = 0; i < 20; ++i) {
    all += "AFTER " + std::to_string(200 - 10 * i) + " id" + std::to_string(i) + "\r\n";
  }
  s.write_all(all);
  for (int i = 19; i >= 0; --i) expect_line(s, "FIRED id" + std::to_string(i), "20 AFTERs");
}

void tick(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const auto start = SteadyClock::now();
  s.write_all("TICK 20 5 t\r\n");
  for (int k = 1; k <= 5; ++k) {
    expect_line(s, "TICK t " + std::to_string(k), "TICK 20 5 t, tick " + std::to_string(k));
    const long long elapsed = millis_since(start);
    expect(elapsed >= 20 * k,
           "tick " + std::to_string(k) + " came after " + std::to_string(elapsed) + " ms (early)");
  }
  expect_silence(s, Millis(100), "after the 5th tick");
}

void tick_once(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("TICK 10 1 solo\r\n");
  expect_line(s, "TICK solo 1", "TICK 10 1 solo");
  expect_silence(s, Millis(60), "after the only tick");
}

// Interleaving of two timers is timing-dependent; the case checks each one's own order.
void tick_and_after(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("TICK 30 3 t\r\nAFTER 45 a\r\n");
  int next_tick = 1;
  bool fired = false;
  for (int i = 0; i < 4; ++i) {
    const std::string line = read_line(s, "TICK and AFTER together");
    if (line == "FIRED a" && !fired) {
      fired = true;
    } else {
      expect(line == "TICK t " + std::to_string(next_tick),
             "expected \"TICK t " + std::to_string(next_tick) + "\" or \"FIRED a\", got \"" +
                 printable(line) + "\"");
      ++next_tick;
    }
  }
}

void cancel_tick(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("TICK 40 1000 c\r\n");
  expect_line(s, "TICK c 1", "first tick");
  expect_line(s, "TICK c 2", "second tick");
  s.write_all("CANCEL c\r\nAFTER 0 probe\r\n");
  // Ticks already on their way when CANCEL arrived may still come, in order, before the probe.
  int k = 3;
  while (true) {
    const std::string line = read_line(s, "after CANCEL");
    if (line == "FIRED probe") break;
    expect(
        line == "TICK c " + std::to_string(k) && k <= 10,
        "after CANCEL c: expected \"FIRED probe\" (after at most a few ticks in flight), got \"" +
            printable(line) + "\"");
    ++k;
  }
  expect_silence(s, Millis(200), "five intervals after CANCEL");
}

void cancel_after(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("AFTER 100 x\r\nCANCEL x\r\nAFTER 200 probe\r\n");
  expect_line(s, "FIRED probe", "a cancelled AFTER must not fire (FIRED probe comes first)");
}

void cancel_only_named(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("TICK 30 3 keep\r\nAFTER 20 gone\r\nCANCEL gone\r\n");
  for (int k = 1; k <= 3; ++k) {
    expect_line(s, "TICK keep " + std::to_string(k), "the timer that was not cancelled");
  }
  expect_alive(s, "after cancelling another id");
}

void bare_lf(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_all("AFTER 10 lf\nAFTER 20 lf2\n");
  expect_line(s, "FIRED lf", "command ended by a bare LF (reply ends in CRLF)");
  expect_line(s, "FIRED lf2", "second command ended by a bare LF");
}

void byte_by_byte(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  s.write_in_pieces("AFTER 20 slow\r\n", 1, Millis(2));
  expect_line(s, "FIRED slow", "command written one byte at a time");
}

void invalid(CaseContext& ctx, const std::string& line) {
  BlockingSocket s = ctx.connect();
  s.write_all(line + "\r\n");
  const std::string got = read_line(s, "invalid line \"" + line + "\"");
  expect(got.rfind("ERR ", 0) == 0 && got.size() > 4, "invalid line \"" + printable(line) +
                                                          "\": expected \"ERR <reason>\", got \"" +
                                                          printable(got) + "\"");
  expect_alive(s, "after an ERR");
}

void two_connections(CaseContext& ctx) {
  BlockingSocket a = ctx.connect();
  BlockingSocket b = ctx.connect();
  a.write_all("TICK 40 3 t\r\n");
  // b cancels "t": ids belong to a connection, so a's timer keeps ticking.
  b.write_all("CANCEL t\r\nAFTER 10 t\r\n");
  // CANCEL of an id b never started may be refused with ERR; DESIGN.md leaves that open.
  std::string line = read_line(b, "b's own timer t");
  if (line.rfind("ERR ", 0) == 0) line = read_line(b, "b's own timer t");
  expect(line == "FIRED t",
         "b's own timer t: expected \"FIRED t\", got \"" + printable(line) + "\"");
  for (int k = 1; k <= 3; ++k) {
    expect_line(a, "TICK t " + std::to_string(k), "a's ticks, untouched by b's CANCEL t");
  }
  expect_silence(b, Millis(50), "b sees none of a's ticks");
}

void close_with_pending(CaseContext& ctx) {
  {
    BlockingSocket s = ctx.connect();
    s.write_all("TICK 5 100000 busy\r\nAFTER 50 never\r\n");
    expect_line(s, "TICK busy 1", "a tick before closing");
  }  // closed with timers pending: the server must drop them, not write to a dead connection
  std::this_thread::sleep_for(Millis(60));
  BlockingSocket s = ctx.connect();
  expect_alive(s, "a new connection after one closed with pending timers");
}

}  // namespace

void add_timer_cases(CaseList& list) {
  add_case(list, "timer", "after", "fires_after_delay", after_fires);
  add_case(list, "timer", "after", "zero_delay", after_zero);
  add_case(list, "timer", "after", "shorter_first", after_order);
  add_case(list, "timer", "after", "twenty_in_one_write", many_in_one_write);
  add_case(list, "timer", "tick", "count_lines", tick);
  add_case(list, "timer", "tick", "count_one", tick_once);
  add_case(list, "timer", "tick", "with_after", tick_and_after);
  add_case(list, "timer", "cancel", "stops_tick", cancel_tick);
  add_case(list, "timer", "cancel", "stops_after", cancel_after);
  add_case(list, "timer", "cancel", "only_named_timer", cancel_only_named);
  add_case(list, "timer", "lines", "bare_lf_accepted", bare_lf);
  add_case(list, "timer", "lines", "byte_by_byte", byte_by_byte);
  add_case(list, "timer", "lines", "closed_with_pending_timers", close_with_pending);
  const std::pair<const char*, const char*> kInvalid[] = {
      {"unknown_command", "HELLO world"},
      {"after_not_a_number", "AFTER soon x"},
      {"after_missing_id", "AFTER 10"},
      {"after_negative", "AFTER -5 x"},
      {"after_extra_field", "AFTER 10 x y"},
      {"tick_missing_count", "TICK 10 t"},
      {"tick_count_not_a_number", "TICK 10 many t"},
      {"cancel_missing_id", "CANCEL"},
  };
  for (const auto& [name, line] : kInvalid) {
    add_case(list, "timer", "invalid", name,
             [line = std::string(line)](CaseContext& c) { invalid(c, line); });
  }
  add_case(list, "timer", "independent", "two_connections", two_connections, true);
}

}  // namespace archbench::conformance
