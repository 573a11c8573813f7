// `irsa-agent profiles [--json]`: the profiles of the published config.
#include <cstdio>

#include "base/outcome.h"
#include "base/text.h"
#include "cmd/commands.h"
#include "domain/profiles.h"
#include "run/sync.h"

namespace irsa {

int ProfilesCommand(const Invocation& invocation, Shells& shells) {
  const std::string& path = invocation.settings.aws_config_file;
  std::string text;
  if (const ReadStatus read = shells.files->Read(path, kMaxAnswerBytes, &text); !read.ok()) {
    PrintError(read.kind() == ReadFailure::kMissing
                   ? "no config file " + path + " (run `irsa-agent once` first)"
                   : "config file " + read.message());
    return kExitUnavailable;
  }
  ProfileListing listing;
  std::string err;
  if (!ListProfiles(text, &listing, &err)) {
    PrintError(path + ": " + err);
    return kExitUnavailable;
  }
  if (invocation.json) {
    std::fputs(RenderProfilesJson(listing, path).c_str(), stdout);
  } else {
    for (const std::string& why : listing.dropped) {
      const std::string line = "irsa-agent: warning: " + EscapeControl(path + ": left out: " + why);
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fputs(RenderProfilesText(listing).c_str(), stdout);
  }
  return FinishStdout(kExitOk, kExitUnavailable);
}

}  // namespace irsa
