// Internal to irsa_core: the little XML that STS answers are written in.
// Enough for AWS query-protocol responses and nothing more: elements,
// attributes (checked, then ignored), character data, comments, an XML
// declaration, the five predefined entities and character references. No
// DOCTYPE (so no entity expansion), no CDATA, no processing instructions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace irsa {

// One element. Text may hold a credential, so it is wiped on destruction.
struct XmlElement {
  XmlElement() = default;
  XmlElement(XmlElement&&) = default;
  XmlElement& operator=(XmlElement&&) = default;
  XmlElement(const XmlElement&) = delete;
  XmlElement& operator=(const XmlElement&) = delete;
  ~XmlElement();

  // The first child called `name`, or nullptr.
  const XmlElement* Child(std::string_view name) const;

  std::string name;  // without a namespace prefix
  std::string text;  // the character data directly inside, entities decoded
  std::vector<XmlElement> children;
};

// Upper bounds: STS answers are a few KiB and a handful of levels deep.
inline constexpr size_t kMaxXmlBytes = 256 * 1024;
inline constexpr int kMaxXmlDepth = 16;

// Parses `text` into `*root`. Returns false with "xml: byte N: what" in `*err`
// (never quoting the input) when it is not one well-formed element within the
// limits above.
bool ParseXml(std::string_view text, XmlElement* root, std::string* err);

}  // namespace irsa
