#include "emulator/router.hpp"

#include <nlohmann/json.hpp>

#include "emulator/console.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"
#include "emulator/sigv4.hpp"

namespace fogbank {

namespace {

// Credential-scope names and X-Amz-Target prefixes of the services clients may ask for.
struct KnownService {
    std::string_view scope;
    std::string_view target_prefix;
    std::string_view host_prefix;
};
constexpr KnownService kKnown[] = {
    {"s3", "", "s3."},
    {"sqs", "AmazonSQS.", "sqs."},
    {"dynamodb", "DynamoDB_20120810.", "dynamodb."},
    {"rekognition", "RekognitionService.", "rekognition."},
    {"lambda", "AWSLambda", "lambda."},
    {"iam", "", "iam."},
    {"sts", "AWSSecurityTokenServiceV20110615.", "sts."},
    {"apigateway", "", "apigateway."},
    {"ec2", "", "ec2."},
    // Asked for by pipelines fogbank does not serve yet: answered with a clear error.
    {"sns", "", "sns."},
    {"logs", "Logs_20140328.", "logs."},
};

class UnavailableService : public Service {
  public:
    explicit UnavailableService(std::string name) : name_(std::move(name)) {}
    std::string_view name() const override { return name_; }
    Response handle(Request& req) override {
        if (name_ == "unknown-target")
            throw AwsError("UnknownOperationException",
                           "X-Amz-Target '" + req.header("x-amz-target").value_or("") +
                               "' names no operation fogbank knows",
                           400);
        if (name_ == "unknown-scope")
            throw AwsError("UnrecognizedServiceException",
                           "The credential scope names a service fogbank does not know", 400);
        throw AwsError("ServiceNotAvailable",
                       "fogbank does not serve the '" + name_ + "' API in this version", 501);
    }
    // In the protocol the client speaks: a query-style request (an Action in the form or
    // the URL: SNS, EC2-like APIs) gets the query protocol's XML error, which every query
    // client parses; the JSON protocols and REST APIs get JSON.
    Response error_response(const AwsError& err, const RequestHead& head) const override {
        auto ct = to_lower(head.header("content-type").value_or(""));
        bool query =
            ct.rfind("application/x-www-form-urlencoded", 0) == 0 || head.has_query("Action");
        if (query) {
            Response res =
                aws_query::error_response(err, err.code(), head, "https://fogbank.invalid/doc/");
            res.headers.set("x-amzn-RequestId", head.request_id);
            return res;
        }
        Response res;
        res.status = err.status();
        res.headers.set("Content-Type", "application/x-amz-json-1.0");
        res.headers.set("x-amzn-RequestId", head.request_id);
        res.body = nlohmann::json{{"__type", err.code()}, {"message", err.what()}}.dump();
        return res;
    }
    void reset() override {}
    std::string_view status() const override { return "not available"; }

  private:
    std::string name_;
};

}  // namespace

std::unique_ptr<Service> make_unavailable_service(std::string name) {
    return std::make_unique<UnavailableService>(std::move(name));
}

Router::~Router() {
    while (!services_.empty()) {
        if (auto it = by_name_.find(services_.back()->name());
            it != by_name_.end() && it->second == services_.back().get())
            by_name_.erase(it);
        services_.pop_back();
    }
}

Router::Router(const Config&) {
    for (auto& k : kKnown)
        unavailable_.emplace(std::string(k.scope), make_unavailable_service(std::string(k.scope)));
    for (auto name : {"unknown-target", "unknown-scope"})
        unavailable_.emplace(name, make_unavailable_service(name));
}

void Router::add(std::unique_ptr<Service> service) {
    // The first service added under a name keeps it, as the walk over services_ did.
    by_name_.emplace(std::string(service->name()), service.get());
    services_.push_back(std::move(service));
}

Service* Router::find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
}

Service& Router::named_or_unavailable(std::string_view name) const {
    if (auto* s = find(name)) return *s;
    if (auto it = unavailable_.find(name); it != unavailable_.end()) return *it->second;
    // A scope we have never heard of: still answer in JSON rather than guessing S3.
    return *unavailable_.at("unknown-scope");
}

Service& Router::pick(const RequestHead& head) const {
    if (head.path.rfind("/_fogbank/", 0) == 0 || head.path == "/_fogbank" ||
        head.path.rfind("/_localstack/", 0) == 0) {
        // fogbank's own views of a service (a queue's messages unreceived, a function's recent
        // invocations, a face's crop) are the service's, signed and scoped to an account like
        // its API: /_fogbank/<service>/...
        for (const char* name : {"sqs", "lambda", "rekognition"})
            if (head.path.rfind(std::string("/_fogbank/") + name + "/", 0) == 0)
                if (auto* s = find(name)) return *s;
        if (ConsoleService::owns(head.path))
            if (auto* console = find("console")) return *console;
        if (auto* admin = find("admin")) return *admin;
    }
    // Lambda's sandboxes call the Runtime API unsigned. No bucket name starts with '_'.
    if (head.path.rfind("/_lambda/", 0) == 0)
        if (auto* runtime = find("lambda-runtime")) return *runtime;
    // Instance metadata, as each EC2 instance reaches it (unsigned).
    if (head.path.rfind("/_imds/", 0) == 0)
        if (auto* imds = find("ec2-metadata")) return *imds;
    // API Gateway invoke URLs: /restapis/<api>/<stage>/_user_request_/<path>, unsigned.
    if (head.path.rfind("/restapis/", 0) == 0 &&
        head.path.find("/_user_request_") != std::string::npos)
        if (auto* execute = find("execute-api")) return *execute;
    // Function URLs are named by their host, whatever the request carries.
    if (head.host.find(".lambda-url.") != std::string::npos)
        if (auto* url = find("lambda-url")) return *url;

    std::optional<SigV4Credential> cred;
    if (auto auth = head.header_view("authorization")) {
        // "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, ..."
        auto pos = auth->find("Credential=");
        if (pos != std::string_view::npos) {
            // A plain walk to the credential's end: find_first_of runs a search per byte.
            size_t begin = pos + 11, end = begin;
            while (end < auth->size() && (*auth)[end] != ',' && (*auth)[end] != ' ')
                ++end;
            cred = parse_credential(auth->substr(begin, end - begin));
        }
    } else if (auto q = head.query_param("X-Amz-Credential")) {
        cred = parse_credential(*q);
    }
    if (cred) {
        // The scope of sqs requests from some SDKs is "sqs"; of DynamoDB streams "dynamodb".
        std::string_view svc = cred->service;
        if (svc == "s3-object-lambda" || svc == "s3express") svc = "s3";
        return named_or_unavailable(svc);
    }

    if (auto target = head.header_view("x-amz-target")) {
        for (auto& k : kKnown)
            if (!k.target_prefix.empty() && target->rfind(k.target_prefix, 0) == 0)
                return named_or_unavailable(k.scope);
        return *unavailable_.at("unknown-target");
    }

    if (head.path.rfind("/2015-03-31/", 0) == 0) return named_or_unavailable("lambda");

    for (auto& k : kKnown)
        if (head.host.rfind(k.host_prefix, 0) == 0 && k.scope != "s3")
            return named_or_unavailable(k.scope);

    return named_or_unavailable("s3");
}

std::vector<Service*> Router::services() const {
    std::vector<Service*> out;
    for (auto& s : services_)
        out.push_back(s.get());
    for (auto& [name, s] : unavailable_)
        if (!find(name)) out.push_back(s.get());
    return out;
}

}  // namespace fogbank
