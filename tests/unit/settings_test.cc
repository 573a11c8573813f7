// Settings values, display, --help and ReadPath. The merging of sources is in
// invocation_test.cc.
#include "settings/settings.h"

#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "settings/invocation.h"

namespace irsa {
namespace {

// Parses `--NAME=VALUE` under `status` (which needs no mapping source).
// Returns the setting's display value, or "error: <message>".
std::string Given(std::string_view name, std::string_view value) {
  Invocation inv;
  std::string err;
  const std::string flag = "--" + std::string(name) + "=" + std::string(value);
  if (!ParseInvocation({"status", flag}, {}, "", &inv, &err)) return "error: " + err;
  return DisplayValue(inv.settings, name);
}

struct ValueCase {
  const char* name;
  std::string value;
  std::string want;  // the display value, or "error: ..."
};

TEST_SUITE("settings") {
  TEST_CASE("value grammar, accepted and rejected") {
    const std::string rid128(128, 'a');
    const std::string too_long_region(33, 'a');
    const ValueCase cases[] = {
        {"timeout", "60", "60"},
        {"timeout", "1.5", "1.5"},
        {"timeout", "1.250", "1.25"},
        // Shown as the shortest form that reads back as the same double.
        {"min-backoff", "0.1", "0.1"},
        {"refusal-retry-window", "0",
         "error: --refusal-retry-window: '0' is out of range (above 0, at most 86400 seconds)"},
        {"refusal-retry-window", "2.5", "2.5"},
        {"refusal-retry-window", "-1",
         "error: --refusal-retry-window: '-1' is not a number of seconds"},
        {"min-backoff", "0.30000000000000004", "0.30000000000000004"},
        {"min-backoff", "0.300000000000000001", "0.3"},
        {"timeout", "86399.99999999999", "86399.99999999999"},
        {"timeout", "007", "7"},
        {"timeout", "86400", "86400"},
        {"timeout", "abc", "error: --timeout: 'abc' is not a number of seconds"},
        {"timeout", "", "error: --timeout: '' is not a number of seconds"},
        {"timeout", "-1", "error: --timeout: '-1' is not a number of seconds"},
        {"timeout", "1e3", "error: --timeout: '1e3' is not a number of seconds"},
        {"timeout", "inf", "error: --timeout: 'inf' is not a number of seconds"},
        {"timeout", "nan", "error: --timeout: 'nan' is not a number of seconds"},
        {"timeout", ".5", "error: --timeout: '.5' is not a number of seconds"},
        {"timeout", "5.", "error: --timeout: '5.' is not a number of seconds"},
        {"timeout", " 5", "error: --timeout: ' 5' is not a number of seconds"},
        {"timeout", "0x10", "error: --timeout: '0x10' is not a number of seconds"},
        {"timeout", "0",
         "error: --timeout: '0' is out of range (at least 1, at most 86400 seconds)"},
        {"timeout", "0.0",
         "error: --timeout: '0.0' is out of range (at least 1, at most 86400 seconds)"},
        {"request-timeout", "86400.001",
         "error: --request-timeout: '86400.001' is out of range (at least 1, at most 86400 "
         "seconds)"},
        {"poll-interval", std::string(400, '9'),
         "error: --poll-interval: '" + std::string(64, '9') +
             "...' is out of range (at least 1, at most 86400 seconds)"},
        // Found by fuzz/invocation_fuzz.cc: tiny values displayed as "?" (the
        // fixed form outgrew a 64-byte buffer); below every floor now.
        {"poll-interval", "0." + std::string(80, '0') + "1",
         "error: --poll-interval: '0." + std::string(62, '0') +
             "...' is out of range (at least 1, at most 86400 seconds)"},
        // The floors: below them a retry, a poll or a refresh is a hot loop.
        {"timeout", "1", "1"},
        {"timeout", "0.999",
         "error: --timeout: '0.999' is out of range (at least 1, at most 86400 seconds)"},
        {"request-timeout", "1", "1"},
        {"request-timeout", "0.5",
         "error: --request-timeout: '0.5' is out of range (at least 1, at most 86400 seconds)"},
        {"min-backoff", "0.1", "0.1"},
        {"min-backoff", "0.000001",
         "error: --min-backoff: '0.000001' is out of range (at least 0.1, at most 86400 "
         "seconds)"},
        {"max-backoff", "1", "1"},
        {"max-backoff", "0.09",
         "error: --max-backoff: '0.09' is out of range (at least 0.1, at most 86400 seconds)"},
        {"poll-interval", "1", "1"},
        {"poll-interval", "0.000001",
         "error: --poll-interval: '0.000001' is out of range (at least 1, at most 86400 "
         "seconds)"},
        {"refresh-interval", "10", "10"},
        {"refresh-interval", "9.99",
         "error: --refresh-interval: '9.99' is out of range (at least 10, at most 86400 "
         "seconds)"},
        {"file-mode", "0644", "0644"},
        {"file-mode", "644", "0644"},
        {"file-mode", "0600", "0600"},
        {"file-mode", "400", "0400"},
        {"file-mode", "0666", "0666"},
        {"file-mode", "0755",
         "error: --file-mode: '0755' has bits outside 0666 (no execute or special bits)"},
        {"file-mode", "0661",
         "error: --file-mode: '0661' has bits outside 0666 (no execute or special bits)"},
        {"file-mode", "4644",
         "error: --file-mode: '4644' has bits outside 0666 (no execute or special bits)"},
        {"file-mode", "0244", "error: --file-mode: '0244' lacks owner read (0400)"},
        {"file-mode", "0000", "error: --file-mode: '0000' lacks owner read (0400)"},
        {"file-mode", "64", "error: --file-mode: '64' is not an octal file mode like 0644"},
        {"file-mode", "06440", "error: --file-mode: '06440' is not an octal file mode like 0644"},
        {"file-mode", "0844", "error: --file-mode: '0844' is not an octal file mode like 0644"},
        {"file-mode", "", "error: --file-mode: '' is not an octal file mode like 0644"},
        {"log-level", "DEBUG", "debug"},
        {"log-level", "Info", "info"},
        {"log-level", "warn", "warning"},
        {"log-level", "WARNING", "warning"},
        {"log-level", "error", "error"},
        {"log-level", "trace", "error: --log-level: 'trace' is not debug, info, warning or error"},
        {"log-format", "json", "json"},
        {"log-format", "TEXT", "text"},
        {"log-format", "xml", "error: --log-format: 'xml' is not text or json"},
        {"listen-any", "true", "true"},
        {"listen-any", "YES", "true"},
        {"listen-any", "1", "true"},
        {"listen-any", "no", "false"},
        {"listen-any", "0", "false"},
        {"listen-any", "maybe", "error: --listen-any: 'maybe' is not true or false"},
        {"listen-any", "", "error: --listen-any: '' is not true or false"},
        {"region", "us-east-1", "us-east-1"},
        {"region", "us-gov-west-1", "us-gov-west-1"},
        {"region", "", ""},
        {"region", "US-EAST-1", "error: --region: 'US-EAST-1' is not a region like us-east-1"},
        {"region", "us_east_1", "error: --region: 'us_east_1' is not a region like us-east-1"},
        {"region", too_long_region,
         "error: --region: '" + too_long_region + "' is not a region like us-east-1"},
        {"run-id", "6527182438a6346046006654", "6527182438a6346046006654"},
        {"run-id", "a.b_c-D", "a.b_c-D"},
        {"run-id", rid128, rid128},
        {"run-id", "", ""},
        {"run-id", rid128 + "a",
         "error: --run-id: '" + std::string(64, 'a') +
             "...' is not a run id (1 to 128 of A-Z a-z 0-9 _ . -)"},
        {"run-id", "a/b", "error: --run-id: 'a/b' is not a run id (1 to 128 of A-Z a-z 0-9 _ . -)"},
        {"run-id", "a\nb",
         "error: --run-id: 'a\\x0ab' is not a run id (1 to 128 of A-Z a-z 0-9 _ . -)"},
        {"endpoint", "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa",
         "http://iam-sa-mapping-svc.domino-platform/map_iam_role_to_pod_sa"},
        {"endpoint", "https://irsa-svc.domino-field:8443/x",
         "https://irsa-svc.domino-field:8443/x"},
        {"endpoint", "https://[::1]:8443/", "https://[::1]:8443/"},
        {"endpoint", "http://127.0.0.1:8080", "http://127.0.0.1:8080"},
        {"endpoint", "", ""},
        {"endpoint", "ftp://x/",
         "error: --endpoint: 'ftp://x/' is not an http:// or https:// URL with a host"},
        {"endpoint", "irsa-svc",
         "error: --endpoint: 'irsa-svc' is not an http:// or https:// URL with a host"},
        {"endpoint", "https://",
         "error: --endpoint: 'https://' is not an http:// or https:// URL with a host"},
        {"endpoint", "https:///path",
         "error: --endpoint: 'https:///path' is not an http:// or https:// URL with a host"},
        {"endpoint", "http://:80/",
         "error: --endpoint: 'http://:80/' is not an http:// or https:// URL with a host"},
        {"endpoint", "https://a b/",
         "error: --endpoint: 'https://a b/' is not an http:// or https:// URL with a host"},
        {"api-proxy", "http://localhost:8899", "http://localhost:8899"},
        {"api-proxy", "localhost:8899",
         "error: --api-proxy: 'localhost:8899' is not an http:// or https:// URL with a host"},
        {"sts-endpoint", "https://sts.us-east-1.amazonaws.com",
         "https://sts.us-east-1.amazonaws.com"},
        {"listen", "127.0.0.1:6003", "127.0.0.1:6003"},
        {"listen", "[::1]:6003", "[::1]:6003"},
        {"listen", "localhost:6003", "localhost:6003"},
        {"listen", "", ""},
        {"listen", "127.0.0.1",
         "error: --listen: '127.0.0.1' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"listen", "127.0.0.1:0",
         "error: --listen: '127.0.0.1:0' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"listen", "127.0.0.1:65536",
         "error: --listen: '127.0.0.1:65536' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"listen", ":6003",
         "error: --listen: ':6003' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"listen", "[::1]6003",
         "error: --listen: '[::1]6003' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"listen", "::1:6003",
         "error: --listen: '::1:6003' is not HOST:PORT (like 127.0.0.1:6003 or [::1]:6003)"},
        {"aws-config-file", "/tmp/aws/config", "/tmp/aws/config"},
        {"aws-config-file", "", "error: --aws-config-file: must not be empty"},
        {"web-identity-token-file", "", "error: --web-identity-token-file: must not be empty"},
        {"domino-token-file", "", "error: --domino-token-file: must not be empty"},
        {"pod-info-path", "", "error: --pod-info-path: must not be empty"},
        {"pod-info-path", "/a\tb", "error: --pod-info-path: contains a control character"},
        {"ca-file", "", ""},
        {"mapping-file", "", ""},
        {"root-path", "", ""},
        {"state-dir", "/var/lib/irsa-agent", "/var/lib/irsa-agent"},
        {"api-key", "0123456789ab", "present (12 bytes)"},
        {"api-key", "", "absent"},
        {"api-key", "abc\x7f", "error: --api-key: contains a control character"},
        {"base-credentials", "pod-identity", "pod-identity"},
        {"base-credentials", "web-identity", "web-identity"},
        {"base-credentials", "Pod-Identity",
         "error: --base-credentials: 'Pod-Identity' is not auto, web-identity or pod-identity"},
        {"base-credentials", "", "error: --base-credentials: must not be empty"},
        {"pod-identity-uri", "http://169.254.170.23/v1/credentials",
         "http://169.254.170.23/v1/credentials"},
        {"pod-identity-token-file", "", ""},
    };
    for (const ValueCase& c : cases) {
      CAPTURE(c.name);
      CAPTURE(c.value);
      CHECK(Given(c.name, c.value) == c.want);
    }
  }

  TEST_CASE("log-level and log-format set the enums") {
    Invocation inv;
    std::string err;
    REQUIRE(ParseInvocation({"status", "--log-level", "WARN", "--log-format", "json"}, {}, "", &inv,
                            &err));
    CHECK(inv.settings.log_level == LogLevel::kWarning);
    CHECK(inv.settings.log_format == LogFormat::kJson);
  }

  TEST_CASE("defaults: the table, Settings{} and DisplayValue agree") {
    const Settings defaults;
    Invocation inv;
    std::string err;
    REQUIRE(ParseInvocation({"status"}, {}, "", &inv, &err));
    for (const SettingInfo& info : AllSettings()) {
      CAPTURE(info.name);
      const std::string want = info.secret ? "absent" : std::string(info.default_text);
      CHECK(DisplayValue(defaults, info.name) == want);
      CHECK(DisplayValue(inv.settings, info.name) == want);
      CHECK(inv.settings.source.at(std::string(info.name)) == SettingSource::kDefault);
      CHECK(inv.settings.origin.at(std::string(info.name)) == "default");
    }
    CHECK(DisplayValue(defaults, "no-such-setting") == "");
  }

  TEST_CASE("DisplayValue of every setting") {
    const std::vector<std::pair<const char*, const char*>> want = {
        {"aws-config-file", "/var/run/.aws/config"},
        {"web-identity-token-file", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
        {"domino-token-file", "/var/lib/domino/home/.api/token"},
        {"endpoint", ""},
        {"api-proxy", ""},
        {"ca-file", ""},
        {"pod-info-path", "/var/run/podinfo/labels"},
        {"root-path", ""},
        {"run-id", ""},
        {"api-key", "absent"},
        {"mapping-file", ""},
        {"region", ""},
        {"file-mode", "0644"},
        {"timeout", "60"},
        {"request-timeout", "10"},
        {"min-backoff", "1"},
        {"max-backoff", "30"},
        {"log-level", "info"},
        {"log-format", "text"},
        {"poll-interval", "60"},
        {"refresh-interval", "900"},
        {"state-dir", ""},
        {"listen", ""},
        {"listen-any", "false"},
        {"install-to", ""},
        {"sts-endpoint", ""},
        {"profile-style", "chain"},
        {"socket", ""},
        {"source-identity", "false"},
        {"session-tags", "false"},
        {"credentials-listen", ""},
        {"credentials-token-file", ""},
        {"imds", "false"},
        {"refusal-retry-window", "30"},
        {"base-credentials", "auto"},
        {"pod-identity-uri", ""},
        {"pod-identity-token-file", ""},
        {"cluster", ""},
        {"eks-endpoint", ""},
        {"namespaces", "domino-compute"},
        {"kube-api", ""},
        {"kube-token-file", "/var/run/secrets/kubernetes.io/serviceaccount/token"},
        {"kube-ca-file", "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"},
        {"max-evictions", "10"},
        {"dry-run", "false"},
        {"reap-interval", "60"},
        {"domino-api", "http://nucleus-frontend.domino-platform:80"},
        {"oidc-provider", ""},
        {"compute-namespace", "domino-compute"},
        {"platform-namespace", "domino-platform"},
        {"org-mapping-configmap", "domino-org-iamrole-mapping"},
        {"role-mapping-configmap", "resource-role-to-eks-role-mapping"},
        {"iam-endpoint", ""},
        {"trust-policy-max-length", "2048"},
        {"trust-gc-interval", "300"},
        {"max-requests", "256"},
        {"tls-cert-file", ""},
        {"tls-key-file", ""},
    };
    const Settings defaults;
    REQUIRE(AllSettings().size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(want[i].first);
      CHECK(AllSettings()[i].name == want[i].first);
      CHECK(DisplayValue(defaults, want[i].first) == want[i].second);
    }
    Settings s;
    s.api_key = "0123456789";
    s.file_mode = 0600;
    s.timeout = 2.5;
    CHECK(DisplayValue(s, "api-key") == "present (10 bytes)");
    CHECK(DisplayValue(s, "file-mode") == "0600");
    CHECK(DisplayValue(s, "timeout") == "2.5");
  }

  TEST_CASE("AllSettings describes each setting once") {
    std::set<std::string_view> names;
    for (const SettingInfo& info : AllSettings()) {
      CAPTURE(info.name);
      CHECK(names.insert(info.name).second);
      CHECK_FALSE(info.type.empty());
      CHECK_FALSE(info.help.empty());
      CHECK(info.secret == (info.name == "api-key"));
    }
    const auto find = [](std::string_view name) {
      for (const SettingInfo& info : AllSettings()) {
        if (info.name == name) return info;
      }
      return SettingInfo{};
    };
    CHECK(find("endpoint").reference_env == "DOMINO_IRSA_ENDPOINT,IAM_SA_MAPPING_ENDPOINT");
    CHECK(find("log-level").reference_env == "LOG_LEVEL");
    CHECK(find("max-backoff").run_default == "300");
    CHECK(find("timeout").type == "seconds");
  }

  TEST_CASE("HelpText lists every setting with its variables and default") {
    const std::string help = HelpText();
    CHECK(help.starts_with("Usage: irsa-agent [COMMAND] [OPTIONS]\n"));
    for (const char* part : {"\n  once ",
                             "\n  run ",
                             "\n  status ",
                             "\n  doctor ",
                             "\n  profiles ",
                             "\n  install ",
                             "\n  completion ",
                             "\n  help ",
                             "\n  version ",
                             "--print",
                             "--json",
                             "--sts",
                             "--config FILE",
                             "IRSA_AGENT_CONFIG",
                             "IRSA_AGENT_ENDPOINT, DOMINO_IRSA_ENDPOINT, IAM_SA_MAPPING_ENDPOINT",
                             "IRSA_AGENT_MAX_BACKOFF; default 30 (run: 300)",
                             "--timeout SECONDS",
                             "--api-key SECRET",
                             "--listen HOST:PORT",
                             "default /var/run/.aws/config"}) {
      CAPTURE(part);
      CHECK(help.find(part) != std::string::npos);
    }
    for (const SettingInfo& info : AllSettings()) {
      CAPTURE(info.name);
      CHECK(help.find("\n  --" + std::string(info.name) + " ") != std::string::npos);
      CHECK(help.find(std::string(info.help)) != std::string::npos);
    }
    size_t lines = 0;
    size_t start = 0;
    for (size_t nl = help.find('\n'); nl != std::string::npos; nl = help.find('\n', start)) {
      CHECK(nl - start <= 80);
      start = nl + 1;
      ++lines;
    }
    CHECK(start == help.size());  // ends with a newline
    CHECK(lines <= 180);          // about 60 settings, 2-3 lines each
  }

  TEST_CASE("ReadPath puts root-path in front") {
    struct Case {
      const char* root;
      const char* path;
      const char* want;
    };
    const Case cases[] = {
        {"", "/var/run/podinfo/labels", "/var/run/podinfo/labels"},
        {"/x", "/var/run/a", "/x/var/run/a"},
        {"/x/", "/var/run/a", "/x/var/run/a"},
        {"/x//", "//var/run/a", "/x/var/run/a"},
        {"/", "/var/run/a", "/var/run/a"},
        {"/x", "relative/a", "/x/relative/a"},
        {"tmp/root", "/a", "tmp/root/a"},
        {"/x", "", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.root);
      CAPTURE(c.path);
      Settings s;
      s.root_path = c.root;
      CHECK(s.ReadPath(c.path) == c.want);
    }
  }
}

}  // namespace
}  // namespace irsa
