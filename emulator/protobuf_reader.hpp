// Protocol Buffers' wire format read field by field, without a schema compiler or a generated
// class: enough for a file format defined in .proto (ONNX models) to be read by a small,
// bounded parser of our own. Every length is checked against the bytes left before it is used,
// so a truncated or hostile file is refused with ProtobufError and never read past its end.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank {

struct ProtobufError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ProtobufReader {
  public:
    enum class WireType : uint8_t { varint = 0, fixed64 = 1, bytes = 2, fixed32 = 5 };
    struct Field {
        uint32_t number = 0;
        WireType type = WireType::varint;
        uint64_t value = 0;      // varint, fixed64 and fixed32 fields
        std::string_view bytes;  // length-delimited fields: a string, a message or a packed list
    };

    explicit ProtobufReader(std::string_view message) : rest_(message) {}
    // The next field, false at the message's end. Throws ProtobufError on a malformed field
    // (a varint over 10 bytes, a length past the end, field number 0, groups).
    bool next(Field& field);

  private:
    uint64_t varint();
    std::string_view rest_;
};

// A repeated scalar field, which a writer may send packed (one length-delimited field) or as
// one field per value; `field` is one occurrence. Appends to `out`; throws ProtobufError.
void append_varints(const ProtobufReader::Field& field, std::vector<int64_t>& out);
void append_floats(const ProtobufReader::Field& field, std::vector<float>& out);

// A fixed32 field's bits as the float they encode.
float float_of(const ProtobufReader::Field& field);

}  // namespace fogbank
