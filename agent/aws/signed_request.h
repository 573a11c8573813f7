// One SigV4-signed AWS API request, built and sent the one way the STS, EKS
// and IAM clients share. The signed headers carry the session token and the
// signature: they are wiped once the request is sent.
#pragma once

#include <string>

#include "aws/sigv4.h"
#include "aws/sts.h"
#include "irsa_agent/http.h"

namespace irsa {

// Signs `to_sign` with `credentials` under `scope` and fills `*out`'s method,
// headers (Host exactly as `to_sign.host`, the request's own signed headers,
// then X-Amz-Date, X-Amz-Security-Token and Authorization) and body (the
// payload). The caller sets the URL, timeouts and limits, and may append
// unsigned headers. Returns false with `*err` when SignV4 does.
bool BuildSignedRequest(SigV4Request to_sign, const TemporaryCredentials& credentials,
                        const SigV4Scope& scope, HttpRequest* out, std::string* err);

// Sends `*request`, then wipes its body and every header value, whatever the
// outcome.
Status<HttpFailure> SendAndWipe(HttpClient& http, HttpRequest* request, HttpResponse* response);

}  // namespace irsa
