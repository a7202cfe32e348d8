// SQS building blocks: the MD5 digests SDKs verify, the query-to-JSON mapping, attribute and
// message validation, and the queue's delivery indexes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "emulator/aws_error.hpp"
#include "services/sqs/attributes.hpp"
#include "services/sqs/message_attributes.hpp"
#include "services/sqs/query_codec.hpp"
#include "services/sqs/queue.hpp"
#include "tests/unit/error_code.hpp"

using nlohmann::json;
using namespace fogbank;
using namespace fogbank::sqs;

using fogbank::test_support::code_of;

namespace {

struct NullJournal : Journal {
    void put_queue(const Queue&) override {}
    void drop_queue(const Queue&) override {}
    void put_message(const Queue&, const Message&) override {}
    void touch_message(const Queue&, const Message&) override {}
    void drop_message(const Queue&, uint64_t) override {}
};

}  // namespace

// Digests checked by the AWS SDK for JavaScript v3 against these exact attributes: it fails
// the call when they differ.
TEST(SqsMd5, MatchesWhatSdksVerify) {
    EXPECT_EQ(md5_hex("hello"), "5d41402abc4b2a76b9719d911017c592");
    EXPECT_EQ(md5_of_attributes({{"n", {"Number", "12"}}}), "fb15aa095c960d23a9b4b638d9dccc6f");
    EXPECT_EQ(
        md5_of_attributes({{"a", {"String", "x"}}, {"b", {"Binary", std::string("\x01\x02")}}}),
        "3e9b4c785db2deb306cf4009ae214dab");
}

TEST(SqsMd5, BinaryAndStringDifferInTransportByte) {
    EXPECT_NE(md5_of_attributes({{"a", {"String", "x"}}}),
              md5_of_attributes({{"a", {"Binary", "x"}}}));
    EXPECT_NE(md5_of_attributes({{"a", {"String", "x"}}}),
              md5_of_attributes({{"a", {"String.custom", "x"}}}));
}

TEST(SqsQueryCodec, FlattenedParametersBecomeJsonShapes) {
    struct Case {
        std::map<std::string, std::string> params;
        std::string action;
        json expected;
    };
    std::vector<Case> cases = {
        {{{"Action", "CreateQueue"},
          {"QueueName", "q"},
          {"Attribute.1.Name", "DelaySeconds"},
          {"Attribute.1.Value", "5"},
          {"Attribute.2.Name", "VisibilityTimeout"},
          {"Attribute.2.Value", "9"},
          {"Tag.1.Key", "team"},
          {"Tag.1.Value", "vision"}},
         "CreateQueue",
         {{"QueueName", "q"},
          {"Attributes", {{"DelaySeconds", "5"}, {"VisibilityTimeout", "9"}}},
          {"tags", {{"team", "vision"}}}}},
        {{{"Tag.1.Key", "k"}, {"Tag.1.Value", "v"}}, "TagQueue", {{"Tags", {{"k", "v"}}}}},
        {{{"TagKey.1", "a"}, {"TagKey.2", "b"}}, "UntagQueue", {{"TagKeys", {"a", "b"}}}},
        {{{"AttributeName.1", "All"},
          {"MessageAttributeName.1", "x.*"},
          {"MaxNumberOfMessages", "10"}},
         "ReceiveMessage",
         {{"AttributeNames", {"All"}},
          {"MessageAttributeNames", {"x.*"}},
          {"MaxNumberOfMessages", "10"}}},
        {{{"MessageBody", "b"},
          {"MessageAttribute.1.Name", "n"},
          {"MessageAttribute.1.Value.DataType", "Number"},
          {"MessageAttribute.1.Value.StringValue", "3"}},
         "SendMessage",
         {{"MessageBody", "b"},
          {"MessageAttributes", {{"n", {{"DataType", "Number"}, {"StringValue", "3"}}}}}}},
        // List order follows the index, not the key's text order (10 after 2).
        {{{"SendMessageBatchRequestEntry.10.Id", "j"},
          {"SendMessageBatchRequestEntry.10.MessageBody", "J"},
          {"SendMessageBatchRequestEntry.2.Id", "b"},
          {"SendMessageBatchRequestEntry.2.MessageBody", "B"}},
         "SendMessageBatch",
         {{"Entries", {{{"Id", "b"}, {"MessageBody", "B"}}, {{"Id", "j"}, {"MessageBody", "J"}}}}}},
        {{{"AWSAccountId.1", "111"}, {"ActionName.1", "SendMessage"}, {"Label", "l"}},
         "AddPermission",
         {{"AWSAccountIds", {"111"}}, {"Actions", {"SendMessage"}}, {"Label", "l"}}},
    };
    for (auto& c : cases)
        EXPECT_EQ(query_to_json(c.params, c.action), c.expected) << c.expected.dump();
}

TEST(SqsQueryCodec, ResultsBecomeQueryXml) {
    pugi::xml_document doc;
    auto root = doc.append_child("ReceiveMessageResult");
    write_result(
        root,
        {{"Messages",
          {{{"Body", "b"},
            {"Attributes", {{"SentTimestamp", "1"}}},
            {"MessageAttributes", {{"n", {{"DataType", "Number"}, {"StringValue", "3"}}}}}}}}},
        "ReceiveMessage");
    auto msg = root.child("Message");
    EXPECT_STREQ(msg.child("Body").text().get(), "b");
    EXPECT_STREQ(msg.child("Attribute").child("Name").text().get(), "SentTimestamp");
    EXPECT_STREQ(msg.child("MessageAttribute").child("Value").child("StringValue").text().get(),
                 "3");

    pugi::xml_document batch;
    auto r = batch.append_child("SendMessageBatchResult");
    write_result(r,
                 {{"Successful", {{{"Id", "a"}}}},
                  {"Failed", {{{"Id", "b"}, {"SenderFault", true}, {"Code", "X"}}}}},
                 "SendMessageBatch");
    EXPECT_STREQ(r.child("SendMessageBatchResultEntry").child("Id").text().get(), "a");
    EXPECT_STREQ(r.child("BatchResultErrorEntry").child("SenderFault").text().get(), "true");
}

TEST(SqsAttributes, Validation) {
    struct Case {
        AttributeMap attrs;
        bool fifo;
        bool creating;
        std::string code;
    };
    std::vector<Case> cases = {
        {{{"VisibilityTimeout", "0"}}, false, true, "ok"},
        {{{"VisibilityTimeout", "43200"}}, false, true, "ok"},
        {{{"VisibilityTimeout", "43201"}}, false, true, "InvalidAttributeValue"},
        {{{"VisibilityTimeout", "1.5"}}, false, true, "InvalidAttributeValue"},
        {{{"VisibilityTimeout", ""}}, false, true, "InvalidAttributeValue"},
        {{{"DelaySeconds", "900"}}, false, true, "ok"},
        {{{"DelaySeconds", "901"}}, false, true, "InvalidAttributeValue"},
        {{{"MessageRetentionPeriod", "60"}}, false, true, "ok"},
        {{{"MessageRetentionPeriod", "59"}}, false, true, "InvalidAttributeValue"},
        {{{"MaximumMessageSize", "1048576"}}, false, true, "ok"},
        {{{"MaximumMessageSize", "1048577"}}, false, true, "InvalidAttributeValue"},
        {{{"KmsDataKeyReusePeriodSeconds", "59"}}, false, true, "InvalidAttributeValue"},
        {{{"SqsManagedSseEnabled", "false"}}, false, true, "ok"},
        {{{"ContentBasedDeduplication", "true"}}, false, true, "InvalidAttributeName"},
        {{{"ContentBasedDeduplication", "true"}}, true, true, "ok"},
        {{{"DeduplicationScope", "messageGroup"}}, true, true, "ok"},
        {{{"DeduplicationScope", "group"}}, true, true, "InvalidAttributeValue"},
        {{{"FifoThroughputLimit", "perMessageGroupId"}, {"DeduplicationScope", "queue"}},
         true,
         true,
         "InvalidAttributeValue"},
        {{{"FifoQueue", "true"}}, true, true, "ok"},
        {{{"FifoQueue", "false"}}, false, true, "ok"},
        {{{"FifoQueue", "true"}}, true, false, "InvalidAttributeName"},
        {{{"Unknown", "1"}}, false, true, "InvalidAttributeName"},
        {{{"RedrivePolicy",
           R"({"deadLetterTargetArn":"arn:aws:sqs:r:1:q","maxReceiveCount":"3"})"}},
         false,
         true,
         "ok"},
        {{{"RedrivePolicy", R"({"deadLetterTargetArn":"arn","maxReceiveCount":0})"}},
         false,
         true,
         "InvalidParameterValue"},
        {{{"RedrivePolicy", "[]"}}, false, true, "InvalidParameterValue"},
        {{{"RedriveAllowPolicy", R"({"redrivePermission":"byQueue","sourceQueueArns":["a"]})"}},
         false,
         true,
         "ok"},
        {{{"RedriveAllowPolicy", R"({"redrivePermission":"allowAll","sourceQueueArns":["a"]})"}},
         false,
         true,
         "InvalidParameterValue"},
    };
    for (auto& c : cases)
        EXPECT_EQ(code_of([&] { validate_attributes(c.attrs, c.fifo, c.creating); }), c.code)
            << c.attrs.begin()->first << "=" << c.attrs.begin()->second;
    auto canonical = validate_attributes(
        {{"RedrivePolicy", R"({"maxReceiveCount":"3","deadLetterTargetArn":"arn:aws:sqs:r:1:q"})"}},
        false, true);
    EXPECT_EQ(parse_redrive_policy(canonical["RedrivePolicy"]).max_receive_count, 3);
    EXPECT_EQ(validate_attributes({{"SqsManagedSseEnabled", "True"}}, false,
                                  true)["SqsManagedSseEnabled"],
              "true");
}

TEST(SqsMessages, BodyCharacters) {
    EXPECT_EQ(code_of([] { check_body("plain \t\r\n text ✓ 🌍"); }), "ok");
    EXPECT_EQ(code_of([] { check_body(""); }), "MissingParameter");
    EXPECT_EQ(code_of([] { check_body(std::string("a\0b", 3)); }), "InvalidMessageContents");
    EXPECT_EQ(code_of([] { check_body("\x1f"); }), "InvalidMessageContents");
    EXPECT_EQ(code_of([] { check_body("\xef\xbf\xbe"); }), "InvalidMessageContents");  // U+FFFE
    EXPECT_EQ(code_of([] { check_body("\xed\xa0\x80"); }), "InvalidMessageContents");  // surrogate
    EXPECT_EQ(code_of([] { check_body("\xc3"); }), "InvalidMessageContents");  // truncated UTF-8
}

// ASCII runs are checked eight bytes at a time: a bad byte is found at every offset, and every
// printable ASCII character (DEL included) passes.
TEST(SqsMessages, BodyCharactersAtEveryOffsetOfALongBody) {
    std::string ascii;
    for (int c = 0x20; c <= 0x7f; ++c)
        ascii += static_cast<char>(c);
    EXPECT_EQ(code_of([&] { check_body(ascii + ascii + "\t\n\r" + ascii); }), "ok");
    for (size_t at = 0; at < 41; ++at)
        for (char bad : {'\0', '\x01', '\x08', '\x1f', '\x80', '\xff'}) {
            std::string body(41, 'a');
            body[at] = bad;
            EXPECT_EQ(code_of([&] { check_body(body); }), "InvalidMessageContents")
                << "at " << at << " byte " << static_cast<int>(static_cast<unsigned char>(bad));
        }
    std::string body(40, 'x');
    body += "\xf0\x9f\x8c\x8d";  // a valid 4-byte character after a run
    EXPECT_EQ(code_of([&] { check_body(body + body); }), "ok");
}

TEST(SqsMessages, AttributeValidation) {
    auto parse = [](json j) { return code_of([&] { parse_message_attributes(j); }); };
    EXPECT_EQ(parse({{"a", {{"DataType", "String"}, {"StringValue", "v"}}}}), "ok");
    EXPECT_EQ(parse({{"a", {{"DataType", "Number"}, {"StringValue", "-1.5e10"}}}}), "ok");
    EXPECT_EQ(parse({{"a", {{"DataType", "Number"}, {"StringValue", "1e"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a", {{"DataType", "Number"}, {"StringValue", "."}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a", {{"DataType", "Binary"}, {"BinaryValue", "AAE="}}}}), "ok");
    EXPECT_EQ(parse({{"a", {{"DataType", "Binary"}, {"BinaryValue", "!!"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a", {{"DataType", "Binary"}, {"BinaryValue", ""}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a", {{"DataType", "String.x"}, {"StringValue", "v"}}}}), "ok");
    EXPECT_EQ(parse({{"a", {{"DataType", "Strings"}, {"StringValue", "v"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a", {{"StringValue", "v"}}}}), "InvalidParameterValue");
    EXPECT_EQ(parse({{"Amazon.x", {{"DataType", "String"}, {"StringValue", "v"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{"a.", {{"DataType", "String"}, {"StringValue", "v"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(parse({{std::string(257, 'a'), {{"DataType", "String"}, {"StringValue", "v"}}}}),
              "InvalidParameterValue");
    EXPECT_EQ(
        code_of([] {
            parse_system_attributes({{"Other", {{"DataType", "String"}, {"StringValue", "v"}}}});
        }),
        "InvalidParameterValue");
    EXPECT_EQ(message_size("body", {{"name", {"String", "value"}}}), 4u + 4 + 6 + 5);
}

TEST(SqsQueue, FifoGroupsStayOrderedAsMessagesLeave) {
    NullJournal journal;
    Queue q(journal);
    q.fifo = true;
    for (auto g : {"b", "a", "b", "c", "a"}) {
        Message m;
        m.group_id = g;
        q.enqueue(std::move(m));
    }
    std::vector<std::pair<uint64_t, std::string>> heads(q.group_heads().begin(),
                                                        q.group_heads().end());
    EXPECT_EQ(heads, (decltype(heads){{1, "b"}, {2, "a"}, {4, "c"}}));
    q.erase(1);  // b's head leaves: its next message (3) heads the group
    heads.assign(q.group_heads().begin(), q.group_heads().end());
    EXPECT_EQ(heads, (decltype(heads){{2, "a"}, {3, "b"}, {4, "c"}}));
    q.erase(4);
    EXPECT_EQ(q.groups().count("c"), 0u);
    EXPECT_EQ(q.messages().size(), 3u);
}

TEST(SqsQueue, CountsAndNextChange) {
    NullJournal journal;
    Queue q(journal);
    q.attributes = default_attributes(false);
    auto add = [&](Millis visible_at, int receives) {
        Message m;
        m.visible_at = visible_at;
        m.receive_count = receives;
        m.sent = m.retain_from = 0;
        return q.enqueue(std::move(m)).seq;
    };
    add(100, 0);  // visible
    add(500, 0);  // delayed
    add(300, 1);  // in flight
    Counts c = q.counts(200);
    EXPECT_EQ(c.visible, 1);
    EXPECT_EQ(c.delayed, 1);
    EXPECT_EQ(c.in_flight, 1);
    EXPECT_EQ(q.next_change(200), 300);
    EXPECT_EQ(q.next_change(500), std::nullopt);
    q.expire(345600LL * 1000);  // retention: every message is that old
    EXPECT_TRUE(q.messages().empty());
}

TEST(SqsQueue, DeduplicationWindow) {
    NullJournal journal;
    Queue q(journal);
    Message m;
    m.id = "id-1";
    auto& stored = q.enqueue(std::move(m));
    q.remember_dedup("d", stored, 1000);
    EXPECT_EQ(q.deduplicated("d", 1000 + 299999)->message_id, "id-1");
    EXPECT_FALSE(q.deduplicated("d", 1000 + 300000).has_value());
}
