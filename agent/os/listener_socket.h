// The connection machinery shared by the TCP and Unix listeners (internal to
// agent/os): given a bound, listening, non-blocking socket, everything else
// in irsa_agent/listener.h.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "irsa_agent/listener.h"

namespace irsa {

// Takes ownership of `listen_fd` (closed on failure too). `peer_credentials`:
// fill ListenRequest::peer_uid/peer_pid from SO_PEERCRED (Unix sockets).
// `on_close`, when set, runs when the listener is destroyed, after the socket
// is closed (the Unix listener removes its socket file).
// Returns nullptr with `*err` when the epoll descriptor cannot be set up.
std::unique_ptr<Listener> NewSocketListener(int listen_fd, bool peer_credentials,
                                            const ListenerLimits& limits, std::string* err,
                                            std::function<void()> on_close = {});

}  // namespace irsa
