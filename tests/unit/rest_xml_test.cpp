#include "emulator/protocol/rest_xml.hpp"

#include <gtest/gtest.h>

using namespace fogbank;

TEST(RestXml, ErrorBodyShape) {
    RequestHead head;
    head.method = http::verb::get;
    head.request_id = "REQ1";
    AwsError err("NoSuchKey", "The specified key does not exist.", 404);
    err.with("Key", "a&b");
    auto res = rest_xml::error_response(err, head);
    EXPECT_EQ(res.status, 404);
    EXPECT_EQ(res.body,
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchKey</Code><Message>The "
              "specified key "
              "does not "
              "exist.</Message><Key>a&amp;b</Key><RequestId>REQ1</RequestId><HostId>REQ1</HostId></"
              "Error>");
}

TEST(RestXml, HeadErrorsHaveNoBody) {
    RequestHead head;
    head.method = http::verb::head;
    auto res = rest_xml::error_response(AwsError("NoSuchKey", "x", 404), head);
    EXPECT_TRUE(res.body.empty());
    EXPECT_EQ(res.status, 404);
}

TEST(RestXml, MalformedDocuments) {
    for (auto doc : {"", "<a>", "not xml", "<a></b>"}) {
        try {
            rest_xml::parse(doc);
            FAIL() << doc;
        } catch (const AwsError& e) {
            EXPECT_EQ(e.code(), "MalformedXML");
            EXPECT_EQ(e.status(), 400);
        }
    }
    auto ok = rest_xml::parse("<x:Tagging xmlns:x=\"u\"><x:TagSet/></x:Tagging>");
    EXPECT_TRUE(ok.document_element());
}

TEST(RestXml, DocumentHasNamespace) {
    rest_xml::Document d("ListAllMyBucketsResult");
    rest_xml::add(d.root, "Owner", "me");
    EXPECT_EQ(d.str(),
              "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult "
              "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner>me</Owner></"
              "ListAllMyBucketsResult>");
}
