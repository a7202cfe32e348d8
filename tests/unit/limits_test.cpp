// The bounds that keep a hostile request from taking the server down: one test per bound, each
// on both sides of its limit, and each answered with the error AWS gives.
#include <gtest/gtest.h>

#include <string>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"
#include "emulator/image_header.hpp"
#include "emulator/json_limits.hpp"
#include "emulator/protocol/aws_json.hpp"
#include "emulator/protocol/rest_xml.hpp"
#include "emulator/protocol/xml_text.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/expressions.hpp"
#include "services/dynamodb/partiql.hpp"

using namespace fogbank;
using nlohmann::json;

namespace {

std::string repeat(std::string_view s, size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

// The AwsError `f` throws, as "Code: message".
template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const AwsError& e) {
        return e.code() + ": " + e.what();
    }
    return "no error";
}

json nested_list(size_t levels) {
    // `levels` lists around a string: {"L":[{"L":[... {"S":"x"} ...]}]}
    std::string text = repeat(R"({"L":[)", levels) + R"({"S":"x"})" + repeat("]}", levels);
    return json::parse(text);
}

}  // namespace

TEST(JsonLimits, DepthSkipsStringsAndEscapes) {
    EXPECT_EQ(json_depth(R"({"a":[1,{"b":2}]})"), 3u);
    EXPECT_EQ(json_depth(R"({"a":"[[[[{{{{"})"), 1u);
    EXPECT_EQ(json_depth(R"({"a":"\"[[[["})"), 1u);
    EXPECT_EQ(json_depth(R"(["\\",[[]]])"), 3u);
    EXPECT_EQ(json_depth("7"), 0u);
}

TEST(JsonLimits, ParseRefusesTooDeepAndStopsEarly) {
    std::string ok = repeat("[", kMaxJsonDepth) + repeat("]", kMaxJsonDepth);
    std::string deep = repeat("[", kMaxJsonDepth + 1) + repeat("]", kMaxJsonDepth + 1);
    EXPECT_FALSE(parse_json(ok).is_discarded());
    EXPECT_TRUE(parse_json(deep).is_discarded());
    // A million brackets are refused after the first kMaxJsonDepth + 1.
    EXPECT_EQ(json_depth(repeat("[", 1'000'000)), kMaxJsonDepth + 1);
}

TEST(JsonLimits, AwsJsonRequestTooDeepIsSerializationException) {
    Request req;
    BodySink sink(BodyPlan{}, {}, false, nullptr);
    sink.write(R"({"a":)" + repeat("[", 100'000) + repeat("]", 100'000) + "}");
    req.body = sink.finish();
    EXPECT_EQ(error_of([&] { aws_json::parse(req); }),
              "SerializationException: The request is nested more than 256 levels deep");
}

TEST(DynamoLimits, ItemNestingIs32Levels) {
    // A top-level attribute is level 1: 31 lists around a scalar put it at level 32.
    json ok = {{"a", nested_list(31)}};
    EXPECT_NO_THROW(dynamodb::validate_item(ok));
    json deep = {{"a", nested_list(32)}};
    EXPECT_EQ(error_of([&] { dynamodb::validate_item(deep); }),
              "ValidationException: Nesting Levels have exceeded supported limits: Attributes in "
              "the item have nested levels beyond supported limit");
    EXPECT_NO_THROW(dynamodb::check_nesting(ok));
    EXPECT_THROW(dynamodb::check_nesting(deep), AwsError);
    // Maps count as lists do.
    json map = {{"S", "x"}};
    for (int i = 0; i < 32; ++i)
        map = {{"M", {{"k", map}}}};
    json item = {{"m", map}};
    EXPECT_THROW(dynamodb::validate_item(item), AwsError);
}

TEST(DynamoLimits, AttributeNamesAreAtMost65535Bytes) {
    json ok = {{std::string(65535, 'a'), {{"S", "x"}}}};
    EXPECT_NO_THROW(dynamodb::validate_item(ok));
    json big = {{std::string(65536, 'a'), {{"S", "x"}}}};
    EXPECT_EQ(error_of([&] { dynamodb::validate_item(big); }),
              "ValidationException: One or more parameter values were invalid: Attribute name is "
              "too large, must be less than 65536 bytes");
    json nested = {{"m", {{"M", {{std::string(65536, 'k'), {{"N", "1"}}}}}}}};
    EXPECT_THROW(dynamodb::validate_item(nested), AwsError);
}

TEST(DynamoLimits, SetMembersAreAllStringsBeforeDuplicatesAreNamed) {
    // A fuzzed input: the duplicates message lists every member, and one after the duplicate
    // was an object (a json type_error, uncaught, where a ValidationException belongs).
    json odd = json::parse(R"({"s": {"SS": ["a", "a", {"x": 1}]}})");
    EXPECT_THROW(dynamodb::validate_item(odd), AwsError);
    json dup = json::parse(R"({"s": {"NS": ["1", "1.0", "2"]}})");
    EXPECT_EQ(error_of([&] { dynamodb::validate_item(dup); }),
              "ValidationException: One or more parameter values were invalid: Input collection "
              "[1, 1, 2] contains duplicates.");
}

TEST(DynamoLimits, ExpressionsBoundOperatorsNestingAndPaths) {
    json values = {{":v", {{"N", "1"}}}};
    auto cond = [&](const std::string& text) {
        return error_of([&] {
            dynamodb::expr::Placeholders ph{nullptr, &values};
            dynamodb::expr::parse_condition(text, ph, "ConditionExpression");
        });
    };
    // 300 operators pass; the 301st is DynamoDB's error.
    std::string ors = "a < :v" + repeat(" OR a < :v", 149);  // 150 comparisons + 149 ORs = 299
    EXPECT_EQ(cond(ors), "no error");
    EXPECT_EQ(cond(ors + " OR a < :v"),
              "ValidationException: Invalid ConditionExpression: The expression contains too "
              "many operators; operator count: 301");
    // NOT counts as an operator: twenty thousand of them stop at 301, before any deep recursion.
    EXPECT_EQ(cond(repeat("NOT ", 20000) + "a < :v"),
              "ValidationException: Invalid ConditionExpression: The expression contains too "
              "many operators; operator count: 301");
    // Parentheses are not operators, but their nesting is bounded.
    EXPECT_EQ(cond(repeat("(", 128) + "a < :v" + repeat(")", 128)), "no error");
    EXPECT_EQ(cond(repeat("(", 20000) + "a < :v" + repeat(")", 20000)),
              "ValidationException: Invalid ConditionExpression: The expression has too many "
              "nested levels; nesting levels: 129");
    // Document paths: 32 levels, not 33.
    EXPECT_EQ(cond("a" + repeat(".b", 31) + " < :v"), "no error");
    EXPECT_EQ(cond("a" + repeat(".b", 32) + " < :v"),
              "ValidationException: Invalid ConditionExpression: The document path has too many "
              "nesting levels; nesting levels: 33");
    // Nested SET functions are bounded too.
    json lists = {{":l", {{"L", json::array()}}}};
    std::string nested_calls =
        "SET a = " + repeat("list_append(", 200) + ":l" + repeat(", :l)", 200);
    EXPECT_EQ(error_of([&] {
                  dynamodb::expr::Placeholders ph{nullptr, &lists};
                  dynamodb::expr::parse_update(nested_calls, ph);
              }),
              "ValidationException: Invalid UpdateExpression: The expression has too many nested "
              "levels; nesting levels: 129");
}

TEST(DynamoLimits, PartiqlStatementSizeAndLiteralDepth) {
    json none = json::array();
    std::string where = " WHERE pk = 'a'";
    std::string big = "SELECT * FROM t WHERE a = '" + std::string(8200, 'x') + "'";
    EXPECT_EQ(error_of([&] { dynamodb::partiql::parse(big, none); }),
              "ValidationException: 1 validation error detected: Value at 'statement' failed to "
              "satisfy constraint: Member must have length less than or equal to 8192");
    // A literal's containers: the value is level 1, so 31 containers put the scalar at 32.
    std::string ok = "UPDATE t SET d = " + repeat("[", 31) + "1" + repeat("]", 31) + where;
    EXPECT_EQ(error_of([&] { dynamodb::partiql::parse(ok, none); }), "no error");
    std::string deep = "UPDATE t SET d = " + repeat("[", 32) + "1" + repeat("]", 32) + where;
    EXPECT_EQ(error_of([&] { dynamodb::partiql::parse(deep, none); }),
              "ValidationException: Nesting Levels have exceeded supported limits: Attributes in "
              "the item have nested levels beyond supported limit");
    std::string deeper = "UPDATE t SET d = " + repeat("{'a':", 5000) + "1" + repeat("}", 5000);
    EXPECT_THROW(dynamodb::partiql::parse(deeper.substr(0, 8000), none), AwsError);
}

TEST(XmlLimits, DepthAndSizeAreMalformedXml) {
    // The root and 63 elements inside it, the innermost holding text: 64 levels below the root.
    std::string ok = repeat("<a>", 64) + "x" + repeat("</a>", 64);
    EXPECT_NO_THROW(rest_xml::parse(ok));
    std::string deep = repeat("<a>", 10000) + "x" + repeat("</a>", 10000);
    EXPECT_EQ(error_of([&] { rest_xml::parse(deep); }).substr(0, 13), "MalformedXML:");
    // Siblings are not depth: a wide document is fine.
    std::string wide = "<Delete>" + repeat("<Object><Key>k</Key></Object>", 1000) + "</Delete>";
    EXPECT_NO_THROW(rest_xml::parse(wide));
    std::string huge = "<a>" + std::string(rest_xml::kMaxXmlBody, 'x') + "</a>";
    EXPECT_EQ(error_of([&] { rest_xml::parse(huge); }).substr(0, 13), "MalformedXML:");
}

TEST(XmlLimits, BodiesMustBeUtf8) {
    EXPECT_NO_THROW(
        rest_xml::parse("<Tagging><Value>caf\xC3\xA9 \xF0\x9F\x93\xB7</Value></Tagging>"));
    for (const char* bad : {"<a>\xAB</a>", "<a>\xC0\xAF</a>", "<a>\xED\xA0\x80</a>",
                            "<a>\xF4\x90\x80\x80</a>", "<a>\xE2\x82</a>"})
        EXPECT_EQ(error_of([&] { rest_xml::parse(bad); }).substr(0, 13), "MalformedXML:") << bad;
}

TEST(XmlLimits, WhitespaceOnlyTextIsData) {
    auto doc = rest_xml::parse("<Delete>\n  <Object><Key> </Key></Object>\n</Delete>");
    auto object = doc.document_element().child("Object");
    EXPECT_EQ(rest_xml::child_text(object, "Key"), " ");
}

TEST(XmlText, CarriageReturnsSurviveTheWire) {
    pugi::xml_document doc;
    doc.append_child("Body").append_child(pugi::node_pcdata).set_value("a\r\nb\rc");
    EXPECT_EQ(xml_text(doc), "<?xml version=\"1.0\"?><Body>a&#xD;\nb&#xD;c</Body>");
    // Read back by an XML parser, the bytes are the same.
    pugi::xml_document back;
    auto text = xml_text(doc);
    back.load_buffer(text.data(), text.size());
    EXPECT_EQ(std::string(back.child("Body").text().get()), "a\r\nb\rc");
}

TEST(ImageHeader, DimensionsFromPngAndJpegHeaders) {
    auto be32 = [](uint32_t v) {
        return std::string{char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    };
    std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(30000) +
                      be32(20000) + std::string("\x08\x02\0\0\0", 5);
    auto h = read_image_header(png);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->format, ImageHeader::Format::png);
    EXPECT_EQ(h->width, 30000u);
    EXPECT_EQ(h->height, 20000u);
    EXPECT_FALSE(read_image_header(png.substr(0, 20)));  // cut short
    std::string zero = std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(0) + be32(5);
    EXPECT_FALSE(read_image_header(zero));

    // SOI, an APP0 segment, fill bytes, then a progressive frame header (SOF2): 480 x 640.
    std::string jpeg = std::string("\xFF\xD8\xFF\xE0\x00\x04\x00\x00\xFF\xFF\xC2\x00\x0B\x08", 14) +
                       std::string("\x01\xE0\x02\x80\x01\x01\x11\x00", 8);
    h = read_image_header(jpeg);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->format, ImageHeader::Format::jpeg);
    EXPECT_EQ(h->width, 640u);
    EXPECT_EQ(h->height, 480u);
    // A scan before any frame header, a segment length below 2, and other formats: refused.
    EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xDA\x00\x08", 6)));
    EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xE0\x00\x01", 6)));
    EXPECT_FALSE(read_image_header("GIF89a"));
}

TEST(HttpFraming, FramingFieldsAreStrippedForTheSecondParse) {
    std::string head =
        "PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\ntransfer-encoding : chunked\r\n"
        "X-Amz-Target: T\r\n\r\n";
    EXPECT_EQ(without_framing_fields(head),
              "PUT /b/k HTTP/1.1\r\nHost: x\r\nX-Amz-Target: T\r\n\r\n");
}
