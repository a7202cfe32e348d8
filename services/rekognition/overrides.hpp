// Pinned answers for tests that need an exact result: a rule matches an image by its S3 key
// (a glob) or by the SHA-256 of its bytes, and the operation then returns the rule's response
// instead of running a model. Every overridden response carries the header
// `x-fogbank-override: <rule name>`, so it is never mistaken for model output.
//
//   overrides:
//     - name: pinned-car             # optional; defaults to "rule-<index>"
//       operation: DetectLabels      # optional; any of the Detect* operations when absent
//       key: "cars/*.jpg"            # glob on Image.S3Object.Name ...
//       sha256: "9f86d0..."          # ... or the image's SHA-256 (hex)
//       response: {Labels: [{Name: Car, Confidence: 99.5}], LabelModelVersion: "3.0"}
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace fogbank::rekognition {

struct OverrideRule {
    std::string name;
    std::string operation;  // empty: every operation that can be overridden
    std::string key_glob;
    std::string sha256;
    nlohmann::json response;
};

class Overrides {
  public:
    Overrides() = default;
    // A YAML (or JSON, which is YAML) file as above. Throws std::runtime_error on a bad file.
    static Overrides load(const std::string& path);
    // The first rule matching; nullptr when none does.
    const OverrideRule* match(const std::string& operation, const std::string& s3_key,
                              const std::string& sha256) const;
    bool empty() const { return rules_.empty(); }

  private:
    std::vector<OverrideRule> rules_;
};

}  // namespace fogbank::rekognition
