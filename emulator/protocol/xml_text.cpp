#include "emulator/protocol/xml_text.hpp"

namespace fogbank {

namespace {

// Escapes carriage returns on their way out; pugixml escapes &, < and > (and " in attributes)
// itself. Markup never holds a CR, so every one seen here is in text.
struct Writer : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
        auto p = static_cast<const char*>(data);
        for (size_t i = 0; i < size; ++i) {
            if (p[i] == '\r')
                out += "&#xD;";
            else
                out += p[i];
        }
    }
};

}  // namespace

std::string xml_text(const pugi::xml_document& doc) {
    Writer w;
    doc.save(w, "", pugi::format_raw, pugi::encoding_utf8);
    return std::move(w.out);
}

}  // namespace fogbank
