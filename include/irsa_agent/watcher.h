// Tells the event loop when an input file may have changed, the way the
// kubelet changes it (CONTRACT.md section 5): a `..data` symlink swap, a
// rename over the file, or an in-place rewrite. False alarms are fine (the loop
// compares content hashes); a missed change is not. watcher_inotify.cc is the
// real one.
//
// Thread safety: one thread at a time. The Watcher owns its descriptor and
// closes it when destroyed; fd() is only borrowed (to poll it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"

namespace irsa {

class Watcher {
 public:
  virtual ~Watcher() = default;

  // Starts watching the folder of each path in `files` (a folder that does not
  // exist yet is waited for by watching its nearest existing ancestor). May be
  // called once. Returns false with `*err` when nothing at all can be watched.
  virtual bool Watch(const std::vector<std::string>& files, std::string* err) = 0;

  // A file descriptor that becomes readable when events are pending.
  virtual int fd() const = 0;

  // Reads all pending events without blocking (EINTR is retried; EAGAIN ends
  // the read; another read error is logged and ends it). Returns true when any of them
  // may have changed a watched file's content: an event naming the file or
  // `..data` in its folder, the folder being replaced or created (watches are
  // re-armed), or a queue overflow.
  virtual bool Drain() = 0;
};

// inotify, owned by the caller. Borrows `log` (which must outlive it) for
// re-arm, read-error and overflow messages.
std::unique_ptr<Watcher> NewInotifyWatcher(Logger& log);

}  // namespace irsa
