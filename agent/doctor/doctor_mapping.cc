// The mapping service checks (what it answered for this run) and the
// published config checks (what the SDKs will read).
#include <algorithm>
#include <set>

#include "base/text.h"
#include "base/url.h"
#include "doctor/doctor.h"
#include "domain/answer.h"
#include "domain/arn.h"
#include "domain/identity.h"

namespace irsa {
namespace {

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f s", s);
  return buf;
}

std::string FixFor(HttpFailure failure, const Settings& settings) {
  switch (failure) {
    case HttpFailure::kConnect:
      return "the service is down or unreachable from here: check the endpoint URL, DNS and "
             "network policies between this pod and the service";
    case HttpFailure::kTimeout:
      return "no answer within request-timeout (" + DisplayValue(settings, "request-timeout") +
             " s): the service is overloaded or a network policy drops the traffic";
    case HttpFailure::kTls:
      return "set ca-file (DOMINO_IRSA_SSL_CERT) to the CA, or self-signed certificate, of the "
             "service";
    case HttpFailure::kBadRequest:
      return "the endpoint URL or the credential cannot be sent as HTTP: check both";
    case HttpFailure::kTooLarge:
    case HttpFailure::kProtocol:
    case HttpFailure::kNone:
      break;
  }
  return "the endpoint does not speak HTTP like the mapping service: check the endpoint URL";
}

// mapping.answer for an answer body (from the service's 200 or the mapping file).
Check JudgeAnswer(const std::string& where, const std::string& body) {
  Check check{"mapping.answer", CheckStatus::kPass, "", {}, ""};
  MappingAnswer answer;
  std::string err;
  if (!ParseMappingAnswer(body, &answer, &err)) {
    check.status = CheckStatus::kFail;
    check.fact = where + " is not a valid AWS config: " + err;
    check.fix = "the mapping service must answer the AWS config text (CONTRACT.md section 3)";
    return check;
  }
  if (!IsPublishable(answer, &err)) {
    check.status = CheckStatus::kFail;
    check.fact = where + ": " + err + "; the agent keeps the previous config";
    check.fix = "fix the role mapping of the pairs left out (see left_out)";
    for (const std::string& why : answer.dropped) check.facts.push_back({"left_out", why});
    return check;
  }
  std::vector<std::string> names;
  for (const ProfilePair& pair : answer.pairs) names.push_back(pair.name);
  check.facts.push_back({"bytes", std::to_string(body.size())});
  check.facts.push_back({"profiles", names.empty() ? "(none)" : JoinComma(names)});
  for (const std::string& why : answer.dropped) check.facts.push_back({"left_out", why});
  check.fact = where + ": " + Count(names.size(), "role") +
               (names.empty() ? "" : " (" + JoinComma(names) + ")");
  if (!answer.dropped.empty()) {
    check.status = CheckStatus::kWarn;
    check.fact += "; " + std::to_string(answer.dropped.size()) + " left out";
    check.fix = "fix the role mapping of the pairs left out (see left_out)";
  } else if (names.empty()) {
    check.status = CheckStatus::kWarn;
    check.fix = "no role is mapped to this user's organisations: add one in the mapping service";
  }
  return check;
}

Check JudgeStatus(const MappingProbe& probe) {
  const std::string code = "HTTP " + std::to_string(probe.status);
  Check check{"mapping.answer", CheckStatus::kFail, code, {}, ""};
  if (probe.status == 404) {
    check.fact += ": no pod found for run id " + probe.run_id +
                  " (not running yet, or the credential belongs to another user)";
    check.fix = "check that the run id is this run's and the credential is its owner's";
  } else if (probe.status == 401 || probe.status == 403) {
    check.fact += ": the Domino credential (" + probe.credential_source + ") was refused";
    check.fix = "use a current token or API key of the user who owns the run";
  } else if (probe.status == 400) {
    check.fact += ": the service could not read the request";
    check.fix = "check that the endpoint is the mapping call's full URL";
  } else if (probe.status >= 500) {
    check.fact += ": the service failed";
    check.fix =
        "see the mapping service's log (misconfiguration, IAM AccessDenied, or a role "
        "missing from its mapping)";
  } else if (probe.status >= 300 && probe.status < 400) {
    check.fact += ": a redirect, not followed (the credential is never sent across one)";
    check.fix = "set the endpoint to the URL the service redirects to";
  } else {
    check.fix = "the mapping call answers 200 with the AWS config";
  }
  return check;
}

}  // namespace

std::vector<Check> CheckMapping(const Settings& settings, const MappingProbe& probe) {
  Check service{"mapping.service", CheckStatus::kPass, "", {}, ""};
  if (probe.from_file) {
    service.fact = "not asked: the mapping comes from mapping-file " + probe.file.path;
    if (probe.file.status.ok()) return {service, JudgeAnswer(probe.file.path, probe.file.content)};
    Check answer{"mapping.answer",
                 CheckStatus::kFail,
                 "mapping file " + probe.file.status.message(),
                 {},
                 "point mapping-file at a saved answer, or use endpoint"};
    return {service, answer};
  }
  service.facts.push_back({"endpoint", DisplayUrl(settings.endpoint)});
  const bool https = settings.endpoint.starts_with("https://");
  service.facts.push_back(
      {"tls", https ? "verified by libcurl (TLS 1.2 or later), trusting " +
                          (settings.ca_file.empty()
                               ? std::string("the system CA store")
                               : "the system CA store and " + settings.ReadPath(settings.ca_file))
                    : "none (plain HTTP: the Domino credential crosses the network unencrypted)"});
  Check answer{"mapping.answer", CheckStatus::kFail, "", {}, ""};
  if (!probe.requester.ok()) {
    service.status = CheckStatus::kFail;
    service.fact = "not asked: " + probe.requester.message();
    service.fix = "fix run-id or domino-credential above";
    answer.fact = "no answer (the service was not asked)";
    answer.fix = service.fix;
    return {service, answer};
  }
  service.facts.push_back({"credential", probe.credential_source});
  if (!probe.sent.ok()) {
    service.status = CheckStatus::kFail;
    service.fact = "the mapping call failed: " + probe.sent.message();
    service.fix = FixFor(probe.sent.kind(), settings);
    answer.fact = "no answer";
    answer.fix = "fix mapping.service first";
    return {service, answer};
  }
  service.facts.push_back({"seconds", Seconds(probe.seconds)});
  service.fact = "HTTP " + std::to_string(probe.status) + " in " + Seconds(probe.seconds) +
                 (https ? " over verified TLS" : " over plain HTTP");
  service.facts.push_back({"run_id", probe.run_id});
  if (probe.status != 200) return {service, JudgeStatus(probe)};
  return {service, JudgeAnswer("HTTP 200", probe.body)};
}

}  // namespace irsa
