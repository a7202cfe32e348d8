#include "emulator/http_message.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank {

bool RequestHead::has_query(std::string_view name) const {
    for (auto& [k, _] : query)
        if (k == name) return true;
    return false;
}

std::optional<std::string> RequestHead::query_param(std::string_view name) const {
    for (auto& [k, v] : query)
        if (k == name) return v;
    return std::nullopt;
}

namespace {

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

// A request has a dozen headers and a request looks a dozen up: a walk that compares lengths
// first costs a fraction of the fields' ordered lookup, whose every step compares
// case-insensitively. The first field of a name is the one found, as with fields::find.
const http::fields::value_type* field_named(const http::fields& headers, std::string_view name) {
    for (auto& f : headers) {
        auto n = f.name_string();
        if (n.size() != name.size()) continue;
        size_t i = 0;
        while (i < n.size() && ascii_lower(n[i]) == ascii_lower(name[i]))
            ++i;
        if (i == n.size()) return &f;
    }
    return nullptr;
}

}  // namespace

std::optional<std::string> RequestHead::header(std::string_view name) const {
    auto* f = field_named(headers, name);
    if (!f) return std::nullopt;
    return std::string(f->value());
}

std::optional<std::string_view> RequestHead::header_view(std::string_view name) const {
    auto* f = field_named(headers, name);
    if (!f) return std::nullopt;
    return std::string_view(f->value().data(), f->value().size());
}

RequestHead take_head(http::request<http::buffer_body>& h) {
    RequestHead head;
    head.method = h.method();
    head.method_name = std::string(h.method_string());
    head.target = std::string(h.target());
    head.version = h.version();
    head.keep_alive = h.keep_alive();
    head.headers = std::move(static_cast<http::fields&>(h));
    auto q = head.target.find('?');
    head.raw_path = head.target.substr(0, q);
    if (q != std::string::npos) head.raw_query = head.target.substr(q + 1);
    // An undecodable path stays as sent; the service rejects it with its own error.
    head.path = uri_decode(head.raw_path).value_or(head.raw_path);
    head.query = parse_form(head.raw_query);
    std::string host(head.headers[http::field::host]);
    if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') + 1);
    } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
        host.resize(colon);
    }
    head.host = to_lower(host);
    // Same shape as AWS request ids; the client logs it, tests grep it.
    head.request_id = random_hex(8, /*upper=*/true);
    return head;
}

std::string without_framing_fields(std::string_view head) {
    std::string out;
    size_t pos = 0;
    while (pos < head.size()) {
        size_t eol = head.find("\r\n", pos);
        size_t next = eol == std::string_view::npos ? head.size() : eol + 2;
        std::string_view line = head.substr(pos, next - pos);
        auto colon = line.find(':');
        std::string name =
            colon == std::string_view::npos ? "" : to_lower(trim(line.substr(0, colon)));
        if (name != "content-length" && name != "transfer-encoding") out += line;
        pos = next;
    }
    return out;
}

std::optional<RequestHead> head_without_framing(std::string_view raw, uint32_t header_limit) {
    auto end = raw.find("\r\n\r\n");
    if (end == std::string_view::npos) return std::nullopt;
    std::string head = without_framing_fields(raw.substr(0, end + 4));
    http::request_parser<http::buffer_body> p;
    p.header_limit(header_limit);
    boost::beast::error_code ec;
    p.put(boost::asio::buffer(head), ec);
    if (ec || !p.is_header_done()) return std::nullopt;
    return take_head(p.get());
}

AwsError bad_request() {
    return AwsError("BadRequest", "An error occurred when parsing the HTTP request.", 400);
}

}  // namespace fogbank
