#include "mapping/kube_objects.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/timestamp.h"

namespace irsa {
namespace {

using Json = nlohmann::json;

std::string StringAt(const Json& object, std::string_view name) {
  if (!object.is_object()) return "";
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& ObjectAt(const Json& object, std::string_view name) {
  static const Json kEmpty = Json::object();
  if (!object.is_object()) return kEmpty;
  const auto it = object.find(name);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

bool ParseMappingPods(std::string_view body, std::vector<MappingPod>* pods, std::string* next,
                      std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("items") ||
      !(doc["items"].is_array() || doc["items"].is_null())) {
    *err = "PodList: not a PodList";
    return false;
  }
  *next = StringAt(ObjectAt(doc, "metadata"), "continue");
  if (doc["items"].is_null()) return true;
  size_t i = 0;
  for (const Json& item : doc["items"]) {
    const Json& metadata = ObjectAt(item, "metadata");
    MappingPod pod;
    pod.name = StringAt(metadata, "name");
    if (pod.name.empty()) {
      *err = "PodList: items[" + std::to_string(i) + "].metadata.name is not a string";
      return false;
    }
    const Json& labels = ObjectAt(metadata, "labels");
    pod.run_id = StringAt(labels, kRunIdLabel);
    pod.starting_user = StringAt(labels, kStartingUserIdLabel);
    pod.service_account = StringAt(ObjectAt(item, "spec"), "serviceAccountName");
    if (pod.service_account.empty()) pod.service_account = "default";
    pod.phase = StringAt(ObjectAt(item, "status"), "phase");
    pods->push_back(std::move(pod));
    ++i;
  }
  return true;
}

bool ParseConfigMap(std::string_view body, ConfigMapData* out, std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "ConfigMap is not a JSON object";
    return false;
  }
  out->resource_version = StringAt(ObjectAt(doc, "metadata"), "resourceVersion");
  out->data.clear();
  for (const auto& [key, value] : ObjectAt(doc, "data").items()) {
    if (!value.is_string()) {
      *err = "ConfigMap data." + key + " is not a string";
      return false;
    }
    out->data[key] = value.get<std::string>();
  }
  return true;
}

bool ConfigMapWithEntry(std::string_view body, std::string_view key, std::string_view value,
                        std::string* out, std::string* err) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "ConfigMap is not a JSON object";
    return false;
  }
  if (!doc.contains("data") || !doc["data"].is_object())
    doc["data"] = nlohmann::ordered_json::object();
  doc["data"][std::string(key)] = std::string(value);
  *out = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return true;
}

bool ParseLease(std::string_view body, LeaseState* out, std::string* err) {
  const Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    *err = "Lease is not a JSON object";
    return false;
  }
  *out = LeaseState{};
  out->resource_version = StringAt(ObjectAt(doc, "metadata"), "resourceVersion");
  const Json& spec = ObjectAt(doc, "spec");
  out->holder = StringAt(spec, "holderIdentity");
  const std::string renew = StringAt(spec, "renewTime");
  if (!renew.empty() && !ParseRfc3339(renew, &out->renew_time, err)) {
    *err = "Lease spec.renewTime: " + *err;
    return false;
  }
  const auto duration = spec.find("leaseDurationSeconds");
  if (duration != spec.end() && duration->is_number_integer())
    out->duration = duration->get<int64_t>();
  return true;
}

bool LeaseTakeable(const LeaseState& lease, std::string_view holder, double now) {
  if (lease.holder.empty() || lease.holder == holder) return true;
  return static_cast<double>(lease.renew_time + lease.duration) < now;
}

std::string MicroTime(double unix_seconds) {
  const double whole = std::floor(unix_seconds);
  const auto micros = static_cast<int64_t>((unix_seconds - whole) * 1e6);
  std::string text = FormatRfc3339(static_cast<int64_t>(whole));  // ...:SSZ
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lld", static_cast<long long>(micros % 1000000));
  text.insert(text.size() - 1, fraction);
  return text;
}

std::string LeaseBody(std::string_view ns, std::string_view name, std::string_view holder,
                      int duration, double now, std::string_view resource_version) {
  Json metadata = {{"name", name}, {"namespace", ns}};
  if (!resource_version.empty()) metadata["resourceVersion"] = resource_version;
  Json spec = {{"holderIdentity", holder},
               {"leaseDurationSeconds", duration},
               {"acquireTime", MicroTime(now)},
               {"renewTime", MicroTime(now)}};
  return Json{{"apiVersion", "coordination.k8s.io/v1"},
              {"kind", "Lease"},
              {"metadata", metadata},
              {"spec", spec}}
      .dump();
}

std::string LeaseNameFor(std::string_view role_arn) {
  return "irsa-mapping-" + Sha256Hex(role_arn).substr(0, 16);
}

}  // namespace irsa
