#include "services/dynamodb/partiql.hpp"

#include <cctype>
#include <functional>

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/attribute_value.hpp"

namespace fogbank::dynamodb::partiql {

namespace {

AwsError malformed(const std::string& why) {
    return AwsError("ValidationException",
                    "Statement wasn't well formed, can't be processed: " + why, 400);
}

struct Token {
    enum class Kind { word, quoted, string, number, param, punct, end };
    Kind kind;
    std::string text;
};

std::vector<Token> lex(std::string_view s) {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_'))
                ++j;
            out.push_back({Token::Kind::word, std::string(s.substr(i, j - i))});
            i = j;
        } else if (c == '"' || c == '\'') {
            // Quotes double to escape themselves: 'it''s', "a""b".
            std::string text;
            size_t j = i + 1;
            for (;;) {
                if (j >= s.size()) throw malformed("Unterminated quoted text");
                if (s[j] == c) {
                    if (j + 1 < s.size() && s[j + 1] == c) {
                        text += c;
                        j += 2;
                        continue;
                    }
                    break;
                }
                text += s[j++];
            }
            out.push_back({c == '"' ? Token::Kind::quoted : Token::Kind::string, text});
            i = j + 1;
        } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                   (c == '.' && i + 1 < s.size() &&
                    std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            size_t j = i;
            while (j < s.size() &&
                   (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                    ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
                ++j;
            out.push_back({Token::Kind::number, std::string(s.substr(i, j - i))});
            i = j;
        } else if (c == '?') {
            out.push_back({Token::Kind::param, "?"});
            ++i;
        } else {
            static const char* two[] = {"<<", ">>", "<=", ">=", "<>", "!="};
            std::string p(1, c);
            for (auto t : two)
                if (s.substr(i, 2) == t) p = t;
            if (p.size() == 1 &&
                std::string_view("=<>()[]{},.:*+-").find(c) == std::string_view::npos)
                throw malformed("Unexpected character: " + p);
            out.push_back({Token::Kind::punct, p});
            i += p.size();
        }
    }
    out.push_back({Token::Kind::end, "<EOF>"});
    return out;
}

class Parser {
    // A literal's [ and { nest as far as an item may (the literal is level 1, so its 31st
    // container holds values at level 32); deeper is DynamoDB's nesting error, given before
    // this parser recurses further.
    struct Nested {
        int& depth;
        explicit Nested(int& d) : depth(d) {
            if (++depth >= kMaxNestingLevels)
                throw AwsError("ValidationException",
                               "Nesting Levels have exceeded supported limits: Attributes in the "
                               "item have nested levels beyond supported limit",
                               400);
        }
        ~Nested() { --depth; }
    };

  public:
    Parser(std::string_view text, const json& params, Statement& st)
        : tokens_(lex(text)), params_(params), st_(st) {}

    void statement() {
        std::string kw = to_upper(word("SELECT, INSERT, UPDATE or DELETE"));
        if (kw == "SELECT") {
            st_.kind = Statement::Kind::select;
            if (accept("*")) {
            } else {
                do {
                    st_.projection += (st_.projection.empty() ? "" : ", ") + path();
                } while (accept(","));
            }
            keyword("FROM");
            st_.table = identifier();
            if (accept(".")) st_.index = identifier();
            if (accept_keyword("WHERE")) st_.where = translate({});
        } else if (kw == "INSERT") {
            st_.kind = Statement::Kind::insert;
            keyword("INTO");
            st_.table = identifier();
            keyword("VALUE");
            json v = literal();
            if (!v.contains("M")) throw malformed("INSERT needs a tuple ({...}) as its VALUE");
            st_.item = v["M"];
        } else if (kw == "UPDATE") {
            st_.kind = Statement::Kind::update;
            st_.table = identifier();
            std::string sets, removes;
            for (;;) {
                if (accept_keyword("SET")) {
                    do {
                        std::string target = path();
                        expect("=");
                        std::string value = translate({",", "SET", "REMOVE", "WHERE"});
                        sets += (sets.empty() ? "" : ", ") + target + " = " + value;
                    } while (accept(","));
                } else if (accept_keyword("REMOVE")) {
                    do {
                        removes += (removes.empty() ? "" : ", ") + path();
                    } while (accept(","));
                } else {
                    break;
                }
            }
            if (sets.empty() && removes.empty()) throw malformed("UPDATE needs SET or REMOVE");
            if (!sets.empty()) st_.update = "SET " + sets;
            if (!removes.empty())
                st_.update += std::string(st_.update.empty() ? "" : " ") + "REMOVE " + removes;
            keyword("WHERE");
            st_.where = translate({});
        } else if (kw == "DELETE") {
            st_.kind = Statement::Kind::del;
            keyword("FROM");
            st_.table = identifier();
            keyword("WHERE");
            st_.where = translate({});
        } else {
            throw malformed("Unexpected keyword: " + kw);
        }
        if (peek().kind != Token::Kind::end) throw malformed("Unexpected token: " + peek().text);
        if (next_param_ != params_.size())
            throw AwsError("ValidationException",
                           "Number of parameters in request and statement don't match.", 400);
    }

  private:
    const Token& peek() const { return tokens_[pos_]; }
    Token next() {
        Token t = tokens_[pos_];
        if (t.kind != Token::Kind::end) ++pos_;
        return t;
    }
    bool accept(std::string_view punct) {
        if (peek().kind == Token::Kind::punct && peek().text == punct) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(std::string_view punct) {
        if (!accept(punct))
            throw malformed("Expected " + std::string(punct) + " but found " + peek().text);
    }
    bool is_keyword(const Token& t, std::string_view kw) const {
        return t.kind == Token::Kind::word && to_upper(t.text) == kw;
    }
    bool accept_keyword(std::string_view kw) {
        if (!is_keyword(peek(), kw)) return false;
        ++pos_;
        return true;
    }
    void keyword(std::string_view kw) {
        if (!accept_keyword(kw))
            throw malformed("Expected " + std::string(kw) + " but found " + peek().text);
    }
    std::string word(const char* what) {
        Token t = next();
        if (t.kind != Token::Kind::word) throw malformed(std::string("Expected ") + what);
        return t.text;
    }
    std::string identifier() {
        Token t = next();
        if (t.kind != Token::Kind::word && t.kind != Token::Kind::quoted)
            throw malformed("Expected an identifier but found " + t.text);
        return t.text;
    }

    std::string name_placeholder(const std::string& name) { return st_.name_placeholder(name); }
    std::string value_placeholder(json v) {
        validate_value(v);
        std::string k = ":p" + std::to_string(st_.values.size());
        st_.values[k] = std::move(v);
        return k;
    }

    // a.b[2]."c d" as a document path of placeholders.
    std::string path() {
        std::string out = name_placeholder(identifier());
        for (;;) {
            if (accept(".")) {
                out += "." + name_placeholder(identifier());
            } else if (peek().kind == Token::Kind::punct && peek().text == "[" &&
                       tokens_[pos_ + 1].kind == Token::Kind::number) {
                next();
                out += "[" + next().text + "]";
                expect("]");
            } else {
                return out;
            }
        }
    }

    json literal() {
        Token t = next();
        switch (t.kind) {
            case Token::Kind::string:
                return {{"S", t.text}};
            case Token::Kind::number:
                return {{"N", t.text}};
            case Token::Kind::param:
                if (!params_.is_array() || next_param_ >= params_.size())
                    throw AwsError("ValidationException",
                                   "Number of parameters in request and statement don't match.",
                                   400);
                return params_[next_param_++];
            case Token::Kind::word: {
                std::string w = to_upper(t.text);
                if (w == "TRUE" || w == "FALSE") return {{"BOOL", w == "TRUE"}};
                if (w == "NULL") return {{"NULL", true}};
                break;
            }
            case Token::Kind::punct:
                if (t.text == "-" && peek().kind == Token::Kind::number)
                    return {{"N", "-" + next().text}};
                if (t.text == "{") {
                    Nested nested(literal_depth_);
                    json m = json::object();
                    if (!accept("}")) {
                        do {
                            Token k = next();
                            if (k.kind != Token::Kind::string && k.kind != Token::Kind::quoted)
                                throw malformed("Expected a quoted attribute name in a tuple");
                            expect(":");
                            m[k.text] = literal();
                        } while (accept(","));
                        expect("}");
                    }
                    return {{"M", m}};
                }
                if (t.text == "[") {
                    Nested nested(literal_depth_);
                    json l = json::array();
                    if (!accept("]")) {
                        do {
                            l.push_back(literal());
                        } while (accept(","));
                        expect("]");
                    }
                    return {{"L", l}};
                }
                if (t.text == "<<") {
                    json elems = json::array();
                    std::string type;
                    do {
                        json e = literal();
                        std::string et = e.begin().key();
                        if (et != "S" && et != "N" && et != "B")
                            throw malformed("Sets hold strings, numbers or binary values");
                        if (!type.empty() && et != type)
                            throw malformed("A set's elements must share one type");
                        type = et;
                        elems.push_back(e.begin().value());
                    } while (accept(","));
                    expect(">>");
                    return {{type + "S", elems}};
                }
                break;
            default:
                break;
        }
        throw malformed("Unexpected token: " + t.text);
    }

    // Rewrites a PartiQL condition or value expression, up to the end of the statement or a
    // stop token at parenthesis depth 0, into DynamoDB's expression language.
    std::string translate(std::initializer_list<std::string_view> stops) {
        static const char* functions[] = {
            "begins_with",    "contains", "attribute_exists", "attribute_not_exists",
            "attribute_type", "size",     "if_not_exists",    "list_append"};
        std::vector<std::string> out;
        int depth = 0;
        auto stop_here = [&] {
            const Token& t = peek();
            if (t.kind == Token::Kind::end) return true;
            if (depth > 0) return false;
            for (auto s : stops)
                if ((t.kind == Token::Kind::punct && t.text == s) || is_keyword(t, s)) return true;
            return false;
        };
        auto after_operand = [&] {
            return !out.empty() && (out.back()[0] == '#' || out.back()[0] == ':' ||
                                    out.back() == "]" || out.back() == ")");
        };
        while (!stop_here()) {
            const Token& t = peek();
            if (t.kind == Token::Kind::word) {
                std::string w = to_upper(t.text);
                bool call =
                    tokens_[pos_ + 1].kind == Token::Kind::punct && tokens_[pos_ + 1].text == "(";
                bool function = false;
                for (auto f : functions)
                    function = function || (call && to_upper(f) == w);
                if (function) {
                    out.push_back(to_lower(t.text));
                    next();
                } else if (w == "AND" || w == "OR" || w == "NOT" || w == "BETWEEN") {
                    out.push_back(w);
                    next();
                } else if (w == "IN") {
                    next();
                    out.push_back("IN");
                    bool paren = accept("(");  // PartiQL writes IN [a, b]; (a, b) is accepted
                    if (!paren) expect("[");
                    out.push_back("(");
                    do {
                        out.push_back(value_placeholder(literal()));
                        out.push_back(",");
                    } while (accept(","));
                    out.back() = ")";
                    expect(paren ? ")" : "]");
                } else if (w == "IS") {
                    next();
                    bool negated = accept_keyword("NOT");
                    std::string what = to_upper(word("MISSING or NULL"));
                    // Take back the path just emitted: it becomes the function's argument.
                    std::string p;
                    while (!out.empty()) {
                        std::string tok = out.back();
                        out.pop_back();
                        p = tok + p;
                        if (tok[0] == '#' && (out.empty() || out.back() != ".")) break;
                    }
                    if (what == "MISSING") {
                        out.push_back(
                            std::string(negated ? "attribute_exists(" : "attribute_not_exists(") +
                            p + ")");
                    } else if (what == "NULL") {
                        out.push_back(std::string(negated ? "NOT " : "") + "attribute_type(" + p +
                                      ", " + value_placeholder({{"S", "NULL"}}) + ")");
                    } else {
                        throw malformed("Expected MISSING or NULL after IS");
                    }
                } else if (w == "TRUE" || w == "FALSE" || w == "NULL") {
                    out.push_back(value_placeholder(literal()));
                } else {
                    out.push_back(path());
                }
            } else if (t.kind == Token::Kind::quoted) {
                out.push_back(path());
            } else if (t.kind == Token::Kind::punct) {
                if (t.text == "(") {
                    ++depth;
                    out.push_back(next().text);
                } else if (t.text == ")") {
                    --depth;
                    out.push_back(next().text);
                } else if (t.text == "!=") {
                    next();
                    out.push_back("<>");
                } else if (t.text == "{" || t.text == "<<" || (t.text == "[" && !after_operand()) ||
                           (t.text == "-" && !after_operand())) {
                    out.push_back(value_placeholder(literal()));
                } else {
                    out.push_back(next().text);
                }
            } else {
                out.push_back(value_placeholder(literal()));
            }
        }
        if (out.empty()) throw malformed("Expected an expression but found " + peek().text);
        std::string text, prev;
        for (auto& tok : out) {
            bool prev_function = false;
            for (auto f : functions)
                prev_function = prev_function || prev == f;
            bool glue = text.empty() || tok == "," || tok == ")" || tok == "]" || prev == "(" ||
                        prev == "[" || (tok == "(" && prev_function);
            text += (glue ? "" : " ") + tok;
            prev = tok;
        }
        return text;
    }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
    const json& params_;
    size_t next_param_ = 0;
    Statement& st_;
    int literal_depth_ = 0;
};

}  // namespace

std::string Statement::name_placeholder(const std::string& name) {
    for (auto& [k, v] : names.items())
        if (v == name) return k;
    std::string k = "#p" + std::to_string(names.size());
    names[k] = name;
    return k;
}

Statement parse(std::string_view text, const json& parameters) {
    if (trim(text).empty()) throw malformed("Statement is empty");
    if (text.size() > kMaxStatementSize)
        throw AwsError("ValidationException",
                       "1 validation error detected: Value at 'statement' failed to satisfy "
                       "constraint: Member must have length less than or equal to " +
                           std::to_string(kMaxStatementSize),
                       400);
    Statement st;
    Parser(text, parameters, st).statement();
    return st;
}

}  // namespace fogbank::dynamodb::partiql
