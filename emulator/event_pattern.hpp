// Event filter patterns, as Lambda's event source mappings (FilterCriteria) and EventBridge
// write them: a JSON object whose keys name fields of the event, each either a nested pattern
// or a list of matchers of which one must hold — a literal (string, number, boolean, null),
// {"prefix"}, {"suffix"}, {"equals-ignore-case"}, {"anything-but"} (a value, a list, or a
// prefix), {"numeric": [op, n, ...]} or {"exists": bool}. Every key must match; an array in the
// event matches when one of its elements does.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace fogbank {

class EventPattern {
  public:
    // nullopt for a text that is not a valid pattern (or nested deeper than 16, or over 4 KB).
    static std::optional<EventPattern> parse(std::string_view text);
    bool matches(const nlohmann::json& event) const;

  private:
    explicit EventPattern(nlohmann::json p) : pattern_(std::move(p)) {}
    nlohmann::json pattern_;
};

}  // namespace fogbank
