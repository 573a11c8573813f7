// One HTTP exchange, behind an interface (http_curl.cc is the real one).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace irsa {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  double connect_timeout = 5;
  double total_timeout = 10;
  std::string ca_file;  // extra trusted CA or self-signed leaf (PEM); empty for none
  size_t max_response_bytes = 1 << 20;
  // Polled during the exchange; when it returns true the exchange stops early
  // and fails with kTimeout ("cancelled"). Empty: never cancelled.
  std::function<bool()> cancelled;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string retry_after;  // raw header value, empty when absent
  std::string location;     // raw header value of a redirect
  double seconds = 0;       // wall time of the exchange
};

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
  // Sends `request`. Returns true when an HTTP status was received (any
  // status; redirects are not followed). Returns false with `*failure` and a
  // one-line `*err` naming the host and what went wrong (never a header value).
  virtual bool Send(const HttpRequest& request, HttpResponse* response, HttpFailure* failure,
                    std::string* err) = 0;
};

// libcurl, TLS verification always on (TLS 1.2+), proxies from the usual
// environment variables, no redirects, no cookies.
std::unique_ptr<HttpClient> NewCurlHttpClient();

}  // namespace irsa
