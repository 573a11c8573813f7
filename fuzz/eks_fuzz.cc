// ParseAssociationsPage and ParseAssociationDetail (the EKS API's Pod
// Identity association answers) on arbitrary bytes.
//
// Input: one steering byte (odd: a Describe answer, even: a List page), then
// the answer body.
//
// Invariants: every listed association has a namespace, a service account
// and an id that can go into a request path; nextToken is at most 4096 bytes
// without control characters; a described association keeps the listed id,
// namespace and service account and has times in [0, 1e11] with modifiedAt
// defaulting to createdAt; errors are one printable line that starts with the
// call's name and never quotes the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "aws/eks.h"
#include "base/text.h"
#include "fuzz_check.h"

namespace {

using irsa::fuzz::Check;

// The association a Describe answer must name (as the list gave it).
void Listed(irsa::PodIdentityAssociation* a) {
  a->ns = "default";
  a->service_account = "app";
  a->association_id = "a-0123456789abcdef0";
}

// The fixed text of the messages, each run of digits written N (see Normalize).
constexpr std::string_view kVocabulary =
    "EKS list: the answer is not a JSON object\n"
    "EKS list: associations is missing or not an array\n"
    "EKS list: nextToken is not a string of at most N printable bytes\n"
    "EKS list: associations[N].namespace is missing or not a string\n"
    "EKS list: associations[N].serviceAccount is missing or not a string\n"
    "EKS list: associations[N].associationId is missing or not a string\n"
    "EKS list: associations[N].associationId is malformed\n"
    "EKS describe: the answer has no association object\n"
    "EKS describe a-NabcdefN: associationId, namespace or serviceAccount missing or "
    "not those listed\n"
    "EKS describe a-NabcdefN: createdAt is missing or not epoch seconds\n"
    "EKS describe a-NabcdefN: modifiedAt is not epoch seconds\n";

std::string Normalize(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool digit = s[i] >= '0' && s[i] <= '9';
    if (!digit) {
      out += s[i];
    } else if (i == 0 || s[i - 1] < '0' || s[i - 1] > '9') {
      out += 'N';
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool describe = (irsa::fuzz::TakeByte(&data, &size) & 1) != 0;
  const std::string_view body = irsa::fuzz::AsText(data, size);
  std::string err;

  if (describe) {
    irsa::PodIdentityAssociation a;
    Listed(&a);
    if (irsa::ParseAssociationDetail(body, &a, &err)) {
      irsa::PodIdentityAssociation listed;
      Listed(&listed);
      Check(a.described && a.association_id == listed.association_id && a.ns == listed.ns &&
                a.service_account == listed.service_account,
            "a described association is the one listed");
      Check(a.created_at >= 0 && a.created_at <= 100000000000 && a.modified_at >= 0 &&
                a.modified_at <= 100000000000,
            "times are epoch seconds in [0, 1e11]");
    } else {
      Check(!a.described, "a failed describe is not described");
      Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
      Check(kVocabulary.find(Normalize(err) + "\n") != std::string_view::npos,
            "a describe error is a fixed message");
    }
    return 0;
  }

  std::vector<irsa::PodIdentityAssociation> list;
  std::string next = "stale";
  if (irsa::ParseAssociationsPage(body, &list, &next, &err)) {
    Check(next.size() <= 4096 && !irsa::HasControlChar(next), "nextToken is bounded and printable");
    for (const irsa::PodIdentityAssociation& a : list) {
      Check(!a.ns.empty() && !a.service_account.empty() && irsa::IsEksPathSegment(a.association_id),
            "a listed association has a namespace, a service account and a path-safe id");
      Check(!a.described, "a listed association is not described");
    }
  } else {
    Check(irsa::fuzz::IsPrintableLine(err), "an error is one printable line");
    Check(kVocabulary.find(Normalize(err) + "\n") != std::string_view::npos,
          "a list error is a fixed message");
  }
  return 0;
}
