// Tests for text.h and digest.h.
#include "base/text.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "base/digest.h"

namespace irsa {
namespace {

using namespace std::string_view_literals;

TEST_SUITE("text") {
  TEST_CASE("TrimWhitespace") {
    struct Case {
      std::string_view in, want;
    };
    const Case cases[] = {
        {"", ""},     {"   ", ""},    {"abc", "abc"},     {" \t\r\n\v\fa b\f\v\n\r\t ", "a b"},
        {"\nx", "x"}, {"x\r\n", "x"}, {"\x01x", "\x01x"}, {"a\xc2\xa0", "a\xc2\xa0"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      CHECK(TrimWhitespace(c.in) == c.want);
    }
  }

  TEST_CASE("SplitLines") {
    struct Case {
      std::string_view in;
      std::vector<std::string_view> want;
    };
    const Case cases[] = {
        {"", {}},
        {"\n", {""}},
        {"a", {"a"}},
        {"a\nb", {"a", "b"}},
        {"a\nb\n", {"a", "b"}},
        {"a\n\nb", {"a", "", "b"}},
        {"a\n\n", {"a", ""}},
        {"a\r\nb\r", {"a\r", "b\r"}},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in);
      CHECK(SplitLines(c.in) == c.want);
    }
  }

  TEST_CASE("IsValidUtf8") {
    struct Case {
      std::string_view in;
      bool want;
    };
    const Case cases[] = {
        {"", true},
        {"plain ascii", true},
        {"\x00\x7f"sv, true},
        {"\xc2\x80", true},          // U+0080, smallest two-byte
        {"\xdf\xbf", true},          // U+07FF
        {"\xe0\xa0\x80", true},      // U+0800, smallest three-byte
        {"\xed\x9f\xbf", true},      // U+D7FF, just below the surrogates
        {"\xee\x80\x80", true},      // U+E000, just above them
        {"\xef\xbf\xbf", true},      // U+FFFF
        {"\xf0\x90\x80\x80", true},  // U+10000, smallest four-byte
        {"\xf4\x8f\xbf\xbf", true},  // U+10FFFF, the last code point
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", true},
        {"\x80", false},  // lone continuation byte
        {"\xbf", false},
        {"\xc0\x80", false},          // overlong NUL
        {"\xc1\xbf", false},          // overlong
        {"\xe0\x80\x80", false},      // overlong three-byte
        {"\xe0\x9f\xbf", false},      // overlong three-byte
        {"\xf0\x80\x80\x80", false},  // overlong four-byte
        {"\xf0\x8f\xbf\xbf", false},  // overlong four-byte
        {"\xed\xa0\x80", false},      // U+D800 surrogate
        {"\xed\xbf\xbf", false},      // U+DFFF surrogate
        {"\xf4\x90\x80\x80", false},  // U+110000
        {"\xf5\x80\x80\x80", false},
        {"\xff", false},
        {"\xc3", false},          // truncated
        {"\xe2\x82", false},      // truncated
        {"\xf0\x9f\x98", false},  // truncated
        {"\xc3x", false},         // bad continuation
        {"\xe2\x28\xa1", false},
        {"ok\xf0\x9f\x98\x80\xf0\x9f", false},
    };
    for (const Case& c : cases) {
      CAPTURE(Printable(c.in));
      CHECK(IsValidUtf8(c.in) == c.want);
    }
  }

  TEST_CASE("HasControlChar") {
    struct Case {
      std::string_view in;
      bool want;
    };
    const Case cases[] = {
        {"", false},    {"abc ~", false}, {"caf\xc3\xa9", false}, {"\x00"sv, true}, {"a\rb", true},
        {"a\nb", true}, {"a\tb", true},   {"\x1f", true},         {"\x7f", true},   {"\x80", false},
    };
    for (const Case& c : cases) {
      CAPTURE(Printable(c.in));
      CHECK(HasControlChar(c.in) == c.want);
    }
  }

  TEST_CASE("EqualsIgnoreCase and AsciiLower: ASCII only, whatever the locale") {
    CHECK(EqualsIgnoreCase("Content-Type", "content-TYPE"));
    CHECK(EqualsIgnoreCase("", ""));
    CHECK_FALSE(EqualsIgnoreCase("warn", "warning"));
    CHECK_FALSE(EqualsIgnoreCase("a", "b"));
    CHECK_FALSE(EqualsIgnoreCase("\xc3\x89", "\xc3\xa9"));  // \u00c9 vs \u00e9: not ASCII
    CHECK_FALSE(EqualsIgnoreCase("[", "{"));                // 0x5b vs 0x7b: not letters
    CHECK(AsciiLower("X-Amz-Date \xc3\x89") == "x-amz-date \xc3\x89");
  }

  TEST_CASE("IsHttpToken and IsHeaderSafeToken") {
    struct Case {
      std::string_view in;
      bool token, header_safe;
    };
    const Case cases[] = {
        {"Content-Type", true, true},
        {"x!#$%&'*+-.^_`|~9", true, true},
        {"", false, false},
        {"a b", false, false},
        {"a:b", false, true},  // a colon ends a header name, not a credential
        {"a/b=", false, true},
        {"a\rb", false, false},
        {"caf\xc3\xa9", false, false},
        {"\x7f", false, false},
    };
    for (const Case& c : cases) {
      CAPTURE(Printable(c.in));
      CHECK(IsHttpToken(c.in) == c.token);
      CHECK(IsHeaderSafeToken(c.in) == c.header_safe);
    }
  }

  TEST_CASE("AppendUtf8") {
    struct Case {
      char32_t cp;
      std::string_view want;
    };
    const Case cases[] = {
        {U'\0', "\x00"sv},
        {0x41, "A"},
        {0x7f, "\x7f"},
        {0x80, "\xc2\x80"},
        {0x7ff, "\xdf\xbf"},
        {0x800, "\xe0\xa0\x80"},
        {0x20ac, "\xe2\x82\xac"},
        {0xd7ff, "\xed\x9f\xbf"},
        {0xe000, "\xee\x80\x80"},
        {0xffff, "\xef\xbf\xbf"},
        {0x10000, "\xf0\x90\x80\x80"},
        {0x10ffff, "\xf4\x8f\xbf\xbf"},
    };
    for (const Case& c : cases) {
      CAPTURE(static_cast<uint32_t>(c.cp));
      std::string out = "x";
      REQUIRE(AppendUtf8(c.cp, &out));
      CHECK(out == "x" + std::string(c.want));
      CHECK(IsValidUtf8(out));
    }
    for (char32_t bad : {char32_t{0xd800}, char32_t{0xdbff}, char32_t{0xdc00}, char32_t{0xdfff},
                         char32_t{0x110000}, char32_t{0xffffffff}}) {
      CAPTURE(static_cast<uint32_t>(bad));
      std::string out = "keep";
      CHECK_FALSE(AppendUtf8(bad, &out));
      CHECK(out == "keep");
    }
  }

  TEST_CASE("Printable") {
    struct Case {
      std::string in, want;
    };
    const Case cases[] = {
        {"", ""},
        {"role-name_1", "role-name_1"},
        {"a b'c\\d\"", "a b'c\\d\""},
        {std::string("\x00\x01\x1f", 3), "\\x00\\x01\\x1f"},
        {"tab\there\r\n", "tab\\x09here\\x0d\\x0a"},
        {"\x7f", "\\x7f"},
        {"caf\xc3\xa9", "caf\\xc3\\xa9"},
        {"\xff", "\\xff"},
        {std::string(64, 'a'), std::string(64, 'a')},
        {std::string(65, 'a'), std::string(64, 'a') + "..."},
        {std::string(63, 'a') + "\xe9zz", std::string(63, 'a') + "\\xe9..."},
    };
    for (const Case& c : cases) {
      CAPTURE(c.want);
      CHECK(Printable(c.in) == c.want);
    }
  }

  TEST_CASE("Printable output is always short printable ASCII") {
    std::string all;
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
    const std::string out = Printable(all);
    CHECK(out.size() <= 64 * 4 + 3);
    CHECK(out.ends_with("..."));
    CHECK_FALSE(HasControlChar(out));
    for (char c : out) CHECK(static_cast<unsigned char>(c) < 0x80);
  }
}

TEST_SUITE("digest") {
  TEST_CASE("Sha256Hex: FIPS 180-2 vectors") {
    struct Case {
      std::string in;
      std::string_view want;
    };
    const Case cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {std::string(1000000, 'a'),
         "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.in.size());
      CHECK(Sha256Hex(c.in) == c.want);
    }
  }

  TEST_CASE("HmacSha256: RFC 4231 vectors") {
    struct Case {
      const char* name;
      std::string key, data;
      std::string_view want;  // full 32-byte MAC in hex, or a prefix (case 5)
    };
    const Case cases[] = {
        {"1", std::string(20, '\x0b'), "Hi There",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"2", "Jefe", "what do ya want for nothing?",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"3", std::string(20, '\xaa'), std::string(50, '\xdd'),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"4",
         "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15"
         "\x16\x17\x18\x19",
         std::string(50, '\xcd'),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"5", std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
        {"6", std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {"7", std::string(131, '\xaa'),
         "This is a test using a larger than block-size key and a larger than block-size data. "
         "The key needs to be hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
        {"empty key and data", "", "",
         "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      const std::string mac = HmacSha256(c.key, c.data);
      CHECK(mac.size() == 32);
      CHECK(HexEncode(mac).starts_with(c.want));
    }
  }

  TEST_CASE("HexEncode") {
    CHECK(HexEncode("") == "");
    CHECK(HexEncode("\x00\x01\x7f\x80\xfe\xff"sv) == "00017f80feff");
    CHECK(HexEncode("AZaz") == "415a617a");
  }
}

}  // namespace
}  // namespace irsa

namespace irsa {
namespace {

TEST_CASE("EscapeControl keeps a message on one line and out of the terminal") {
  CHECK(EscapeControl("plain text, UTF-8 \xc3\xa9") == "plain text, UTF-8 \xc3\xa9");
  CHECK(EscapeControl("a\nb\r\x1b]0;x\x07\x7f") == "a\\x0ab\\x0d\\x1b]0;x\\x07\\x7f");
  CHECK(EscapeControl(std::string_view("\0", 1)) == "\\x00");
  // C1 controls in UTF-8 (U+009B is CSI); other characters whose bytes look
  // alike (U+20AC is E2 82 AC) are kept.
  CHECK(EscapeControl("a\xc2\x9b"
                      "31m\xc2\x85z") == "a\\xc2\\x9b31m\\xc2\\x85z");
  CHECK(EscapeControl("\xe2\x82\xac \xc2\xa0 \xc2") == "\xe2\x82\xac \xc2\xa0 \xc2");
}

}  // namespace
}  // namespace irsa

namespace irsa {
namespace {

TEST_CASE("JoinComma") {
  CHECK(JoinComma({}) == "");
  CHECK(JoinComma({"a"}) == "a");
  CHECK(JoinComma({"a", "b", "c"}) == "a, b, c");
}

TEST_CASE("Count") {
  CHECK(Count(0, "profile") == "0 profiles");
  CHECK(Count(1, "profile") == "1 profile");
  CHECK(Count(2, "role") == "2 roles");
}

}  // namespace
}  // namespace irsa
