// UniqueFd: owns one file descriptor and closes it when it goes out of scope,
// so no exit path of a shell leaks one. The only RAII wrapper for a raw fd in
// the tree; C handles of libraries (CURL*, ...) have their own in their .cc.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace irsa {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

  // Closes the fd held, if any, and holds `fd` instead.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

  // Gives the fd up without closing it.
  int release() { return std::exchange(fd_, -1); }

  // Closes now, reporting what close(2) says (deferred write errors on NFS
  // and some FUSE file systems surface only here): 0 or the errno.
  int Close() {
    const int fd = std::exchange(fd_, -1);
    return fd >= 0 && ::close(fd) != 0 ? errno : 0;
  }

 private:
  int fd_;
};

}  // namespace irsa
