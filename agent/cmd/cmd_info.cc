// help, version and completion: text generated from the tables
// (settings/setting_scope.h) and the build (version.h, the libraries).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "base/outcome.h"
#include "cmd/commands.h"
#include "os/library_versions.h"
#include "settings/setting_scope.h"
#include "version.h"

namespace irsa {

int HelpCommand(const Invocation& invocation) {
  std::string text;
  if (invocation.man) {
    text = ManPage(IRSA_AGENT_VERSION);
  } else if (const CommandInfo* info = FindCommandInfo(invocation.help_topic)) {
    text = CommandHelpText(*info);
  } else {
    text = HelpText();
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return FinishStdout(kExitOk, kExitUnavailable);
}

int VersionCommand(const Invocation& invocation) {
  const LibraryVersions libs = RunningLibraryVersions();
  if (invocation.json) {
    const nlohmann::ordered_json out = {{"version", IRSA_AGENT_VERSION},
                                        {"commit", IRSA_AGENT_COMMIT},
                                        {"build_type", IRSA_AGENT_BUILD_TYPE},
                                        {"linkage", IRSA_AGENT_LINKAGE},
                                        {"libcurl", libs.curl},
                                        {"libcurl_tls", libs.curl_tls},
                                        {"openssl", libs.openssl}};
    std::printf("%s\n", out.dump(2, ' ', true, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("irsa-agent %s (commit %s, %s, %s)\nlibcurl %s (%s)\n%s\n", IRSA_AGENT_VERSION,
                IRSA_AGENT_COMMIT, IRSA_AGENT_BUILD_TYPE, IRSA_AGENT_LINKAGE, libs.curl.c_str(),
                libs.curl_tls.c_str(), libs.openssl.c_str());
  }
  return FinishStdout(kExitOk, kExitUnavailable);
}

int CompletionCommand(const Invocation& /*invocation*/) {
  const std::string script = BashCompletion();
  std::fwrite(script.data(), 1, script.size(), stdout);
  return FinishStdout(kExitOk, kExitUnavailable);
}

}  // namespace irsa
