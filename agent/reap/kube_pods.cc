// A PodList is parsed with nlohmann's no-throw overload, and each field's
// type is checked before it is read: a wrong type is a malformed answer, so
// the round evicts nothing.
#include "reap/kube_pods.h"

#include <nlohmann/json.hpp>

#include "base/timestamp.h"

namespace irsa {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kContainerVariables[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"};

// The member `key` of object `j`, or nullptr when absent or null.
const Json* Member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

// Reads an optional string member; false when present with another type.
bool OptionalString(const Json& j, const char* key, std::string* out) {
  const Json* v = Member(j, key);
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  *out = v->get<std::string>();
  return true;
}

// Reads an optional array member; false when present with another type.
bool OptionalArray(const Json& j, const char* key, const Json** out) {
  *out = Member(j, key);
  return *out == nullptr || (*out)->is_array();
}

// Whether a volume list projects a token with the Pod Identity audience.
std::string ProjectedTokenReason(const Json& volumes) {
  for (const Json& volume : volumes) {
    const Json* projected = Member(volume, "projected");
    const Json* sources = projected ? Member(*projected, "sources") : nullptr;
    if (sources == nullptr || !sources->is_array()) continue;
    for (const Json& source : *sources) {
      const Json* token = Member(source, "serviceAccountToken");
      const Json* audience = token ? Member(*token, "audience") : nullptr;
      if (audience != nullptr && audience->is_string() &&
          audience->get<std::string>() == kPodIdentityAudience) {
        return "projected token audience " + std::string(kPodIdentityAudience);
      }
    }
  }
  return "";
}

// Whether a container list sets a container-credential variable.
std::string ContainerEnvReason(const Json* containers) {
  if (containers == nullptr || !containers->is_array()) return "";
  for (const Json& container : *containers) {
    const Json* env = Member(container, "env");
    if (env == nullptr || !env->is_array()) continue;
    for (const Json& var : *env) {
      const Json* name = Member(var, "name");
      if (name == nullptr || !name->is_string()) continue;
      for (std::string_view wanted : kContainerVariables) {
        if (name->get<std::string>() == wanted) {
          std::string container_name;
          OptionalString(container, "name", &container_name);
          return "env " + std::string(wanted) + " in container " + container_name;
        }
      }
    }
  }
  return "";
}

bool ParsePod(const Json& item, PodFacts* pod, std::string* why) {
  const Json* metadata = Member(item, "metadata");
  const Json* spec = Member(item, "spec");
  const Json* status = Member(item, "status");
  if (metadata == nullptr || !metadata->is_object()) {
    *why = "metadata is not an object";
    return false;
  }
  if (!OptionalString(*metadata, "name", &pod->name) || pod->name.empty() ||
      !OptionalString(*metadata, "namespace", &pod->ns) || pod->ns.empty()) {
    *why = "metadata.name or metadata.namespace is missing or not a string";
    return false;
  }
  pod->terminating = Member(*metadata, "deletionTimestamp") != nullptr;
  if (spec != nullptr) {
    if (!spec->is_object() || !OptionalString(*spec, "serviceAccountName", &pod->service_account)) {
      *why = "spec or spec.serviceAccountName has the wrong type";
      return false;
    }
    const Json* volumes = nullptr;
    const Json* containers = nullptr;
    const Json* init_containers = nullptr;
    if (!OptionalArray(*spec, "volumes", &volumes) ||
        !OptionalArray(*spec, "containers", &containers) ||
        !OptionalArray(*spec, "initContainers", &init_containers)) {
      *why = "spec.volumes, spec.containers or spec.initContainers is not an array";
      return false;
    }
    if (volumes != nullptr) pod->pod_identity = ProjectedTokenReason(*volumes);
    if (pod->pod_identity.empty()) pod->pod_identity = ContainerEnvReason(containers);
    if (pod->pod_identity.empty()) pod->pod_identity = ContainerEnvReason(init_containers);
  }
  if (pod->service_account.empty()) pod->service_account = "default";
  if (status != nullptr) {
    std::string start;
    std::string phase;
    if (!status->is_object() || !OptionalString(*status, "startTime", &start) ||
        !OptionalString(*status, "phase", &phase)) {
      *why = "status, status.startTime or status.phase has the wrong type";
      return false;
    }
    if (!start.empty()) {
      if (std::string time_err; !ParseRfc3339(start, &pod->start_time, &time_err)) {
        *why = "status.startTime is not an RFC 3339 time";
        return false;
      }
      pod->started = true;
    }
    if (phase == "Succeeded" || phase == "Failed") pod->terminating = true;
  }
  return true;
}

}  // namespace

bool ParsePodListPage(std::string_view body, std::vector<PodFacts>* pods, std::string* next,
                      std::string* err) {
  next->clear();
  const Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "PodList: the answer is not a JSON object";
    return false;
  }
  std::string kind;
  if (!OptionalString(doc, "kind", &kind) || kind != "PodList") {
    *err = "PodList: kind is not PodList";
    return false;
  }
  const Json* metadata = Member(doc, "metadata");
  if (metadata != nullptr &&
      (!metadata->is_object() || !OptionalString(*metadata, "continue", next))) {
    *err = "PodList: metadata.continue is not a string";
    return false;
  }
  const Json* items = nullptr;
  if (!OptionalArray(doc, "items", &items)) {
    *err = "PodList: items is not an array";
    return false;
  }
  if (items == nullptr) return true;
  pods->reserve(pods->size() + items->size());
  for (size_t i = 0; i < items->size(); ++i) {
    PodFacts pod;
    std::string why;
    if (!ParsePod((*items)[i], &pod, &why)) {
      *err = "PodList: items[" + std::to_string(i) + "]: " + why;
      return false;
    }
    pods->push_back(std::move(pod));
  }
  return true;
}

std::string EvictionBody(std::string_view ns, std::string_view name) {
  Json body = {{"apiVersion", "policy/v1"},
               {"kind", "Eviction"},
               {"metadata", {{"name", std::string(name)}, {"namespace", std::string(ns)}}}};
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace irsa
