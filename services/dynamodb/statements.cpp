// ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL statements run as the
// item operations they stand for (SELECT as a Scan with a filter or a GetItem, INSERT as a
// conditional PutItem, UPDATE and DELETE as conditional writes on the key the WHERE names).
#include <cctype>

#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/partiql.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr size_t kMaxBatchStatements = 25;
constexpr size_t kMaxTransactionStatements = 100;

using partiql::Statement;

// The name placeholders `text` uses (#p1 is not #p10).
json names_in(const Statement& st, const std::string& text) {
    json names = json::object();
    for (auto& [k, v] : st.names.items()) {
        for (size_t at = text.find(k); at != std::string::npos; at = text.find(k, at + 1)) {
            size_t end = at + k.size();
            if (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) {
                names[k] = v;
                break;
            }
        }
    }
    return names;
}

void add_placeholders(json& req, const Statement& st) {
    if (!st.names.empty()) req["ExpressionAttributeNames"] = st.names;
    if (!st.values.empty()) req["ExpressionAttributeValues"] = st.values;
}

// The primary key a WHERE clause pins down with equalities joined by AND.
json key_from_where(Statement& st, const KeySchema& ks) {
    expr::Placeholders ph{&st.names, &st.values};
    expr::Condition c = expr::parse_condition(st.where, ph, "Statement");
    std::vector<const expr::Condition*> parts{&c};
    json key = json::object();
    while (!parts.empty()) {
        const expr::Condition* p = parts.back();
        parts.pop_back();
        if (p->kind == expr::Condition::Kind::and_) {
            for (auto& child : p->children)
                parts.push_back(&child);
            continue;
        }
        if (p->kind != expr::Condition::Kind::compare || p->op != "=") continue;
        const expr::Operand* path = &p->operands[0];
        const expr::Operand* value = &p->operands[1];
        if (path->kind != expr::Operand::Kind::path) std::swap(path, value);
        if (path->kind != expr::Operand::Kind::path || value->kind != expr::Operand::Kind::value ||
            path->path.size() != 1)
            continue;
        const std::string& name = path->path[0].name;
        if (name == ks.hash.name || (ks.range && name == ks.range->name))
            key[name] = st.values.at(value->value);
    }
    if (key.size() != (ks.range ? 2u : 1u))
        throw validation(
            "Where clause does not contain a mandatory equality on all key attributes");
    return key;
}

}  // namespace

KeySchema Backend::key_schema_of(const Caller& caller, const std::string& table_name) {
    std::lock_guard lock(mu_);
    Table* t = find_table(caller, table_name);
    if (!t) throw AwsError("ResourceNotFoundException", "Requested resource not found", 400);
    return t->key;
}

// The write a statement stands for, as the input of PutItem / UpdateItem / DeleteItem (or of
// a TransactWriteItems entry); `op` says which.
json Backend::statement_write(const Caller& caller, Statement& st, std::string& op) {
    KeySchema ks = key_schema_of(caller, st.table);
    json req{{"TableName", st.table}};
    if (st.kind == Statement::Kind::insert) {
        op = "Put";
        req["Item"] = st.item;
        req["ConditionExpression"] =
            "attribute_not_exists(" + st.name_placeholder(ks.hash.name) + ")";
    } else {
        op = st.kind == Statement::Kind::update ? "Update" : "Delete";
        req["Key"] = key_from_where(st, ks);
        req["ConditionExpression"] =
            "attribute_exists(" + st.name_placeholder(ks.hash.name) + ") AND (" + st.where + ")";
        if (st.kind == Statement::Kind::update) req["UpdateExpression"] = st.update;
    }
    add_placeholders(req, st);
    return req;
}

// A SELECT that names a whole key, as the input of GetItem (or of a TransactGetItems Get).
json Backend::statement_get(const Caller& caller, Statement& st) {
    json get{{"TableName", st.table}, {"Key", key_from_where(st, key_schema_of(caller, st.table))}};
    if (!st.projection.empty()) {
        get["ProjectionExpression"] = st.projection;
        get["ExpressionAttributeNames"] = names_in(st, st.projection);
    }
    return get;
}

json Backend::run_statement(const Caller& caller, Statement& st, const json& in) {
    if (st.kind == Statement::Kind::select) {
        json req{{"TableName", st.table}};
        if (!st.index.empty()) req["IndexName"] = st.index;
        if (!st.where.empty()) req["FilterExpression"] = st.where;
        if (!st.projection.empty()) req["ProjectionExpression"] = st.projection;
        add_placeholders(req, st);
        for (const char* k : {"ConsistentRead", "Limit", "ReturnConsumedCapacity"})
            if (in.contains(k)) req[k] = in[k];
        if (auto t = in.find("NextToken"); t != in.end() && t->is_string()) {
            auto decoded = base64_decode(t->get<std::string>());
            json start = decoded ? fogbank::parse_json(*decoded) : json();
            if (!start.is_object()) throw validation("Invalid NextToken");
            req["ExclusiveStartKey"] = start;
        }
        json page = scan(caller, req);
        json out{{"Items", page["Items"]}};
        if (page.contains("LastEvaluatedKey"))
            out["NextToken"] = base64_encode(page["LastEvaluatedKey"].dump());
        if (page.contains("ConsumedCapacity")) out["ConsumedCapacity"] = page["ConsumedCapacity"];
        return out;
    }
    std::string op;
    json req = statement_write(caller, st, op);
    if (in.contains("ReturnValuesOnConditionCheckFailure"))
        req["ReturnValuesOnConditionCheckFailure"] = in["ReturnValuesOnConditionCheckFailure"];
    try {
        if (op == "Put")
            put_item(caller, req);
        else if (op == "Update")
            update_item(caller, req);
        else
            delete_item(caller, req);
    } catch (const AwsError& e) {
        if (op == "Put" && e.code() == "ConditionalCheckFailedException")
            throw AwsError("DuplicateItemException", "Duplicate primary key exists in table", 400);
        throw;
    }
    return {{"Items", json::array()}};
}

json Backend::execute_statement(const Caller& caller, json& in) {
    const std::string& text = required_string(in, "Statement", "statement");
    Statement st = partiql::parse(text, in.value("Parameters", json::array()));
    return run_statement(caller, st, in);
}

json Backend::batch_execute_statement(const Caller& caller, json& in) {
    auto it = in.find("Statements");
    if (it == in.end() || !it->is_array() || it->empty())
        throw constraint("null", "statements", "Member must not be null");
    if (it->size() > kMaxBatchStatements)
        throw constraint("'" + it->dump() + "'", "statements",
                         "Member must have length less than or equal to 25");
    static const std::map<std::string, std::string> codes = {
        {"ConditionalCheckFailedException", "ConditionalCheckFailed"},
        {"ValidationException", "ValidationError"},
        {"ResourceNotFoundException", "ResourceNotFound"},
        {"DuplicateItemException", "DuplicateItem"}};
    json responses = json::array();
    for (auto& s : *it) {
        json r = json::object();
        try {
            Statement st =
                partiql::parse(s.value("Statement", ""), s.value("Parameters", json::array()));
            r["TableName"] = st.table;
            if (st.kind == Statement::Kind::select) {
                // A batch reads single items: the WHERE must name the whole key.
                json req = statement_get(caller, st);
                if (s.value("ConsistentRead", false)) req["ConsistentRead"] = true;
                json got = get_item(caller, req);
                if (got.contains("Item")) r["Item"] = got["Item"];
            } else {
                run_statement(caller, st, s);
            }
        } catch (const AwsError& e) {
            auto c = codes.find(e.code());
            r["Error"] = {{"Code", c == codes.end() ? e.code() : c->second}, {"Message", e.what()}};
        }
        responses.push_back(std::move(r));
    }
    return {{"Responses", responses}};
}

json Backend::execute_transaction(const Caller& caller, json& in) {
    auto it = in.find("TransactStatements");
    if (it == in.end() || !it->is_array() || it->empty())
        throw constraint("null", "transactStatements", "Member must not be null");
    if (it->size() > kMaxTransactionStatements)
        throw constraint("'" + it->dump() + "'", "transactStatements",
                         "Member must have length less than or equal to 100");
    std::vector<Statement> statements;
    for (auto& s : *it)
        statements.push_back(
            partiql::parse(s.value("Statement", ""), s.value("Parameters", json::array())));
    bool reads = statements[0].kind == Statement::Kind::select;
    json items = json::array();
    for (auto& st : statements) {
        if ((st.kind == Statement::Kind::select) != reads)
            throw validation("Transaction must contain either all reads or all writes");
        if (reads) {
            items.push_back({{"Get", statement_get(caller, st)}});
        } else {
            std::string op;
            json w = statement_write(caller, st, op);
            items.push_back({{op, w}});
        }
    }
    json req{{"TransactItems", items}};
    if (in.contains("ClientRequestToken")) req["ClientRequestToken"] = in["ClientRequestToken"];
    if (reads) {
        json out = transact_get_items(caller, req);
        return {{"Responses", out["Responses"]}};
    }
    transact_write_items(caller, req);
    return json::object();
}

}  // namespace fogbank::dynamodb
