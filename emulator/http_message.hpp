// The request and response as services see them: decoded path and query, headers, identity
// from the signature, and a body that was already streamed to memory or to a spool file.
// Services never touch sockets; the server turns a Response into bytes.
#pragma once

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/verb.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/aws_error.hpp"
#include "emulator/long_poll.hpp"
#include "emulator/request_body.hpp"

namespace fogbank {

namespace http = boost::beast::http;

struct RequestHead {
    http::verb method = http::verb::unknown;
    std::string method_name;
    std::string target;                                      // as received
    std::string raw_path;                                    // before '?', still percent-encoded
    std::string path;                                        // percent-decoded
    std::string raw_query;                                   // after '?'
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
    http::fields headers;
    std::string host;  // Host header without the port
    unsigned version = 11;
    bool keep_alive = true;

    std::string request_id;
    // Filled by the router from the signature (or defaults).
    std::string service;
    std::string account;
    std::string region;
    std::string access_key;
    // Unsigned, and let through as such: with strict authentication S3 decides itself (by
    // bucket policy) what an anonymous caller may do. Such a request has no account.
    bool anonymous = false;

    bool has_query(std::string_view name) const;
    std::optional<std::string> query_param(std::string_view name) const;
    std::optional<std::string> header(std::string_view name) const;
    // The same without a copy; valid while the headers are.
    std::optional<std::string_view> header_view(std::string_view name) const;
};

// Takes the header fields out of a parsed request head (the parser keeps its own framing state
// for the body), so a request's headers are never copied; decodes the target, finds the host
// and gives the request its id.
RequestHead take_head(http::request<http::buffer_body>& h);

// A raw request header without its Content-Length and Transfer-Encoding lines: what is left of
// a request whose framing the parser refused, for a second parse that says who was asked.
std::string without_framing_fields(std::string_view head);
// That second parse: the head of `raw` (which starts with a request the parser refused) without
// its framing fields; nullopt when even that does not parse.
std::optional<RequestHead> head_without_framing(std::string_view raw, uint32_t header_limit);

// The answer to a request whose framing the parser refused.
AwsError bad_request();

struct Request : RequestHead {
    RequestBody body;
    std::string operation;  // set by the service once it knows, for the request log
};

// An open file slice streamed as the response body; the fd is owned and closed after the write.
// Opening happens in the handler so that a concurrent delete of the object can't pull the
// bytes out from under a response already promised.
struct FileSlice {
    int fd = -1;
    uint64_t offset = 0;
    uint64_t length = 0;
    FileSlice() = default;
    FileSlice(int f, uint64_t off, uint64_t len) : fd(f), offset(off), length(len) {}
    FileSlice(FileSlice&& o) noexcept
        : fd(std::exchange(o.fd, -1)), offset(o.offset), length(o.length) {}
    FileSlice& operator=(FileSlice&& o) noexcept;
    FileSlice(const FileSlice&) = delete;
    FileSlice& operator=(const FileSlice&) = delete;
    ~FileSlice();
};

struct Response {
    int status = 200;
    http::fields headers;
    std::string body;
    std::optional<FileSlice> file;  // streamed instead of `body`
    // HEAD: headers announce a Content-Length but no body follows.
    std::optional<uint64_t> head_length;
    bool close = false;  // close the connection after this response
    // Set instead of an answer when the request waits for something (see long_poll.hpp).
    std::shared_ptr<LongPoll> long_poll;
};

}  // namespace fogbank
