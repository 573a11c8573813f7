#include "base/outcome.h"

namespace irsa {

std::string_view FailureName(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return "none";
    case Failure::kTransient:
      return "transient";
    case Failure::kPermanent:
      return "refused";
    case Failure::kInput:
      return "input";
    case Failure::kAnswer:
      return "answer";
    case Failure::kPublish:
      return "publish";
  }
  return "unknown";
}

int ExitCodeFor(Failure failure) {
  switch (failure) {
    case Failure::kNone:
      return kExitOk;
    case Failure::kTransient:
      return kExitUnavailable;
    case Failure::kPermanent:
      return kExitRefused;
    case Failure::kInput:
      return kExitInput;
    case Failure::kAnswer:
      return kExitAnswer;
    case Failure::kPublish:
      return kExitPublish;
  }
  return kExitInternal;
}

}  // namespace irsa
