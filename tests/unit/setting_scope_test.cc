// setting_scope.h: per-command help, unused-flag warnings, "did you mean",
// the man page and the bash completion, all generated from the tables.
#include "settings/setting_scope.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "settings/invocation.h"
#include "settings/settings.h"

namespace irsa {
namespace {

constexpr char kEndpoint[] = "https://irsa-svc.domino-field/map_iam_roles_to_pod_sa";

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

Invocation ParseOk(const std::vector<std::string>& args, const Environment& env = {}) {
  Invocation inv;
  std::string err;
  const bool ok = ParseInvocation(args, env, "", &inv, &err);
  CHECK_MESSAGE(ok, err);
  return inv;
}

TEST_SUITE("setting scope") {
  TEST_CASE("help COMMAND and COMMAND --help name the command's settings only") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"help", "reap"}, std::vector<std::string>{"reap", "--help"}}) {
      const Invocation inv = ParseOk(args);
      CHECK(inv.command == Command::kHelp);
      CHECK(inv.help_topic == "reap");
    }
    const std::string reap = CommandHelpText(*FindCommandInfo("reap"));
    CHECK(reap.starts_with("Usage: irsa-agent reap --cluster NAME [--once] [OPTIONS]\n"));
    CHECK(Contains(reap, "--once "));
    CHECK(Contains(reap, "--cluster NAME"));
    CHECK(Contains(reap, "--dry-run BOOL"));
    CHECK_FALSE(Contains(reap, "--refresh-interval"));
    const std::string run = CommandHelpText(*FindCommandInfo("run"));
    CHECK(Contains(run, "--refresh-interval SECONDS"));
    CHECK(Contains(run, "default 300"));  // max-backoff's run default
    CHECK_FALSE(Contains(run, "--cluster"));
    // Every command has its help; help for an unknown one is refused.
    for (const CommandInfo& info : AllCommands()) CHECK(!CommandHelpText(info).empty());
    Invocation inv;
    std::string err;
    CHECK_FALSE(ParseInvocation({"help", "nope"}, {}, "", &inv, &err));
    CHECK(err == "help: unknown command 'nope'");
  }

  TEST_CASE("a flag the command does not use is a warning; env and INI stay quiet") {
    const Environment env = {{"DOMINO_IRSA_ENDPOINT", kEndpoint}};
    Invocation inv = ParseOk({"once", "--cluster", "prod", "--poll-interval", "5"}, env);
    CHECK(inv.warnings ==
          std::vector<std::string>{"--cluster is not used by once (ignored)",
                                   "--poll-interval is not used by once (ignored)"});
    inv = ParseOk({"once"}, {{"DOMINO_IRSA_ENDPOINT", kEndpoint}, {"IRSA_AGENT_CLUSTER", "prod"}});
    CHECK(inv.warnings.empty());
    inv = ParseOk({"status", "--aws-config-file", "/x/config"});
    CHECK(inv.warnings.empty());
    inv = ParseOk({"reap", "--cluster", "c", "--listen", "127.0.0.1:1"});
    CHECK(inv.warnings == std::vector<std::string>{"--listen is not used by reap (ignored)"});
  }

  TEST_CASE("did you mean: the closest known flag, only when close") {
    Invocation inv;
    std::string err;
    CHECK_FALSE(ParseInvocation({"once", "--tiemout", "5"}, {}, "", &inv, &err));
    CHECK(err == "unknown flag --tiemout (did you mean --timeout?)");
    CHECK_FALSE(ParseInvocation({"reap", "--dryrun"}, {}, "", &inv, &err));
    CHECK(err == "unknown flag --dryrun (did you mean --dry-run?)");
    CHECK_FALSE(ParseInvocation({"status", "--jsn"}, {}, "", &inv, &err));
    CHECK(err == "unknown flag --jsn (did you mean --json?)");
    CHECK_FALSE(ParseInvocation({"once", "--zzzzzzzz"}, {}, "", &inv, &err));
    CHECK(err == "unknown flag --zzzzzzzz");
    CHECK_FALSE(ParseInvocation({"rnu"}, {}, "", &inv, &err));
    CHECK(err == "unknown command 'rnu' (did you mean run?)");
    CHECK_FALSE(ParseInvocation({"frobnicate"}, {}, "", &inv, &err));
    CHECK(err == "unknown command 'frobnicate' (try --help)");
  }

  TEST_CASE("version --json, --version --json, completion bash") {
    Invocation inv = ParseOk({"version", "--json"});
    CHECK(inv.command == Command::kVersion);
    CHECK(inv.json);
    inv = ParseOk({"--version", "--json"});
    CHECK(inv.command == Command::kVersion);
    CHECK(inv.json);
    inv = ParseOk({"completion", "bash"});
    CHECK(inv.command == Command::kCompletion);
    std::string err;
    CHECK_FALSE(ParseInvocation({"completion", "zsh"}, {}, "", &inv, &err));
    CHECK(err == "completion: unexpected argument 'zsh'");
    CHECK_FALSE(ParseInvocation({"completion"}, {}, "", &inv, &err));
  }

  TEST_CASE("the man page and the completion list every setting and command") {
    const std::string man = ManPage("1.2.3");
    CHECK(man.starts_with(".TH IRSA\\-AGENT 1"));
    const std::string completion = BashCompletion();
    for (const SettingInfo& setting : AllSettings()) {
      std::string roff;
      for (char c : setting.name) roff += c == '-' ? std::string("\\-") : std::string(1, c);
      CHECK_MESSAGE(Contains(man, ".BI \\-\\-" + roff + " "), setting.name);
      CHECK_MESSAGE(Contains(completion, " --" + std::string(setting.name)), setting.name);
    }
    for (const CommandInfo& info : AllCommands()) {
      CHECK(Contains(completion, "    " + std::string(info.name) + ") flags="));
    }
    // No roff request can be injected by a help text: every line that starts
    // with '.' is one this generator wrote.
    size_t start = 0;
    while (start < man.size()) {
      const size_t end = man.find('\n', start);
      const std::string line = man.substr(start, end - start);
      if (line.starts_with('.')) {
        CHECK_MESSAGE(
            (line.starts_with(".TH") || line.starts_with(".SH") || line.starts_with(".TP") ||
             line.starts_with(".B") || line.starts_with(".BI") || line.starts_with(".br")),
            line);
      }
      start = end == std::string::npos ? man.size() : end + 1;
    }
  }
}

}  // namespace
}  // namespace irsa
