// The expression parser, table-driven: each case is an expression and either the parse it
// must give (rendered back with explicit grouping) or the error DynamoDB gives for it.
#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/expressions.hpp"

using nlohmann::json;
using namespace fogbank::dynamodb::expr;

namespace {

std::string render(const Operand& o);

std::string render_args(const std::vector<Operand>& args) {
    std::string out;
    for (size_t i = 0; i < args.size(); ++i)
        out += (i ? ", " : "") + render(args[i]);
    return out;
}

std::string render(const Operand& o) {
    switch (o.kind) {
        case Operand::Kind::path:
            return to_string(o.path);
        case Operand::Kind::value:
            return o.value;
        case Operand::Kind::size:
            return "size(" + to_string(o.path) + ")";
        case Operand::Kind::if_not_exists:
            return "if_not_exists(" + render_args(o.args) + ")";
        case Operand::Kind::list_append:
            return "list_append(" + render_args(o.args) + ")";
        case Operand::Kind::plus:
            return "(" + render(o.args[0]) + " + " + render(o.args[1]) + ")";
        case Operand::Kind::minus:
            return "(" + render(o.args[0]) + " - " + render(o.args[1]) + ")";
    }
    return "?";
}

std::string render(const Condition& c) {
    using K = Condition::Kind;
    switch (c.kind) {
        case K::compare:
            return render(c.operands[0]) + " " + c.op + " " + render(c.operands[1]);
        case K::between:
            return render(c.operands[0]) + " BETWEEN " + render(c.operands[1]) + " AND " +
                   render(c.operands[2]);
        case K::in:
            return render(c.operands[0]) + " IN (" +
                   render_args({c.operands.begin() + 1, c.operands.end()}) + ")";
        case K::and_:
            return "(" + render(c.children[0]) + " AND " + render(c.children[1]) + ")";
        case K::or_:
            return "(" + render(c.children[0]) + " OR " + render(c.children[1]) + ")";
        case K::not_:
            return "NOT " + render(c.children[0]);
        case K::attribute_exists:
            return "attribute_exists(" + render_args(c.operands) + ")";
        case K::attribute_not_exists:
            return "attribute_not_exists(" + render_args(c.operands) + ")";
        case K::attribute_type:
            return "attribute_type(" + render_args(c.operands) + ")";
        case K::begins_with:
            return "begins_with(" + render_args(c.operands) + ")";
        case K::contains:
            return "contains(" + render_args(c.operands) + ")";
    }
    return "?";
}

const json kNames = {{"#n", "name"}, {"#s", "status"}, {"#d", "a.b"}};
const json kPlaceholderValues = {{":a", {{"S", "x"}}}, {":b", {{"N", "1"}}}, {":c", {{"N", "2"}}}};

std::string condition(const std::string& text) {
    Placeholders ph{&kNames, &kPlaceholderValues};
    try {
        return render(parse_condition(text, ph, "ConditionExpression"));
    } catch (const fogbank::AwsError& e) {
        return std::string("ERROR ") + e.what();
    }
}

std::string update(const std::string& text) {
    Placeholders ph{&kNames, &kPlaceholderValues};
    try {
        std::string out;
        for (auto& a : parse_update(text, ph)) {
            static const char* kinds[] = {"SET", "REMOVE", "ADD", "DELETE"};
            out += std::string(out.empty() ? "" : "; ") + kinds[static_cast<int>(a.kind)] + " " +
                   to_string(a.path);
            if (a.kind != UpdateAction::Kind::remove) out += " " + render(a.value);
        }
        return out;
    } catch (const fogbank::AwsError& e) {
        return std::string("ERROR ") + e.what();
    }
}

struct Case {
    const char* in;
    const char* out;
};

// Runs every case through `parse` and compares with what it must give.
template <typename Parse, size_t N>
void check(const Case (&cases)[N], Parse parse) {
    for (auto& c : cases)
        EXPECT_EQ(parse(c.in), c.out) << c.in;
}

}  // namespace

TEST(DynamoExpressions, Conditions) {
    const Case cases[] = {
        {"a = :a", "a = :a"},
        {"a <> :a", "a <> :a"},
        {"a<:b", "a < :b"},
        {"a <= :b", "a <= :b"},
        {"a > :b", "a > :b"},
        {"a >= :b", "a >= :b"},
        {"#n = :a", "name = :a"},
        {"#d = :a", "a.b = :a"},  // a placeholder names one attribute, dots and all
        {"a.b.c = :a", "a.b.c = :a"},
        {"a[0].b[12] = :a", "a[0].b[12] = :a"},
        {"#n.#s[3] = :a", "name.status[3] = :a"},
        {"a BETWEEN :b AND :c", "a BETWEEN :b AND :c"},
        {"a between :b and :c", "a BETWEEN :b AND :c"},
        {"a IN (:a, :b, :c)", "a IN (:a, :b, :c)"},
        {"a = :a AND b = :b OR c = :c", "((a = :a AND b = :b) OR c = :c)"},
        {"a = :a OR b = :b AND c = :c", "(a = :a OR (b = :b AND c = :c))"},
        {"NOT a = :a AND b = :b", "(NOT a = :a AND b = :b)"},
        {"NOT (a = :a AND b = :b)", "NOT (a = :a AND b = :b)"},
        {"(a = :a OR b = :b) AND c = :c", "((a = :a OR b = :b) AND c = :c)"},
        {"attribute_exists(a)", "attribute_exists(a)"},
        {"attribute_not_exists(#n.x)", "attribute_not_exists(name.x)"},
        {"attribute_type(a, :a)", "attribute_type(a, :a)"},
        {"begins_with(a, :a)", "begins_with(a, :a)"},
        {"contains(a, :a)", "contains(a, :a)"},
        {"size(a) > :b", "size(a) > :b"},
        {"a = b", "a = b"},
        {":a = a", ":a = a"},
        {"size(a) BETWEEN :b AND size(b)", "size(a) BETWEEN :b AND size(b)"},
        // Errors, with DynamoDB's wording.
        {"", "ERROR Invalid ConditionExpression: The expression can not be empty;"},
        {"   ", "ERROR Invalid ConditionExpression: The expression can not be empty;"},
        {"a = ", "ERROR Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"=\""},
        {"a == :a",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :a\""},
        {"a = :a AND",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""},
        {"a = :a b = :b",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"b\", near: \":a b =\""},
        {"(a = :a",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":a\""},
        {"a", "ERROR Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"a\""},
        {"a = :zz",
         "ERROR Invalid ConditionExpression: An expression attribute value used in expression is "
         "not defined; attribute value: :zz"},
        {"#zz = :a",
         "ERROR Invalid ConditionExpression: An expression attribute name used in the document "
         "path is not defined; attribute name: #zz"},
        {"foo(a) = :a", "ERROR Invalid ConditionExpression: Invalid function name; function: foo"},
        {"a[x] = :a",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\""},
        {"a BETWEEN :a",
         "ERROR Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":a\""},
        {"a = :a; drop",
         "ERROR Invalid ConditionExpression: Syntax error; token: \";\", near: \":a;\""},
        // Reserved words must be placeholders, at any depth and in any case.
        {"Name = :a",
         "ERROR Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
         "keyword: Name"},
        {"a.status = :a",
         "ERROR Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
         "keyword: status"},
        {"attribute_exists(data)",
         "ERROR Invalid ConditionExpression: Attribute name is a reserved keyword; reserved "
         "keyword: data"},
        {"NOT a = :a AND b BETWEEN :a AND :b OR c IN (:a)",
         "((NOT a = :a AND b BETWEEN :a AND :b) OR c IN (:a))"},
    };
    check(cases, condition);
}

TEST(DynamoExpressions, Updates) {
    const Case cases[] = {
        {"SET a = :a", "SET a :a"},
        {"set a = :a, b = :b", "SET a :a; SET b :b"},
        {"SET a = a + :b", "SET a (a + :b)"},
        {"SET a = :c - a", "SET a (:c - a)"},
        {"SET a = if_not_exists(a, :b)", "SET a if_not_exists(a, :b)"},
        {"SET a = if_not_exists(a, :b) + :c", "SET a (if_not_exists(a, :b) + :c)"},
        {"SET l = list_append(l, :a)", "SET l list_append(l, :a)"},
        {"SET l = list_append(:a, if_not_exists(l, :b))",
         "SET l list_append(:a, if_not_exists(l, :b))"},
        {"SET #n.x[2] = :a", "SET name.x[2] :a"},
        {"REMOVE a, b.c[1]", "REMOVE a; REMOVE b.c[1]"},
        {"ADD n :b, s :a", "ADD n :b; ADD s :a"},
        {"DELETE s :a", "DELETE s :a"},
        {"SET a = :a REMOVE b ADD c :b DELETE d :c", "SET a :a; REMOVE b; ADD c :b; DELETE d :c"},
        {"", "ERROR Invalid UpdateExpression: The expression can not be empty;"},
        {"SET a = :a SET b = :b",
         "ERROR Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
         "expression;"},
        {"SET a = :a, a = :b",
         "ERROR Invalid UpdateExpression: Two document paths overlap with each other; must remove "
         "or rewrite one of these paths; path one: [a], path two: [a]"},
        {"SET a.b = :a REMOVE a",
         "ERROR Invalid UpdateExpression: Two document paths overlap with each other; must remove "
         "or rewrite one of these paths; path one: [a, b], path two: [a]"},
        {"SET a.b = :a, a[1] = :b",
         "ERROR Invalid UpdateExpression: Two document paths conflict with each other; must "
         "remove or rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
        {"SET a.b = :a, a.c[1] = :b", "SET a.b :a; SET a.c[1] :b"},
        {"SET a = size(b)",
         "ERROR Invalid UpdateExpression: The function is not allowed to be used this way in an "
         "expression; function: size"},
        {"ADD a b", "ERROR Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\""},
        {"UPSERT a = :a",
         "ERROR Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT a\""},
        {"SET a :a", "ERROR Invalid UpdateExpression: Syntax error; token: \":a\", near: \"a :a\""},
        {"SET year = :a",
         "ERROR Invalid UpdateExpression: Attribute name is a reserved keyword; reserved "
         "keyword: year"},
        {"SET a = :a + :b + :c",
         "ERROR Invalid UpdateExpression: Syntax error; token: \"+\", near: \":b + :c\""},
    };
    check(cases, update);
}

TEST(DynamoExpressions, ProjectionsAndUnusedPlaceholders) {
    Placeholders ph{&kNames, &kPlaceholderValues};
    auto paths = parse_projection("a, #n.b[1], c", ph);
    ASSERT_EQ(paths.size(), 3u);
    EXPECT_EQ(to_string(paths[1]), "name.b[1]");
    // Paths judged against each other: one inside another overlaps, a map step where another
    // path has a list index conflicts, a common prefix alone is fine.
    auto refused = [&](const char* text) {
        try {
            Placeholders p{&kNames, &kPlaceholderValues};
            parse_projection(text, p);
            return std::string("accepted");
        } catch (const fogbank::AwsError& e) {
            return std::string(e.what());
        }
    };
    EXPECT_EQ(refused("a.b, a.b[0]"),
              "Invalid ProjectionExpression: Two document paths overlap with each other; must "
              "remove or rewrite one of these paths; path one: [a, b], path two: [a, b, [0]]");
    EXPECT_EQ(refused("a[0].x, a.y"),
              "Invalid ProjectionExpression: Two document paths conflict with each other; must "
              "remove or rewrite one of these paths; path one: [a, [0], x], path two: [a, y]");
    EXPECT_EQ(
        refused("a.b, a.c, a[1].x, b"),
        std::string("Invalid ProjectionExpression: Two "
                    "document paths conflict with each other; must remove or rewrite one of these "
                    "paths; path one: [a, b], path two: [a, [1], x]"));
    EXPECT_EQ(refused("a.b, a.c, b[1], b[2]"), "accepted");
    parse_condition("a = :a", ph, "ConditionExpression");
    try {
        ph.check_all_used();
        FAIL() << "unused placeholders accepted";
    } catch (const fogbank::AwsError& e) {
        EXPECT_STREQ(
            e.what(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#d, #s}");
    }
    ph.used_names = {"#n", "#s", "#d"};
    try {
        ph.check_all_used();
        FAIL() << "unused placeholders accepted";
    } catch (const fogbank::AwsError& e) {
        EXPECT_STREQ(
            e.what(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c}");
    }
}
