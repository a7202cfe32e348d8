// A `provided` runtime function in C++: the bootstrap speaks the Lambda Runtime API over one
// keep-alive connection and answers each event with {"echo": <event>, "requestId": "..."}.
// Built with `c++ -O2 -o bootstrap cpp_echo_bootstrap.cpp`; no libraries beyond libc.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

std::string host, port, prefix;
int fd = -1;
std::string buffered;

void connect_api() {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) std::exit(2);
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) std::exit(3);
    freeaddrinfo(res);
}

void send_all(const std::string& s) {
    size_t done = 0;
    while (done < s.size()) {
        ssize_t n = write(fd, s.data() + done, s.size() - done);
        if (n <= 0) std::exit(4);
        done += static_cast<size_t>(n);
    }
}

bool fill() {
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    buffered.append(buf, static_cast<size_t>(n));
    return true;
}

// One response: its headers (lower-cased names kept as sent) and body.
struct Reply {
    std::string headers, body;
};

Reply receive() {
    size_t end;
    while ((end = buffered.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) std::exit(5);
    Reply r;
    r.headers = buffered.substr(0, end + 2);
    buffered.erase(0, end + 4);
    size_t length = 0;
    for (const char* name : {"Content-Length: ", "content-length: "})
        if (auto p = r.headers.find(name); p != std::string::npos)
            length = std::strtoul(r.headers.c_str() + p + std::strlen(name), nullptr, 10);
    while (buffered.size() < length)
        if (!fill()) std::exit(6);
    r.body = buffered.substr(0, length);
    buffered.erase(0, length);
    return r;
}

std::string header(const std::string& headers, const char* name) {
    auto p = headers.find(name);
    if (p == std::string::npos) return {};
    p += std::strlen(name);
    return headers.substr(p, headers.find("\r\n", p) - p);
}

}  // namespace

int main() {
    // AWS_LAMBDA_RUNTIME_API is host:port, possibly followed by a path prefix.
    std::string api = std::getenv("AWS_LAMBDA_RUNTIME_API");
    auto slash = api.find('/');
    std::string authority = api.substr(0, slash);
    prefix = slash == std::string::npos ? "" : api.substr(slash);
    host = authority.substr(0, authority.rfind(':'));
    port = authority.substr(authority.rfind(':') + 1);
    connect_api();
    const std::string base = prefix + "/2018-06-01/runtime/invocation/";
    for (;;) {
        send_all("GET " + base + "next HTTP/1.1\r\nHost: " + authority + "\r\n\r\n");
        Reply next = receive();
        std::string id = header(next.headers, "Lambda-Runtime-Aws-Request-Id: ");
        if (id.empty()) id = header(next.headers, "lambda-runtime-aws-request-id: ");
        if (id.empty()) continue;
        std::string body = "{\"echo\": " + next.body + ", \"requestId\": \"" + id + "\"}";
        send_all("POST " + base + id + "/response HTTP/1.1\r\nHost: " + authority +
                 "\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
        receive();
    }
}
