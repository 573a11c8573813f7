// Checks shared by answer_fuzz.cc and published_config_fuzz.cc: what every
// accepted pair must satisfy, and the render -> read-back round trip.
#pragma once

#include <string>
#include <vector>

#include "base/text.h"
#include "domain/answer.h"
#include "domain/render.h"
#include "fuzz_check.h"

namespace irsa::fuzz {

// Every pair is valid on its own; drop reasons are one line without control
// characters (they are logged).
inline void CheckAnswer(const MappingAnswer& answer) {
  for (const ProfilePair& pair : answer.pairs) {
    Check(IsValidRoleName(pair.name), "a pair's name is a valid role name");
    Check(pair.name != "default", "no pair is named default");
    for (const RoleArn* arn : {&pair.target_role, &pair.proxy_role}) {
      RoleArn again;
      std::string err;
      Check(ParseRoleArn(arn->ToString(), &again, &err), "a pair's role ARN re-parses");
      Check(again.ToString() == arn->ToString(), "a pair's role ARN round-trips");
    }
  }
  for (const std::string& line : answer.dropped) {
    Check(!line.empty() && !HasControlChar(line), "a drop reason is one line");
  }
}

inline bool SamePairs(const std::vector<ProfilePair>& a, const std::vector<ProfilePair>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].target_role.ToString() != b[i].target_role.ToString() ||
        a[i].proxy_role.ToString() != b[i].proxy_role.ToString()) {
      return false;
    }
  }
  return true;
}

// The rendered config reads back, as a published config, to the same pairs
// with nothing dropped, the rendered token path and region; rendering is
// deterministic and rendering what was read back gives the same bytes.
inline void CheckRenderRoundTrip(const std::vector<ProfilePair>& pairs,
                                 const RenderOptions& options) {
  const std::string rendered = RenderConfig(pairs, options);
  Check(RenderConfig(pairs, options) == rendered, "rendering is deterministic");
  MappingAnswer back;
  std::string err;
  Check(ParsePublishedConfig(rendered, &back, &err), "a rendered config parses");
  Check(back.dropped.empty(), "a rendered config drops nothing");
  Check(SamePairs(pairs, back.pairs), "a rendered config reads back the same pairs");
  for (const ProfilePair& pair : back.pairs) {
    Check(pair.token_file == options.web_identity_token_file, "the token path reads back");
    Check(pair.region == options.region, "the region reads back");
  }
  Check(RenderConfig(back.pairs, options) == rendered, "render(read(render(x))) == render(x)");
}

}  // namespace irsa::fuzz
