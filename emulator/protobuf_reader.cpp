#include "emulator/protobuf_reader.hpp"

#include <bit>
#include <cstring>

namespace fogbank {

namespace {

uint64_t read_varint(std::string_view& rest) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (rest.empty()) throw ProtobufError("a varint runs past the end of its message");
        auto byte = static_cast<unsigned char>(rest.front());
        rest.remove_prefix(1);
        v |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return v;
    }
    throw ProtobufError("a varint longer than 10 bytes");
}

}  // namespace

uint64_t ProtobufReader::varint() {
    return read_varint(rest_);
}

bool ProtobufReader::next(Field& field) {
    if (rest_.empty()) return false;
    uint64_t key = varint();
    uint64_t number = key >> 3;
    if (number == 0 || number > 0x1fffffff) throw ProtobufError("a field number out of range");
    field.number = static_cast<uint32_t>(number);
    field.bytes = {};
    field.value = 0;
    auto take = [&](uint64_t n) {
        if (n > rest_.size()) throw ProtobufError("a field runs past the end of its message");
        std::string_view out = rest_.substr(0, static_cast<size_t>(n));
        rest_.remove_prefix(static_cast<size_t>(n));
        return out;
    };
    auto little_endian = [](std::string_view b) {
        uint64_t v = 0;
        for (size_t i = b.size(); i-- > 0;)
            v = v << 8 | static_cast<unsigned char>(b[i]);
        return v;
    };
    switch (key & 7) {
        case 0:
            field.type = WireType::varint;
            field.value = varint();
            return true;
        case 1:
            field.type = WireType::fixed64;
            field.value = little_endian(take(8));
            return true;
        case 2:
            field.type = WireType::bytes;
            field.bytes = take(varint());
            return true;
        case 5:
            field.type = WireType::fixed32;
            field.value = little_endian(take(4));
            return true;
        default:
            throw ProtobufError("a field of wire type " + std::to_string(key & 7) +
                                " (groups are not read)");
    }
}

void append_varints(const ProtobufReader::Field& field, std::vector<int64_t>& out) {
    if (field.type == ProtobufReader::WireType::varint) {
        out.push_back(static_cast<int64_t>(field.value));
        return;
    }
    if (field.type != ProtobufReader::WireType::bytes)
        throw ProtobufError("an integer list of the wrong wire type");
    // A packed list is its varints back to back.
    std::string_view rest = field.bytes;
    while (!rest.empty())
        out.push_back(static_cast<int64_t>(read_varint(rest)));
}

float float_of(const ProtobufReader::Field& field) {
    if (field.type != ProtobufReader::WireType::fixed32)
        throw ProtobufError("a float of the wrong wire type");
    return std::bit_cast<float>(static_cast<uint32_t>(field.value));
}

void append_floats(const ProtobufReader::Field& field, std::vector<float>& out) {
    if (field.type == ProtobufReader::WireType::fixed32) {
        out.push_back(float_of(field));
        return;
    }
    if (field.type != ProtobufReader::WireType::bytes || field.bytes.size() % 4)
        throw ProtobufError("a float list that is not whole 4-byte floats");
    static_assert(std::endian::native == std::endian::little, "protobuf floats are little-endian");
    size_t at = out.size();
    out.resize(at + field.bytes.size() / 4);
    if (!field.bytes.empty()) std::memcpy(out.data() + at, field.bytes.data(), field.bytes.size());
}

}  // namespace fogbank
