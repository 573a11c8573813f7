// Tests for the libcurl HttpClient against a real server on 127.0.0.1
// (tests/fakes/loopback_server.h), with certificates made in the test.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "fakes/loopback_server.h"
#include "fakes/test_pki.h"
#include "irsa_agent/http.h"
#include "unit/test_util.h"
#include "version.h"

namespace irsa {
namespace {

constexpr size_t kMiB = 1 << 20;

// Loopback requests must not be routed through a proxy from the caller's
// environment; tests that want a proxy set one themselves.
struct NoProxyEnv {
  ScopedEnv a{"http_proxy", nullptr}, b{"HTTP_PROXY", nullptr}, c{"https_proxy", nullptr},
      d{"HTTPS_PROXY", nullptr}, e{"all_proxy", nullptr}, f{"ALL_PROXY", nullptr};
};

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

HttpRequest Get(const std::string& url) {
  HttpRequest request;
  request.url = url;
  request.connect_timeout = 2;
  request.total_timeout = 5;
  return request;
}

struct Outcome {
  bool ok = false;
  HttpResponse response;
  HttpFailure failure = HttpFailure::kNone;
  std::string err;
  double seconds = 0;  // measured around Send
};

Outcome Send(const HttpRequest& request) {
  Outcome out;
  const double start = Now();
  const Status<HttpFailure> sent = NewCurlHttpClient()->Send(request, &out.response);
  out.ok = sent.ok();
  out.failure = sent.kind();
  out.err = sent.message();
  out.seconds = Now() - start;
  return out;
}

Reply Answer(const std::string& head_and_body) { return Reply{head_and_body, 0, false}; }

TEST_SUITE("http_curl") {
  TEST_CASE("a 200 answer gives the body and the headers callers use") {
    NoProxyEnv env;
    LoopbackServer server(
        Answer("HTTP/1.1 200 OK\r\ncontent-TYPE:  text/html; charset=utf-8 \r\nRETRY-AFTER: 120\r\n"
               "Content-Length: 5\r\n\r\nhello"));
    REQUIRE(server.ok());
    const Outcome out = Send(Get(server.Url("/healthz")));
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK(out.failure == HttpFailure::kNone);
    CHECK(out.response.status == 200);
    CHECK(out.response.body == "hello");
    CHECK(out.response.retry_after == "120");
    CHECK(out.response.location == "");
    CHECK(out.response.seconds > 0);
    CHECK(out.response.seconds < 5);
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].method == "GET");
    CHECK(server.requests()[0].target == "/healthz");
  }

  TEST_CASE("a POST delivers its body and headers") {
    NoProxyEnv env;
    LoopbackServer server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(server.ok());
    HttpRequest request = Get(server.Url("/map_iam_roles_to_pod_sa?v=1"));
    request.method = "POST";
    request.headers = {{"Content-Type", "application/json"},
                       {"Authorization", "Bearer test-token-value"},
                       {"X-Empty", ""}};
    // Big enough that libcurl would otherwise wait for "100 Continue".
    request.body =
        R"({"run_id": "6527182438a6346046006654", "pad": ")" + std::string(100 * 1024, 'p') + "\"}";
    const Outcome out = Send(request);
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK(out.response.status == 200);
    CHECK(out.response.body.empty());
    CHECK(out.seconds < 0.9);  // no "Expect: 100-continue" wait (1 s in libcurl)
    REQUIRE(server.requests().size() == 1);
    const ReceivedRequest got = server.requests()[0];
    CHECK(got.method == "POST");
    CHECK(got.target == "/map_iam_roles_to_pod_sa?v=1");
    CHECK(got.body == request.body);
    CHECK(got.Header("Content-Type") == "application/json");
    CHECK(got.Header("Authorization") == "Bearer test-token-value");
    CHECK(got.HasHeader("X-Empty"));
    CHECK(got.Header("X-Empty") == "");
    CHECK(got.Header("Content-Length") == std::to_string(request.body.size()));
    CHECK(got.Header("User-Agent") == "irsa-agent/" IRSA_AGENT_VERSION);
    CHECK_FALSE(got.HasHeader("Expect"));
    CHECK_FALSE(got.HasHeader("Accept-Encoding"));
    CHECK_FALSE(got.HasHeader("Cookie"));
  }

  TEST_CASE("error statuses are answers, not failures") {
    NoProxyEnv env;
    struct Case {
      long status;
      const char* head;
      std::string body;
    };
    const Case cases[] = {
        {404, "HTTP/1.1 404 Not Found\r\n", "No Pod Found with the run id 65 for the user"},
        {500, "HTTP/1.1 500 Internal Server Error\r\n", "<html>error</html>"},
        {400, "HTTP/1.1 400 Bad Request\r\n", "<html>bad</html>"},
        {503, "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.status);
      LoopbackServer server(Answer(std::string(c.head) + "Content-Length: " +
                                   std::to_string(c.body.size()) + "\r\n\r\n" + c.body));
      REQUIRE(server.ok());
      const Outcome out = Send(Get(server.Url()));
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.response.status == c.status);
      CHECK(out.response.body == c.body);
    }
  }

  TEST_CASE("a redirect is returned, not followed") {
    NoProxyEnv env;
    LoopbackServer target(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(target.ok());
    LoopbackServer server(Answer("HTTP/1.1 302 Found\r\nLocation: " + target.Url("/elsewhere") +
                                 "\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(server.ok());
    const Outcome out = Send(Get(server.Url()));
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK(out.response.status == 302);
    CHECK(out.response.location == target.Url("/elsewhere"));
    CHECK(server.requests().size() == 1);
    CHECK(target.connections() == 0);
  }

  TEST_CASE("a body over the limit is refused") {
    NoProxyEnv env;
    // (Whether the server got all of the 2 MiB out depends on socket buffer
    // sizes; the next subcase shows deterministically that reading stops.)
    SUBCASE("2 MiB delimited by the connection closing") {
      LoopbackServer server(Reply{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 2 * kMiB});
      REQUIRE(server.ok());
      const Outcome out = Send(Get(server.Url()));
      CHECK_FALSE(out.ok);
      CHECK(out.failure == HttpFailure::kTooLarge);
      CHECK(out.err == "GET " + server.Url() + ": response body larger than 1048576 bytes");
      CHECK(out.response.body.empty());
    }
    SUBCASE("not read to the end: the server never finishes, the client stops at the limit") {
      // One chunk of 1001 (0x3e9) bytes, then silence: a client that read
      // on would wait for the next chunk until its timeout.
      const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
      LoopbackServer server(Reply{head + "3e9\r\n" + std::string(1001, 'x') + "\r\n", 0, true});
      REQUIRE(server.ok());
      HttpRequest request = Get(server.Url());
      request.max_response_bytes = 1000;
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kTooLarge);
      CHECK(out.err == "GET " + server.Url() + ": response body larger than 1000 bytes");
      CHECK(out.seconds < 2);  // reading on would have run into the 5 s timeout
    }
    SUBCASE("exactly at the limit is fine") {
      LoopbackServer server(
          Answer("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'y')));
      REQUIRE(server.ok());
      HttpRequest request = Get(server.Url());
      request.max_response_bytes = 1000;
      const Outcome out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.response.body == std::string(1000, 'y'));
    }
    SUBCASE("a Content-Length over the limit is refused before the body arrives") {
      LoopbackServer server(Reply{"HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\n\r\n", 0, true});
      REQUIRE(server.ok());
      const Outcome out = Send(Get(server.Url()));
      CHECK(out.failure == HttpFailure::kTooLarge);
      CHECK(out.err ==
            "GET " + server.Url() + ": response Content-Length is larger than 1048576 bytes");
      CHECK(out.seconds < 2);
    }
  }

  TEST_CASE("connection refused is kConnect, and messages never show user info or query") {
    NoProxyEnv env;
    const std::string port = std::to_string(UnusedLoopbackPort());
    HttpRequest request =
        Get("http://agent:hunter2-password@127.0.0.1:" + port + "/map?token=query-secret");
    request.method = "POST";
    const Outcome out = Send(request);
    CHECK_FALSE(out.ok);
    CHECK(out.failure == HttpFailure::kConnect);
    CHECK(out.err.starts_with("POST http://127.0.0.1:" + port + "/map: "));
    CHECK(out.err.find("hunter2") == std::string::npos);
    CHECK(out.err.find("query-secret") == std::string::npos);
    CHECK(out.err.find('\n') == std::string::npos);
  }

  TEST_CASE("a server that never answers times out on time") {
    NoProxyEnv env;
    LoopbackServer server(Reply{"", 0, true});
    REQUIRE(server.ok());
    HttpRequest request = Get(server.Url());
    request.total_timeout = 1;
    const Outcome out = Send(request);
    CHECK(out.failure == HttpFailure::kTimeout);
    CHECK(out.err.starts_with("GET " + server.Url() + ": Operation timed out"));
    CHECK(out.seconds >= 0.9);
    CHECK(out.seconds < 2);
  }

  TEST_CASE("cancellation stops an exchange") {
    NoProxyEnv env;
    LoopbackServer server(Reply{"", 0, true});
    REQUIRE(server.ok());
    SUBCASE("while waiting for the answer") {
      HttpRequest request = Get(server.Url());
      const double cancel_at = Now() + 0.3;
      request.cancelled = [cancel_at] { return Now() >= cancel_at; };
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kTimeout);
      CHECK(out.err == "GET " + server.Url() + ": cancelled");
      CHECK(out.seconds < 2);  // the 5 s timeout did not have to expire
      CHECK(server.connections() == 1);
    }
    SUBCASE("before anything is sent") {
      HttpRequest request = Get(server.Url());
      request.cancelled = [] { return true; };
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kTimeout);
      CHECK(out.err == "GET " + server.Url() + ": cancelled");
      CHECK(server.connections() == 0);
    }
  }

  TEST_CASE("broken answers are kProtocol") {
    NoProxyEnv env;
    const char* replies[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it",  // closed mid-body
        "",                                                               // closed at once
        "garbage\r\n\r\n",                                                // not HTTP
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",    // bad chunk
    };
    for (const char* reply : replies) {
      CAPTURE(reply);
      LoopbackServer server(Answer(reply));
      REQUIRE(server.ok());
      const Outcome out = Send(Get(server.Url()));
      CHECK_FALSE(out.ok);
      CHECK(out.failure == HttpFailure::kProtocol);
      CHECK(out.err.starts_with("GET " + server.Url() + ": "));
    }
  }

  TEST_CASE("bad requests are refused before anything is sent") {
    NoProxyEnv env;
    LoopbackServer server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(server.ok());
    const std::string url = server.Url("/p");
    const std::string bad_name =
        "POST " + url + ": a header name is empty or holds a character outside the HTTP token set";
    const std::string bad_value = "POST " + url + ": the value of header X-A holds CR, LF or NUL";
    struct HeaderCase {
      std::string name;
      std::string value;
      std::string want;
    };
    const HeaderCase header_cases[] = {
        {"X-A", "a\r\nInjected: 1", bad_value},
        {"X-A", "a\nb", bad_value},
        {"X-A", "a\rb", bad_value},
        {"X-A", std::string("a\0b", 3), bad_value},
        {"X-A\r\nInjected", "1", bad_name},
        {std::string("X-A\0B", 5), "1", bad_name},
        {"Bad Name", "1", bad_name},
        {"X:Y", "1", bad_name},
        {"", "1", bad_name},
    };
    for (const HeaderCase& c : header_cases) {
      CAPTURE(c.name);
      HttpRequest request = Get(url);
      request.method = "POST";
      request.headers = {{"Content-Type", "application/json"}, {c.name, c.value}};
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kBadRequest);
      CHECK(out.err == c.want);
    }

    struct Case {
      std::string method;
      std::string url;
      std::string body;
      std::string want;
    };
    const Case cases[] = {
        {"GET", "ftp://127.0.0.1/p", "", "GET ftp://127.0.0.1/p: the scheme must be http or https"},
        {"GET", "file:///etc/passwd", "",
         "GET file:///etc/passwd: the scheme must be http or https"},
        {"GET", url + "\r\nX: y", "", "GET request URL: holds a control character"},
        {"GET", url + "\x7f", "", "GET request URL: holds a control character"},
        {"GET", "not a url", "", "GET request URL: Bad scheme"},
        {"GET", "http://", "", "GET request URL: No host part in the URL"},
        {"GET", "", "", "GET request URL: Bad scheme"},
        {"DELETE", url, "", "HTTP " + url + ": unsupported method (GET, POST or PUT only)"},
        {"GET\r\n", url, "", "HTTP " + url + ": unsupported method (GET, POST or PUT only)"},
        {"GET", url, "body", "GET " + url + ": a GET request cannot carry a body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      HttpRequest request = Get(c.url);
      request.method = c.method;
      request.body = c.body;
      const Outcome out = Send(request);
      CHECK_FALSE(out.ok);
      CHECK(out.failure == HttpFailure::kBadRequest);
      CHECK(out.err == c.want);
    }
    CHECK(server.connections() == 0);
  }

  TEST_CASE("proxies come from the environment") {
    NoProxyEnv env;
    LoopbackServer proxy(Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    REQUIRE(proxy.ok());
    ScopedEnv http_proxy("http_proxy", proxy.Url().c_str());
    const Outcome out = Send(Get("http://irsa-svc.domino-field.invalid/map"));
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK(out.response.body == "ok");
    REQUIRE(proxy.requests().size() == 1);
    CHECK(proxy.requests()[0].target == "http://irsa-svc.domino-field.invalid/map");
  }

  TEST_CASE("HTTPS trusts the system store plus the extra CA file") {
    NoProxyEnv env;
    TempDir dir;
    const TestCert ca = MakeTestCa("irsa test CA");
    const TestCert other_ca = MakeTestCa("irsa other CA");
    REQUIRE(ca.ok());
    REQUIRE(other_ca.ok());
    const TestCert server_cert = MakeTestServerCert(ca, "irsa-svc");
    REQUIRE(server_cert.ok());
    const std::string ca_file = dir.Write("ca.pem", ca.cert_pem);
    const std::string other_ca_file = dir.Write("other.pem", other_ca.cert_pem);
    LoopbackServer server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), &server_cert);
    REQUIRE(server.ok());
    const std::string prefix = "GET " + server.Url() + ": ";

    SUBCASE("with the CA file") {
      HttpRequest request = Get(server.Url());
      request.ca_file = ca_file;
      const Outcome out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.response.body == "ok");
    }
    SUBCASE("with the CA among other PEM blocks") {
      HttpRequest request = Get(server.Url());
      request.ca_file =
          dir.Write("bundle.pem", other_ca.cert_pem + server_cert.key_pem + ca.cert_pem);
      const Outcome out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);
    }
    SUBCASE("without a CA file the certificate is not trusted") {
      const Outcome out = Send(Get(server.Url()));
      CHECK(out.failure == HttpFailure::kTls);
      CHECK(out.err.starts_with(prefix + "SSL certificate problem"));
    }
    SUBCASE("another CA does not help") {
      HttpRequest request = Get(server.Url());
      request.ca_file = other_ca_file;
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kTls);
      CHECK(out.err.starts_with(prefix + "SSL certificate problem"));
    }
    SUBCASE("the host name is checked") {
      HttpRequest request = Get("https://localhost:" + std::to_string(server.port()) + "/");
      request.ca_file = ca_file;
      const Outcome out = Send(request);
      CHECK(out.failure == HttpFailure::kTls);
      CHECK(out.err.ends_with(
          ": SSL: no alternative certificate subject name matches target host name 'localhost'"));
    }
    SUBCASE("an unusable CA file fails before connecting") {
      struct Case {
        std::string file;
        std::string want;
      };
      const Case cases[] = {
          {dir.path() + "/missing.pem",
           prefix + "CA file " + dir.path() + "/missing.pem: No such file or directory"},
          {dir.Write("empty.pem", ""),
           prefix + "CA file " + dir.path() + "/empty.pem holds no PEM certificate"},
          {dir.Write("key.pem", server_cert.key_pem),
           prefix + "CA file " + dir.path() + "/key.pem holds no PEM certificate"},
          {dir.path(), prefix + "CA file " + dir.path() + ": Is a directory"},
      };
      for (const Case& c : cases) {
        HttpRequest request = Get(server.Url());
        request.ca_file = c.file;
        const Outcome out = Send(request);
        CHECK(out.failure == HttpFailure::kBadRequest);  // a local input, found before sending
        CHECK(out.err == c.want);
      }
      CHECK(server.connections() == 0);
    }
    SUBCASE("the CA file is not needed for plain HTTP") {
      LoopbackServer plain(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
      REQUIRE(plain.ok());
      HttpRequest request = Get(plain.Url());
      request.ca_file = dir.path() + "/missing.pem";
      const Outcome out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);
    }
    SUBCASE("the CA file adds to the default store instead of replacing it") {
      // SSL_CERT_FILE stands in for the public bundle: a server it vouches
      // for must stay trusted when an extra CA is given.
      const TestCert public_ca = MakeTestCa("irsa stand-in public CA");
      const TestCert public_cert = MakeTestServerCert(public_ca, "public");
      REQUIRE(public_cert.ok());
      ScopedEnv cert_file("SSL_CERT_FILE", dir.Write("public.pem", public_ca.cert_pem).c_str());
      LoopbackServer public_server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                                   &public_cert);
      REQUIRE(public_server.ok());

      HttpRequest request = Get(public_server.Url());
      Outcome out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);  // SSL_CERT_FILE is honoured
      request.ca_file = ca_file;
      out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);  // and kept next to the extra CA

      request = Get(server.Url());
      request.ca_file = ca_file;
      out = Send(request);
      REQUIRE_MESSAGE(out.ok, out.err);
      request.ca_file.clear();
      out = Send(request);
      CHECK(out.failure == HttpFailure::kTls);
    }
    SUBCASE("ca_file_only trusts the CA file and nothing else") {
      const TestCert public_ca = MakeTestCa("irsa stand-in public CA");
      const TestCert public_cert = MakeTestServerCert(public_ca, "public");
      REQUIRE(public_cert.ok());
      ScopedEnv cert_file("SSL_CERT_FILE", dir.Write("public.pem", public_ca.cert_pem).c_str());
      LoopbackServer public_server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
                                   &public_cert);
      REQUIRE(public_server.ok());
      for (const bool keep_alive : {false, true}) {
        CAPTURE(keep_alive);
        std::unique_ptr<HttpClient> client =
            keep_alive ? NewKeepAliveCurlHttpClient(4) : NewCurlHttpClient();
        // (A kept connection holds the one-connection-at-a-time loopback
        // server, so each server is asked last by the client that keeps it.)
        HttpResponse response;
        HttpRequest request = Get(public_server.Url());
        request.ca_file = ca_file;
        request.ca_file_only = true;
        const Status<HttpFailure> refused = client->Send(request, &response);
        CHECK(refused.kind() == HttpFailure::kTls);
        CHECK(refused.message().starts_with("GET " + public_server.Url() +
                                            ": SSL certificate problem"));
        request.ca_file_only = false;  // the default store, plus ca_file
        Status<HttpFailure> sent = client->Send(request, &response);
        CHECK_MESSAGE(sent.ok(), sent.message());
        request = Get(server.Url());
        request.ca_file = ca_file;
        request.ca_file_only = true;
        sent = client->Send(request, &response);
        REQUIRE_MESSAGE(sent.ok(), sent.message());
        CHECK(response.body == "ok");
      }
    }
  }

  TEST_CASE("HTTPS with a self-signed server certificate as the CA file") {
    NoProxyEnv env;
    TempDir dir;
    const TestCert leaf = MakeTestSelfSignedServerCert("irsa-svc.domino-field");
    REQUIRE(leaf.ok());
    LoopbackServer server(Answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"), &leaf);
    REQUIRE(server.ok());
    HttpRequest request = Get(server.Url());
    Outcome out = Send(request);
    CHECK(out.failure == HttpFailure::kTls);
    request.ca_file = dir.Write("tls.crt", leaf.cert_pem);
    out = Send(request);
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK(out.response.body == "ok");
  }
}

}  // namespace
}  // namespace irsa
