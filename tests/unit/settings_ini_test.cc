// The INI file, through ParseInvocation: what it accepts, and the exact error
// for each line it refuses (see agent/settings_ini.cc).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "settings/invocation.h"
#include "settings/settings.h"

namespace irsa {
namespace {

constexpr char kIni[] = "/etc/irsa-agent/agent.ini";

struct Parsed {
  bool ok = false;
  Invocation inv;
  std::string err;
};

// `status` with the INI text named by IRSA_AGENT_CONFIG, as main.cc would find it.
Parsed ParseIni(std::string_view ini) {
  Parsed p;
  p.ok = ParseInvocation({"status"}, {{"IRSA_AGENT_CONFIG", kIni}}, ini, &p.inv, &p.err);
  return p;
}

TEST_SUITE("settings_ini") {
  TEST_CASE("INI file: what is accepted") {
    const std::string ini =
        "\xEF\xBB\xBF; irsa-agent settings\r\n"
        "# another comment\r\n"
        "\r\n"
        "[agent]\r\n"
        "  ; an indented comment\r\n"
        "timeout=5\r\n"
        "region : eu-west-1\r\n"
        "ca-file =   /etc/ssl/a;b#c   \r\n"
        "listen = 127.0.0.1:6003\r\n"
        "[agent]\n"
        "endpoint = https://h/x?a=b\n"
        "state-dir =\n";
    const Parsed p = ParseIni(ini);
    REQUIRE_MESSAGE(p.ok, p.err);
    const Settings& s = p.inv.settings;
    CHECK(p.inv.config_file == kIni);
    CHECK(s.timeout == 5);
    CHECK(s.region == "eu-west-1");
    CHECK(s.ca_file == "/etc/ssl/a;b#c");
    CHECK(s.listen == "127.0.0.1:6003");
    CHECK(s.endpoint == "https://h/x?a=b");
    CHECK(s.state_dir == "");
    CHECK(s.origin.at("timeout") == "file /etc/irsa-agent/agent.ini:6");
    CHECK(s.origin.at("region") == "file /etc/irsa-agent/agent.ini:7");
    CHECK(s.origin.at("endpoint") == "file /etc/irsa-agent/agent.ini:11");
    CHECK(s.origin.at("state-dir") == "file /etc/irsa-agent/agent.ini:12");
    CHECK(s.source.at("ca-file") == SettingSource::kFile);
    // Exactly 198 bytes is the longest line.
    std::string line = "ca-file = /";
    line.resize(198, 'a');
    CHECK(ParseIni("[agent]\n" + line + "\n").inv.settings.ca_file == line.substr(10));
    CHECK(ParseIni("").ok);
    CHECK(ParseIni("; only a comment").ok);
  }

  TEST_CASE("INI file: rejected lines") {
    std::string long_line = "ca-file = /";
    long_line.resize(199, 'a');
    struct Case {
      std::string ini;
      const char* want;  // after "/etc/irsa-agent/agent.ini:"
    };
    const Case cases[] = {
        {"[x]\n", "1: unknown section [x]"},
        {"[agent]\n[Agent]\n", "2: unknown section [Agent]"},
        {"[ agent ]\n", "1: unknown section [ agent ]"},
        {"[agent]\nfoo = 1\n", "2: unknown key 'foo' in [agent]"},
        {"[agent]\nTimeout = 1\n", "2: unknown key 'Timeout' in [agent]"},
        {"[agent]\napi_key = s3cr3t-value\n", "2: unknown key 'api_key' in [agent]"},
        {"timeout = 5\n", "1: key 'timeout' is outside [agent]"},
        {"[agent]\ntimeout = 5\ntimeout = 6\n", "3: timeout given twice (first on line 2)"},
        {"[agent]\ntimeout = 5\n[agent]\ntimeout = 5\n",
         "4: timeout given twice (first on line 2)"},
        {"[agent]\nregion = x\n  timeout = 5\n",
         "3: indented line (continuation lines are not supported)"},
        {"[agent]\nregion = x\n\tmore\n",
         "3: indented line (continuation lines are not supported)"},
        {"[agent]\nca-file = /a ;b\n", "2: inline comment (comments go on their own line)"},
        {"[agent]\nca-file = /a\t# b\n", "2: inline comment (comments go on their own line)"},
        {"[agent] ; main\n", "1: expected [agent] alone on the line"},
        {"[agent\n", "1: expected [agent] alone on the line"},
        {"[agent]\njunk\n", "2: expected 'key = value'"},
        {"[agent]\n= 5\n", "2: expected 'key = value'"},
        {"[agent]\n" + long_line + "\n", "2: line longer than 198 bytes"},
        {std::string("[agent]\ntimeout = 5\0\n", 21), "2: NUL byte"},
        {"[agent]\ntimeout = abc\n", "2: timeout: 'abc' is not a number of seconds"},
        {"[agent]\nfile-mode = 0755\n",
         "2: file-mode: '0755' has bits outside 0666 (no execute or special bits)"},
        {"[agent]\naws-config-file =\n", "2: aws-config-file: must not be empty"},
        {"; c\r\n\r\n[agent]\r\n# x\r\nlog-level = loud\r\n",
         "5: log-level: 'loud' is not debug, info, warning or error"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.ini);
      const Parsed p = ParseIni(c.ini);
      CHECK_FALSE(p.ok);
      CHECK(p.err == std::string(kIni) + ":" + c.want);
    }
  }
}

}  // namespace
}  // namespace irsa
