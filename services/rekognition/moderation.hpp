// DetectModerationLabels' answer from what the content classifier measures, in the names of
// Rekognition's moderation taxonomy (version 7): only top-level (TaxonomyLevel 1) categories,
// since the classifier does not tell the finer ones apart:
//   Explicit               = P(porn) + P(hentai)   (explicit photographs and drawings)
//   Swimwear or Underwear  = P(sexy)               (revealing, not explicit)
// and ContentTypes' Illustrated = P(drawing) + P(hentai). Nothing else in the taxonomy
// (violence, drugs, gestures, ...) is measured, so it is never reported.
#pragma once

#include <nlohmann/json.hpp>

#include "models/vision/analysis.hpp"

namespace fogbank::rekognition {

// {ModerationLabels, ModerationModelVersion, ContentTypes}: labels at or above
// `min_confidence`, most confident first.
nlohmann::json moderation_answer(const analysis::ContentScores& s, float min_confidence);

}  // namespace fogbank::rekognition
