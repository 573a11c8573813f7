// RecipesFor: what a sync wrote, as the broker's recipes; RecipeFromInvocation:
// the same, read back from a credential_process command line.
#include "aws/credential_source.h"

namespace irsa {

std::vector<CredentialRecipe> RecipesFor(const std::vector<ProfilePair>& pairs,
                                         const AuditTrail& audit) {
  std::vector<CredentialRecipe> recipes;
  recipes.reserve(2 * pairs.size());
  for (const ProfilePair& pair : pairs) {
    CredentialRecipe target;
    target.profile = pair.name;
    target.role_arn = pair.target_role.ToString();
    const bool has_proxy = !pair.proxy_role.name.empty();
    if (has_proxy) target.source_role_arn = pair.proxy_role.ToString();
    target.session_name = audit.session_name;
    target.source_identity = audit.source_identity;
    target.tags = audit.tags;
    recipes.push_back(std::move(target));
    if (!has_proxy) continue;

    CredentialRecipe proxy;
    proxy.profile = std::string(kSourcePrefix) + pair.name;
    proxy.role_arn = pair.proxy_role.ToString();
    proxy.session_name = audit.session_name;
    recipes.push_back(std::move(proxy));
  }
  return recipes;
}

CredentialRecipe RecipeFromInvocation(const Invocation& invocation) {
  CredentialRecipe recipe;
  recipe.profile = invocation.profile;
  recipe.role_arn = invocation.role_arn;
  recipe.source_role_arn = invocation.source_role_arn;
  recipe.session_name = invocation.session_name.empty()
                            ? RoleSessionName("", invocation.settings.run_id)
                            : invocation.session_name;
  recipe.source_identity = invocation.set_source_identity;
  recipe.tags = invocation.tags;
  return recipe;
}

}  // namespace irsa
