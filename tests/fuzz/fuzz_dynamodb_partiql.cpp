// PartiQL statements (ExecuteStatement), with a fixed parameter list, parsed into the
// expression language and that parsed in turn.
#include <nlohmann/json.hpp>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/expressions.hpp"
#include "services/dynamodb/partiql.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;
using namespace fogbank::dynamodb;
using nlohmann::json;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const json params = json::parse(R"([{"S": "x"}, {"N": "1"}, {"L": [{"S": "y"}]}])");
    try {
        partiql::Statement st = partiql::parse(fuzz::bytes(data, size), params);
        // The translated clauses are expressions fogbank then parses as DynamoDB would.
        expr::Placeholders ph{&st.names, &st.values};
        if (!st.where.empty()) (void)expr::parse_condition(st.where, ph, "Statement");
        if (!st.update.empty()) (void)expr::parse_update(st.update, ph);
        if (!st.projection.empty()) (void)expr::parse_projection(st.projection, ph);
    } catch (const AwsError&) {
    }
    return 0;
}
