// The mapping service's wire (pure; docs/MAPPING_SERVICE.md): which route a
// request is, the request body, the Domino answers, the two ConfigMaps and
// the 200 answer in the reference service's layout.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "domain/arn.h"

namespace irsa {

enum class MappingRoute { kMap, kMyRoles, kMapOrg, kHealthz, kMetrics, kNotFound };

// The route for `path`; `*allowed` the one method it takes ("POST", "GET").
MappingRoute RouteFor(std::string_view path, std::string* allowed);

// A request body at most this long; more is answered 413.
inline constexpr size_t kMaxRequestBody = 16 * 1024;

// Whether `id` matches ^[A-Za-z0-9_-]{1,64}$ (it goes into a label selector).
bool IsMappingRunId(std::string_view id);

// {"run_id": "<id>"} (other members ignored). False with one line in `*err`:
// "request body is not a JSON object", "run_id is missing", "run_id must match
// ^[A-Za-z0-9_-]{1,64}$". Never quotes the body.
bool ParseMapRequest(std::string_view body, std::string* run_id, std::string* err);

// {"domino_org": "<org>", "iam_role": "<asset role ARN>"}.
bool ParseMapOrgRequest(std::string_view body, std::string* org, std::string* role_arn,
                        std::string* err);

// GET /v4/auth/principal: canonicalId (a non-empty string) and isAdmin.
bool ParsePrincipal(std::string_view body, std::string* canonical_id, bool* is_admin,
                    std::string* err);

// GET /v4/organizations/self: the names of a JSON list of objects (objects
// without a string name are skipped).
bool ParseOrganizations(std::string_view body, std::vector<std::string>* names, std::string* err);

// One role the caller gets: the asset role (profile X) and the proxy role
// in the cluster's account (src_X).
struct RolePair {
  std::string profile;  // the asset role's name
  std::string asset_arn;
  std::string proxy_arn;
};

// What the two ConfigMaps say for `orgs`, in the order of `orgs`, one pair per
// asset role. An entry that is not a valid role ARN, or an asset role with no
// (valid) proxy role, is skipped with one line appended to `*skipped`.
std::vector<RolePair> PairsFor(const std::vector<std::string>& orgs,
                               const std::map<std::string, std::string>& org_to_asset,
                               const std::map<std::string, std::string>& asset_to_proxy,
                               std::vector<std::string>* skipped);

// The proxy roles of the role mapping (asset role name -> proxy role ARN),
// each once, in the order of the keys: what the trust GC visits and the
// doctor checks. An entry that is not a valid role ARN is skipped with one
// line appended to `*skipped`.
std::vector<RoleArn> ProxyRolesOf(const std::map<std::string, std::string>& asset_to_proxy,
                                  std::vector<std::string>* skipped);

// The reference layout: for each pair, [profile X], source_profile = src_X,
// role_arn=<asset>, [profile src_X], web_identity_token_file = <token path>,
// role_arn=<proxy>; lines joined by "\n", no trailing newline; "" for none.
std::string RenderMappingAnswer(const std::vector<RolePair>& pairs);

// {"result": {"<org>": "<asset role ARN>"}} for the caller's orgs that are mapped.
std::string RenderMyRoles(const std::vector<std::string>& orgs,
                          const std::map<std::string, std::string>& org_to_asset);

// The reference's 404 body.
std::string NoPodBody(std::string_view run_id);

}  // namespace irsa
