// DynamoDB's expression language: condition (and filter and key condition), update and
// projection expressions, parsed with a fixed set of placeholders, then evaluated, applied and
// projected on a fixed item, as a request would use them. The first byte picks the kind.
#include <nlohmann/json.hpp>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/evaluator.hpp"
#include "services/dynamodb/expressions.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;
using namespace fogbank::dynamodb;
using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const json names = {{"#a", "a"}, {"#b", "b"}, {"#l", "l"}, {"#m", "m"}};
    static const json values = json::parse(R"({
        ":s": {"S": "x"}, ":n": {"N": "1"}, ":z": {"N": "-1e10"}, ":b": {"B": "AQI="},
        ":t": {"BOOL": true}, ":u": {"NULL": true}, ":ss": {"SS": ["x", "y"]},
        ":ns": {"NS": ["1", "2"]}, ":l": {"L": [{"S": "x"}, {"N": "2"}]},
        ":m": {"M": {"k": {"S": "v"}, "l": {"L": []}}}})");
    static const json item = json::parse(R"({
        "a": {"S": "x"}, "b": {"N": "3"}, "l": {"L": [{"N": "1"}, {"M": {"x": {"S": "y"}}}]},
        "m": {"M": {"k": {"S": "v"}, "n": {"NS": ["1"]}}}, "s": {"SS": ["x"]}})");
    if (size == 0) return 0;
    std::string_view text = fuzz::bytes(data + 1, size - 1);
    if (text.size() > kMaxExpressionSize) return 0;  // refused before parsing, as a request is
    expr::Placeholders ph{&names, &values};
    try {
        switch (data[0] % 3) {
            case 0: {
                auto c = expr::parse_condition(text, ph, "ConditionExpression");
                (void)evaluate(c, item, values, "ConditionExpression");
                break;
            }
            case 1: {
                auto actions = expr::parse_update(text, ph);
                json copy = item;
                apply_update(copy, actions, values);
                check_nesting(copy);
                (void)item_size(copy);
                break;
            }
            default: {
                auto paths = expr::parse_projection(text, ph);
                json out = project(item, paths);
                fuzz::check(out.is_object(), "a projection is an item");
                break;
            }
        }
    } catch (const AwsError&) {
    }
    return 0;
}
