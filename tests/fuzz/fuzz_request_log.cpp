// The console's request log: a record made of any bytes (target, headers, bodies; parts cut at
// NUL) is kept, listed and read back without throwing, its JSON always serialisable; masking
// secrets is idempotent (a masked text masks to itself) and never grows a text by more than
// the mask it writes; the cookie and number parsers of the console see the same bytes.
#include "emulator/request_log.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using fogbank::fuzz::check;
    auto parts = fogbank::fuzz::split(fogbank::fuzz::bytes(data, size), 4);
    std::string once = fogbank::mask_secrets(parts[0]);
    check(fogbank::mask_secrets(once) == once, "masking is idempotent");
    check(once.size() <= parts[0].size() + 4 * (parts[0].size() / 4 + 1), "masking is bounded");

    fogbank::RequestLog log(fogbank::RequestLog::Limits{4, 2, 64});
    for (int i = 0; i < 3; ++i) {
        fogbank::RequestView v;
        v.target = parts[0];
        v.write_headers = [&](std::string& out) { out.append(parts[1]); };
        v.request_body = parts[2];
        v.request_size = parts[2].size() + static_cast<uint64_t>(i);
        v.response_body = parts[3];
        v.response_size = parts[3].size();
        log.add(v);
    }
    auto listed = log.after(0, 10);
    check(listed.size() == 3, "every record is listed");
    for (uint64_t id = 1; id <= 3; ++id) {
        auto d = log.detail(id);
        check(!d.is_null(), "a record in the ring reads back");
        d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    listed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return 0;
}
