#include "protocols/http/application.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocols/http/ws_demo_page.h"

namespace archbench::http {
namespace {

Now fixed_now() { return Now{TimePoint{std::chrono::seconds(1000)}, {}}; }

Request make(std::string method, std::string path, std::string query = "",
             std::vector<Header> headers = {}, std::string body = "") {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

class ApplicationTest : public ::testing::Test {
 protected:
  ApplicationTest() : app_(config()) {}
  static ProtocolConfig config() {
    ProtocolConfig c;
    c.package_max_length = 1000;
    return c;
  }
  Reply handle(const Request& r) { return app_.handle(r, fixed_now()); }
  Application app_;
};

TEST_F(ApplicationTest, Root) {
  Reply r = handle(make("GET", "/"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "Hello World");
  EXPECT_EQ(r.response.content_type, "text/plain");
  EXPECT_FALSE(r.due.has_value());
  EXPECT_FALSE(r.close);
}

TEST_F(ApplicationTest, Json) {
  Reply r = handle(make("GET", "/json"));
  EXPECT_EQ(r.response.body, R"({"message":"Hello, World!"})");
  EXPECT_EQ(r.response.content_type, "application/json");
}

TEST_F(ApplicationTest, EchoKeepsContentType) {
  Reply typed = handle(make("POST", "/echo", "", {{"Content-Type", "text/csv"}}, "a,b\n1,2"));
  EXPECT_EQ(typed.response.status, 200);
  EXPECT_EQ(typed.response.body, "a,b\n1,2");
  EXPECT_EQ(typed.response.content_type, "text/csv");
  Reply untyped = handle(make("POST", "/echo", "", {}, std::string("\0\x01\xff", 3)));
  EXPECT_EQ(untyped.response.body, std::string("\0\x01\xff", 3));
  EXPECT_EQ(untyped.response.content_type, "application/octet-stream");
  EXPECT_EQ(handle(make("POST", "/echo")).response.body, "");
}

TEST_F(ApplicationTest, InspectReportsEverything) {
  Reply r = handle(make("GET", "/inspect", "a=1&b=x%20y&a=2&flag",
                        {{"Host", "example.com"},
                         {"X-Multi", "one"},
                         {"x-multi", "two"},
                         {"Cookie", "session=abc; theme=\"dark\""},
                         {"Cookie", "lang=en"}}));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.content_type, "application/json");
  nlohmann::json doc = nlohmann::json::parse(r.response.body);
  EXPECT_EQ(doc["method"], "GET");
  EXPECT_EQ(doc["path"], "/inspect");
  EXPECT_EQ(doc["query"], nlohmann::json({{"a", "1"}, {"b", "x y"}, {"flag", ""}}));
  EXPECT_EQ(doc["headers"]["host"], "example.com");
  EXPECT_EQ(doc["headers"]["x-multi"], "one, two");
  EXPECT_EQ(doc["headers"]["cookie"], "session=abc; theme=\"dark\"; lang=en");
  EXPECT_EQ(doc["cookies"],
            nlohmann::json({{"session", "abc"}, {"theme", "dark"}, {"lang", "en"}}));
  // Key order as documented.
  EXPECT_EQ(r.response.body.rfind(R"({"method":"GET","path":"/inspect","query":)", 0), 0u);
}

TEST_F(ApplicationTest, InspectWithNothingGivesEmptyObjects) {
  nlohmann::json doc = nlohmann::json::parse(handle(make("GET", "/inspect")).response.body);
  EXPECT_TRUE(doc["query"].is_object() && doc["query"].empty());
  EXPECT_TRUE(doc["headers"].is_object() && doc["headers"].empty());
  EXPECT_TRUE(doc["cookies"].is_object() && doc["cookies"].empty());
}

TEST_F(ApplicationTest, InspectSurvivesNonUtf8HeaderValues) {
  Reply r = handle(make("GET", "/inspect", "", {{"X-Latin", "caf\xe9"}}));
  EXPECT_EQ(r.response.status, 200);
  nlohmann::json doc = nlohmann::json::parse(r.response.body);
  EXPECT_EQ(doc["headers"]["x-latin"], "caf\xef\xbf\xbd");  // U+FFFD replacement
}

TEST_F(ApplicationTest, BytesGivesExactlyN) {
  Reply r = handle(make("GET", "/bytes", "n=30"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "abcdefghijklmnopqrstuvwxyzabcd");
  EXPECT_EQ(r.response.content_type, "application/octet-stream");
  EXPECT_EQ(handle(make("GET", "/bytes", "n=0")).response.body, "");
  EXPECT_EQ(handle(make("GET", "/bytes", "n=1000")).response.body.size(), 1000u);
  EXPECT_EQ(bytes_body(27), "abcdefghijklmnopqrstuvwxyza");
}

TEST_F(ApplicationTest, BytesForHeadSkipsTheBodyButKeepsTheLength) {
  Reply r = handle(make("HEAD", "/bytes", "n=500"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "");
  EXPECT_EQ(r.response.content_length, 500u);
}

TEST_F(ApplicationTest, BytesRefusesBadN) {
  for (std::string q : {"", "n=", "n=-1", "n=abc", "n=12x", "n=1001", "n=99999999999999999999",
                        "m=5", "n=+5"}) {
    Reply r = handle(make("GET", "/bytes", q));
    EXPECT_EQ(r.response.status, 400) << q;
    EXPECT_TRUE(r.close) << q;
  }
}

TEST_F(ApplicationTest, SleepIsDeferred) {
  Reply r = handle(make("GET", "/sleep", "ms=250"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "slept 250 ms");
  ASSERT_TRUE(r.due.has_value());
  EXPECT_EQ(*r.due, fixed_now().steady + std::chrono::milliseconds(250));
  Reply zero = handle(make("GET", "/sleep", "ms=0"));
  ASSERT_TRUE(zero.due.has_value());
  EXPECT_EQ(*zero.due, fixed_now().steady);
}

TEST_F(ApplicationTest, SleepRefusesBadMs) {
  for (std::string q : {"", "ms=60001", "ms=-5", "ms=1.5"}) {
    Reply r = handle(make("GET", "/sleep", q));
    EXPECT_EQ(r.response.status, 400) << q;
    EXPECT_FALSE(r.due.has_value());
  }
  EXPECT_EQ(handle(make("GET", "/sleep", "ms=60000")).response.status, 200);
}

TEST_F(ApplicationTest, WsDemoPage) {
  Reply r = handle(make("GET", "/ws-demo"));
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.content_type, "text/html; charset=utf-8");
  const std::string& page = r.response.body;
  EXPECT_NE(page.find("new WebSocket(scheme + location.host + path)"), std::string::npos);
  EXPECT_NE(page.find("connect('/broadcast', '/ws')"), std::string::npos);
  EXPECT_NE(page.find("<div id=\"result\"></div>"), std::string::npos);
  EXPECT_NE(page.find("params.get('auto') === '1'"), std::string::npos);
  EXPECT_NE(page.find(std::string(kWsDemoDefaultText)), std::string::npos);
}

TEST_F(ApplicationTest, HeadAnswersGetRoutes) {
  for (std::string path : {"/", "/json", "/inspect", "/ws-demo"}) {
    Reply get = handle(make("GET", path));
    Reply head = handle(make("HEAD", path));
    EXPECT_EQ(head.response.status, 200) << path;
    EXPECT_EQ(head.response.content_type, get.response.content_type) << path;
  }
}

TEST_F(ApplicationTest, UnknownPathIs404) {
  for (std::string path : {"/nope", "/json/", "/JSON", "/echo/x", ""}) {
    Reply r = handle(make("GET", path));
    EXPECT_EQ(r.response.status, 404) << path;
    EXPECT_EQ(r.response.body, "Not Found");
    EXPECT_FALSE(r.close);
  }
  EXPECT_EQ(handle(make("DELETE", "/nope")).response.status, 404);
}

TEST_F(ApplicationTest, WrongMethodIs405WithAllow) {
  Reply post_root = handle(make("POST", "/", "", {}, "x"));
  EXPECT_EQ(post_root.response.status, 405);
  ASSERT_EQ(post_root.response.headers.size(), 1u);
  EXPECT_EQ(post_root.response.headers[0].name, "Allow");
  EXPECT_EQ(post_root.response.headers[0].value, "GET, HEAD");
  Reply get_echo = handle(make("GET", "/echo"));
  EXPECT_EQ(get_echo.response.status, 405);
  EXPECT_EQ(get_echo.response.headers[0].value, "POST");
  EXPECT_EQ(handle(make("PUT", "/json")).response.status, 405);
  EXPECT_EQ(handle(make("get", "/")).response.status, 405);  // methods are case-sensitive
}

}  // namespace
}  // namespace archbench::http
