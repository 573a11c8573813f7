#include "settings/url_settings.h"

#include "base/url.h"

namespace irsa {

bool CheckUrlSettings(const Settings& settings, const UrlAccepts& accepts, std::string* err) {
  const struct {
    const char* name;
    const std::string& url;
  } urls[] = {{"endpoint", settings.endpoint},
              {"api-proxy", settings.api_proxy},
              {"sts-endpoint", settings.sts_endpoint}};
  for (const auto& [name, url] : urls) {
    std::string why;
    if (url.empty() || accepts(url, &why)) continue;
    const auto origin = settings.origin.find(name);
    const std::string where = origin == settings.origin.end() ? "" : " (" + origin->second + ")";
    *err = std::string(name) + where + ": '" + DisplayUrl(url) +
           "' is not a URL libcurl accepts: " + why;
    return false;
  }
  return true;
}

}  // namespace irsa
