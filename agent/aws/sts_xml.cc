// A recursive-descent reader for the XML subset in sts_xml.h. Every loop
// advances through the input, recursion is bounded by kMaxXmlDepth, and
// errors name a byte offset, never the bytes (an answer may hold credentials).
#include "aws/sts_xml.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "base/text.h"

namespace irsa {
namespace {

bool IsNameStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':';
}

bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Reader {
 public:
  Reader(std::string_view text, std::string* err) : text_(text), err_(err) {}

  bool Document(XmlElement* root) {
    if (text_.size() > kMaxXmlBytes) return Fail("larger than 256 KiB");
    if (text_.substr(0, 5) == "<?xml" && !Skip("?>")) return false;
    if (!Misc()) return false;
    if (!Element(root, 1)) return false;
    if (!Misc()) return false;
    return pos_ == text_.size() || Fail("content after the root element");
  }

 private:
  bool Fail(std::string_view what) {
    *err_ = "xml: byte " + std::to_string(pos_) + ": " + std::string(what);
    return false;
  }

  bool At(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }

  // Moves past the next `end`.
  bool Skip(std::string_view end) {
    const size_t found = text_.find(end, pos_);
    if (found == std::string_view::npos) return Fail("unterminated declaration or comment");
    pos_ = found + end.size();
    return true;
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  }

  bool Unsupported() {
    return Fail("DOCTYPE, CDATA and processing instructions are not supported");
  }

  // Whitespace and comments, where only they may appear.
  bool Misc() {
    for (;;) {
      SkipSpace();
      if (At("<!--")) {
        if (!Skip("-->")) return false;
      } else if (At("<!") || At("<?")) {
        return Unsupported();
      } else {
        return true;
      }
    }
  }

  // A qualified name as written ("ns:Name").
  bool Name(std::string_view* out) {
    const size_t start = pos_;
    if (pos_ >= text_.size() || !IsNameStart(text_[pos_])) return Fail("expected a name");
    while (pos_ < text_.size() && IsNameChar(text_[pos_])) ++pos_;
    *out = text_.substr(start, pos_ - start);
    return true;
  }

  // name="value" or name='value'; the value only has to be well-formed.
  bool Attribute() {
    std::string_view ignored;
    if (!Name(&ignored)) return false;
    SkipSpace();
    if (!At("=")) return Fail("expected = after an attribute name");
    ++pos_;
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
      return Fail("expected a quoted attribute value");
    }
    const char quote = text_[pos_++];
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return Fail("unterminated attribute value");
    if (text_.substr(pos_, end - pos_).find('<') != std::string_view::npos) {
      return Fail("< in an attribute value");
    }
    pos_ = end + 1;
    return true;
  }

  // Decodes the reference at pos_ ('&') onto `out`.
  bool Reference(std::string* out) {
    const size_t end = text_.find(';', pos_);
    if (end == std::string_view::npos || end - pos_ > 10) return Fail("unterminated reference");
    const std::string_view ref = text_.substr(pos_ + 1, end - pos_ - 1);
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    for (const auto& [name, c] : kEntities) {
      if (ref == name) {
        out->push_back(c);
        pos_ = end + 1;
        return true;
      }
    }
    if (ref.size() < 2 || ref[0] != '#') return Fail("unknown entity");
    const bool hex = ref[1] == 'x';
    const std::string_view digits = ref.substr(hex ? 2 : 1);
    uint32_t cp = 0;
    for (char c : digits) {
      int v = -1;
      if (c >= '0' && c <= '9') v = c - '0';
      if (hex && c >= 'a' && c <= 'f') v = c - 'a' + 10;
      if (hex && c >= 'A' && c <= 'F') v = c - 'A' + 10;
      if (v < 0) return Fail("bad character reference");
      cp = cp * (hex ? 16u : 10u) + static_cast<uint32_t>(v);
      if (cp > 0x10FFFF) return Fail("bad character reference");
    }
    if (digits.empty() || cp == 0 || !AppendUtf8(static_cast<char32_t>(cp), out)) {
      return Fail("bad character reference");
    }
    pos_ = end + 1;
    return true;
  }

  // Character data up to the next '<', appended to `text` in one allocation
  // so that no reallocation leaves a copy of a credential behind.
  bool CharData(std::string* text) {
    const size_t end = std::min(text_.find('<', pos_), text_.size());
    std::string grown;
    grown.reserve(text->size() + (end - pos_));
    grown.append(*text);
    while (pos_ < end) {
      if (text_[pos_] == '&') {
        if (!Reference(&grown)) return false;
      } else if (text_[pos_] == '>' && pos_ >= 2 && text_.substr(pos_ - 2, 2) == "]]") {
        return Fail("]]> in character data");
      } else {
        grown.push_back(text_[pos_++]);
      }
    }
    if (!text->empty()) OPENSSL_cleanse(text->data(), text->size());
    *text = std::move(grown);
    return true;
  }

  bool Element(XmlElement* out, int depth) {
    if (depth > kMaxXmlDepth) return Fail("nested too deeply");
    if (!At("<")) return Fail("expected an element");
    ++pos_;
    std::string_view qname;
    if (!Name(&qname)) return false;
    const size_t colon = qname.rfind(':');
    out->name = std::string(colon == std::string_view::npos ? qname : qname.substr(colon + 1));
    for (;;) {
      const size_t before = pos_;
      SkipSpace();
      if (At("/>")) {
        pos_ += 2;
        return true;
      }
      if (At(">")) {
        ++pos_;
        break;
      }
      if (pos_ == before) return Fail("expected whitespace, > or />");
      if (!Attribute()) return false;
    }
    return Content(qname, out, depth);
  }

  // Everything between the start tag and the matching end tag.
  bool Content(std::string_view qname, XmlElement* out, int depth) {
    for (;;) {
      if (pos_ >= text_.size()) return Fail("unterminated element");
      if (At("</")) {
        const size_t tag = pos_;
        pos_ += 2;
        std::string_view name;
        if (!Name(&name)) return false;
        SkipSpace();
        if (name != qname || !At(">")) {
          pos_ = tag;
          return Fail("mismatched end tag");
        }
        ++pos_;
        return true;
      }
      if (At("<!--")) {
        if (!Skip("-->")) return false;
      } else if (At("<!") || At("<?")) {
        return Unsupported();
      } else if (At("<")) {
        out->children.emplace_back();
        if (!Element(&out->children.back(), depth + 1)) return false;
      } else if (!CharData(&out->text)) {
        return false;
      }
    }
  }

  std::string_view text_;
  std::string* err_;
  size_t pos_ = 0;
};

}  // namespace

XmlElement::~XmlElement() {
  if (!text.empty()) OPENSSL_cleanse(text.data(), text.size());
}

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

bool ParseXml(std::string_view text, XmlElement* root, std::string* err) {
  XmlElement parsed;
  Reader reader(text, err);
  if (!reader.Document(&parsed)) return false;
  *root = std::move(parsed);
  return true;
}

}  // namespace irsa
