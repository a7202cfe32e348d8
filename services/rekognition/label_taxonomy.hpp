// Rekognition's label names, hierarchy and categories for the classes fogbank's detector
// knows (COCO's 80): "car" is reported as Car, with parents Vehicle and Transportation, in the
// category "Vehicles and Automotive", alias Automobile; and Vehicle and Transportation are
// reported as labels of their own, as Rekognition reports them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fogbank::rekognition {

struct LabelInfo {
    std::string name;
    std::vector<std::string> parents;  // every ancestor, alphabetical
    std::vector<std::string> aliases;
    std::string category;
};

// The class index of a `classes` vocabulary ("coco80") as a Rekognition label. Throws
// std::out_of_range for an index or vocabulary it does not know.
const LabelInfo& label_for_class(std::string_view vocabulary, int class_id);
// An ancestor label (Vehicle, Animal, ...) with its own parents; nullptr if `name` is none.
const LabelInfo* ancestor_label(std::string_view name);

}  // namespace fogbank::rekognition
