// Tests for the POSIX Files, for real: a fresh folder per test, and small
// tmpfs mounts for a read-only folder and a full disk (the tests run as root,
// where permission bits do not stop writes).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "irsa_agent/files.h"
#include "unit/test_util.h"

namespace irsa {
namespace {

// A mount that is undone at the end; failing to mount fails the test.
class ScopedMount {
 public:
  ScopedMount(const char* source, const std::string& target, const char* type, unsigned long flags,
              const char* options)
      : target_(target) {
    const bool ok = ::mount(source, target.c_str(), type, flags, options) == 0;
    REQUIRE_MESSAGE(ok, "mount on " << target << ": " << std::strerror(errno));
  }
  ~ScopedMount() { ::umount2(target_.c_str(), MNT_DETACH); }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;

 private:
  std::string target_;
};

class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t old_;
};

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct stat Lstat(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

std::set<std::string> Names(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

struct ReadOutcome {
  ReadFailure status;
  std::string content;
  std::string err;
};

ReadOutcome Read(const std::string& path, size_t max_bytes) {
  ReadOutcome out{ReadFailure::kError, "untouched", ""};
  const ReadStatus read = NewPosixFiles()->Read(path, max_bytes, &out.content);
  out.status = read.kind();
  out.err = read.message();
  return out;
}

struct PublishOutcome {
  bool ok;
  bool changed;
  std::string err;
  PublishFailure kind;
};

PublishOutcome Publish(const std::string& path, const std::string& bytes, int mode = 0644) {
  PublishOutcome out{false, true, "", PublishFailure::kNone};
  const PublishStatus wrote = NewPosixFiles()->Publish(path, bytes, mode, &out.changed);
  out.ok = wrote.ok();
  out.err = wrote.message();
  out.kind = wrote.kind();
  return out;
}

TEST_SUITE("files_posix") {
  TEST_CASE("Read") {
    TempDir dir;
    WriteFile(dir / "token", "abc\n");
    WriteFile(dir / "empty", "");
    REQUIRE(::symlink("token", (dir / "link").c_str()) == 0);
    REQUIRE(::symlink("nowhere", (dir / "dangling").c_str()) == 0);
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    REQUIRE(::mkdir((dir / "folder").c_str(), 0755) == 0);

    struct Case {
      std::string path;
      size_t max_bytes;
      ReadFailure want;
      std::string content;  // kOk only
      std::string err;      // otherwise
    };
    const Case cases[] = {
        {dir / "token", 4, ReadFailure::kNone, "abc\n", ""},
        {dir / "token", 100, ReadFailure::kNone, "abc\n", ""},
        {dir / "empty", 0, ReadFailure::kNone, "", ""},
        {dir / "link", 4, ReadFailure::kNone, "abc\n", ""},  // symlinks are followed
        {dir / "token", 3, ReadFailure::kTooLarge, "", dir / "token is larger than 3 bytes"},
        {dir / "missing", 4, ReadFailure::kMissing, "", dir / "missing does not exist"},
        {dir / "dangling", 4, ReadFailure::kMissing, "", dir / "dangling does not exist"},
        {dir / "token/child", 4, ReadFailure::kMissing, "", dir / "token/child does not exist"},
        {dir / "fifo", 4, ReadFailure::kError, "", dir / "fifo: not a regular file"},
        {dir / "folder", 4, ReadFailure::kError, "", dir / "folder: not a regular file"},
        {"/dev/null", 4, ReadFailure::kError, "", "/dev/null: not a regular file"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.path);
      CAPTURE(c.max_bytes);
      const ReadOutcome out = Read(c.path, c.max_bytes);
      CHECK(out.status == c.want);
      if (c.want == ReadFailure::kNone) {
        CHECK(out.content == c.content);
      } else {
        CHECK(out.err == c.err);
        CHECK(out.content == "untouched");
      }
    }
  }

  TEST_CASE("Read stops after max_bytes + 1 of a big file") {
    TempDir dir;
    WriteFile(dir / "big", std::string(3 << 20, 'b'));
    const ReadOutcome out = Read(dir / "big", 1 << 20);
    CHECK(out.status == ReadFailure::kTooLarge);
    CHECK(out.err == dir / "big is larger than 1048576 bytes");
  }

  TEST_CASE("Publish creates the file with exactly the mode asked for, whatever the umask") {
    for (const mode_t mask : {mode_t{077}, mode_t{000}, mode_t{022}}) {
      for (const int mode : {0644, 0600, 0640, 0666, 0444}) {
        CAPTURE(mask);
        CAPTURE(mode);
        TempDir dir;
        ScopedUmask umask(mask);
        const PublishOutcome out = Publish(dir / "config", "[profile a]\n", mode);
        REQUIRE_MESSAGE(out.ok, out.err);
        CHECK(out.changed);
        CHECK(Slurp(dir / "config") == "[profile a]\n");
        const struct stat st = Lstat(dir / "config");
        CHECK(S_ISREG(st.st_mode));
        CHECK((st.st_mode & 07777) == static_cast<mode_t>(mode));
        CHECK(Names(dir.path()) == std::set<std::string>{"config"});
      }
    }
  }

  TEST_CASE("Publish of the same bytes and mode writes nothing") {
    TempDir dir;
    REQUIRE(Publish(dir / "config", "same").ok);
    const struct stat before = Lstat(dir / "config");
    const PublishOutcome out = Publish(dir / "config", "same");
    REQUIRE_MESSAGE(out.ok, out.err);
    CHECK_FALSE(out.changed);
    const struct stat after = Lstat(dir / "config");
    CHECK(after.st_ino == before.st_ino);
    CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
    CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
    CHECK(Names(dir.path()) == std::set<std::string>{"config"});
  }

  TEST_CASE("Publish replaces the file atomically when bytes or mode differ") {
    TempDir dir;
    REQUIRE(Publish(dir / "config", "old content").ok);
    const struct stat before = Lstat(dir / "config");
    // A reader that opened the old file keeps seeing all of it.
    const int reader = ::open((dir / "config").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(reader >= 0);

    SUBCASE("new bytes") {
      const PublishOutcome out = Publish(dir / "config", "new");
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.changed);
      CHECK(Slurp(dir / "config") == "new");
    }
    SUBCASE("a prefix of the old bytes") {
      const PublishOutcome out = Publish(dir / "config", "old");
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.changed);
      CHECK(Slurp(dir / "config") == "old");
    }
    SUBCASE("same bytes, another mode") {
      const PublishOutcome out = Publish(dir / "config", "old content", 0600);
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.changed);
      CHECK((Lstat(dir / "config").st_mode & 07777) == 0600);
    }
    CHECK(Lstat(dir / "config").st_ino != before.st_ino);
    char buffer[64] = {};
    CHECK(::read(reader, buffer, sizeof(buffer)) == 11);
    CHECK(std::string(buffer) == "old content");
    ::close(reader);
    CHECK(Names(dir.path()) == std::set<std::string>{"config"});
  }

  TEST_CASE("Publish replaces a symlink at the path, never its target") {
    TempDir dir;
    WriteFile(dir / "target", "target content");
    REQUIRE(::symlink((dir / "target").c_str(), (dir / "config").c_str()) == 0);
    SUBCASE("different bytes") {
      const PublishOutcome out = Publish(dir / "config", "published");
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.changed);
      CHECK(Slurp(dir / "config") == "published");
    }
    SUBCASE("the bytes the target already holds") {
      const PublishOutcome out = Publish(dir / "config", "target content");
      REQUIRE_MESSAGE(out.ok, out.err);
      CHECK(out.changed);
    }
    CHECK(S_ISREG(Lstat(dir / "config").st_mode));
    CHECK(Slurp(dir / "target") == "target content");
    CHECK(Names(dir.path()) == std::set<std::string>{"config", "target"});
  }

  TEST_CASE("Publish failures name the cause and leave nothing behind") {
    TempDir dir;
    WriteFile(dir / "file", "x");
    REQUIRE(::mkdir((dir / "folder").c_str(), 0755) == 0);
    struct Case {
      std::string path;
      int mode;
      std::string err;
    };
    const Case cases[] = {
        {dir / "missing/config", 0644, "folder " + dir / "missing does not exist"},
        {dir / "file/config", 0644, "folder " + dir / "file is not a folder"},
        {dir / "folder", 0644, "cannot replace " + dir / "folder: it is a folder"},
        {dir / "folder/", 0644, dir / "folder/: not a file name"},
        {dir / "config", 01644, dir / "config: invalid file mode 01644"},
        {dir / "config", -1, dir / "config: invalid file mode -1"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.path);
      const PublishOutcome out = Publish(c.path, "content", c.mode);
      CHECK_FALSE(out.ok);
      CHECK_FALSE(out.changed);
      CHECK(out.err == c.err);
    }
    CHECK(Names(dir.path()) == std::set<std::string>{"file", "folder"});
    CHECK(Names(dir / "folder").empty());
    CHECK(Slurp(dir / "file") == "x");
  }

  TEST_CASE("Publish replaces only a regular file or a symlink: never a device, FIFO or socket") {
    // AWS_CONFIG_FILE=/dev/null, as root, once made the agent replace /dev/null.
    TempDir dir;
    REQUIRE(::mkfifo((dir / "fifo").c_str(), 0644) == 0);
    REQUIRE(::mknod((dir / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);  // as root
    REQUIRE(::mknod((dir / "socket").c_str(), S_IFSOCK | 0644, 0) == 0);
    struct Case {
      std::string name;
      std::string what;
      mode_t type;
    };
    const Case cases[] = {{"fifo", "a FIFO", S_IFIFO},
                          {"null", "a character device", S_IFCHR},
                          {"socket", "a socket", S_IFSOCK}};
    for (const Case& c : cases) {
      CAPTURE(c.name);
      const PublishOutcome out = Publish(dir / c.name, "content");
      CHECK_FALSE(out.ok);
      CHECK_FALSE(out.changed);
      CHECK(out.err ==
            "cannot replace " + dir / c.name + ": it is " + c.what + ", not a regular file");
      CHECK((Lstat(dir / c.name).st_mode & S_IFMT) == c.type);
    }
    CHECK(Names(dir.path()) == std::set<std::string>{"fifo", "null", "socket"});
  }

  TEST_CASE("Publish into a read-only folder") {
    TempDir dir;
    const std::string mnt = dir / "ro";
    REQUIRE(::mkdir(mnt.c_str(), 0755) == 0);
    ScopedMount tmpfs("tmpfs", mnt, "tmpfs", 0, "size=64k");
    WriteFile(mnt + "/config", "current");
    REQUIRE(::chmod((mnt + "/config").c_str(), 0644) == 0);
    REQUIRE_MESSAGE(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=64k") == 0,
                    "remount read-only: " << std::strerror(errno));

    PublishOutcome out = Publish(mnt + "/config", "new");
    CHECK_FALSE(out.ok);
    CHECK_FALSE(out.changed);
    CHECK(out.err == "folder " + mnt + " is on a read-only file system");
    CHECK(out.kind == PublishFailure::kError);
    CHECK(Slurp(mnt + "/config") == "current");
    CHECK(Names(mnt) == std::set<std::string>{"config"});

    out = Publish(mnt + "/config", "current");  // nothing to write: fine
    CHECK(out.ok);
    CHECK_FALSE(out.changed);
  }

  TEST_CASE("Publish onto a full disk") {
    TempDir dir;
    const std::string mnt = dir / "full";
    REQUIRE(::mkdir(mnt.c_str(), 0755) == 0);
    ScopedMount tmpfs("tmpfs", mnt, "tmpfs", 0, "size=64k");
    WriteFile(mnt + "/config", "current");
    const PublishOutcome out = Publish(mnt + "/config", std::string(256 * 1024, 'z'));
    CHECK_FALSE(out.ok);
    CHECK_FALSE(out.changed);
    CHECK(out.err == "no space left on device writing " + mnt + "/config");
    CHECK(out.kind == PublishFailure::kError);  // the old file is untouched
    CHECK(Slurp(mnt + "/config") == "current");
    CHECK(Names(mnt) == std::set<std::string>{"config"});
  }

  TEST_CASE("Publish onto a single-file bind mount") {
    TempDir dir;
    WriteFile(dir / "config", "mounted over");
    WriteFile(dir / "source", "bound");
    ScopedMount bind((dir / "source").c_str(), dir / "config", nullptr, MS_BIND, nullptr);
    const PublishOutcome out = Publish(dir / "config", "new");
    CHECK_FALSE(out.ok);
    CHECK_FALSE(out.changed);
    CHECK(out.err == "cannot replace " + dir / "config" +
                         ": it is a single-file bind mount (mount its folder instead)");
    CHECK(Slurp(dir / "config") == "bound");
    CHECK(Names(dir.path()) == std::set<std::string>{"config", "source"});
  }
}

}  // namespace
}  // namespace irsa
