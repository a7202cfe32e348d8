// Lambda's parsers and stores: REST-JSON path templates, the code store's zip handling, HTTP
// event and response mapping, and S3 notification configurations with their event records.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "emulator/aws_error.hpp"
#include "emulator/protocol/rest_json.hpp"
#include "services/lambda/code.hpp"
#include "services/lambda/http_events.hpp"
#include "services/s3/notifications.hpp"
#include "tests/unit/libzip_writer.hpp"

using namespace fogbank;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct MatchCase {
    const char* pattern;
    const char* path;
    bool matches;
    std::map<std::string, std::string, std::less<>> params;
};

TEST(RestJsonMatch, PathTemplates) {
    const MatchCase cases[] = {
        {"/2015-03-31/functions", "/2015-03-31/functions/", true, {}},
        {"/2015-03-31/functions", "/2015-03-31/functions", true, {}},
        {"/2015-03-31/functions/{FunctionName}",
         "/2015-03-31/functions/f1",
         true,
         {{"FunctionName", "f1"}}},
        {"/2015-03-31/functions/{FunctionName}", "/2015-03-31/functions/", false, {}},
        {"/2015-03-31/functions/{FunctionName}/invocations",
         "/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:f/invocations",
         true,
         {{"FunctionName", "arn:aws:lambda:us-east-1:000000000000:function:f"}}},
        {"/2015-03-31/functions/{FunctionName}", "/2015-03-31/functions/f/code", false, {}},
        {"/restapis/{id}/resources/{rid}",
         "/restapis/a/resources/b",
         true,
         {{"id", "a"}, {"rid", "b"}}},
        {"/files/{Key+}", "/files/a/b/c", true, {{"Key", "a/b/c"}}},
        {"/files/{Key+}", "/files", false, {}},
        {"/a/b", "/a/c", false, {}},
    };
    for (const auto& c : cases) {
        rest_json::PathParams params;
        EXPECT_EQ(rest_json::match(c.pattern, c.path, params), c.matches)
            << c.pattern << " " << c.path;
        if (c.matches) {
            EXPECT_EQ(params, c.params) << c.pattern << " " << c.path;
        }
    }
}

// A zip written by libzip: {name: (content, mode)}.
std::string make_zip(const std::map<std::string, std::pair<std::string, int>>& files) {
    std::vector<test::ZipFile> specs;
    for (const auto& [name, file] : files)
        specs.push_back({name, file.first, true, file.second});
    return test::libzip_archive(specs);
}

struct CodeStoreTest : ::testing::Test {
    fs::path root = fs::temp_directory_path() / ("fogbank-code-test-" + std::to_string(::getpid()));
    void TearDown() override { fs::remove_all(root); }
};

TEST_F(CodeStoreTest, UnpacksFilesWithTheirModes) {
    fs::create_directories(root);
    lambda::CodeStore store(root / "code");
    std::string zip =
        make_zip({{"app.py", {"print(1)\n", 0644}}, {"bin/bootstrap", {"#!/bin/sh\n", 0755}}});
    auto info = store.put(zip);
    EXPECT_EQ(info.size, zip.size());
    EXPECT_EQ(info.sha256_hex.size(), 64u);
    fs::path dir = store.task_dir(info.sha256_hex);
    std::ifstream app(dir / "app.py");
    std::string text((std::istreambuf_iterator<char>(app)), {});
    EXPECT_EQ(text, "print(1)\n");
    auto perms = fs::status(dir / "bin" / "bootstrap").permissions();
    EXPECT_NE(perms & fs::perms::owner_exec, fs::perms::none);
    EXPECT_EQ(fs::status(dir / "app.py").permissions() & fs::perms::owner_exec, fs::perms::none);
    // The same package again is the same code, unpacked once.
    EXPECT_EQ(store.put(zip).sha256_hex, info.sha256_hex);
    // A task directory that went missing is unpacked again from the stored zip.
    fs::remove_all(dir);
    EXPECT_TRUE(fs::exists(store.task_dir(info.sha256_hex) / "app.py"));
}

TEST_F(CodeStoreTest, RefusesWhatIsNotASafeZip) {
    fs::create_directories(root);
    lambda::CodeStore store(root / "code");
    auto code_of = [&](const std::string& bytes) {
        try {
            store.put(bytes);
        } catch (const AwsError& e) {
            return e.code();
        }
        return std::string("accepted");
    };
    EXPECT_EQ(code_of("not a zip at all"), "InvalidParameterValueException");
    EXPECT_EQ(code_of(""), "InvalidParameterValueException");
    EXPECT_EQ(code_of(make_zip({{"../escape.py", {"x", 0644}}})), "InvalidParameterValueException");
    EXPECT_EQ(code_of(make_zip({{"a/../../escape.py", {"x", 0644}}})),
              "InvalidParameterValueException");
    EXPECT_FALSE(fs::exists(root / "escape.py"));
    EXPECT_FALSE(fs::exists(root / "code" / "escape.py"));
    EXPECT_EQ(code_of(make_zip({{"ok/fine.py", {"x", 0644}}})), "accepted");
}

lambda::InvocationResult result(std::string payload, std::string error = {}) {
    lambda::InvocationResult r;
    r.payload = std::move(payload);
    r.function_error = std::move(error);
    return r;
}

TEST(HttpEvents, FunctionUrlResponses) {
    auto r = lambda::url_response(result(
        R"({"statusCode": 201, "headers": {"x-a": "1"}, "body": "hi", "cookies": ["c=1", "d=2"]})"));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "hi");
    EXPECT_EQ(r.headers["x-a"], "1");
    EXPECT_EQ(std::distance(r.headers.equal_range("Set-Cookie").first,
                            r.headers.equal_range("Set-Cookie").second),
              2);
    // Anything but a response object is the JSON body of a 200.
    r = lambda::url_response(result(R"({"just": "data"})"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body), json({{"just", "data"}}));
    r = lambda::url_response(result(R"("text")"));
    EXPECT_EQ(r.body, "text");
    r = lambda::url_response(
        result(R"({"statusCode": 200, "body": "AAEC", "isBase64Encoded": true})"));
    EXPECT_EQ(r.body, std::string("\0\1\2", 3));
    EXPECT_EQ(lambda::url_response(result("{}", "Unhandled")).status, 502);
    EXPECT_EQ(lambda::url_response(result("not json")).status, 502);
}

TEST(HttpEvents, ProxyResponsesNeedAStatusCode) {
    EXPECT_EQ(lambda::proxy_response(result(R"({"statusCode": 404, "body": "no"})")).status, 404);
    EXPECT_EQ(lambda::proxy_response(result(R"({"body": "no status"})")).status, 502);
    EXPECT_EQ(lambda::proxy_response(result(R"({"statusCode": "200"})")).status, 502);
    EXPECT_EQ(lambda::proxy_response(result(R"([1, 2])")).status, 502);
    EXPECT_EQ(lambda::proxy_response(result(R"({"statusCode": 200})", "Unhandled")).status, 502);
}

TEST(HttpEvents, TextOrBinaryBodies) {
    for (auto t : {"", "text/plain", "application/json; charset=utf-8", "application/xml",
                   "application/x-www-form-urlencoded", "application/vnd.api+json"})
        EXPECT_TRUE(lambda::is_text(t)) << t;
    for (auto t : {"image/jpeg", "application/octet-stream", "application/zip"})
        EXPECT_FALSE(lambda::is_text(t)) << t;
}

TEST(HttpEvents, UrlEventCarriesTheRequest) {
    Request req;
    req.method_name = "POST";
    req.raw_path = "/a%20b";
    req.path = "/a b";
    req.raw_query = "x=1&x=2";
    req.query = {{"x", "1"}, {"x", "2"}};
    req.headers.set("Cookie", "s=1; t=2");
    req.headers.set("Content-Type", "text/plain");
    json e = lambda::url_event(req, {"abc", "000000000000", "us-east-1", "abc.lambda-url.x"});
    EXPECT_EQ(e["version"], "2.0");
    EXPECT_EQ(e["rawPath"], "/a%20b");
    EXPECT_EQ(e["queryStringParameters"]["x"], "1,2");
    EXPECT_EQ(e["cookies"], json({"s=1", "t=2"}));
    EXPECT_FALSE(e["headers"].contains("cookie"));
    EXPECT_EQ(e["requestContext"]["http"]["path"], "/a b");
    EXPECT_FALSE(e.contains("body"));
}

struct NotificationsTest : ::testing::Test {
    Database db{""};
    s3::Notifications notes{db};
    std::vector<std::pair<std::string, std::string>> sent;  // target, body
    void SetUp() override {
        notes.set_hooks(
            {[](const std::string& arn) { return arn.find("missing") == std::string::npos; },
             [this](const std::string& arn, const std::string& body) {
                 sent.emplace_back(arn, body);
             },
             [](const std::string& arn) { return arn.find("missing") == std::string::npos; },
             [this](const std::string& arn, const std::string& body) {
                 sent.emplace_back(arn, body);
             }});
    }
    std::string put(const std::string& xml) {
        Request req;
        req.request_id = "R1";
        try {
            // The body as a real request carries it: through a BodySink into memory.
            BodySink sink(BodyPlan{}, fs::temp_directory_path(), false, nullptr);
            sink.write(xml);
            req.body = sink.finish();
            notes.put(req, "bucket", "us-east-1");
        } catch (const AwsError& e) {
            return e.code();
        }
        return "ok";
    }
};

constexpr const char* kQueue = "arn:aws:sqs:us-east-1:000000000000:q";
constexpr const char* kFunction = "arn:aws:lambda:us-east-1:000000000000:function:f";

std::string config(const std::string& inner) {
    return "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" + inner +
           "</NotificationConfiguration>";
}

TEST_F(NotificationsTest, ChecksConfigurations) {
    EXPECT_EQ(put(config(std::string("<QueueConfiguration><Queue>") + kQueue +
                         "-missing</Queue><Event>s3:ObjectCreated:*</Event></QueueConfiguration>")),
              "InvalidArgument");
    EXPECT_EQ(put(config(std::string("<QueueConfiguration><Queue>") + kQueue +
                         "</Queue><Event>s3:Nope</Event></QueueConfiguration>")),
              "InvalidArgument");
    EXPECT_EQ(put(config(std::string("<QueueConfiguration><Queue>") + kQueue +
                         "</Queue></QueueConfiguration>")),
              "MalformedXML");
    EXPECT_EQ(put("<not-xml"), "MalformedXML");
    EXPECT_FALSE(notes.configured("bucket"));
    EXPECT_TRUE(sent.empty());
}

TEST_F(NotificationsTest, SendsMatchingEventsOnly) {
    std::string xml = std::string("<QueueConfiguration><Id>q</Id><Queue>") + kQueue +
                      "</Queue><Event>s3:ObjectRemoved:*</Event></QueueConfiguration>"
                      "<CloudFunctionConfiguration><Id>f</Id><CloudFunction>" +
                      kFunction +
                      "</CloudFunction><Event>s3:ObjectCreated:Put</Event><Filter><S3Key>"
                      "<FilterRule><Name>prefix</Name><Value>in/</Value></FilterRule>"
                      "<FilterRule><Name>Suffix</Name><Value>.jpg</Value></FilterRule></S3Key>"
                      "</Filter></CloudFunctionConfiguration>";
    ASSERT_EQ(put(config(xml)), "ok");
    ASSERT_EQ(sent.size(), 1u);  // the queue's s3:TestEvent
    EXPECT_EQ(json::parse(sent[0].second)["Event"], "s3:TestEvent");
    sent.clear();
    s3::ObjectEvent e{"bucket", "in/a b+c.jpg", "us-east-1", "000000000000", "ObjectCreated:Put",
                      5,        "etag",         "R2"};
    notes.publish(e);
    e.key = "in/a.png";
    notes.publish(e);  // suffix filtered out
    e.key = "out/a.jpg";
    notes.publish(e);  // prefix filtered out
    e.key = "in/a.jpg";
    e.name = "ObjectCreated:Copy";
    notes.publish(e);  // event filtered out
    e.name = "ObjectRemoved:Delete";
    e.key = "gone.txt";
    notes.publish(e);
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].first, kFunction);
    json r = json::parse(sent[0].second)["Records"][0];
    EXPECT_EQ(r["eventName"], "ObjectCreated:Put");
    EXPECT_EQ(r["s3"]["configurationId"], "f");
    EXPECT_EQ(r["s3"]["object"]["key"], "in/a+b%2Bc.jpg");
    EXPECT_EQ(r["s3"]["object"]["size"], 5);
    EXPECT_EQ(sent[1].first, kQueue);
    json removed = json::parse(sent[1].second)["Records"][0];
    EXPECT_EQ(removed["eventName"], "ObjectRemoved:Delete");
    EXPECT_FALSE(removed["s3"]["object"].contains("size"));
    EXPECT_GT(removed["s3"]["object"]["sequencer"].get<std::string>(),
              r["s3"]["object"]["sequencer"].get<std::string>());
}

}  // namespace
