#include "services/dynamodb/expressions.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/reserved_words.hpp"

namespace fogbank::dynamodb::expr {

namespace {

struct Token {
    enum class Kind { name, name_ref, value_ref, number, punct, end };
    Kind kind;
    std::string text;
    size_t pos;
};

// DynamoDB's limits: 300 operators or functions per expression, document paths 32 levels deep.
// Parentheses are free in DynamoDB's count; fogbank bounds how deep they nest (and so how deep
// this recursive-descent parser and the evaluator recurse) at kMaxNesting.
constexpr int kMaxOperators = 300;
constexpr size_t kMaxPathDepth = 32;
constexpr int kMaxNesting = 128;

AwsError invalid(const char* which, const std::string& why) {
    return AwsError("ValidationException", std::string("Invalid ") + which + ": " + why, 400);
}

class Parser {
    // One level of recursion (a parenthesis, NOT, or a SET function inside another), undone when
    // the rule returns.
    struct Nested {
        Parser& p;
        explicit Nested(Parser& parser) : p(parser) {
            if (++p.nesting_ > kMaxNesting)
                throw invalid(p.which_,
                              "The expression has too many nested levels; nesting levels: " +
                                  std::to_string(p.nesting_));
        }
        ~Nested() { --p.nesting_; }
    };
    void count_operator() {
        if (++operators_ > kMaxOperators)
            throw invalid(which_, "The expression contains too many operators; operator count: " +
                                      std::to_string(operators_));
    }

  public:
    Parser(std::string_view text, Placeholders& ph, const char* which)
        : text_(text), ph_(ph), which_(which) {
        if (trim(text).empty()) throw invalid(which_, "The expression can not be empty;");
        lex();
    }

    Condition condition() {
        Condition c = or_expr();
        expect_end();
        return c;
    }

    std::vector<UpdateAction> update() {
        std::vector<UpdateAction> out;
        std::set<std::string> seen;
        while (peek().kind != Token::Kind::end) {
            Token t = next();
            std::string clause = to_upper(t.text);
            if (t.kind != Token::Kind::name ||
                (clause != "SET" && clause != "REMOVE" && clause != "ADD" && clause != "DELETE"))
                throw syntax(t);
            if (!seen.insert(clause).second)
                throw invalid(which_, "The \"" + clause +
                                          "\" section can only be used once in an update "
                                          "expression;");
            do {
                UpdateAction a;
                a.path = path();
                if (clause == "SET") {
                    a.kind = UpdateAction::Kind::set;
                    expect("=");
                    a.value = set_value();
                } else if (clause == "REMOVE") {
                    a.kind = UpdateAction::Kind::remove;
                } else {
                    a.kind = clause == "ADD" ? UpdateAction::Kind::add : UpdateAction::Kind::del;
                    Token v = next();
                    if (v.kind != Token::Kind::value_ref) throw syntax(v);
                    a.value = value_operand(v);
                }
                out.push_back(std::move(a));
            } while (accept(","));
        }
        if (out.empty()) throw invalid(which_, "The expression can not be empty;");
        check_overlaps(out);
        return out;
    }

    std::vector<Path> projection() {
        std::vector<Path> out;
        do {
            out.push_back(path());
        } while (accept(","));
        expect_end();
        std::vector<const Path*> paths;
        for (const Path& p : out)
            paths.push_back(&p);
        check_paths(paths);
        return out;
    }

  private:
    // --- lexing ---
    void lex() {
        size_t i = 0;
        while (i < text_.size()) {
            char c = text_[i];
            if (std::isspace(static_cast<unsigned char>(c))) {
                ++i;
                continue;
            }
            size_t start = i;
            auto word = [&](size_t from) {
                size_t j = from;
                while (j < text_.size() &&
                       (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_'))
                    ++j;
                return j;
            };
            if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
                i = word(i);
                tokens_.push_back(
                    {Token::Kind::name, std::string(text_.substr(start, i - start)), start});
            } else if (c == '#' || c == ':') {
                i = word(i + 1);
                if (i == start + 1) throw syntax_at(start, std::string(1, c));
                tokens_.push_back({c == '#' ? Token::Kind::name_ref : Token::Kind::value_ref,
                                   std::string(text_.substr(start, i - start)), start});
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                while (i < text_.size() && std::isdigit(static_cast<unsigned char>(text_[i])))
                    ++i;
                tokens_.push_back(
                    {Token::Kind::number, std::string(text_.substr(start, i - start)), start});
            } else if ((c == '<' || c == '>') && i + 1 < text_.size() &&
                       (text_[i + 1] == '=' || (c == '<' && text_[i + 1] == '>'))) {
                tokens_.push_back({Token::Kind::punct, std::string(text_.substr(i, 2)), start});
                i += 2;
            } else if (std::string_view("=<>()[],.+-").find(c) != std::string_view::npos) {
                tokens_.push_back({Token::Kind::punct, std::string(1, c), start});
                ++i;
            } else {
                throw syntax_at(start, std::string(1, c));
            }
        }
        tokens_.push_back({Token::Kind::end, "<EOF>", text_.size()});
    }

    const Token& peek(size_t ahead = 0) const {
        return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
    }
    Token next() {
        Token t = peek();
        if (pos_ < tokens_.size() - 1) ++pos_;
        return t;
    }
    bool accept(std::string_view punct) {
        if (peek().kind == Token::Kind::punct && peek().text == punct) {
            ++pos_;
            return true;
        }
        return false;
    }
    bool accept_keyword(std::string_view kw) {
        if (peek().kind == Token::Kind::name && to_upper(peek().text) == kw) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(std::string_view punct) {
        if (!accept(punct)) throw syntax(peek());
    }
    void expect_end() {
        if (peek().kind != Token::Kind::end) throw syntax(peek());
    }

    // DynamoDB quotes the offending token with its neighbours: "near" runs from the start of
    // the token before it to the end of the token after it.
    AwsError syntax_at(size_t pos, const std::string& token) const {
        size_t from = pos, to = std::min(text_.size(), pos + token.size());
        for (size_t i = 0; i < tokens_.size(); ++i) {
            if (tokens_[i].pos < pos) from = tokens_[i].pos;
            if (tokens_[i].pos > pos) {
                to = tokens_[i].kind == Token::Kind::end ? text_.size()
                                                         : tokens_[i].pos + tokens_[i].text.size();
                break;
            }
        }
        std::string near(trim(text_.substr(from, to - from)));
        return invalid(which_, "Syntax error; token: \"" + token + "\", near: \"" + near + "\"");
    }
    AwsError syntax(const Token& t) const { return syntax_at(t.pos, t.text); }

    // --- placeholders ---
    std::string resolve_name(const Token& t) {
        if (!ph_.names || !ph_.names->is_object() || !ph_.names->contains(t.text))
            throw invalid(which_,
                          "An expression attribute name used in the document path is not "
                          "defined; attribute name: " +
                              t.text);
        ph_.used_names.insert(t.text);
        const auto& v = (*ph_.names)[t.text];
        return v.is_string() ? v.get<std::string>() : v.dump();
    }
    Operand value_operand(const Token& t) {
        if (!ph_.values || !ph_.values->is_object() || !ph_.values->contains(t.text))
            throw invalid(which_,
                          "An expression attribute value used in expression is not defined; "
                          "attribute value: " +
                              t.text);
        ph_.used_values.insert(t.text);
        Operand o;
        o.kind = Operand::Kind::value;
        o.value = t.text;
        return o;
    }

    // --- paths and operands ---
    std::string bare_name(const Token& t) const {
        if (is_reserved_word(t.text))
            throw invalid(which_,
                          "Attribute name is a reserved keyword; reserved keyword: " + t.text);
        return t.text;
    }
    Path path() {
        Path p;
        Token t = next();
        if (t.kind == Token::Kind::name)
            p.push_back({bare_name(t)});
        else if (t.kind == Token::Kind::name_ref)
            p.push_back({resolve_name(t)});
        else
            throw syntax(t);
        for (;;) {
            if (accept(".")) {
                Token n = next();
                if (n.kind == Token::Kind::name)
                    p.push_back({bare_name(n)});
                else if (n.kind == Token::Kind::name_ref)
                    p.push_back({resolve_name(n)});
                else
                    throw syntax(n);
            } else if (accept("[")) {
                Token n = next();
                if (n.kind != Token::Kind::number) throw syntax(n);
                if (n.text.size() > 9)
                    throw invalid(which_, "List index is too large; index: " + n.text);
                p.push_back({"", std::stoi(n.text)});
                expect("]");
            } else {
                if (p.size() > kMaxPathDepth)
                    throw invalid(
                        which_, "The document path has too many nesting levels; nesting levels: " +
                                    std::to_string(p.size()));
                return p;
            }
        }
    }

    bool is_call(std::string_view fname) const {
        return peek().kind == Token::Kind::name && peek().text == fname &&
               peek(1).kind == Token::Kind::punct && peek(1).text == "(";
    }

    Operand operand() {
        const Token& t = peek();
        if (t.kind == Token::Kind::value_ref) return value_operand(next());
        if (is_call("size")) {
            next();
            next();
            count_operator();
            Operand o;
            o.kind = Operand::Kind::size;
            o.path = path();
            expect(")");
            return o;
        }
        if (t.kind == Token::Kind::name && peek(1).kind == Token::Kind::punct &&
            peek(1).text == "(")
            throw invalid(which_, "Invalid function name; function: " + t.text);
        Operand o;
        o.path = path();
        return o;
    }

    // SET's right-hand side: term [+|- term], terms being operands or the two SET functions.
    Operand set_term() {
        for (auto [fname, kind] : {std::pair{"if_not_exists", Operand::Kind::if_not_exists},
                                   std::pair{"list_append", Operand::Kind::list_append}}) {
            if (!is_call(fname)) continue;
            next();
            next();
            count_operator();
            Nested nested(*this);
            Operand o;
            o.kind = kind;
            if (kind == Operand::Kind::if_not_exists) {
                Operand p;
                p.path = path();
                o.args.push_back(std::move(p));
            } else {
                o.args.push_back(set_term());
            }
            expect(",");
            o.args.push_back(set_term());
            expect(")");
            return o;
        }
        if (is_call("size"))
            throw invalid(which_,
                          "The function is not allowed to be used this way in an "
                          "expression; function: size");
        return operand();
    }
    Operand set_value() {
        Operand left = set_term();
        bool plus = accept("+");
        if (!plus && !accept("-")) return left;
        count_operator();
        Operand o;
        o.kind = plus ? Operand::Kind::plus : Operand::Kind::minus;
        o.args.push_back(std::move(left));
        o.args.push_back(set_term());
        return o;
    }

    // --- conditions ---
    Condition or_expr() {
        Condition left = and_expr();
        while (accept_keyword("OR")) {
            count_operator();
            Condition c;
            c.kind = Condition::Kind::or_;
            c.children.push_back(std::move(left));
            c.children.push_back(and_expr());
            left = std::move(c);
        }
        return left;
    }
    Condition and_expr() {
        Condition left = not_expr();
        while (accept_keyword("AND")) {
            count_operator();
            Condition c;
            c.kind = Condition::Kind::and_;
            c.children.push_back(std::move(left));
            c.children.push_back(not_expr());
            left = std::move(c);
        }
        return left;
    }
    // NOT NOT ... NOT x: counted (each is an operator) without recursing, so a long chain meets
    // the operator limit rather than the nesting bound.
    Condition not_expr() {
        size_t nots = 0;
        while (accept_keyword("NOT")) {
            count_operator();
            ++nots;
        }
        Condition c = primary();
        for (; nots > 0; --nots) {
            Condition n;
            n.kind = Condition::Kind::not_;
            n.children.push_back(std::move(c));
            c = std::move(n);
        }
        return c;
    }
    Condition primary() {
        if (accept("(")) {
            Nested nested(*this);
            Condition c = or_expr();
            expect(")");
            return c;
        }
        static const std::pair<const char*, Condition::Kind> functions[] = {
            {"attribute_exists", Condition::Kind::attribute_exists},
            {"attribute_not_exists", Condition::Kind::attribute_not_exists},
            {"attribute_type", Condition::Kind::attribute_type},
            {"begins_with", Condition::Kind::begins_with},
            {"contains", Condition::Kind::contains}};
        for (auto& [fname, kind] : functions) {
            if (!is_call(fname)) continue;
            next();
            next();
            count_operator();
            Condition c;
            c.kind = kind;
            Operand first;
            first.path = path();
            c.operands.push_back(std::move(first));
            if (kind == Condition::Kind::attribute_type || kind == Condition::Kind::begins_with ||
                kind == Condition::Kind::contains) {
                expect(",");
                c.operands.push_back(operand());
            }
            expect(")");
            return c;
        }
        Operand left = operand();
        Condition c;
        c.operands.push_back(std::move(left));
        const Token& t = peek();
        if (t.kind == Token::Kind::punct && (t.text == "=" || t.text == "<>" || t.text == "<" ||
                                             t.text == "<=" || t.text == ">" || t.text == ">=")) {
            c.kind = Condition::Kind::compare;
            count_operator();
            c.op = next().text;
            c.operands.push_back(operand());
        } else if (accept_keyword("BETWEEN")) {
            count_operator();
            c.kind = Condition::Kind::between;
            c.operands.push_back(operand());
            if (!accept_keyword("AND")) throw syntax(peek());
            c.operands.push_back(operand());
        } else if (accept_keyword("IN")) {
            count_operator();
            c.kind = Condition::Kind::in;
            expect("(");
            do {
                c.operands.push_back(operand());
            } while (accept(","));
            expect(")");
            if (c.operands.size() > 101)
                throw invalid(which_,
                              "The IN operator is provided with too many operands; "
                              "number of operands: " +
                                  std::to_string(c.operands.size() - 1));
        } else {
            throw syntax(peek());
        }
        return c;
    }

    // Two actions may not touch the same path or one inside the other (an overlap), nor one
    // path both as a map and as a list (a conflict: a.b and a[1]).
    void check_overlaps(const std::vector<UpdateAction>& actions) const {
        std::vector<const Path*> paths;
        for (const UpdateAction& a : actions)
            paths.push_back(&a.path);
        check_paths(paths);
    }
    void check_paths(const std::vector<const Path*>& paths) const {
        for (size_t i = 0; i < paths.size(); ++i)
            for (size_t j = i + 1; j < paths.size(); ++j) {
                const Path& a = *paths[i];
                const Path& b = *paths[j];
                auto [ai, bi] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
                const char* clash = nullptr;
                if (ai == a.end() || bi == b.end())
                    clash = "overlap";
                else if ((ai->index >= 0) != (bi->index >= 0))
                    clash = "conflict";
                if (clash)
                    throw invalid(which_, std::string("Two document paths ") + clash +
                                              " with each other; must remove or rewrite one of "
                                              "these paths; path one: " +
                                              bracketed(a) + ", path two: " + bracketed(b));
            }
    }
    static std::string bracketed(const Path& p) {
        std::string out = "[";
        for (size_t i = 0; i < p.size(); ++i) {
            if (i) out += ", ";
            out += p[i].index >= 0 ? "[" + std::to_string(p[i].index) + "]" : p[i].name;
        }
        return out + "]";
    }

    std::string_view text_;
    Placeholders& ph_;
    const char* which_;
    std::vector<Token> tokens_;
    size_t pos_ = 0;
    int nesting_ = 0;
    int operators_ = 0;
};

std::string keys_of(const nlohmann::json* map, const std::set<std::string>& used) {
    std::string out;
    if (!map || !map->is_object()) return out;
    for (auto& [k, _] : map->items())
        if (!used.count(k)) out += (out.empty() ? "" : ", ") + k;
    return out;
}

}  // namespace

std::string to_string(const Path& p) {
    std::string out;
    for (auto& s : p) {
        if (s.index >= 0)
            out += "[" + std::to_string(s.index) + "]";
        else
            out += (out.empty() ? "" : ".") + s.name;
    }
    return out;
}

void Placeholders::check_all_used() const {
    if (auto unused = keys_of(names, used_names); !unused.empty())
        throw AwsError("ValidationException",
                       "Value provided in ExpressionAttributeNames unused in expressions: keys: {" +
                           unused + "}",
                       400);
    if (auto unused = keys_of(values, used_values); !unused.empty())
        throw AwsError("ValidationException",
                       "Value provided in ExpressionAttributeValues unused in expressions: keys: "
                       "{" +
                           unused + "}",
                       400);
}

Condition parse_condition(std::string_view text, Placeholders& ph, const char* which) {
    return Parser(text, ph, which).condition();
}

std::vector<UpdateAction> parse_update(std::string_view text, Placeholders& ph) {
    return Parser(text, ph, "UpdateExpression").update();
}

std::vector<Path> parse_projection(std::string_view text, Placeholders& ph) {
    return Parser(text, ph, "ProjectionExpression").projection();
}

}  // namespace fogbank::dynamodb::expr
