#include "services/sqs/message_attributes.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

#include "emulator/ascii_scan.hpp"
#include "emulator/aws_error.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank::sqs {

namespace {

AwsError invalid(const std::string& why) {
    return AwsError("InvalidParameterValue", why, 400);
}

// The first code point outside SQS's allowed set (#x9 | #xA | #xD | #x20-#xD7FF |
// #xE000-#xFFFD | #x10000-#x10FFFF), or -1. Invalid UTF-8 reports its first byte.
long first_invalid_char(const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
        // Most bodies are printable ASCII (#x20-#x7F, all allowed): eight bytes at a time.
        i += printable_ascii_words(s.data() + i, s.size() - i);
        if (i >= s.size()) break;
        auto c = static_cast<unsigned char>(s[i]);
        uint32_t cp;
        size_t len;
        if (c < 0x80) {
            cp = c;
            len = 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = c & 0x1F;
            len = 2;
        } else if ((c & 0xF0) == 0xE0) {
            cp = c & 0x0F;
            len = 3;
        } else if ((c & 0xF8) == 0xF0) {
            cp = c & 0x07;
            len = 4;
        } else {
            return c;
        }
        if (i + len > s.size()) return c;
        for (size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return c;
            cp = (cp << 6) | (cc & 0x3F);
        }
        bool ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                  (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
        if (!ok) return static_cast<long>(cp);
        i += len;
    }
    return -1;
}

std::string hex_char(long cp) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "#x%lX", cp);
    return buf;
}

bool valid_number(const std::string& s) {
    // SQS numbers: optional sign, digits with an optional fraction, optional exponent.
    size_t i = 0, digits = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
        ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
            ++i, ++digits;
    }
    if (digits == 0 || digits > 38) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        size_t exp = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
            ++i, ++exp;
        if (exp == 0) return false;
    }
    return i == s.size();
}

void check_name(const std::string& name) {
    auto bad = [&](const std::string& why) {
        return invalid("Message (user) attribute name '" + name + "' is invalid. " + why);
    };
    if (name.empty() || name.size() > 256)
        throw bad("Names must be between 1 and 256 characters long.");
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            throw bad(
                "Names can contain only alphanumeric characters, hyphens, underscores "
                "and periods.");
    auto lower = to_lower(name);
    if (lower.rfind("aws.", 0) == 0 || lower.rfind("amazon.", 0) == 0)
        throw bad("The prefixes 'AWS.' and 'Amazon.' are reserved.");
    if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string::npos)
        throw bad("Names must not start or end with a period or contain consecutive periods.");
}

void put_length_prefixed(std::string& out, std::string_view s) {
    auto n = static_cast<uint32_t>(s.size());
    out.push_back(static_cast<char>(n >> 24));
    out.push_back(static_cast<char>(n >> 16));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
    out.append(s);
}

}  // namespace

void check_body(const std::string& body) {
    if (body.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter MessageBody.",
                       400);
    if (long cp = first_invalid_char(body); cp >= 0)
        throw AwsError("InvalidMessageContents",
                       "Invalid binary character '" + hex_char(cp) +
                           "' was found in the message body, the set of allowed characters is "
                           "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
                           "#x10FFFF",
                       400);
}

MessageAttributes parse_message_attributes(const nlohmann::json& j) {
    MessageAttributes out;
    if (j.is_null()) return out;
    if (!j.is_object()) throw invalid("MessageAttributes must be a map.");
    if (j.size() > 10)
        throw invalid("Number of message attributes [" + std::to_string(j.size()) +
                      "] exceeds the allowed maximum [10].");
    for (auto& [name, v] : j.items()) {
        check_name(name);
        if (!v.is_object()) throw invalid("The message attribute '" + name + "' is invalid.");
        std::string type = v.value("DataType", "");
        if (type.empty())
            throw invalid("The message attribute '" + name +
                          "' must contain non-empty message attribute type.");
        std::string base = type.substr(0, type.find('.'));
        if ((base != "String" && base != "Number" && base != "Binary") ||
            (type.size() > base.size() && type.size() == base.size() + 1) || type.size() > 256)
            throw invalid("The type of message (user) attribute '" + name +
                          "' is invalid. You must use only the following supported type "
                          "prefixes: Binary, Number, String.");
        MessageAttribute a{type, {}};
        if (base == "Binary") {
            if (v.contains("StringValue"))
                throw invalid("The message attribute '" + name +
                              "' with type 'Binary' must use field 'Binary'.");
            auto b64 = v.value("BinaryValue", "");
            auto bytes = base64_decode(b64);
            if (!bytes) throw invalid("The message attribute '" + name + "' is not valid base64.");
            if (bytes->empty())
                throw invalid("The message attribute '" + name +
                              "' must contain non-empty message attribute value for message "
                              "attribute type '" +
                              type + "'.");
            a.value = std::move(*bytes);
        } else {
            if (v.contains("BinaryValue"))
                throw invalid("The message attribute '" + name + "' with type '" + base +
                              "' must use field 'String'.");
            a.value = v.value("StringValue", "");
            if (a.value.empty())
                throw invalid("The message attribute '" + name +
                              "' must contain non-empty message attribute value for message "
                              "attribute type '" +
                              type + "'.");
            if (base == "Number" && !valid_number(a.value))
                throw invalid("Can't cast the value of message (user) attribute '" + name +
                              "' to a number.");
            if (long cp = first_invalid_char(a.value); cp >= 0)
                throw invalid("Invalid binary character '" + hex_char(cp) +
                              "' was found in the value of message attribute '" + name + "'.");
        }
        out.emplace(name, std::move(a));
    }
    return out;
}

std::string parse_system_attributes(const nlohmann::json& j) {
    if (j.is_null()) return {};
    if (!j.is_object()) throw invalid("MessageSystemAttributes must be a map.");
    std::string trace;
    for (auto& [name, v] : j.items()) {
        if (name != "AWSTraceHeader")
            throw invalid("Message system attribute name '" + name + "' is invalid.");
        if (!v.is_object() || v.value("DataType", "") != "String" ||
            v.value("StringValue", "").empty())
            throw invalid(
                "The message system attribute 'AWSTraceHeader' must be a non-empty "
                "String.");
        trace = v.value("StringValue", "");
    }
    return trace;
}

size_t message_size(const std::string& body, const MessageAttributes& attrs) {
    size_t n = body.size();
    for (auto& [name, a] : attrs)
        n += name.size() + a.type.size() + a.value.size();
    return n;
}

std::string md5_of_attributes(const MessageAttributes& attrs) {
    std::string buf;
    for (auto& [name, a] : attrs) {
        put_length_prefixed(buf, name);
        put_length_prefixed(buf, a.type);
        buf.push_back(a.binary() ? 2 : 1);
        put_length_prefixed(buf, a.value);
    }
    return to_hex(md5(buf));
}

std::string md5_hex(const std::string& bytes) {
    return to_hex(md5(bytes));
}

nlohmann::json attribute_json(const MessageAttribute& a) {
    if (a.binary()) return {{"DataType", a.type}, {"BinaryValue", base64_encode(a.value)}};
    return {{"DataType", a.type}, {"StringValue", a.value}};
}

}  // namespace fogbank::sqs
