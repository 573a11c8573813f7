// One HTTP exchange, the seam every network call goes through. http_curl.cc
// is the real one (libcurl); tests use FakeHttp or a loopback server.
//
// Thread safety: one HttpClient may be used by one thread at a time. Send
// borrows the request for the duration of the call only.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace irsa {

struct HttpRequest {
  std::string method = "GET";  // GET, POST or PUT
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double connect_timeout = 5;
  double total_timeout = 10;
  std::string ca_file;  // extra trusted CA or self-signed leaf (PEM); empty for none
  // True: trust only ca_file's certificates, not the default CA store (as
  // Kubernetes clients trust only the cluster's CA). Loading the default store
  // costs every new TLS connection about a megabyte and milliseconds of CPU.
  bool ca_file_only = false;
  size_t max_response_bytes = 1 << 20;
  // Polled during the exchange; when it returns true the exchange stops early
  // and fails with kTimeout ("cancelled"). Empty: never cancelled.
  std::function<bool()> cancelled;
  // True: connect directly, whatever http_proxy / HTTPS_PROXY say. For a
  // request that carries a credential to a link-local or loopback agent (the
  // EKS Pod Identity agent): SDKs never proxy it, and a proxy would see the token.
  bool no_proxy = false;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string retry_after;  // raw header value, empty when absent
  std::string location;     // raw header value of a redirect
  double seconds = 0;       // wall time of the exchange
};

// Why no HTTP status came back. Callers branch on it: kBadRequest is a local
// input problem, kTooLarge an unusable answer, the rest are worth a retry.
enum class HttpFailure {
  kNone,
  kBadRequest,  // refused before sending: bad URL, CR/LF or NUL in a header, unusable CA file
  kConnect,     // DNS, refused, unreachable, proxy
  kTimeout,
  kTls,       // handshake or certificate verification
  kTooLarge,  // body over max_response_bytes (not read to the end)
  kProtocol,  // malformed answer, connection closed mid-answer
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends `request` and waits for the answer, at most request.total_timeout
  // seconds. Returns ok() when an HTTP status was received (any status,
  // 4xx and 5xx included; redirects are not followed) with `*response`
  // filled. Otherwise returns the failure kind and one line naming the
  // method and host and what went wrong (never a header value, userinfo or
  // query); `*response` is then unspecified. Signals interrupting the
  // exchange are retried inside (EINTR is never returned); a request whose
  // `cancelled` turns true stops early with kTimeout.
  virtual Status<HttpFailure> Send(const HttpRequest& request, HttpResponse* response) = 0;
};

// libcurl, owned by the caller; each Send has its own handle, so several
// threads may share one client (the mapping service does). TLS verification
// always on (TLS 1.2+), proxies from the usual environment variables (unless
// HttpRequest::no_proxy), no redirects, no cookies.
std::unique_ptr<HttpClient> NewCurlHttpClient();

// The same, except that up to `max_idle` libcurl handles are kept between
// exchanges with their open connections (HTTP/1.1 keep-alive, TLS sessions),
// so a later exchange to the same origin with the same ca_file and no_proxy
// reuses one instead of connecting again (one idle for at most 60 s: load
// balancers drop idle connections silently); every other option is set afresh
// for each exchange. For a long-running service calling a few fixed origins
// with its own credentials (the mapping service); thread-safe.
std::unique_ptr<HttpClient> NewKeepAliveCurlHttpClient(size_t max_idle);

}  // namespace irsa
