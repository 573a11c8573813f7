// The EKS API's Pod Identity associations (CONTRACT.md section 8): the
// endpoint, the two answers' wire format, and a client that signs each GET
// with SigV4 for service `eks` over the HttpClient seam. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sts.h"
#include "base/outcome.h"
#include "irsa_agent/http.h"

namespace irsa {

// One association. The list gives the first four fields; Describe adds the rest.
struct PodIdentityAssociation {
  std::string ns;
  std::string service_account;
  std::string association_id;
  std::string association_arn;
  bool described = false;
  std::string role_arn;
  int64_t created_at = 0;   // unix seconds
  int64_t modified_at = 0;  // unix seconds; created_at when EKS gives none
};

// Whether `id` can go into a request path as is: 1..128 of [A-Za-z0-9_.-].
bool IsEksPathSegment(std::string_view id);

// One page of ListPodIdentityAssociations: appends to `*out`, sets `*next`
// to nextToken (empty on the last page). Returns false with one line in
// `*err` ("EKS list: associations[2].namespace is missing") for anything
// else; never quotes the body.
bool ParseAssociationsPage(std::string_view body, std::vector<PodIdentityAssociation>* out,
                           std::string* next, std::string* err);

// DescribePodIdentityAssociation's answer into `*association` (whose id it
// must name): roleArn, createdAt, modifiedAt (epoch seconds, JSON numbers).
bool ParseAssociationDetail(std::string_view body, PodIdentityAssociation* association,
                            std::string* err);

struct EksEndpoint {
  std::string base;    // "https://eks.us-east-1.amazonaws.com" (no trailing '/')
  std::string host;    // Host header: "eks.us-east-1.amazonaws.com", "127.0.0.1:5000"
  std::string region;  // signing region
};

// `eks_endpoint` (the setting or AWS_ENDPOINT_URL_EKS; empty for none) wins,
// else https://eks.<region>.amazonaws.com (.amazonaws.com.cn for cn-*).
// Returns false with one line in `*err` for an empty region, or an endpoint
// with user info, a query, a fragment or a path other than "/", or plain
// http to a host that is not loopback.
bool ResolveEksEndpoint(std::string_view eks_endpoint, std::string_view region, EksEndpoint* out,
                        std::string* err);

// The outcome of one EKS call. `failure`: kNone, kTransient (network,
// time-out, 5xx, 429 ThrottlingException), kPermanent (401, 403, other 4xx),
// kAnswer (a 200 that could not be read).
struct EksResult {
  Failure failure = Failure::kNone;
  std::string message;     // one line, never a credential
  bool not_found = false;  // Describe: 404, the association is gone
};

class EksClient {
 public:
  // Borrows `http`. `ca_file`: extra trust for an https endpoint.
  EksClient(HttpClient& http, EksEndpoint endpoint, double timeout, std::string ca_file);

  // One page of GET /clusters/<cluster>/pod-identity-associations
  // (maxResults=`page_size`, nextToken=`token` when not empty), signed with
  // `credentials` at `amz_date` (see AmzDate).
  EksResult ListPage(std::string_view cluster, std::string_view token, int page_size,
                     const TemporaryCredentials& credentials, std::string_view amz_date,
                     std::vector<PodIdentityAssociation>* out, std::string* next);

  // GET /clusters/<cluster>/pod-identity-associations/<id>: fills the
  // detail fields of `*association`.
  EksResult Describe(std::string_view cluster, PodIdentityAssociation* association,
                     const TemporaryCredentials& credentials, std::string_view amz_date);

  // The limit of each later exchange (the caller shrinks it near a deadline).
  void set_timeout(double seconds) { timeout_ = seconds; }
  int requests() const { return requests_; }

 private:
  EksResult Get(const std::string& path, const std::string& query,
                const TemporaryCredentials& credentials, std::string_view amz_date,
                HttpResponse* response);

  HttpClient& http_;
  EksEndpoint endpoint_;
  double timeout_;
  std::string ca_file_;
  int requests_ = 0;
};

}  // namespace irsa
