#!/usr/bin/env bash
# Builds the fully static, stripped irsa-agent on Debian bookworm, as root:
#   1. installs the build tools and -dev packages with apt-get;
#   2. adds deb-src entries for the running release when there are none;
#   3. builds a static libcurl from Debian's own curl source (Debian's patches
#      applied) with only HTTP and HTTPS, OpenSSL for TLS and c-ares for name
#      resolution, into a cached prefix that is rebuilt only when the curl
#      version, the libraries it compiles against or its flags change;
#   4. configures and builds the agent with -DIRSA_AGENT_STATIC=ON.
# Idempotent: a second run reuses the packages, the curl prefix and the build.
# Needs only the Debian mirrors apt is configured with.
#
# Usage: packaging/build-static.sh [--no-tests | --tests]
#   --no-tests  (default) build only the binary (BUILD_TESTING=OFF)
#   --tests     also build the unit tests against the static libraries, run
#               ctest, and run tests/integration/test_static_chroot.py
# Environment:
#   IRSA_STATIC_BUILD_DIR  build folder             (default <repo>/build-static)
#   IRSA_STATIC_DEPS_DIR   curl source and prefix   (default <build folder>/deps)
#   IRSA_STATIC_JOBS       parallel jobs            (default: number of CPUs)
# Output: <build folder>/irsa-agent; the script fails when it is over 6.5 MiB.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${IRSA_STATIC_BUILD_DIR:-$repo/build-static}"
deps_dir="${IRSA_STATIC_DEPS_DIR:-$build_dir/deps}"
prefix="$deps_dir/prefix"
stamp="$prefix/irsa-build-stamp"
jobs="${IRSA_STATIC_JOBS:-$(nproc)}"
debsrc_file=/etc/apt/sources.list.d/irsa-agent-deb-src  # + .sources or .list
readonly repo build_dir deps_dir prefix stamp jobs debsrc_file

log() { printf 'build-static: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- packages -------------------------------------------------------------------

apt_updated=0
apt_update() {
  ((apt_updated)) && return 0
  apt-get update -qq || return 1
  apt_updated=1
}

install_packages() {
  local packages=(
    build-essential cmake pkg-config dpkg-dev file ca-certificates
    libssl-dev zlib1g-dev nlohmann-json3-dev libinih-dev doctest-dev
    # curl's Build-Depends for this configuration only: the other TLS backends
    # and the protocol libraries (GnuTLS, NSS, LDAP, RTMP, SSH, nghttp2, PSL,
    # IDN, brotli, zstd, krb5) are left out.
    libc-ares-dev autoconf automake libtool
  )
  if ((with_tests)); then packages+=(python3 openssl); fi
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  apt_update || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- deb-src --------------------------------------------------------------------
# Only entries for this release ("$codename", "$codename-updates", ...) count and
# are copied; third-party repositories are left alone. deb822 stanzas (bookworm's
# debian.sources) are copied with "Types: deb-src", one-line entries get a
# "deb-src" twin. The copies go to a new file; no existing file is edited.

# For the deb822 file $2: with $1 = check, prints "found" when it has an enabled
# deb-src stanza for the release itself (a deb-src for "$codename-security"
# alone would make apt-get source fetch an older curl); with $1 = make, prints
# deb-src copies of its enabled binary stanzas for the release and its updates.
deb822_src() {
  awk -v mode="$1" -v codename="$codename" '
    BEGIN { RS = ""; FS = "\n" }
    {
      types = ""; suites = ""; enabled = "yes"; body = ""
      for (i = 1; i <= NF; i++) {
        line = $i
        if (line ~ /^#/) continue
        field = tolower(line)
        if (field ~ /^types:/) { types = substr(line, 7); continue }
        if (field ~ /^suites:/) suites = substr(line, 8)
        if (field ~ /^enabled:/) enabled = tolower(substr(line, 9))
        body = body line "\n"
      }
      if (enabled ~ /no/) next
      n = split(suites, s, /[ \t]+/); ours = 0; release = 0
      for (i = 1; i <= n; i++) {
        if (s[i] == codename) release = 1
        if (s[i] == codename || index(s[i], codename "-") == 1) ours = 1
      }
      if (!ours) next
      padded = " " types " "; gsub(/[ \t]+/, " ", padded)
      if (mode == "check" && release && padded ~ / deb-src /) { print "found"; exit }
      if (mode == "make" && padded ~ / deb / && padded !~ / deb-src /)
        printf "%sTypes: deb-src\n%s", (made++ ? "\n" : ""), body
    }' "$2"
}

# The same for a one-line sources.list file.
oneline_src() {
  awk -v mode="$1" -v codename="$codename" '
    {
      type = $1; rest = $0
      if (type != "deb" && type != "deb-src") next
      sub(/^[ \t]*deb(-src)?[ \t]+/, "", rest)
      opts = ""
      if (rest ~ /^\[/) { opts = substr(rest, 1, index(rest, "]")); rest = substr(rest, index(rest, "]") + 1) }
      split(rest, f, /[ \t]+/); if (f[1] == "") { suite = f[3] } else { suite = f[2] }
      if (suite != codename && index(suite, codename "-") != 1) next
      if (mode == "check" && type == "deb-src" && suite == codename) { print "found"; exit }
      if (mode == "make" && type == "deb") print "deb-src " (opts == "" ? "" : opts " ") rest
    }' "$2" | sed 's/  */ /g'
}

source_files() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    if [[ -f "$f" ]]; then printf '%s\n' "$f"; fi
  done
}

has_deb_src() {
  local f
  while read -r f; do
    case "$f" in
      *.sources) [[ -z "$(deb822_src check "$f")" ]] || return 0 ;;
      *) [[ -z "$(oneline_src check "$f")" ]] || return 0 ;;
    esac
  done < <(source_files)
  return 1
}

add_deb_src() {
  local f out stanzas="" lines=""
  while read -r f; do
    case "$f" in
      *.sources) out="$(deb822_src make "$f")"; [[ -z "$out" ]] || stanzas+="${stanzas:+$'\n\n'}$out" ;;
      *) out="$(oneline_src make "$f")"; [[ -z "$out" ]] || lines+="${lines:+$'\n'}$out" ;;
    esac
  done < <(source_files)
  [[ -n "$stanzas$lines" ]] || die "no enabled Debian '$codename' entry in /etc/apt to derive deb-src from"
  local header="# Added by irsa-agent's packaging/build-static.sh for 'apt-get source curl'."
  if [[ -n "$stanzas" ]]; then
    printf '%s\n%s\n' "$header" "$stanzas" >"$debsrc_file.sources"
    log "added $debsrc_file.sources"
  fi
  if [[ -n "$lines" ]]; then
    printf '%s\n%s\n' "$header" "$lines" >"$debsrc_file.list"
    log "added $debsrc_file.list"
  fi
  apt_updated=0
  if ! apt_update; then
    rm -f "$debsrc_file.sources" "$debsrc_file.list"
    apt-get update -qq || true
    die "apt-get update failed with the added deb-src entries; removed them again"
  fi
}

# The curl source package apt would fetch (the highest version available),
# as its .dsc file name.
curl_dsc_name() {
  apt-get source --print-uris -qq curl 2>/dev/null | awk '$2 ~ /^curl_.*\.dsc$/ { print $2; exit }'
}

# --- static libcurl -------------------------------------------------------------

# Only HTTP and HTTPS. c-ares instead of getaddrinfo: glibc's getaddrinfo in a
# static binary still goes through NSS, which dlopen()s every module the host's
# /etc/nsswitch.conf names except the built-in files and dns (mdns4_minimal,
# myhostname, resolve, sss...) from whatever glibc the host has; c-ares reads
# /etc/hosts and /etc/resolv.conf itself and loads nothing.
# The default CA file and folder are Debian's; the agent honours SSL_CERT_FILE
# and SSL_CERT_DIR on top. OpenSSL's config file is not loaded: the static
# libcrypto carries Debian's OPENSSLDIR, and a host's config could name
# provider or engine modules that a static binary cannot load.
curl_configure=(
  --disable-shared --enable-static
  --with-openssl --with-zlib --enable-ares
  --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt --with-ca-path=/etc/ssl/certs
  --disable-openssl-auto-load-config
  --without-libpsl --without-brotli --without-zstd --without-libidn2 --without-librtmp
  --without-libssh2 --without-libssh --without-nghttp2 --without-ngtcp2 --without-nghttp3
  --without-quiche --without-msh3 --without-hyper --without-gssapi --without-libgsasl
  --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp
  --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt
  --disable-ftp --disable-file
  --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth --disable-negotiate-auth --disable-aws
  --disable-alt-svc --disable-hsts --disable-cookies --disable-netrc --disable-doh
  --disable-mime --disable-unix-sockets --disable-manual --disable-progress-meter --disable-tls-srp
)

# The last two patches of Debian's series rename the library for the GnuTLS and
# NSS flavours; debian/rules pops them ("quilt pop" twice) before building the
# OpenSSL one. Same here, failing loudly if the series no longer ends with them.
unpatch_other_tls_flavours() {
  local src="$1" p last_two
  last_two="$(grep -Ev '^[[:space:]]*(#|$)' "$src/debian/patches/series" | tail -n 2 | tr '\n' ' ')"
  [[ "$last_two" == "90_gnutls.patch 99_nss.patch " ]] ||
    die "curl's debian/patches/series no longer ends with the GnuTLS and NSS patches: $last_two"
  for p in 99_nss.patch 90_gnutls.patch; do
    patch -d "$src" -R -p1 -s -f <"$src/debian/patches/$p" >/dev/null ||
      die "cannot reverse debian/patches/$p"
  done
}

build_curl() {
  local dsc version work
  dsc="$(curl_dsc_name)"
  if [[ -z "$dsc" ]]; then  # deb-src configured but its index never fetched
    apt_update || die "apt-get update failed"
    dsc="$(curl_dsc_name)"
  fi
  [[ -n "$dsc" ]] || die "apt cannot find the curl source package"
  version="${dsc#curl_}"
  version="${version%.dsc}"

  # Debian's hardening flags, plus one section per function and object so the
  # agent's --gc-sections link drops what it never calls, and -Os (after
  # Debian's -O2, so it wins) as for the agent: what the agent links of
  # libcurl shrinks by a sixth (53 KB) and a few HTTPS calls an hour do not
  # notice.
  local cflags cppflags stamp_text
  cflags="$(dpkg-buildflags --get CFLAGS) -Os -ffunction-sections -fdata-sections"
  cppflags="$(dpkg-buildflags --get CPPFLAGS)"
  stamp_text="$(
    printf 'curl %s\n' "$version"
    dpkg-query -W -f='${Package} ${Version}\n' libc-ares-dev libssl-dev zlib1g-dev
    printf 'CFLAGS=%s\nCPPFLAGS=%s\n' "$cflags" "$cppflags"
    printf '%s\n' "${curl_configure[@]}"
  )"
  if [[ -f "$prefix/lib/libcurl.a" && -f "$stamp" && "$(cat "$stamp")" == "$stamp_text" ]]; then
    log "static libcurl $version is up to date in $prefix"
    return 0
  fi

  log "downloading the source of curl $version"
  mkdir -p "$deps_dir/src"
  # Files already there are verified and kept. As root, apt warns that it
  # downloads unsandboxed (its _apt user cannot write to this folder).
  (cd "$deps_dir/src" && apt-get source --download-only -qq "curl=$version")

  log "unpacking curl $version with Debian's patches"
  work="$deps_dir/curl-build"
  rm -rf "$work" "$prefix"
  mkdir -p "$work"
  # Integrity comes from apt (the hashes are in the signed Sources index);
  # dpkg-source warns that it cannot check the uploader's signature without
  # the debian-keyring package.
  dpkg-source -x "$deps_dir/src/$dsc" "$work/src" >/dev/null
  unpatch_other_tls_flavours "$work/src"
  # Debian's patches touch configure.ac and Makefile.am: regenerate the build
  # system like debian/rules does (buildconf, then Debian's patched ltmain.sh).
  cp "$work/src/ltmain.sh" "$work/ltmain.sh.debian"
  (cd "$work/src" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed in $work/src"
  cp "$work/ltmain.sh.debian" "$work/src/ltmain.sh"

  log "configuring and compiling libcurl"
  mkdir -p "$work/obj"
  (
    cd "$work/obj"
    ../src/configure --prefix="$prefix" CFLAGS="$cflags" CPPFLAGS="$cppflags" \
      "${curl_configure[@]}" >configure.log 2>&1 || { tail -n 30 configure.log >&2; exit 1; }
    make -j"$jobs" -C lib >make.log 2>&1 || { tail -n 30 make.log >&2; exit 1; }
    make -C lib install >install.log 2>&1 &&
      make -C include install >>install.log 2>&1 &&
      make install-pkgconfigDATA install-binSCRIPTS >>install.log 2>&1 ||
      { tail -n 30 install.log >&2; exit 1; }
  ) || die "building libcurl failed; the logs are in $work/obj"
  printf '%s\n' "$stamp_text" >"$stamp"  # last: an interrupted build is redone
  rm -rf "$work"
}

# --- the agent ------------------------------------------------------------------

build_agent() {
  # MinSizeRel (-Os): the agent makes an HTTP call every few minutes, so size
  # matters more than speed. Release (-O3) makes the binary 0.5 MB larger
  # (6.1 MiB instead of 5.6) and trips GCC 12's -Wrestrict false positives.
  log "building irsa-agent in $build_dir"
  cmake -S "$repo" -B "$build_dir" -DIRSA_AGENT_STATIC=ON -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_TESTING="$( ((with_tests)) && echo ON || echo OFF)" \
    >/dev/null
  cmake --build "$build_dir" -j"$jobs"
}

run_tests() {
  log "running ctest"
  ctest --test-dir "$build_dir" --output-on-failure -j"$jobs"
  log "running the empty-root test"
  IRSA_AGENT_STATIC_BIN="$build_dir/irsa-agent" python3 "$repo/tests/integration/test_static_chroot.py"
}

# --- main -----------------------------------------------------------------------

with_tests=0
for arg in "$@"; do
  case "$arg" in
    --tests) with_tests=1 ;;
    --no-tests) with_tests=0 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) printf 'usage: %s [--no-tests | --tests]\n' "$0" >&2; exit 2 ;;
  esac
done
[[ $EUID -eq 0 ]] || die "run as root (it installs packages with apt-get)"
# shellcheck source=/dev/null
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
[[ -n "$codename" ]] || die "/etc/os-release names no VERSION_CODENAME"
export DEBIAN_FRONTEND=noninteractive

install_packages
has_deb_src || add_deb_src
build_curl
log "libcurl: $("$prefix/bin/curl-config" --protocols | tr '\n' ' ')/ $("$prefix/bin/curl-config" --features | tr '\n' ' ')"
build_agent
if ((with_tests)); then run_tests; fi

binary="$build_dir/irsa-agent"
file "$binary"
file "$binary" | grep -q 'statically linked' || die "$binary is not statically linked"
size="$(stat -c %s "$binary")"
log "$binary: $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1048576 }') MiB)"
# The size budget (packaging/README.md, "Binary size"): 6.5 MiB with the mapping service (issue 18).
max_size=6815744
((size <= max_size)) || die "$binary is $size bytes, over the $max_size-byte (6.5 MiB) limit"
