// HTTP request framing as the server reads it: Beast's parser with fogbank's header limit, the
// request head fogbank builds from it (target, path and query decoding, host), the second parse
// of a refused header that picks the protocol of the 400, and a chunked or aws-chunked body
// through the same sink the server uses.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include "emulator/aws_chunked.hpp"
#include "emulator/encoding.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;
namespace beast = boost::beast;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int q = fuzz::quiet();
    (void)q;
    std::string_view raw = fuzz::bytes(data, size);
    http::request_parser<http::buffer_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(boost::none);
    char chunk[4096];
    std::string_view rest = raw;
    beast::error_code ec;
    // The header, fed in slices as a socket would deliver it.
    while (!parser.is_header_done()) {
        size_t n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        if (ec == http::error::need_more && n == 0) return 0;  // truncated: the server waits
        if (ec && ec != http::error::need_more) {
            fuzz::check(without_framing_fields(raw).size() <= raw.size(),
                        "stripping fields never grows the header");
            (void)head_without_framing(raw, 16 * 1024);
            return 0;
        }
        rest.remove_prefix(n);
    }
    RequestHead head = take_head(parser.get());
    fuzz::check(head.raw_path.size() <= head.target.size(), "the path is part of the target");
    bool aws_chunked =
        head.header("content-encoding").value_or("").find("aws-chunked") != std::string::npos;
    BodySink sink(BodyPlan{}, {}, false,
                  aws_chunked ? std::make_unique<AwsChunkedDecoder>() : nullptr);
    try {
        while (!parser.is_done()) {
            parser.get().body().data = chunk;
            parser.get().body().size = sizeof chunk;
            size_t n = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            if (ec == http::error::need_buffer) ec = {};
            if (ec == http::error::need_more && n == 0) {
                // Out of input: a chunked body may also end here (put_eof).
                parser.put_eof(ec);
                break;
            }
            if (ec) break;
            rest.remove_prefix(n);
            sink.write(std::string_view(chunk, sizeof chunk - parser.get().body().size));
            if (n == 0 && parser.get().body().size == sizeof chunk) break;  // no progress
        }
        if (!ec && parser.is_done()) (void)sink.finish();
    } catch (const AwsError&) {
        // Bad aws-chunked framing or an oversized body: the client's error, answered as such.
    }
    return 0;
}
