// The EC2 protocol's parameter readers: lists (Name.N), structures (Name.N.Member), filters
// with their values, tags, paging, flattened parameters rendered as a response structure, and the
// filters' wildcard matcher, on a form body.
#include "emulator/protocol/ec2_query.hpp"
#include "services/ec2/request_params.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto in = fuzz::bytes(data, size);
    Request req = fuzz::request_with_body(in);
    try {
        auto p = ec2::request_params(req);
        size_t total = 0;
        for (auto& v : ec2_query::list(p, "InstanceId"))
            total += v.size();
        fuzz::check(total <= in.size(), "a list holds no more than the body");
        for (auto& s : ec2_query::structures(p, "TagSpecification"))
            (void)ec2::tags_of(s, "Tag");
        auto filters = ec2::parse_filters(p, {"instance-id", "tag-key"}, true);
        for (auto& f : filters)
            for (auto& v : f.values)
                (void)ec2::wildcard_match(v, f.name);
        (void)ec2::paging(p, false, 5, 1000);
        // Every parameter rendered as a launch template's data is: only identifiers as names.
        pugi::xml_document doc;
        ec2_query::add_flattened(doc.append_child("data"), p);
        for (auto& n : doc.select_nodes("//*"))
            fuzz::check(n.node().name()[0] != '\0', "no element without a name");
        (void)ec2::tags_of(p, "Tag");
    } catch (const AwsError&) {
    }
    // The matcher on raw halves of the input: never slower than quadratic, never a crash.
    auto half = in.size() / 2;
    (void)ec2::wildcard_match(in.substr(0, half), in.substr(half));
    return 0;
}
