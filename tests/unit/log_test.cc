#include "base/log.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace irsa {
namespace {

// 2026-11-23T17:00:00.123Z
constexpr double kTime = 1795453200.123;

class FakeLogSink : public LogSink {
 public:
  void Emit(std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

Logger MakeLogger(FakeLogSink* sink, LogLevel level = LogLevel::kDebug,
                  LogFormat format = LogFormat::kText) {
  return Logger(level, format, sink, [] { return kTime; });
}

TEST_SUITE("log") {
  TEST_CASE("FormatTimestamp") {
    struct Case {
      double t;
      const char* want;
    };
    const Case cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {kTime, "2026-11-23T17:00:00.123Z"},
        {1795453200, "2026-11-23T17:00:00.000Z"},
        {951782400.5, "2000-02-29T00:00:00.500Z"},
        {951868799.9996, "2000-03-01T00:00:00.000Z"},  // rounds to the millisecond
        {-5, "1970-01-01T00:00:00.000Z"},
        {std::nan(""), "1970-01-01T00:00:00.000Z"},
        {std::numeric_limits<double>::infinity(), "1970-01-01T00:00:00.000Z"},
        {1e300, "9999-12-31T23:59:59.999Z"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.t);
      CHECK(FormatTimestamp(c.t) == c.want);
    }
  }

  TEST_CASE("LogLevelName") {
    CHECK(LogLevelName(LogLevel::kDebug) == "debug");
    CHECK(LogLevelName(LogLevel::kInfo) == "info");
    CHECK(LogLevelName(LogLevel::kWarning) == "warning");
    CHECK(LogLevelName(LogLevel::kError) == "error");
  }

  TEST_CASE("text format") {
    const std::string ts = "2026-11-23T17:00:00.123Z ";
    CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "wrote config", {}) ==
          ts + "INFO wrote config");
    CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kWarning, "w", {}) == ts + "WARNING w");
    CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kDebug, "d", {}) == ts + "DEBUG d");
    CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kError, "e", {}) == ts + "ERROR e");

    struct Case {
      const char* value;
      const char* want;  // how `k=<value>` is rendered
    };
    const Case cases[] = {
        {"plain", "k=plain"},
        {"/var/run/.aws/config", "k=/var/run/.aws/config"},
        {"two words", "k=\"two words\""},
        {"", "k=\"\""},
        {"a=b", "k=\"a=b\""},
        {"say \"hi\"", "k=\"say \\\"hi\\\"\""},
        {"back\\slash", "k=\"back\\\\slash\""},
        {"line1\nline2", "k=\"line1\\nline2\""},
        {"tab\there", "k=\"tab\\there\""},
        {"cr\rbell\x07", "k=\"cr\\x0dbell\\x07\""},
        {"del\x7f", "k=\"del\\x7f\""},
        {"caf\xc3\xa9", "k=caf\xc3\xa9"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.value);
      CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "m", {{"k", c.value}}) ==
            ts + "INFO m " + c.want);
    }
    CHECK(FormatLogLine(LogFormat::kText, kTime, LogLevel::kInfo, "message",
                        {{"key", "value"}, {"key2", "two words"}}) ==
          ts + "INFO message key=value key2=\"two words\"");
  }

  TEST_CASE("text format keeps a message with control characters on one line") {
    const std::string line = FormatLogLine(LogFormat::kText, kTime, LogLevel::kError,
                                           "bad\nthing\tand\r\x01", {{"k", "v\n"}});
    CHECK(line == "2026-11-23T17:00:00.123Z ERROR bad\\nthing\\tand\\x0d\\x01 k=\"v\\n\"");
  }

  TEST_CASE("json format") {
    CHECK(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "wrote config",
                        {{"path", "/var/run/.aws/config"}, {"profiles", "4"}}) ==
          R"({"time":"2026-11-23T17:00:00.123Z","level":"info","msg":"wrote config",)"
          R"("path":"/var/run/.aws/config","profiles":"4"})");
    CHECK(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kWarning, "two\nlines \"q\"", {}) ==
          R"({"time":"2026-11-23T17:00:00.123Z","level":"warning","msg":"two\nlines \"q\""})");
  }

  TEST_CASE("json format replaces invalid UTF-8 instead of throwing") {
    std::string line;
    CHECK_NOTHROW(line = FormatLogLine(LogFormat::kJson, kTime, LogLevel::kError, "bad \xff",
                                       {{"k", "\xc3("}}));
    CHECK(line ==
          "{\"time\":\"2026-11-23T17:00:00.123Z\",\"level\":\"error\",\"msg\":\"bad \xef\xbf\xbd\","
          "\"k\":\"\xef\xbf\xbd(\"}");
  }

  TEST_CASE("json fields never overwrite time, level, msg or each other") {
    CHECK(FormatLogLine(LogFormat::kJson, kTime, LogLevel::kInfo, "m",
                        {{"msg", "x"}, {"level", "y"}, {"k", "1"}, {"k", "2"}}) ==
          R"({"time":"2026-11-23T17:00:00.123Z","level":"info","msg":"m",)"
          R"("_msg":"x","_level":"y","k":"1","_k":"2"})");
  }

  TEST_CASE("Logger filters by level") {
    FakeLogSink sink;
    Logger log = MakeLogger(&sink, LogLevel::kWarning);
    log.Debug("d");
    log.Info("i");
    log.Warn("w");
    log.Error("e");
    REQUIRE(sink.lines.size() == 2);
    CHECK(sink.lines[0] == "2026-11-23T17:00:00.123Z WARNING w");
    CHECK(sink.lines[1] == "2026-11-23T17:00:00.123Z ERROR e");
    CHECK_FALSE(log.Enabled(LogLevel::kInfo));
    CHECK(log.Enabled(LogLevel::kError));

    log.set_level(LogLevel::kDebug);
    log.Debug("now visible", {{"n", "1"}});
    REQUIRE(sink.lines.size() == 3);
    CHECK(sink.lines[2] == "2026-11-23T17:00:00.123Z DEBUG now visible n=1");
  }

  TEST_CASE("Logger writes JSON") {
    FakeLogSink sink;
    Logger log = MakeLogger(&sink, LogLevel::kInfo, LogFormat::kJson);
    log.Info("hello", {{"a", "b"}});
    REQUIRE(sink.lines.size() == 1);
    CHECK(sink.lines[0] ==
          R"({"time":"2026-11-23T17:00:00.123Z","level":"info","msg":"hello","a":"b"})");
  }

  TEST_CASE("Logger keeps a message with a newline on one line") {
    for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
      FakeLogSink sink;
      Logger log = MakeLogger(&sink, LogLevel::kDebug, format);
      log.Error("first\nsecond", {{"body", "a\nb\r\n"}});
      REQUIRE(sink.lines.size() == 1);
      CHECK(sink.lines[0].find('\n') == std::string::npos);
      CHECK(sink.lines[0].find('\r') == std::string::npos);
    }
  }

  TEST_CASE("Logger redacts registered secrets in messages and fields") {
    const std::string secret = "eyJhbGciOiJSUzI1NiJ9.payload.sig";
    for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
      FakeLogSink sink;
      Logger log = MakeLogger(&sink, LogLevel::kDebug, format);
      log.AddSecret("token", secret);
      log.Info("token is " + secret, {{"header", "Bearer " + secret}, {"again", secret + secret}});
      REQUIRE(sink.lines.size() == 1);
      const std::string& line = sink.lines[0];
      CHECK(line.find("eyJhbGci") == std::string::npos);
      CHECK(line.find("payload") == std::string::npos);
      CHECK(line.find("token is [redacted]") != std::string::npos);
      CHECK(line.find("[redacted][redacted]") != std::string::npos);
    }
  }

  TEST_CASE("Logger redacts secrets that formatting would escape") {
    // A quote, a backslash, a newline and invalid UTF-8 all change how the
    // secret looks in the finished line; it must still never appear.
    const std::string secrets[] = {"abc\"defghij", "abc\\defghij", "abcd\nefghij",
                                   "abcd\xff"
                                   "efghij"};
    for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
      for (const std::string& secret : secrets) {
        FakeLogSink sink;
        Logger log = MakeLogger(&sink, LogLevel::kDebug, format);
        log.AddSecret("token", secret);
        log.Warn(secret, {{"k", "x" + secret + "y"}});
        REQUIRE(sink.lines.size() == 1);
        CHECK(sink.lines[0].find("defghij") == std::string::npos);
        CHECK(sink.lines[0].find("efghij") == std::string::npos);
      }
    }
  }

  TEST_CASE("Redact") {
    FakeLogSink sink;
    Logger log = MakeLogger(&sink);
    CHECK(log.Redact("nothing registered") == "nothing registered");
    log.AddSecret("a", "short7!");  // under 8 bytes: ignored
    CHECK(log.Redact("a short7! b") == "a short7! b");
    log.AddSecret("a", "12345678");
    log.AddSecret("a", "12345678");          // duplicates are harmless
    log.AddSecret("b", "0123456789abcdef");  // contains the first secret
    CHECK(log.Redact("x12345678y") == "x[redacted]y");
    CHECK(log.Redact("0123456789abcdef") == "[redacted]");
    CHECK(log.Redact("123456781234567812345678") == "[redacted][redacted][redacted]");
    CHECK(log.Redact("1234567") == "1234567");
    CHECK(log.Redact("") == "");
  }

  TEST_CASE("AddSecret keeps the last few secrets per slot, however often they rotate") {
    FakeLogSink sink;
    Logger log = MakeLogger(&sink);
    const auto token = [](int i) { return "rotated-token-" + std::to_string(i) + "-end"; };
    log.AddSecret("api-key", "the-api-key-never-rotates");
    for (int i = 0; i < 1000; ++i) log.AddSecret("web-identity-token", token(i));
    // The current token and the ones just before it are still redacted...
    for (int i = 1000 - static_cast<int>(Logger::kSecretsPerSlot); i < 1000; ++i) {
      CHECK(log.Redact("x" + token(i) + "y") == "x[redacted]y");
    }
    // ...older ones were dropped (the list no longer grows with rotations)...
    const int dropped = 999 - static_cast<int>(Logger::kSecretsPerSlot);
    CHECK(log.Redact(token(dropped)) == token(dropped));
    CHECK(log.Redact(token(0)) == token(0));
    // ...and another slot's secret is untouched by them.
    CHECK(log.Redact("the-api-key-never-rotates") == "[redacted]");
  }

  TEST_CASE("AddSecret: a secret registered again becomes the most recent of its slot") {
    FakeLogSink sink;
    Logger log = MakeLogger(&sink);
    log.AddSecret("slot", "first-secret");
    log.AddSecret("slot", "second-secret");
    log.AddSecret("slot", "first-secret");  // in use again
    for (size_t i = 0; i + 2 < Logger::kSecretsPerSlot; ++i) {
      log.AddSecret("slot", "filler-secret-" + std::to_string(i));
    }
    CHECK(log.Redact("first-secret") == "[redacted]");
    log.AddSecret("slot", "one-more-secret");  // pushes out second-secret, the oldest
    CHECK(log.Redact("second-secret") == "second-secret");
    CHECK(log.Redact("first-secret") == "[redacted]");
  }

  TEST_CASE("Logger without a sink or clock does nothing harmful") {
    Logger silent(LogLevel::kDebug, LogFormat::kText, nullptr, [] { return 0.0; });
    CHECK_NOTHROW(silent.Error("nobody listens"));
    FakeLogSink sink;
    Logger no_clock(LogLevel::kDebug, LogFormat::kText, &sink, nullptr);
    no_clock.Info("epoch");
    REQUIRE(sink.lines.size() == 1);
    CHECK(sink.lines[0] == "1970-01-01T00:00:00.000Z INFO epoch");
  }
}

}  // namespace
}  // namespace irsa
