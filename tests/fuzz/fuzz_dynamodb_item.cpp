// DynamoDB items as JSON AttributeValues: the bounded JSON parse, validation (types, numbers,
// sets, nesting), the item size, and the sort-key encoding of whatever validates as a key type.
#include <nlohmann/json.hpp>

#include "emulator/aws_error.hpp"
#include "emulator/json_limits.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/evaluator.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;
using namespace fogbank::dynamodb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    json item = parse_json(fuzz::bytes(data, size));
    if (item.is_discarded()) return 0;
    try {
        validate_item(item);
        (void)item_size(item);
        for (auto& [name, v] : item.items()) {
            const std::string& t = v.begin().key();
            if (t == "S" || t == "N" || t == "B") (void)sort_key(v);
            fuzz::check(values_equal(v, v), "a valid value equals itself");
        }
        // What validated is stored as text and read back on restart.
        json back = json::parse(item.dump());
        validate_item(back);
    } catch (const AwsError&) {
    }
    return 0;
}
