#include "models/vision/analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "emulator/encoding.hpp"

namespace fogbank::analysis {

using json = nlohmann::json;

float distance(const Descriptor& a, const Descriptor& b) {
    float sum = 0;
    for (size_t i = 0; i < a.size(); ++i)
        sum += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(sum);
}

namespace {

// Worker results are bounded by the models (100 faces, 100 words of text per line, ...); these
// caps only keep a broken worker from making the server build something huge.
constexpr size_t kMaxItems = 100000;
// A face crop's base64, at most: crops are made at most 112 pixels a side.
constexpr size_t kMaxCrop = 256 * 1024;
constexpr size_t kMaxText = 1 << 16;

[[noreturn]] void malformed(const char* what) {
    throw std::runtime_error(std::string("the vision worker's answer is malformed: ") + what);
}

const json& member(const json& j, const char* name) {
    if (!j.is_object()) malformed("not an object");
    auto it = j.find(name);
    if (it == j.end()) malformed(name);
    return *it;
}

float number(const json& j) {
    // JSON text has no NaN or infinity: nlohmann writes them as null. A model's NaN (a pose fit
    // that failed) reaches the server as it would have in one process.
    if (j.is_null()) return std::numeric_limits<float>::quiet_NaN();
    if (!j.is_number()) malformed("not a number");
    return static_cast<float>(j.get<double>());
}

int64_t integer(const json& j, int64_t lo, int64_t hi) {
    if (!j.is_number_integer()) malformed("not an integer");
    int64_t v = j.get<int64_t>();
    if (v < lo || v > hi) malformed("integer out of range");
    return v;
}

std::string text(const json& j) {
    if (!j.is_string()) malformed("not a string");
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > kMaxText) malformed("text too long");
    return s;
}

const json& array(const json& j, size_t max) {
    if (!j.is_array() || j.size() > max) malformed("not an array of the expected size");
    return j;
}

template <size_t N>
std::array<float, N> floats(const json& j) {
    if (!j.is_array() || j.size() != N) malformed("not an array of the expected size");
    std::array<float, N> out{};
    for (size_t i = 0; i < N; ++i)
        out[i] = number(j[i]);
    return out;
}

template <size_t N>
json points(const std::array<Point, N>& ps) {
    json out = json::array();
    for (const Point& p : ps) {
        out.push_back(p.x);
        out.push_back(p.y);
    }
    return out;
}

template <size_t N>
std::array<Point, N> points_from(const json& j) {
    auto flat = floats<2 * N>(j);
    std::array<Point, N> out;
    for (size_t i = 0; i < N; ++i)
        out[i] = {flat[2 * i], flat[2 * i + 1]};
    return out;
}

json rect(const Rect& r) {
    return json::array({r.x, r.y, r.width, r.height});
}

Rect rect_from(const json& j) {
    auto v = floats<4>(j);
    return {v[0], v[1], v[2], v[3]};
}

template <typename A>
json values(const A& a) {
    return json(std::vector<float>(a.begin(), a.end()));
}

// Each enum's names on the wire, one table read both ways.
template <typename E>
struct Named {
    E value;
    const char* name;
};
constexpr Named<Task> kTasks[] = {{Task::kObjects, "objects"},
                                  {Task::kFaces, "faces"},
                                  {Task::kText, "text"},
                                  {Task::kContent, "content"}};
constexpr Named<Failure> kFailures[] = {{Failure::kNone, ""},
                                        {Failure::kInvalidImage, "invalid_image"},
                                        {Failure::kInternal, "internal"}};

template <typename E, size_t N>
const char* name_of(const Named<E> (&table)[N], E value) {
    for (const auto& n : table)
        if (n.value == value) return n.name;
    return "";
}

template <typename E, size_t N>
E value_of(const Named<E> (&table)[N], const json& j, const char* what) {
    std::string name = text(j);
    for (const auto& n : table)
        if (name == n.name) return n.value;
    malformed(what);
}

}  // namespace

json to_json(const Request& r) {
    return {{"task", name_of(kTasks, r.task)},
            {"reduce", r.reduce},
            {"min_score", r.min_score},
            {"max_faces", std::min(r.max_faces, kMaxItems)},
            {"attributes", r.attributes},
            {"descriptors", std::min(r.descriptors, kMaxItems)},
            {"crops", r.crops}};
}

Request request_from(const json& j) {
    Request r;
    r.task = value_of(kTasks, member(j, "task"), "unknown task");
    r.reduce = static_cast<int>(integer(member(j, "reduce"), 1, 8));
    if (r.reduce != 1 && r.reduce != 2 && r.reduce != 4 && r.reduce != 8) malformed("reduce");
    r.min_score = number(member(j, "min_score"));
    r.max_faces = static_cast<size_t>(integer(member(j, "max_faces"), 0, kMaxItems));
    if (!member(j, "attributes").is_boolean()) malformed("attributes");
    r.attributes = member(j, "attributes").get<bool>();
    r.descriptors = static_cast<size_t>(integer(member(j, "descriptors"), 0, kMaxItems));
    if (!member(j, "crops").is_boolean()) malformed("crops");
    r.crops = member(j, "crops").get<bool>();
    return r;
}

json to_json(const Result& r) {
    json out = {{"failure", name_of(kFailures, r.failure)},
                {"message", r.message},
                {"width", r.width},
                {"height", r.height},
                {"models", r.models}};
    json objects = json::array();
    for (const Object& o : r.objects)
        objects.push_back(
            {{"class", o.class_id}, {"confidence", o.confidence}, {"box", rect(o.box)}});
    out["objects"] = std::move(objects);
    json faces = json::array();
    for (const Face& f : r.faces) {
        json face = {{"box", rect(f.box)},
                     {"score", f.score},
                     {"landmarks", points(f.landmarks)},
                     {"measures", {f.brightness, f.sharpness, f.roll, f.yaw, f.pitch}}};
        if (f.age_gender)
            face["age_gender"] = {f.age_gender->male, f.age_gender->age_low,
                                  f.age_gender->age_high};
        if (f.emotions) face["emotions"] = values(f.emotions->p);
        if (f.descriptor) face["descriptor"] = values(*f.descriptor);
        if (!f.crop.empty()) face["crop"] = base64_encode(f.crop);
        faces.push_back(std::move(face));
    }
    out["faces"] = std::move(faces);
    json lines = json::array();
    for (const Line& l : r.lines) {
        json words = json::array();
        for (const Word& w : l.words)
            words.push_back(
                {{"text", w.text}, {"confidence", w.confidence}, {"quad", points(w.quad)}});
        lines.push_back({{"text", l.text},
                         {"confidence", l.confidence},
                         {"quad", points(l.quad)},
                         {"words", std::move(words)}});
    }
    out["lines"] = std::move(lines);
    out["content"] = values(r.content.p);
    return out;
}

Result result_from(const json& j) {
    Result r;
    r.failure = value_of(kFailures, member(j, "failure"), "unknown failure");
    r.message = text(member(j, "message"));
    r.width = static_cast<int>(integer(member(j, "width"), 0, 1 << 20));
    r.height = static_cast<int>(integer(member(j, "height"), 0, 1 << 20));
    const json& models = member(j, "models");
    if (!models.is_object() || models.size() > 64) malformed("models");
    for (const auto& [name, state] : models.items())
        r.models[name] = text(state);
    for (const json& o : array(member(j, "objects"), kMaxItems))
        r.objects.push_back({static_cast<int>(integer(member(o, "class"), 0, 1 << 20)),
                             number(member(o, "confidence")), rect_from(member(o, "box"))});
    for (const json& f : array(member(j, "faces"), kMaxItems)) {
        Face face;
        face.box = rect_from(member(f, "box"));
        face.score = number(member(f, "score"));
        face.landmarks = points_from<68>(member(f, "landmarks"));
        auto m = floats<5>(member(f, "measures"));
        face.brightness = m[0], face.sharpness = m[1], face.roll = m[2], face.yaw = m[3],
        face.pitch = m[4];
        if (auto it = f.find("age_gender"); it != f.end()) {
            if (!it->is_array() || it->size() != 3) malformed("age_gender");
            face.age_gender =
                AgeGender{number((*it)[0]), static_cast<int>(integer((*it)[1], 0, 1000)),
                          static_cast<int>(integer((*it)[2], 0, 1000))};
        }
        if (auto it = f.find("emotions"); it != f.end())
            face.emotions = Emotions{floats<kExpressions>(*it)};
        if (auto it = f.find("descriptor"); it != f.end())
            face.descriptor = floats<std::tuple_size_v<Descriptor>>(*it);
        if (auto it = f.find("crop"); it != f.end()) {
            auto bytes = it->is_string() && it->get_ref<const std::string&>().size() <= kMaxCrop
                             ? base64_decode(it->get_ref<const std::string&>())
                             : std::nullopt;
            if (!bytes) malformed("crop");
            face.crop = std::move(*bytes);
        }
        r.faces.push_back(std::move(face));
    }
    for (const json& l : array(member(j, "lines"), kMaxItems)) {
        Line line{text(member(l, "text")),
                  number(member(l, "confidence")),
                  points_from<4>(member(l, "quad")),
                  {}};
        for (const json& w : array(member(l, "words"), kMaxItems))
            line.words.push_back({text(member(w, "text")), number(member(w, "confidence")),
                                  points_from<4>(member(w, "quad"))});
        r.lines.push_back(std::move(line));
    }
    r.content.p = floats<kContents>(member(j, "content"));
    return r;
}

}  // namespace fogbank::analysis
