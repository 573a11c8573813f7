// ParseInvocation and FindConfigFile: commands, options, the five sources of a
// setting, cross-checks, and secrets in errors. The INI file's own grammar is
// in settings_ini_test.cc.
#include "settings/invocation.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "settings/settings.h"

namespace irsa {
namespace {

constexpr char kIni[] = "/etc/irsa-agent/agent.ini";
constexpr char kEndpoint[] = "https://irsa-svc.domino-field/map_iam_roles_to_pod_sa";

struct Parsed {
  bool ok = false;
  Invocation inv;
  std::string err;
};

Parsed Parse(const std::vector<std::string>& args, const Environment& env = {},
             std::string_view ini = "") {
  Parsed p;
  p.ok = ParseInvocation(args, env, ini, &p.inv, &p.err);
  return p;
}

// The INI text is named by IRSA_AGENT_CONFIG, as main.cc would find it.
Parsed ParseIni(std::string_view ini, std::vector<std::string> args = {"status"},
                Environment env = {}) {
  env["IRSA_AGENT_CONFIG"] = kIni;
  return Parse(args, env, ini);
}

// The error of a parse that must fail; every error is one line.
std::string ErrorOf(const Parsed& p) {
  if (p.ok) return "(no error)";
  CHECK(p.err.find('\n') == std::string::npos);
  return p.err;
}

TEST_SUITE("invocation") {
  TEST_CASE("commands") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    struct Case {
      std::vector<std::string> args;
      Command want;
    };
    const Case cases[] = {
        {{}, Command::kOnce},
        {{"once"}, Command::kOnce},
        {{"--timeout", "5"}, Command::kOnce},
        {{"run"}, Command::kRun},
        {{"status"}, Command::kStatus},
        {{"doctor"}, Command::kDoctor},
        {{"profiles"}, Command::kProfiles},
        {{"install", "/opt/irsa"}, Command::kInstall},
        {{"help"}, Command::kHelp},
        {{"help", "run", "--bogus"}, Command::kHelp},
        {{"version"}, Command::kVersion},
        {{"--help"}, Command::kHelp},
        {{"-h"}, Command::kHelp},
        {{"--version"}, Command::kVersion},
        {{"run", "--help"}, Command::kHelp},
        {{"status", "--timeout", "5", "-h"}, Command::kHelp},
    };
    for (const Case& c : cases) {
      CAPTURE(c.args.size());
      const Parsed p = Parse(c.args, env);
      REQUIRE_MESSAGE(p.ok, p.err);
      CHECK(p.inv.command == c.want);
    }
    CHECK(Parse({"install", "/opt/irsa"}, env).inv.install_dir == "/opt/irsa");
  }

  TEST_CASE("help and version work whatever the settings") {
    const Environment broken = {{"IRSA_AGENT_NOPE", "1"}, {"IRSA_AGENT_CONFIG", kIni}};
    CHECK(Parse({"--version"}, broken, "[nope]\n").inv.command == Command::kVersion);
    CHECK(Parse({"help"}, broken, "[nope]\n").inv.command == Command::kHelp);
    CHECK(Parse({"status", "--help"}, broken, "[nope]\n").inv.command == Command::kHelp);
  }

  TEST_CASE("command options") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    CHECK(Parse({"once", "--print"}, env).inv.print);
    CHECK(Parse({"--print"}, env).inv.print);
    CHECK(Parse({"status", "--json"}).inv.json);
    CHECK(Parse({"profiles", "--json"}).inv.json);
    const Parsed doctor = Parse({"doctor", "--json", "--sts"}, env);
    CHECK(doctor.inv.json);
    CHECK(doctor.inv.sts);
    CHECK_FALSE(doctor.inv.print);
  }

  TEST_CASE("credentials: the profile and its standalone recipe") {
    const Parsed p =
        Parse({"credentials", "src_a", "--role-arn", "arn:r", "--source-role-arn=arn:s",
               "--session-name", "u@r", "--set-source-identity", "u", "--tag", "k=v=w", "--tag",
               "k2=", "--socket", "/s.sock"},
              {{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5000"}});
    REQUIRE(p.ok);
    CHECK(p.inv.command == Command::kCredentials);
    CHECK(p.inv.profile == "src_a");
    CHECK(p.inv.role_arn == "arn:r");
    CHECK(p.inv.source_role_arn == "arn:s");
    CHECK(p.inv.session_name == "u@r");
    CHECK(p.inv.set_source_identity == "u");
    CHECK(p.inv.tags == std::vector<std::pair<std::string, std::string>>{{"k", "v=w"}, {"k2", ""}});
    CHECK(p.inv.settings.socket == "/s.sock");
    CHECK(p.inv.settings.sts_endpoint == "http://127.0.0.1:5000");
    // No mapping source needed; process style takes source-identity.
    CHECK(Parse({"once", "--mapping-file", "/m", "--profile-style", "process", "--source-identity",
                 "true", "--session-tags", "yes"})
              .inv.settings.profile_style == ProfileStyle::kProcess);
  }

  TEST_CASE("rejected command lines") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    struct Case {
      std::vector<std::string> args;
      const char* want;
    };
    const Case cases[] = {
        {{"bogus"}, "unknown command 'bogus' (try --help)"},
        {{"Run"}, "unknown command 'Run' (try --help)"},
        {{""}, "unknown command '' (try --help)"},
        {{"install"}, "install needs a folder: irsa-agent install DIR"},
        {{"install", ""}, "install: DIR must not be empty"},
        {{"install", "/a\nb"}, "install: DIR contains a control character"},
        {{"install", "/a", "/b"}, "unexpected argument '/b'"},
        {{"status", "extra"}, "unexpected argument 'extra'"},
        {{"status", "-"}, "unexpected argument '-'"},
        {{"--timeout", "5", "run"}, "the command 'run' must come first"},
        {{"once", "--json"}, "--json is only for status, doctor and profiles"},
        {{"status", "--print"}, "--print is only for once"},
        {{"profiles", "--sts"}, "--sts is only for doctor"},
        {{"once", "--print", "--print"}, "--print given twice"},
        {{"once", "--print=yes"}, "--print takes no value"},
        {{"--foo"}, "unknown flag --foo"},
        {{"--foo=bar"}, "unknown flag --foo"},
        {{"--Timeout=5"}, "unknown flag --Timeout"},
        {{"-x"}, "unknown flag -x"},
        {{"--"}, "unknown flag --"},
        {{"--timeout"}, "--timeout needs a value"},
        {{"run", "--region"}, "--region needs a value"},
        {{"--timeout", "5", "--timeout", "6"}, "--timeout given twice"},
        {{"--timeout=5", "--timeout", "5"}, "--timeout given twice"},
        {{"--config"}, "--config needs a value"},
        {{"--config="}, "--config needs a value"},
        {{"--config=/a", "--config", "/b"}, "--config given twice"},
        {{"--config=/a\n"}, "--config: contains a control character"},
        {{"credentials"}, "credentials needs a profile: irsa-agent credentials PROFILE"},
        {{"credentials", "a", "b"}, "unexpected argument 'b'"},
        {{"once", "--role-arn", "x"}, "--role-arn is only for credentials"},
        {{"credentials", "a", "--role-arn", "x", "--role-arn", "y"}, "--role-arn given twice"},
        {{"credentials", "a", "--role-arn="}, "--role-arn needs a value"},
        {{"credentials", "a", "--tag", "novalue"}, "--tag: 'novalue' is not KEY=VALUE"},
        {{"credentials", "a", "--tag", "=v"}, "--tag: '=v' is not KEY=VALUE"},
        {{"credentials", "a", "--session-name"}, "--session-name needs a value"},
        {{"once", "--profile-style", "both"}, "--profile-style: 'both' is not chain or process"},
        {{"once", "--source-identity", "true"},
         "source-identity needs profile-style process (a config file cannot carry it; the SDKs "
         "call STS themselves in chain style)"},
        {{"run", "--session-tags", "true"},
         "session-tags needs profile-style process (a config file cannot carry it; the SDKs "
         "call STS themselves in chain style)"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      CHECK(ErrorOf(Parse(c.args, env)) == c.want);
    }
  }

  TEST_CASE("FindConfigFile") {
    struct Case {
      std::vector<std::string> args;
      Environment env;
      const char* want;  // the path, or "error: ..."
    };
    const Case cases[] = {
        {{}, {}, ""},
        {{"--config", "/a.ini"}, {}, "/a.ini"},
        {{"run", "--config=/a.ini", "--timeout", "5"}, {}, "/a.ini"},
        {{}, {{"IRSA_AGENT_CONFIG", "/b.ini"}}, "/b.ini"},
        {{}, {{"IRSA_AGENT_CONFIG", ""}}, ""},
        {{"--config", "/a.ini"}, {{"IRSA_AGENT_CONFIG", "/b.ini"}}, "/a.ini"},
        {{"--api-key", "--config"}, {}, ""},  // "--config" is the key's value here
        {{"install", "--config", "/a.ini", "/opt/dir"}, {}, "/a.ini"},
        {{"--timeout"}, {}, ""},  // not its concern: ParseInvocation reports it
        {{"--config"}, {}, "error: --config needs a value"},
        {{"--config", "/a", "--config", "/a"}, {}, "error: --config given twice"},
        {{},
         {{"IRSA_AGENT_CONFIG", "/b\r"}},
         "error: IRSA_AGENT_CONFIG: contains a control character"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      std::string path;
      std::string err;
      const bool ok = FindConfigFile(c.args, c.env, &path, &err);
      CHECK((ok ? path : "error: " + err) == c.want);
    }
    const Parsed p =
        Parse({"status", "--config", "/from/flag.ini"}, {}, "[agent]\nregion = eu-west-1\n");
    REQUIRE_MESSAGE(p.ok, p.err);
    CHECK(p.inv.config_file == "/from/flag.ini");
    CHECK(p.inv.settings.origin.at("region") == "file /from/flag.ini:2");
  }

  TEST_CASE("precedence: flag > IRSA_AGENT_* > reference variable > INI file > default") {
    // Every subset of the four explicit sources of `region`.
    struct Source {
      const char* value;
      SettingSource source;
      const char* origin;
    };
    const Source file{"eu-west-1", SettingSource::kFile, "file /etc/irsa-agent/agent.ini:3"};
    const Source reference{"us-west-2", SettingSource::kReferenceEnv, "env AWS_REGION"};
    const Source agent{"ap-south-1", SettingSource::kAgentEnv, "env IRSA_AGENT_REGION"};
    const Source flag{"us-east-1", SettingSource::kFlag, "flag --region"};
    for (int mask = 0; mask < 16; ++mask) {
      CAPTURE(mask);
      std::vector<std::string> args = {"status"};
      Environment env = {{"IRSA_AGENT_CONFIG", kIni}};
      std::string ini = "; settings\n[agent]\n";
      Source want{"", SettingSource::kDefault, "default"};
      if (mask & 1) {
        ini += "region = eu-west-1\n";
        want = file;
      }
      if (mask & 2) {
        env["AWS_REGION"] = "us-west-2";
        want = reference;
      }
      if (mask & 4) {
        env["IRSA_AGENT_REGION"] = "ap-south-1";
        want = agent;
      }
      if (mask & 8) {
        args.push_back("--region=us-east-1");
        want = flag;
      }
      const Parsed p = Parse(args, env, ini);
      REQUIRE_MESSAGE(p.ok, p.err);
      CHECK(p.inv.settings.region == want.value);
      CHECK(p.inv.settings.source.at("region") == want.source);
      CHECK(p.inv.settings.origin.at("region") == want.origin);
    }
  }

  TEST_CASE("origins of a setting without a reference variable") {
    const Parsed flag = ParseIni("[agent]\ntimeout = 5\n", {"status", "--timeout", "7"},
                                 {{"IRSA_AGENT_TIMEOUT", "6"}});
    REQUIRE_MESSAGE(flag.ok, flag.err);
    CHECK(flag.inv.settings.timeout == 7);
    CHECK(flag.inv.settings.origin.at("timeout") == "flag --timeout");
    const Parsed env =
        ParseIni("[agent]\ntimeout = 5\n", {"status"}, {{"IRSA_AGENT_TIMEOUT", "6"}});
    CHECK(env.inv.settings.timeout == 6);
    CHECK(env.inv.settings.origin.at("timeout") == "env IRSA_AGENT_TIMEOUT");
    const Parsed file = ParseIni("\n\n[agent]\ntimeout = 5\n");
    CHECK(file.inv.settings.timeout == 5);
    CHECK(file.inv.settings.origin.at("timeout") == "file /etc/irsa-agent/agent.ini:4");
  }

  TEST_CASE("reference variables") {
    const char* kOld = "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa";
    Parsed p =
        Parse({"status"}, {{"DOMINO_IRSA_ENDPOINT", kEndpoint}, {"IAM_SA_MAPPING_ENDPOINT", kOld}});
    CHECK(p.inv.settings.endpoint == kEndpoint);
    CHECK(p.inv.settings.origin.at("endpoint") == "env DOMINO_IRSA_ENDPOINT");
    p = Parse({"status"}, {{"DOMINO_IRSA_ENDPOINT", ""}, {"IAM_SA_MAPPING_ENDPOINT", kOld}});
    CHECK(p.inv.settings.endpoint == kOld);
    CHECK(p.inv.settings.origin.at("endpoint") == "env IAM_SA_MAPPING_ENDPOINT");
    // An empty reference variable is not set: the file's value stays.
    p = ParseIni("[agent]\nregion = eu-west-1\n", {"status"}, {{"AWS_REGION", ""}});
    CHECK(p.inv.settings.region == "eu-west-1");
    // Each reference variable reaches its setting.
    p = Parse({"status"}, {{"AWS_CONFIG_FILE", "/c"},
                           {"AWS_WEB_IDENTITY_TOKEN_FILE", "/w"},
                           {"DOMINO_TOKEN_FILE", "/d"},
                           {"DOMINO_API_PROXY", "http://localhost:8899"},
                           {"DOMINO_IRSA_SSL_CERT", "/ca"},
                           {"POD_INFO_PATH", "/p"},
                           {"ROOT_PATH", "/r"},
                           {"DOMINO_RUN_ID", "abc"},
                           {"DOMINO_USER_API_KEY", "0123456789"},
                           {"LOG_LEVEL", "DEBUG"}});
    REQUIRE_MESSAGE(p.ok, p.err);
    const Settings& s = p.inv.settings;
    CHECK(s.aws_config_file == "/c");
    CHECK(s.web_identity_token_file == "/w");
    CHECK(s.domino_token_file == "/d");
    CHECK(s.api_proxy == "http://localhost:8899");
    CHECK(s.ca_file == "/ca");
    CHECK(s.pod_info_path == "/p");
    CHECK(s.root_path == "/r");
    CHECK(s.run_id == "abc");
    CHECK(s.api_key == "0123456789");
    CHECK(s.log_level == LogLevel::kDebug);
  }

  TEST_CASE("a bad reference variable is an error only when it is used") {
    CHECK(ErrorOf(Parse({"status"}, {{"LOG_LEVEL", "trace"}})) ==
          "LOG_LEVEL: 'trace' is not debug, info, warning or error");
    CHECK(Parse({"status", "--log-level", "info"}, {{"LOG_LEVEL", "trace"}}).ok);
    // credentials runs in the user's environment and reads only what it uses.
    const Parsed credentials =
        Parse({"credentials", "x"}, {{"LOG_LEVEL", "trace"}, {"AWS_REGION", "eu-west-1"}});
    CHECK(credentials.ok);
    CHECK(credentials.inv.settings.region == "eu-west-1");
    CHECK(ErrorOf(Parse({"credentials", "x"}, {{"AWS_REGION", "Mars"}})) ==
          "AWS_REGION: 'Mars' is not a region like us-east-1");
    CHECK(Parse({"status"}, {{"LOG_LEVEL", "trace"}, {"IRSA_AGENT_LOG_LEVEL", "error"}}).ok);
    // Our own sources are always checked, even when overridden.
    CHECK(ErrorOf(Parse({"status", "--timeout", "5"}, {{"IRSA_AGENT_TIMEOUT", "abc"}})) ==
          "IRSA_AGENT_TIMEOUT: 'abc' is not a number of seconds");
    CHECK(ErrorOf(ParseIni("[agent]\ntimeout = abc\n", {"status", "--timeout", "5"})) ==
          "/etc/irsa-agent/agent.ini:2: timeout: 'abc' is not a number of seconds");
  }

  TEST_CASE("environment variables of our own") {
    CHECK(ErrorOf(Parse({"status"}, {{"IRSA_AGENT_FOO", "1"}})) ==
          "unknown environment variable IRSA_AGENT_FOO");
    CHECK(ErrorOf(Parse({"status"}, {{"IRSA_AGENT_", "1"}})) ==
          "unknown environment variable IRSA_AGENT_");
    CHECK(ErrorOf(Parse({"status"}, {{"IRSA_AGENT_TIMEOUT", ""}})) ==
          "IRSA_AGENT_TIMEOUT: '' is not a number of seconds");
    CHECK(ErrorOf(Parse({"status"}, {{"IRSA_AGENT_AWS_CONFIG_FILE", ""}})) ==
          "IRSA_AGENT_AWS_CONFIG_FILE: must not be empty");
    CHECK(Parse({"status"}, {{"IRSA_AGENT_CONFIG", ""}, {"irsa_agent_timeout", "x"}}).ok);
    // An explicitly empty value unsets what a lower source set.
    Parsed p = Parse({"status"}, {{"AWS_REGION", "us-west-2"}, {"IRSA_AGENT_REGION", ""}});
    CHECK(p.inv.settings.region == "");
    CHECK(p.inv.settings.source.at("region") == SettingSource::kAgentEnv);
    p = Parse({"once", "--endpoint=", "--mapping-file", "/m"},
              {{"DOMINO_IRSA_ENDPOINT", kEndpoint}});
    REQUIRE_MESSAGE(p.ok, p.err);
    CHECK(p.inv.settings.endpoint == "");
    CHECK(p.inv.settings.origin.at("endpoint") == "flag --endpoint");
    // Every setting has a variable of its own.
    for (const SettingInfo& info : AllSettings()) {
      std::string env_name = "IRSA_AGENT_";
      for (char c : info.name)
        env_name.push_back(c == '-' ? '_' : static_cast<char>(c - 'a' + 'A'));
      CAPTURE(env_name);
      const std::string value = info.name == "file-mode" ? "0600"
                                : info.name == "listen"  ? "[::1]:1"
                                                         : "x";
      const Parsed q = Parse({"status"}, {{env_name, value}});
      // A value of the wrong type is an error naming the variable; never "unknown".
      CHECK((q.ok || q.err.starts_with(env_name + ": ")));
    }
  }

  TEST_CASE("max-backoff default depends on the command") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    CHECK(Parse({"run"}, env).inv.settings.max_backoff == 300);
    CHECK(Parse({"once"}, env).inv.settings.max_backoff == 30);
    CHECK(Parse({"doctor"}, env).inv.settings.max_backoff == 30);
    CHECK(Parse({"status"}, env).inv.settings.max_backoff == 30);
    CHECK(Parse({"run"}, env).inv.settings.origin.at("max-backoff") == "default");
    CHECK(Parse({"run", "--max-backoff", "45"}, env).inv.settings.max_backoff == 45);
    Environment agent = env;
    agent["IRSA_AGENT_MAX_BACKOFF"] = "20";
    CHECK(Parse({"run"}, agent).inv.settings.max_backoff == 20);
    CHECK(ParseIni("[agent]\nmax-backoff = 12\n", {"run"}, env).inv.settings.max_backoff == 12);
  }

  TEST_CASE("checks across settings") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    struct Case {
      std::vector<std::string> args;
      const char* want;  // "" for accepted
    };
    const Case cases[] = {
        {{"status", "--min-backoff", "10", "--max-backoff", "5"},
         "max-backoff (5) is below min-backoff (10)"},
        {{"status", "--min-backoff=0.5", "--max-backoff=0.25"},
         "max-backoff (0.25) is below min-backoff (0.5)"},
        {{"run", "--min-backoff", "400"}, "max-backoff (300) is below min-backoff (400)"},
        {{"once", "--min-backoff", "31"}, "max-backoff (30) is below min-backoff (31)"},
        {{"once", "--endpoint", "http://svc/map", "--ca-file", "/ca.pem"},
         "endpoint (flag --endpoint) is plain http:// but ca-file (flag --ca-file) is set: the "
         "credential would be sent in clear; use https:// or drop ca-file"},
        {{"status", "--endpoint", "https://svc/map", "--ca-file", "/ca.pem"}, ""},
        {{"status", "--min-backoff", "7", "--max-backoff", "7"}, ""},
        {{"run", "--listen", "0.0.0.0:6003"},
         "listen '0.0.0.0:6003' is not a loopback address (set listen-any to allow it)"},
        {{"run", "--listen", "[::]:6003"},
         "listen '[::]:6003' is not a loopback address (set listen-any to allow it)"},
        {{"run", "--listen", "128.0.0.1:1"},
         "listen '128.0.0.1:1' is not a loopback address (set listen-any to allow it)"},
        {{"run", "--listen", "127.0.0.256:1"},
         "--listen: '127.0.0.256:1' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {{"run", "--listen", "127.0.0.1.5:1"},
         "--listen: '127.0.0.1.5:1' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {{"run", "--listen", "example.com:80"},
         "--listen: 'example.com:80' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {{"run", "--listen", "0.0.0.0:6003", "--listen-any", "true"}, ""},
        {{"run", "--listen", "127.1.2.3:80"}, ""},
        {{"run", "--listen", "[::1]:6003"}, ""},
        {{"run", "--listen", "localhost:6003"}, ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      const Parsed p = Parse(c.args, env);
      CHECK((p.ok ? "" : p.err) == std::string(c.want));
    }
  }

  TEST_CASE("once, run and doctor need exactly one mapping source") {
    const std::string none =
        "no mapping source: set --endpoint (or DOMINO_IRSA_ENDPOINT / IAM_SA_MAPPING_ENDPOINT) "
        "or --mapping-file";
    for (const char* command : {"once", "run", "doctor"}) {
      CAPTURE(command);
      CHECK(ErrorOf(Parse({command})) == none);
      CHECK(ErrorOf(Parse({command}, {{"DOMINO_IRSA_ENDPOINT", ""}})) == none);
      CHECK(Parse({command, "--mapping-file", "/m.txt"}).ok);
      CHECK(Parse({command}, {{"IAM_SA_MAPPING_ENDPOINT", kEndpoint}}).ok);
      CHECK(ErrorOf(Parse({command, "--mapping-file", "/m.txt"},
                          {{"DOMINO_IRSA_ENDPOINT", kEndpoint}})) ==
            "endpoint (env DOMINO_IRSA_ENDPOINT) and mapping-file (flag --mapping-file) are both "
            "set; use one");
    }
    CHECK(ErrorOf(ParseIni("[agent]\nmapping-file = /m\nendpoint = http://x/\n", {"once"})) ==
          "endpoint (file /etc/irsa-agent/agent.ini:3) and mapping-file (file "
          "/etc/irsa-agent/agent.ini:2) are both set; use one");
    for (const char* command : {"status", "profiles"}) CHECK(Parse({command}).ok);
    CHECK(Parse({"install", "/opt"}).ok);
  }

  TEST_CASE("secrets never appear in errors") {
    const std::string secret = "sk-SECRET-4f9a\nSECONDLINE";
    const std::string clean = "sk-SECRET-4f9a-0123";
    struct Case {
      std::vector<std::string> args;
      Environment env;
      std::string ini;
      const char* want;
    };
    const Case cases[] = {
        {{"status", "--api-key=" + secret}, {}, "", "--api-key: contains a control character"},
        {{"status", "--api-key", secret}, {}, "", "--api-key: contains a control character"},
        {{"status"},
         {{"IRSA_AGENT_API_KEY", secret}},
         "",
         "IRSA_AGENT_API_KEY: contains a control character"},
        {{"status"},
         {{"DOMINO_USER_API_KEY", secret}},
         "",
         "DOMINO_USER_API_KEY: contains a control character"},
        {{"status"},
         {{"IRSA_AGENT_CONFIG", kIni}},
         "[agent]\napi-key = sk-SECRET-4f9a\x01SECOND\n",
         "/etc/irsa-agent/agent.ini:2: api-key: contains a control character"},
        {{"status", "--api_key=" + clean}, {}, "", "unknown flag --api_key"},
        {{"status", "--api-key=" + clean, "--timeout", "x"},
         {},
         "",
         "--timeout: 'x' is not a number of seconds"},
        {{"status"},
         {{"IRSA_AGENT_APIKEY", clean}},
         "",
         "unknown environment variable IRSA_AGENT_APIKEY"},
        {{"status", "--api-key", clean, "--api-key", clean}, {}, "", "--api-key given twice"},
        {{"once", "--api-key", clean},
         {},
         "",
         "no mapping source: set --endpoint (or DOMINO_IRSA_ENDPOINT / IAM_SA_MAPPING_ENDPOINT) or "
         "--mapping-file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      const std::string err = ErrorOf(Parse(c.args, c.env, c.ini));
      CHECK(err == c.want);
      CHECK(err.find("SECRET") == std::string::npos);
      CHECK(err.find("SECOND") == std::string::npos);
    }
  }
}

}  // namespace
}  // namespace irsa
