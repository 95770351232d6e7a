#include "tests/support/postgres_cluster.h"

#include <libpq-fe.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace lookalike::fixtures {
namespace {

namespace fs = std::filesystem;

struct SystemUser {
    uid_t uid;
    gid_t gid;
};

// The newest /usr/lib/postgresql/<major>/bin that holds a server (Debian's layout).
fs::path findServerBinaries() {
    const fs::path root = "/usr/lib/postgresql";
    fs::path best;
    int bestMajor = -1;
    std::error_code error;
    for (const fs::directory_entry& entry : fs::directory_iterator(root, error)) {
        const std::string name = entry.path().filename().string();
        int major = 0;
        auto [end, status] = std::from_chars(name.data(), name.data() + name.size(), major);
        if (status != std::errc() || end != name.data() + name.size())
            continue;
        const fs::path bin = entry.path() / "bin";
        if (major > bestMajor && fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl") &&
            fs::exists(bin / "postgres")) {
            best = bin;
            bestMajor = major;
        }
    }
    if (best.empty())
        throw std::runtime_error("PostgreSQL server not installed (no " + root.string() +
                                 "/*/bin/initdb): run installer/install-deps.sh test");
    return best;
}

std::string tailOf(const fs::path& file, std::size_t maxBytes = 4000) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return "(no " + file.string() + ")";
    std::string text((std::istreambuf_iterator<char>(in)), {});
    if (text.size() > maxBytes)
        text = "..." + text.substr(text.size() - maxBytes);
    return text;
}

// Runs argv[0] (an absolute path) in workDir with stdin from /dev/null and stdout and stderr
// appended to log, as user when given (PostgreSQL refuses to run as root). Returns the exit
// status, 128 + signal when killed, or 127 when it could not be started. Only async-signal-safe
// calls run between fork and exec, so this is safe in a process that has threads.
int runCommand(const std::vector<std::string>& argv, const fs::path& log, const fs::path& workDir,
               const std::optional<SystemUser>& user) {
    std::vector<char*> args;
    for (const std::string& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    const std::string logPath = log.string();
    const std::string workPath = workDir.string();

    const pid_t child = ::fork();
    if (child < 0)
        throw std::system_error(errno, std::generic_category(), "fork for " + argv[0]);
    if (child == 0) {
        const int output = ::open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        const int input = ::open("/dev/null", O_RDONLY);
        if (output < 0 || input < 0 || ::dup2(input, 0) < 0 || ::dup2(output, 1) < 0 || ::dup2(output, 2) < 0)
            ::_exit(127);
        // The server must not inherit the test's files and sockets (or ctest's pipes).
        ::close_range(3, ~0U, 0);
        if (::chdir(workPath.c_str()) != 0)
            ::_exit(127);
        if (user && (::setgroups(0, nullptr) != 0 || ::setgid(user->gid) != 0 || ::setuid(user->uid) != 0))
            ::_exit(127);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0) {
        if (errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "waitpid for " + argv[0]);
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

// A postgresql.conf string literal.
std::string quoted(const std::string& value) {
    std::string result = "'";
    for (char c : value) {
        if (c == '\'')
            result += '\'';
        result += c;
    }
    return result + "'";
}

// A value for a libpq URI's query: everything but unreserved characters and '/' percent-encoded.
std::string uriEncoded(const std::string& value) {
    static const char hex[] = "0123456789ABCDEF";
    std::string result;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            result += static_cast<char>(c);
        } else {
            result += '%';
            result += hex[c >> 4];
            result += hex[c & 15];
        }
    }
    return result;
}

std::string uriFor(const std::string& database, const std::string& socketDirectory, int port) {
    return "postgresql:///" + database + "?host=" + uriEncoded(socketDirectory) + "&port=" + std::to_string(port) +
           "&user=postgres";
}

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

Connection connectOrThrow(const std::string& uri) {
    Connection connection(PQconnectdb(uri.c_str()), &PQfinish);
    if (!connection || PQstatus(connection.get()) != CONNECTION_OK)
        throw std::runtime_error("cannot connect to " + uri + ": " +
                                 (connection ? PQerrorMessage(connection.get()) : "out of memory"));
    // The fixture's own statements say nothing worth a line in the test's output
    // ("database ... does not exist, skipping").
    PQsetNoticeProcessor(connection.get(), [](void*, const char*) {}, nullptr);
    return connection;
}

void executeOrThrow(PGconn* connection, const std::string& sql) {
    Result result(PQexec(connection, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK)
        throw std::runtime_error(sql + ": " + PQerrorMessage(connection));
}

}  // namespace

// A server this process started: its folder (data/, socket/, commands.log, server.log), the
// binaries and the user it runs as. The destructor stops it and removes the folder.
struct PostgresCluster::Server {
    fs::path folder;
    fs::path binaries;
    std::optional<SystemUser> user;  // set when this process is root
    pid_t owner = ::getpid();        // a forked child that exits must not stop the parent's server
    bool running = false;

    fs::path dataDirectory() const { return folder / "data"; }
    fs::path commandLog() const { return folder / "commands.log"; }
    fs::path serverLog() const { return folder / "server.log"; }

    int run(const std::string& program, std::vector<std::string> arguments) const {
        arguments.insert(arguments.begin(), (binaries / program).string());
        return runCommand(arguments, commandLog(), folder, user);
    }

    void pgCtlOrThrow(const std::string& action, std::vector<std::string> extra) const {
        std::vector<std::string> arguments{action, "-w", "-t", "60", "-D", dataDirectory().string(),
                                           "-l", serverLog().string()};
        arguments.insert(arguments.end(), extra.begin(), extra.end());
        const int status = run("pg_ctl", arguments);
        if (status != 0)
            throw std::runtime_error("pg_ctl " + action + " failed (exit " + std::to_string(status) + ") for " +
                                     dataDirectory().string() + ":\n" + tailOf(commandLog()) +
                                     "\n--- server.log ---\n" + tailOf(serverLog()));
    }

    ~Server() {
        if (::getpid() != owner)
            return;
        try {
            if (running)
                run("pg_ctl", {"stop", "-w", "-m", "immediate", "-D", dataDirectory().string()});  // its folder goes next
        } catch (...) {
            // fork failed: nothing more to do at exit than remove the folder.
        }
        std::error_code ignored;
        fs::remove_all(folder, ignored);
    }
};

PostgresCluster::PostgresCluster(std::string socketDirectory, int port, std::unique_ptr<Server> server)
    : m_socketDirectory(std::move(socketDirectory)), m_port(port), m_server(std::move(server)) {}

PostgresCluster::~PostgresCluster() = default;

PostgresCluster& PostgresCluster::shared() {
    static const std::unique_ptr<PostgresCluster> cluster = []() -> std::unique_ptr<PostgresCluster> {
        const char* host = std::getenv("LOOKALIKE_TEST_PGHOST");
        const char* portText = std::getenv("LOOKALIKE_TEST_PGPORT");
        if (!host || !*host || !portText || !*portText)
            return startOwn();
        int port = 0;
        auto [end, status] = std::from_chars(portText, portText + std::strlen(portText), port);
        if (status != std::errc() || *end != '\0' || port <= 0 || port > 65535)
            throw std::runtime_error(std::string("LOOKALIKE_TEST_PGPORT is not a port number: ") + portText);
        const std::string uri = uriFor("postgres", host, port);
        if (PQping(uri.c_str()) != PQPING_OK)
            throw std::runtime_error("no PostgreSQL server answers at LOOKALIKE_TEST_PGHOST=" + std::string(host) +
                                     " LOOKALIKE_TEST_PGPORT=" + portText +
                                     " (the ctest fixture postgres_cluster_start should have started it; "
                                     "unset both to let the test start its own)");
        return std::unique_ptr<PostgresCluster>(new PostgresCluster(host, port, nullptr));
    }();
    return *cluster;
}

std::unique_ptr<PostgresCluster> PostgresCluster::startPrivate() { return startOwn(); }

std::unique_ptr<PostgresCluster> PostgresCluster::startOwn() {
    auto server = std::make_unique<Server>();
    server->binaries = findServerBinaries();
    if (::geteuid() == 0) {
        const passwd* account = ::getpwnam("postgres");
        if (!account)
            throw std::runtime_error("running as root, which PostgreSQL refuses, and there is no `postgres` system "
                                     "user to run the server as (the postgresql-15 package creates it: "
                                     "installer/install-deps.sh test)");
        server->user = SystemUser{account->pw_uid, account->pw_gid};
    }

    // A Unix socket's path is limited to 107 bytes: a long TMPDIR falls back to /tmp.
    fs::path base = fs::temp_directory_path();
    if (base.string().size() > 60)
        base = "/tmp";
    std::string pattern = (base / "lookalike-pg-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    server->folder = pattern;
    const fs::path socketDirectory = server->folder / "socket";
    fs::create_directory(socketDirectory);
    if (server->user) {
        for (const fs::path& path : {server->folder, socketDirectory}) {
            if (::chown(path.c_str(), server->user->uid, server->user->gid) != 0)
                throw std::system_error(errno, std::generic_category(), "chown postgres " + path.string());
        }
    }

    const int initdbStatus = server->run("initdb", {"-D", server->dataDirectory().string(), "-A", "trust", "-U",
                                                    "postgres", "--locale=C", "-E", "UTF8", "--no-sync"});
    if (initdbStatus != 0)
        throw std::runtime_error("initdb failed (exit " + std::to_string(initdbStatus) + ") in " +
                                 server->folder.string() + ":\n" + tailOf(server->commandLog()));

    // The socket directory is private, so any port is free there: it only names the socket file.
    const int port = 50000 + static_cast<int>(::getpid() % 10000);
    {
        std::ofstream config(server->dataDirectory() / "postgresql.conf", std::ios::app);
        config << "\n# lookalike test cluster: a Unix socket only, no TCP\n"
               << "listen_addresses = ''\n"
               << "unix_socket_directories = " << quoted(socketDirectory.string()) << "\n"
               << "port = " << port << "\n";
        if (!config)
            throw std::runtime_error("cannot write " + (server->dataDirectory() / "postgresql.conf").string());
    }
    server->pgCtlOrThrow("start", {});
    server->running = true;
    return std::unique_ptr<PostgresCluster>(new PostgresCluster(socketDirectory.string(), port, std::move(server)));
}

std::string PostgresCluster::createDatabase(const std::string& prefix) {
    static std::atomic<unsigned> counter{0};
    if (prefix.empty() || prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
        throw std::invalid_argument("createDatabase: prefix '" + prefix + "' must be lower-case letters, digits, '_'");
    const std::string name = prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    if (name.size() > 63)
        throw std::invalid_argument("createDatabase: name " + name + " is longer than PostgreSQL's 63 bytes");
    Connection connection = connectOrThrow(uriFor("postgres", m_socketDirectory, m_port));
    // template0: nobody is ever connected to it, so concurrent creations never find it busy.
    executeOrThrow(connection.get(), "CREATE DATABASE " + name + " TEMPLATE template0");
    return uriFor(name, m_socketDirectory, m_port);
}

void PostgresCluster::dropDatabase(const std::string& uri) noexcept {
    try {
        char* parseError = nullptr;
        std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
            PQconninfoParse(uri.c_str(), &parseError), &PQconninfoFree);
        PQfreemem(parseError);
        if (!options)
            return;
        std::string name;
        for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
            if (std::strcmp(option->keyword, "dbname") == 0 && option->val)
                name = option->val;
        }
        if (name.empty() || name == "postgres")
            return;
        Connection connection = connectOrThrow(uriFor("postgres", m_socketDirectory, m_port));
        std::unique_ptr<char, decltype(&PQfreemem)> identifier(
            PQescapeIdentifier(connection.get(), name.c_str(), name.size()), &PQfreemem);
        if (identifier)
            executeOrThrow(connection.get(), "DROP DATABASE IF EXISTS " + std::string(identifier.get()) +
                                                 " WITH (FORCE)");
    } catch (...) {
        // Best effort, as documented: the cluster is thrown away at the end anyway.
    }
}

std::string PostgresCluster::socketDirectory() const { return m_socketDirectory; }

int PostgresCluster::port() const { return m_port; }

void PostgresCluster::restart() {
    if (!m_server)
        throw std::logic_error("PostgresCluster::restart: the ctest fixture's cluster is shared with other test "
                               "processes; restart a cluster of your own (PostgresCluster::startPrivate())");
    m_server->pgCtlOrThrow("restart", {"-m", "fast"});
}

}  // namespace lookalike::fixtures
