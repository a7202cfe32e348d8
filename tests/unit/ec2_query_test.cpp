// The EC2 protocol codec and its parameter readers: list and structure flattening, the XML
// shapes of results and errors, filters with wildcards, tags, paging.
#include <gtest/gtest.h>

#include "emulator/protocol/ec2_query.hpp"
#include "services/ec2/request_params.hpp"
#include "tests/unit/error_code.hpp"

using namespace fogbank;
using fogbank::test_support::code_of;

namespace {

TEST(Ec2Query, ListsComeInIndexOrderAndIgnoreLookalikes) {
    ec2_query::Params p = {{"InstanceId.10", "c"},    {"InstanceId.2", "b"},
                           {"InstanceId.1", "a"},     {"InstanceIdSet", "x"},
                           {"InstanceId.Extra", "y"}, {"InstanceId.3.Key", "z"}};
    EXPECT_EQ(ec2_query::list(p, "InstanceId"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_TRUE(ec2_query::list(p, "ImageId").empty());
    EXPECT_EQ(code_of([] {
                  ec2_query::list({{"InstanceId.0", "a"}}, "InstanceId");
              }),
              "InvalidParameterValue");
    EXPECT_EQ(code_of([] {
                  ec2_query::list({{"InstanceId.1001", "a"}}, "InstanceId");
              }),
              "InvalidParameterValue");
}

TEST(Ec2Query, StructuresGroupTheirMembers) {
    ec2_query::Params p = {{"Filter.2.Name", "tag:role"},
                           {"Filter.2.Value.1", "web"},
                           {"Filter.1.Name", "instance-type"},
                           {"Filter.1.Value.2", "t3.micro"},
                           {"Filter.1.Value.1", "t2.micro"}};
    auto s = ec2_query::structures(p, "Filter");
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(s[0].at("Name"), "instance-type");
    EXPECT_EQ(s[1].at("Value.1"), "web");
    auto filters = ec2::parse_filters(p, {"instance-type"}, true);
    ASSERT_EQ(filters.size(), 2u);
    EXPECT_EQ(filters[0].values, (std::vector<std::string>{"t2.micro", "t3.micro"}));
    EXPECT_EQ(filters[1].name, "tag:role");
    EXPECT_EQ(code_of([&] { ec2::parse_filters(p, {"instance-type"}, false); }),
              "InvalidParameterValue");  // tag: filters where none are allowed
    EXPECT_EQ(code_of([] {
                  ec2::parse_filters({{"Filter.1.Value.1", "x"}}, {});
              }),
              "InvalidParameterValue");  // no Name
}

TEST(Ec2Query, ResultsHaveNoResultWrapperAndListsAreItems) {
    ec2_query::ResultDocument doc("DescribeTags", "req-1");
    auto set = ec2_query::add_list(doc.root, "tagSet");
    ec2_query::add(ec2_query::item(set), "key", "role");
    std::string xml = doc.response().body;
    EXPECT_NE(xml.find("<DescribeTagsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"),
              std::string::npos)
        << xml;
    EXPECT_NE(xml.find("<requestId>req-1</requestId>"), std::string::npos);
    EXPECT_NE(xml.find("<tagSet><item><key>role</key></item></tagSet>"), std::string::npos) << xml;
    EXPECT_EQ(xml.find("Result>"), std::string::npos);
}

TEST(Ec2Query, FlattenedParametersTakeTheResponseShape) {
    pugi::xml_document doc;
    auto root = doc.append_child("launchTemplateData");
    ec2_query::add_flattened(root, {{"ImageId", "ami-1"},
                                    {"SecurityGroupId.2", "sg-b"},
                                    {"SecurityGroupId.10", "sg-c"},
                                    {"SecurityGroupId.1", "sg-a"},
                                    {"Placement.AvailabilityZone", "us-east-1a"},
                                    {"TagSpecification.1.ResourceType", "instance"},
                                    {"TagSpecification.1.Tag.1.Key", "k"},
                                    {"TagSpecification.1.Tag.1.Value", "v"},
                                    {"Bad<Name", "x"},
                                    {"Trailing.", "x"}});
    EXPECT_STREQ(root.child("imageId").text().get(), "ami-1");
    std::vector<std::string> groups;
    for (auto it : root.child("securityGroupIdSet").children("item"))
        groups.push_back(it.text().get());
    EXPECT_EQ(groups, (std::vector<std::string>{"sg-a", "sg-b", "sg-c"}));
    EXPECT_STREQ(root.child("placement").child("availabilityZone").text().get(), "us-east-1a");
    auto spec = root.child("tagSpecificationSet").child("item");
    EXPECT_STREQ(spec.child("resourceType").text().get(), "instance");
    EXPECT_STREQ(spec.child("tagSet").child("item").child("value").text().get(), "v");
    // Names that are not identifiers never become elements.
    size_t members = 0;
    for (auto c : root.children()) {
        (void)c;
        ++members;
    }
    EXPECT_EQ(members, 4u);
    EXPECT_FALSE(ec2_query::flat_name_ok("A..B"));
    EXPECT_FALSE(ec2_query::flat_name_ok("1.A"));
    EXPECT_FALSE(ec2_query::flat_name_ok(std::string(40, 'A') + std::string(20, '.') + "B"));
    std::string deep = "A";
    for (int i = 0; i < 20; ++i)
        deep += ".B";
    EXPECT_FALSE(ec2_query::flat_name_ok(deep));
    EXPECT_TRUE(ec2_query::flat_name_ok("NetworkInterface.1.Groups.2"));
}

TEST(Ec2Query, ErrorsAreResponseErrorsError) {
    RequestHead head;
    head.request_id = "req-2";
    auto res = ec2_query::error_response(
        AwsError("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", 400), head);
    EXPECT_EQ(res.status, 400);
    std::string xml = res.body;
    EXPECT_NE(xml.find("<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>"
                       "The instance ID 'i-1' does not exist</Message></Error></Errors>"
                       "<RequestID>req-2</RequestID></Response>"),
              std::string::npos)
        << xml;
}

TEST(Ec2Filters, WildcardsAsEc2DefinesThem) {
    EXPECT_TRUE(ec2::wildcard_match("web-*", "web-1"));
    EXPECT_TRUE(ec2::wildcard_match("*", ""));
    EXPECT_TRUE(ec2::wildcard_match("t?.micro", "t3.micro"));
    EXPECT_FALSE(ec2::wildcard_match("t?.micro", "t32.micro"));
    EXPECT_TRUE(ec2::wildcard_match("*-prod-*", "api-prod-7"));
    EXPECT_FALSE(ec2::wildcard_match("web", "web-1"));
    EXPECT_TRUE(ec2::wildcard_match("a\\*b", "a*b"));
    EXPECT_FALSE(ec2::wildcard_match("a\\*b", "axxb"));
    // Many stars against a long miss: linear backtracking, not exponential.
    std::string text(5000, 'a');
    EXPECT_FALSE(ec2::wildcard_match("*a*a*a*a*a*a*a*a*b", text));
    std::vector<ec2::Filter> filters = {{"role", {"db", "web*"}}, {"env", {"ci"}}};
    auto values = [](const std::string& n) -> std::vector<std::string> {
        return n == "role" ? std::vector<std::string>{"web-1"} : std::vector<std::string>{"ci"};
    };
    EXPECT_TRUE(ec2::matches(filters, values));
    filters[1].values = {"prod"};
    EXPECT_FALSE(ec2::matches(filters, values));
}

TEST(Ec2Params, TagsPagesAndNumbers) {
    auto tags = ec2::tags_of({{"Tag.1.Key", "a"}, {"Tag.1.Value", "1"}, {"Tag.2.Key", "b"}}, "Tag");
    ASSERT_EQ(tags.size(), 2u);
    EXPECT_EQ(tags[1], (std::pair<std::string, std::string>{"b", ""}));
    EXPECT_EQ(code_of([] {
                  ec2::tags_of({{"Tag.1.Key", "aws:x"}}, "Tag");
              }),
              "InvalidParameterValue");
    EXPECT_EQ(code_of([] {
                  ec2::tags_of({{"Tag.1.Key", std::string(129, 'k')}}, "Tag");
              }),
              "InvalidParameterValue");
    EXPECT_EQ(code_of([] {
                  ec2::tags_of({{"Tag.1.Value", "v"}}, "Tag");
              }),
              "InvalidParameterValue");
    auto page = ec2::paging({{"MaxResults", "5"}, {"NextToken", "10"}}, false, 5, 1000);
    EXPECT_EQ(page.max, 5u);
    EXPECT_EQ(page.start, 10u);
    EXPECT_EQ(code_of([] {
                  ec2::paging({{"MaxResults", "4"}}, false, 5, 1000);
              }),
              "InvalidParameterValue");
    EXPECT_EQ(code_of([] {
                  ec2::paging({{"MaxResults", "5"}}, true, 5, 1000);
              }),
              "InvalidParameterCombination");
    EXPECT_EQ(code_of([] {
                  ec2::paging({{"NextToken", "x"}}, false, 5, 1000);
              }),
              "InvalidParameterValue");
    EXPECT_EQ(code_of([] { ec2::integer({}, "MinCount", 1, 10, true); }), "MissingParameter");
    EXPECT_EQ(code_of([] {
                  ec2::integer({{"MinCount", "1x"}}, "MinCount", 1, 10, true);
              }),
              "InvalidParameterValue");
    EXPECT_EQ(ec2::integer({{"MinCount", "7"}}, "MinCount", 1, 10, true), 7);
}

}  // namespace
