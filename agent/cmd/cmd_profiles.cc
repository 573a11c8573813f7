// `irsa-agent profiles [--json]`: the profiles of the published config.
#include <cstdio>

#include "cmd/commands.h"
#include "core/outcome.h"
#include "core/profiles.h"
#include "core/sync.h"
#include "core/text.h"

namespace irsa {

int ProfilesCommand(const Invocation& invocation, Shells& shells) {
  const std::string& path = invocation.settings.aws_config_file;
  std::string text;
  std::string err;
  switch (shells.files->Read(path, kMaxAnswerBytes, &text, &err)) {
    case ReadStatus::kOk:
      break;
    case ReadStatus::kMissing:
      PrintError("no config file " + path + " (run `irsa-agent once` first)");
      return kExitUnavailable;
    case ReadStatus::kTooLarge:
      PrintError("config file " + path + " is too large for a config the agent wrote");
      return kExitUnavailable;
    case ReadStatus::kError:
      PrintError(err);
      return kExitUnavailable;
  }
  ProfileListing listing;
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
