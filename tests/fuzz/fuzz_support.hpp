// Shared by the libFuzzer targets: turning fuzz bytes into the inputs fogbank's parsers take.
// Each target checks only that a parser refuses bad input the way it should (an AwsError, a
// nullopt, a discarded value) and never crashes, hangs or trips a sanitiser; what it accepts is
// checked for the invariants the callers rely on.
#pragma once

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <optional>
#include <typeinfo>

#include "emulator/http_message.hpp"
#include "emulator/request_body.hpp"
#include "emulator/service.hpp"

namespace fogbank::fuzz {

inline std::string_view bytes(const uint8_t* data, size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input cut at NUL bytes into at most `n` parts (the last keeps the rest), so one input can
// carry several fields: a seed writes them with \0 between.
inline std::vector<std::string_view> split(std::string_view in, size_t n) {
    std::vector<std::string_view> out;
    while (out.size() + 1 < n) {
        auto z = in.find('\0');
        if (z == std::string_view::npos) break;
        out.push_back(in.substr(0, z));
        in.remove_prefix(z + 1);
    }
    out.push_back(in);
    while (out.size() < n)
        out.emplace_back();
    return out;
}

// A request whose body went through the same sink the server feeds.
inline Request request_with_body(std::string_view body) {
    Request req;
    BodySink sink(BodyPlan{}, {}, false, nullptr);
    sink.write(body);
    req.body = sink.finish();
    return req;
}

// A request as the server would hand it to `svc`: the head parsed by Beast from `head_lines`
// (request line and fields, each ending in CRLF), the body read through the sink with the
// plan the service asks for. Nullopt when the head does not parse (the server answers 400).
// Bodies the plan spools go under `spool_dir` (the blob store's, for S3).
inline std::optional<Request> request_for(const Service& svc, const std::string& head_lines,
                                          std::string_view body,
                                          const std::filesystem::path& spool_dir = {}) {
    std::string head = head_lines + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    http::request_parser<http::buffer_body> p;
    boost::beast::error_code ec;
    p.put(boost::asio::buffer(head), ec);
    if (ec || !p.is_header_done()) return std::nullopt;
    Request req;
    static_cast<RequestHead&>(req) = take_head(p.get());
    req.account = "000000000000";
    req.region = "us-east-1";
    req.access_key = "test";
    req.service = std::string(svc.name());
    try {
        BodySink sink(svc.body_plan(req), spool_dir, false, nullptr);
        sink.write(body);
        req.body = sink.finish();
    } catch (const AwsError&) {
        return std::nullopt;  // refused before the handler runs (too large): answered as such
    }
    return req;
}

// Runs the handler as the server does. An AwsError is the answer AWS would give and is encoded
// in the service's error format; any other exception would reach the client as a 500, which
// is a bug, so it aborts.
inline Response handle(Service& svc, Request& req) {
    try {
        return svc.handle(req);
    } catch (const AwsError& e) {
        return svc.error_response(e, req);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s %s: %s: %s\n", req.method_name.c_str(), req.target.c_str(),
                     typeid(e).name(), e.what());
        std::abort();
    }
}

// A failed invariant: abort, so libFuzzer records the input as a crash.
inline void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant failed: %s\n", what);
        std::abort();
    }
}

// Parsers log nothing worth reading at fuzzing speed.
inline int quiet() {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

// The target's state, made once and set up again every `every` runs (state stays small and the
// fixture present however the inputs changed it). W has a setup().
template <class W>
W& world(unsigned every) {
    static int q = quiet();
    (void)q;
    static W w;
    static unsigned runs = 0;
    if (runs++ % every == 0) w.setup();
    return w;
}

}  // namespace fogbank::fuzz
