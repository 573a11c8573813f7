// The real HttpClient: one libcurl easy handle per exchange, so nothing (no
// connection, cookie, cached CA store or TLS session) carries over from one
// exchange to the next, and Send is safe to call from several threads. The
// keep-alive variant instead keeps idle handles (and with them their open
// connections) in a pool keyed by what decides whom a connection may serve.

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "base/text.h"
#include "base/url.h"
#include "irsa_agent/http.h"
#include "os/curl_handle_pool.h"
#include "os/curl_trust.h"
#include "version.h"

namespace irsa {
namespace {

constexpr double kMaxTimeoutMs = 24.0 * 3600 * 1000;  // keeps the conversion to long sane
constexpr long kMaxIdleSeconds = 60;                  // keep-alive client: reuse limit

struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

CURLcode GlobalInit() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool IsSafeHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// The parsed URL, and how messages name it: scheme://host[:port]/path, never
// the user info or the query, which may carry credentials.
struct Target {
  std::unique_ptr<CURLU, UrlDeleter> url;
  std::string scheme;
  std::string display;
};

std::string UrlPart(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out = value;
  curl_free(value);
  return out;
}

// Before the URL is known to parse, messages call it "request URL".
bool ParseTarget(const std::string& text, Target* target, std::string* err) {
  target->display = "request URL";
  if (std::any_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    *err = "holds a control character";
    return false;
  }
  target->url.reset(curl_url());
  if (!target->url) {
    *err = "out of memory parsing the request URL";
    return false;
  }
  if (const CURLUcode rc =
          curl_url_set(target->url.get(), CURLUPART_URL, text.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    *err = curl_url_strerror(rc);
    return false;
  }
  target->scheme = UrlPart(target->url.get(), CURLUPART_SCHEME);
  target->display = DisplayUrl(UrlPart(target->url.get(), CURLUPART_URL));
  if (target->scheme != "http" && target->scheme != "https") {
    *err = "the scheme must be http or https";
    return false;
  }
  return true;
}

// Builds the header list; "Name;" is libcurl's spelling of an empty value.
// "Expect:" stops libcurl from waiting for "100 Continue" on larger bodies.
bool BuildHeaders(const HttpRequest& request, std::unique_ptr<curl_slist, SlistDeleter>* list,
                  std::string* err) {
  std::vector<std::string> lines;
  for (const auto& [name, value] : request.headers) {
    if (!IsHttpToken(name)) {
      *err = "a header name is empty or holds a character outside the HTTP token set";
      return false;
    }
    if (!IsSafeHeaderValue(value)) {
      *err = "the value of header " + name + " holds CR, LF or NUL";
      return false;
    }
    lines.push_back(value.empty() ? name + ";" : name + ": " + value);
  }
  lines.emplace_back("Expect:");
  for (const std::string& line : lines) {
    curl_slist* grown = curl_slist_append(list->get(), line.c_str());
    if (grown == nullptr) {
      *err = "out of memory building headers";
      return false;
    }
    list->release();
    list->reset(grown);
  }
  return true;
}

// Per-exchange state shared with the libcurl callbacks.
struct Exchange {
  size_t max_bytes = 0;
  const std::function<bool()>* cancelled = nullptr;
  HttpResponse* response = nullptr;
  std::string too_large;  // set when a callback aborted over the size limit
  bool was_cancelled = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  if (n > ex->max_bytes - ex->response->body.size()) {
    ex->too_large = "response body larger than " + std::to_string(ex->max_bytes) + " bytes";
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  ex->response->body.append(data, n);
  return n;
}

// True when a Content-Length value announces more than `max_bytes`.
bool AnnouncesTooMuch(std::string_view value, size_t max_bytes) {
  uint64_t length = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (ec == std::errc::result_out_of_range) return true;
  return ec == std::errc() && end == value.data() + value.size() && length > max_bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  const size_t n = size * count;
  const std::string_view line = Trim(std::string_view(data, n));
  if (line.starts_with("HTTP/")) {  // a new response (after 1xx): forget earlier headers
    ex->response->retry_after.clear();
    ex->response->location.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = Trim(line.substr(colon + 1));
  if (EqualsIgnoreCase(name, "retry-after")) {
    ex->response->retry_after = value;
  } else if (EqualsIgnoreCase(name, "location")) {
    ex->response->location = value;
  } else if (EqualsIgnoreCase(name, "content-length") && AnnouncesTooMuch(value, ex->max_bytes)) {
    ex->too_large =
        "response Content-Length is larger than " + std::to_string(ex->max_bytes) + " bytes";
    return 0;
  }
  return n;
}

// libcurl calls this at least once a second, also while waiting for data.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* ex = static_cast<Exchange*>(user);
  if ((*ex->cancelled)()) {
    ex->was_cancelled = true;
    return 1;  // aborts the transfer with CURLE_ABORTED_BY_CALLBACK
  }
  return 0;
}

// 0 would mean "no timeout" to libcurl; an exhausted budget means "at once".
long ToMillis(double seconds) {
  const double ms = seconds * 1000;
  return ms >= 1 ? static_cast<long>(std::min(ms, kMaxTimeoutMs)) : 1L;
}

HttpFailure Classify(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
      return HttpFailure::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return HttpFailure::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
      return HttpFailure::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpFailure::kTooLarge;
    case CURLE_URL_MALFORMAT:
      return HttpFailure::kBadRequest;
    // The URL was checked before sending, so UNSUPPORTED_PROTOCOL can only
    // mean an HTTP/0.9 answer.
    default:  // GOT_NOTHING, PARTIAL_FILE, RECV_ERROR, WEIRD_SERVER_REPLY, UNSUPPORTED_PROTOCOL...
      return HttpFailure::kProtocol;
  }
}

// One line: libcurl's detailed message when it wrote one, else the generic one.
std::string Describe(CURLcode code, const char* errbuf) {
  // libcurl 7.88 refuses an answer header over its 100 KiB limit with
  // CURLE_OUT_OF_MEMORY; in practice that is what this code means here.
  if (code == CURLE_OUT_OF_MEMORY) return "answer header too large (or out of memory)";
  std::string text = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return std::string(Trim(text));
}

// Everything but the URL, headers and TLS is fixed: HTTP/1.1 only, no
// redirects, no signals (timeouts without SIGALRM), no cookie engine (never
// enabled without CURLOPT_COOKIEFILE), no content decoding (no
// Accept-Encoding is sent, so the size limit applies to what is received).
// Proxies come from libcurl's usual environment variables (http_proxy,
// HTTPS_PROXY, NO_PROXY), except for a request marked no_proxy: NOPROXY "*"
// makes libcurl connect directly to every host.
CURLcode Configure(CURL* easy, const HttpRequest& request, Target* target, curl_slist* headers,
                   CurlTrust* trust, Exchange* ex, char* errbuf) {
  CURLcode first = CURLE_OK;
  auto set = [&first](CURLcode rc) {
    if (first == CURLE_OK) first = rc;
  };
  set(curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf));
  set(curl_easy_setopt(easy, CURLOPT_CURLU, target->url.get()));
  set(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"));
  set(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
  set(curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1)));
  set(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
  set(curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, ToMillis(request.connect_timeout)));
  set(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, ToMillis(request.total_timeout)));
  set(curl_easy_setopt(easy, CURLOPT_USERAGENT, "irsa-agent/" IRSA_AGENT_VERSION));
  set(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers));
  set(curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L));
  if (request.no_proxy) set(curl_easy_setopt(easy, CURLOPT_NOPROXY, "*"));
  set(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody));
  set(curl_easy_setopt(easy, CURLOPT_WRITEDATA, ex));
  set(curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader));
  set(curl_easy_setopt(easy, CURLOPT_HEADERDATA, ex));
  if (request.cancelled) {
    set(curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, OnProgress));
    set(curl_easy_setopt(easy, CURLOPT_XFERINFODATA, ex));
    set(curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L));
  }
  if (request.method == "POST" || request.method == "PUT") {
    set(curl_easy_setopt(easy, CURLOPT_POST, 1L));
    if (request.method == "PUT") set(curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "PUT"));
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size())));
    set(curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data()));
  } else {
    set(curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
  }
  set(trust->Apply(easy, target->scheme == "https",
                   request.ca_file_only && !request.ca_file.empty()));
  return first;
}

class CurlHttpClient : public HttpClient {
 public:
  CurlHttpClient() = default;
  explicit CurlHttpClient(size_t max_idle) : pool_(std::make_unique<CurlHandlePool>(max_idle)) {}

  Status<HttpFailure> Send(const HttpRequest& request, HttpResponse* response) override {
    *response = HttpResponse{};
    Target target;
    std::string why;
    const bool ok = Prepare(request, &target, &why);
    const bool known_method =
        request.method == "GET" || request.method == "POST" || request.method == "PUT";
    const std::string prefix =
        (known_method ? request.method : "HTTP") + " " + target.display + ": ";
    auto fail = [&](HttpFailure kind, const std::string& message) {
      response->body.clear();
      return Status<HttpFailure>(kind, prefix + message);
    };
    if (!ok) return fail(HttpFailure::kBadRequest, why);
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    if (!BuildHeaders(request, &headers, &why)) return fail(HttpFailure::kBadRequest, why);
    if (request.cancelled && request.cancelled()) return fail(HttpFailure::kTimeout, "cancelled");
    if (const CURLcode rc = GlobalInit(); rc != CURLE_OK) {
      return fail(HttpFailure::kConnect,
                  std::string("libcurl initialisation failed: ") + curl_easy_strerror(rc));
    }
    // A CA file only matters for https; for http a missing one is no error.
    CurlTrust trust;
    if (target.scheme == "https" && !request.ca_file.empty() &&
        !trust.AddPemFile(request.ca_file, &why)) {
      return fail(HttpFailure::kBadRequest, why);
    }
    // Everything the handle points to is declared before it, so it outlives it.
    Exchange ex;
    ex.max_bytes = request.max_response_bytes;
    ex.cancelled = &request.cancelled;
    ex.response = response;
    char errbuf[CURL_ERROR_SIZE] = "";
    const std::string pool_key = pool_ ? CurlHandlePool::KeyOf(request) : "";
    std::unique_ptr<CURL, EasyDeleter> easy(pool_ ? pool_->Take(pool_key) : nullptr);
    if (!easy) easy.reset(curl_easy_init());
    if (!easy) return fail(HttpFailure::kConnect, "out of memory creating a libcurl handle");
    // Back to the pool on every way out below (the handle is reset there).
    struct Keep {
      CurlHandlePool* pool;
      const std::string& key;
      std::unique_ptr<CURL, EasyDeleter>& easy;
      ~Keep() {
        if (pool != nullptr && easy) pool->Give(key, easy.release());
      }
    } keep{pool_.get(), pool_key, easy};
    if (const CURLcode rc =
            Configure(easy.get(), request, &target, headers.get(), &trust, &ex, errbuf);
        rc != CURLE_OK) {
      return fail(HttpFailure::kBadRequest,
                  std::string("libcurl refused an option: ") + curl_easy_strerror(rc));
    }
    // A kept connection idle for longer is closed, not reused: load balancers
    // drop idle connections silently (AWS NLB after 350 s), and a request
    // sent on one would wait for its whole timeout.
    if (pool_) curl_easy_setopt(easy.get(), CURLOPT_MAXAGE_CONN, kMaxIdleSeconds);

    const CURLcode rc = curl_easy_perform(easy.get());
    curl_off_t micros = 0;
    if (curl_easy_getinfo(easy.get(), CURLINFO_TOTAL_TIME_T, &micros) == CURLE_OK) {
      response->seconds = static_cast<double>(micros) / 1e6;
    }
    // Our own aborts first: libcurl only reports them as a generic error.
    if (!ex.too_large.empty()) return fail(HttpFailure::kTooLarge, ex.too_large);
    if (ex.was_cancelled) return fail(HttpFailure::kTimeout, "cancelled");
    if (rc != CURLE_OK) return fail(Classify(rc), Describe(rc, errbuf));
    long status = 0;
    curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
    response->status = status;
    return {};
  }

 private:
  std::unique_ptr<CurlHandlePool> pool_;  // null: a fresh handle per exchange

  // Checks what can be refused before anything is sent.
  static bool Prepare(const HttpRequest& request, Target* target, std::string* why) {
    if (!ParseTarget(request.url, target, why)) return false;
    if (request.method != "GET" && request.method != "POST" && request.method != "PUT") {
      *why = "unsupported method (GET, POST or PUT only)";
      return false;
    }
    if (request.method == "GET" && !request.body.empty()) {
      *why = "a GET request cannot carry a body";
      return false;
    }
    return true;
  }
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

std::unique_ptr<HttpClient> NewKeepAliveCurlHttpClient(size_t max_idle) {
  return std::make_unique<CurlHttpClient>(max_idle);
}

}  // namespace irsa
