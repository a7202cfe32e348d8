#include "services/rekognition/label_taxonomy.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace fogbank::rekognition {

namespace {

struct Row {
    const char* name;
    std::vector<std::string> parents;  // nearest first, as written; sorted when built
    const char* category;
    std::vector<std::string> aliases = {};
};

const std::vector<std::string> kVehicle = {"Vehicle", "Transportation"};
const std::vector<std::string> kAppliance = {"Appliance", "Device", "Electrical Device"};
const std::vector<std::string> kSport = {"Sport"};
const std::vector<std::string> kFood = {"Food"};
const std::vector<std::string> kProduce = {"Fruit", "Food", "Produce", "Plant"};
const std::vector<std::string> kVegetable = {"Vegetable", "Food", "Produce", "Plant"};
const std::vector<std::string> kWild = {"Animal", "Mammal", "Wildlife"};
const std::vector<std::string> kFurniture = {"Furniture"};
const std::vector<std::string> kTableware = {"Tableware"};
const std::vector<std::string> kCutlery = {"Cutlery"};
const std::vector<std::string> kHardware = {"Computer Hardware", "Electronics", "Hardware"};

constexpr const char* kVehicles = "Vehicles and Automotive";
constexpr const char* kAnimals = "Animals and Pets";
constexpr const char* kSports = "Sports";
constexpr const char* kFoodCat = "Food and Beverage";
constexpr const char* kKitchen = "Kitchen and Dining";
constexpr const char* kFurnitureCat = "Furniture and Furnishings";
constexpr const char* kTech = "Technology and Computing";
constexpr const char* kHome = "Home and Indoors";
constexpr const char* kEveryday = "Everyday Objects";
constexpr const char* kApparel = "Apparel and Accessories";
constexpr const char* kHobbies = "Hobbies and Interests";
constexpr const char* kSafety = "Public Safety";
constexpr const char* kBeauty = "Beauty and Personal Care";

// COCO's 80 classes in their index order.
const std::vector<Row> kCoco80 = {
    {"Person", {}, "Person Description", {"Human"}},
    {"Bicycle", kVehicle, kVehicles, {"Bike"}},
    {"Car", kVehicle, kVehicles, {"Automobile"}},
    {"Motorcycle", kVehicle, kVehicles, {"Motorbike"}},
    {"Airplane", {"Aircraft", "Vehicle", "Transportation"}, kVehicles, {"Aeroplane"}},
    {"Bus", kVehicle, kVehicles},
    {"Train", kVehicle, kVehicles},
    {"Truck", kVehicle, kVehicles},
    {"Boat", {"Watercraft", "Vehicle", "Transportation"}, kVehicles},
    {"Traffic Light", {"Light"}, kSafety},
    {"Fire Hydrant", {}, kSafety, {"Hydrant"}},
    {"Stop Sign", {"Road Sign", "Sign", "Symbol"}, kSafety},
    {"Parking Meter", {}, kEveryday},
    {"Bench", kFurniture, kFurnitureCat},
    {"Bird", {"Animal"}, kAnimals},
    {"Cat", {"Animal", "Mammal", "Pet"}, kAnimals},
    {"Dog", {"Animal", "Canine", "Mammal", "Pet"}, kAnimals},
    {"Horse", {"Animal", "Mammal"}, kAnimals},
    {"Sheep", {"Animal", "Mammal", "Livestock"}, kAnimals},
    {"Cow", {"Animal", "Cattle", "Livestock", "Mammal"}, kAnimals},
    {"Elephant", kWild, kAnimals},
    {"Bear", kWild, kAnimals},
    {"Zebra", kWild, kAnimals},
    {"Giraffe", kWild, kAnimals},
    {"Backpack", {"Bag"}, kApparel},
    {"Umbrella", {}, kApparel},
    {"Handbag", {"Accessories", "Bag"}, kApparel},
    {"Tie", {"Accessories", "Clothing", "Formal Wear"}, kApparel},
    {"Suitcase", {"Baggage"}, "Travel and Adventure", {"Luggage"}},
    {"Frisbee", {"Toy"}, kSports},
    {"Ski", kSport, kSports},
    {"Snowboard", kSport, kSports},
    {"Ball", kSport, kSports},
    {"Kite", {"Toy"}, kHobbies},
    {"Baseball Bat", {"Baseball", "Sport"}, kSports},
    {"Baseball Glove", {"Baseball", "Sport"}, kSports},
    {"Skateboard", kSport, kSports},
    {"Surfboard", {"Sport", "Water Sports"}, kSports},
    {"Racket", {"Sport", "Tennis"}, kSports},
    {"Bottle", {}, kEveryday},
    {"Glass", kTableware, kKitchen, {"Wine Glass"}},
    {"Cup", kTableware, kKitchen},
    {"Fork", kCutlery, kKitchen},
    {"Knife", kCutlery, kKitchen},
    {"Spoon", kCutlery, kKitchen},
    {"Bowl", kTableware, kKitchen},
    {"Banana", kProduce, kFoodCat},
    {"Apple", kProduce, kFoodCat},
    {"Sandwich", kFood, kFoodCat},
    {"Orange", {"Citrus Fruit", "Fruit", "Food", "Produce", "Plant"}, kFoodCat},
    {"Broccoli", kVegetable, kFoodCat},
    {"Carrot", kVegetable, kFoodCat},
    {"Hot Dog", kFood, kFoodCat},
    {"Pizza", kFood, kFoodCat},
    {"Donut", {"Food", "Sweets"}, kFoodCat, {"Doughnut"}},
    {"Cake", {"Dessert", "Food"}, kFoodCat},
    {"Chair", kFurniture, kFurnitureCat},
    {"Couch", kFurniture, kFurnitureCat, {"Sofa"}},
    {"Potted Plant", {"Plant"}, "Plants and Flowers"},
    {"Bed", kFurniture, kFurnitureCat},
    {"Dining Table", {"Furniture", "Table"}, kFurnitureCat},
    {"Toilet", {"Bathroom"}, kHome},
    {"TV", {"Electronics", "Screen"}, kTech, {"Television"}},
    {"Laptop", {"Computer", "Electronics", "Pc"}, kTech},
    {"Mouse", kHardware, kTech},
    {"Remote Control", {"Electronics"}, kTech},
    {"Computer Keyboard", kHardware, kTech},
    {"Mobile Phone", {"Electronics", "Phone"}, kTech, {"Cell Phone"}},
    {"Microwave", kAppliance, kKitchen},
    {"Oven", kAppliance, kKitchen},
    {"Toaster", kAppliance, kKitchen},
    {"Sink", {}, kHome},
    {"Refrigerator", kAppliance, kKitchen, {"Fridge"}},
    {"Book", {"Publication"}, "Text and Documents"},
    {"Clock", {}, kEveryday},
    {"Vase", {"Jar", "Pottery"}, kHome},
    {"Scissors", {}, "Tools and Machinery"},
    {"Teddy Bear", {"Toy"}, kHobbies},
    {"Hair Dryer", kAppliance, kBeauty, {"Blow Dryer"}},
    {"Toothbrush", {"Tool"}, kBeauty},
};

// The ancestors' own ancestors, so that a parent reported as a label carries its parents too.
const std::map<std::string, std::vector<std::string>, std::less<>> kAncestorParents = {
    {"Vehicle", {"Transportation"}},
    {"Aircraft", {"Transportation", "Vehicle"}},
    {"Watercraft", {"Transportation", "Vehicle"}},
    {"Mammal", {"Animal"}},
    {"Canine", {"Animal", "Mammal"}},
    {"Pet", {"Animal"}},
    {"Wildlife", {"Animal"}},
    {"Livestock", {"Animal"}},
    {"Cattle", {"Animal", "Livestock", "Mammal"}},
    {"Fruit", {"Food", "Plant"}},
    {"Citrus Fruit", {"Food", "Fruit", "Plant"}},
    {"Vegetable", {"Food", "Plant"}},
    {"Produce", {"Food"}},
    {"Dessert", {"Food"}},
    {"Sweets", {"Food"}},
    {"Sign", {"Symbol"}},
    {"Road Sign", {"Sign", "Symbol"}},
    {"Computer", {"Electronics"}},
    {"Pc", {"Computer", "Electronics"}},
    {"Computer Hardware", {"Electronics", "Hardware"}},
    {"Phone", {"Electronics"}},
    {"Screen", {"Electronics"}},
    {"Electrical Device", {"Device"}},
    {"Appliance", {"Device", "Electrical Device"}},
    {"Table", {"Furniture"}},
    {"Formal Wear", {"Clothing"}},
};

std::vector<LabelInfo> build(const std::vector<Row>& rows) {
    std::vector<LabelInfo> out;
    for (const Row& r : rows) {
        LabelInfo info{r.name, r.parents, r.aliases, r.category};
        std::sort(info.parents.begin(), info.parents.end());
        out.push_back(std::move(info));
    }
    return out;
}

std::map<std::string, LabelInfo, std::less<>> build_ancestors(const std::vector<Row>& rows) {
    std::map<std::string, LabelInfo, std::less<>> out;
    for (const Row& r : rows)
        for (const std::string& p : r.parents) {
            if (out.count(p)) continue;
            LabelInfo info{p, {}, {}, r.category};
            if (auto it = kAncestorParents.find(p); it != kAncestorParents.end())
                info.parents = it->second;
            out.emplace(p, std::move(info));
        }
    return out;
}

const std::vector<LabelInfo>& coco80() {
    static const std::vector<LabelInfo> labels = build(kCoco80);
    return labels;
}

}  // namespace

const LabelInfo& label_for_class(std::string_view vocabulary, int class_id) {
    if (vocabulary != "coco80") throw std::out_of_range("unknown class vocabulary");
    return coco80().at(static_cast<size_t>(class_id));
}

const LabelInfo* ancestor_label(std::string_view name) {
    static const auto ancestors = build_ancestors(kCoco80);
    auto it = ancestors.find(name);
    return it == ancestors.end() ? nullptr : &it->second;
}

}  // namespace fogbank::rekognition
