// udp_floor.cpp — the UDP floor for udp_bench.sh: a minimal blocking
// recvmmsg/sendmmsg echo server, and the windowed client that loads every
// echo server of the benchmark alike.
//
//   lw_udp_floor echo [HOST:]PORT
//       Binds HOST:PORT (127.0.0.1; PORT 0 picks one), prints the port on a
//       line of its own, then echoes: recvmmsg up to 64 datagrams (waiting for
//       the first), sendmmsg them back to their senders. Runs until killed.
//   lw_udp_floor client HOST PORT COUNT SIZE WINDOW SECONDS
//       A connected UDP socket; sends COUNT datagrams of SIZE bytes
//       (sendmmsg, batches of up to 64), at most WINDOW of them unanswered,
//       and reads the replies (recvmmsg). A window that gets no reply for
//       100 ms counts its datagrams lost and opens again. Ends when every
//       datagram is answered or lost, or after SECONDS; prints one JSON
//       line: sent, received (reply bytes / SIZE, so that a peer that merges
//       replies is counted by bytes), lost, replies (datagrams that came
//       back) and odd_size_replies (those not SIZE bytes long: merged or cut
//       by the peer), seconds (to the last reply), per_s (received /
//       seconds). Exit status 1 when nothing came back.
//
// Plain C++20 over POSIX and Linux (recvmmsg/sendmmsg): no Qt, no engine.
#include "bench_common.h"

#include <poll.h>

#include <array>

namespace bench {

[[noreturn]] void usage(const char* why)
{
    std::fprintf(stderr,
                 "lw_udp_floor: %s\n"
                 "usage: lw_udp_floor echo [HOST:]PORT\n"
                 "       lw_udp_floor client HOST PORT COUNT SIZE WINDOW SECONDS\n",
                 why);
    std::exit(2);
}

}  // namespace bench

namespace {

using namespace bench;

constexpr unsigned kBatch = 64;
constexpr std::size_t kMaxDatagram = 65536;

int udpSocket()
{
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        std::perror("lw_udp_floor: socket");
        std::exit(1);
    }
    return fd;
}

int runEcho(const std::string& where)
{
    std::string host = "127.0.0.1", port = where;
    if (const auto colon = where.rfind(':'); colon != std::string::npos) {
        host = where.substr(0, colon);
        port = where.substr(colon + 1);
    }
    const sockaddr_in addr = ipv4Address(host, static_cast<long>(parseCount(port.c_str())));
    const int fd = udpSocket();
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("lw_udp_floor: bind");
        return 1;
    }
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    std::printf("%u\n", static_cast<unsigned>(ntohs(bound.sin_port)));
    std::fflush(stdout);

    std::vector<char> buffers(kBatch * kMaxDatagram);
    std::array<iovec, kBatch> iov{};
    std::array<sockaddr_in, kBatch> peers{};
    std::array<mmsghdr, kBatch> msgs{};
    for (;;) {
        for (unsigned i = 0; i < kBatch; ++i) {
            iov[i] = {buffers.data() + std::size_t{i} * kMaxDatagram, kMaxDatagram};
            msgs[i] = {};
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
        }
        const int n = ::recvmmsg(fd, msgs.data(), kBatch, MSG_WAITFORONE, nullptr);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::perror("lw_udp_floor: recvmmsg");
            return 1;
        }
        for (int i = 0; i < n; ++i) iov[static_cast<unsigned>(i)].iov_len = msgs[static_cast<unsigned>(i)].msg_len;
        int done = 0;
        while (done < n) {
            const int s = ::sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(n - done), 0);
            if (s < 0) {
                if (errno == EINTR) continue;
                break;  // a sender gone (ICMP): drop the rest of the batch, as UDP does
            }
            done += s;
        }
    }
}

int runClient(const std::string& host, long port, uint64_t count, std::size_t size, uint64_t window, double seconds)
{
    if (size == 0 || size > 65507 || window == 0) usage("SIZE must be 1 to 65507 and WINDOW at least 1");
    const sockaddr_in addr = ipv4Address(host, port);
    const int fd = udpSocket();
    int big = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        std::perror("lw_udp_floor: connect");
        return 1;
    }
    setNonBlocking(fd);

    std::vector<char> payload(size, 'u');
    std::vector<char> in(kBatch * kMaxDatagram);
    std::array<iovec, kBatch> outIov{};
    std::array<mmsghdr, kBatch> out{};
    std::array<iovec, kBatch> inIov{};
    std::array<mmsghdr, kBatch> inMsgs{};
    for (unsigned i = 0; i < kBatch; ++i) {
        outIov[i] = {payload.data(), size};
        out[i].msg_hdr.msg_iov = &outIov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }

    uint64_t sent = 0, lost = 0, outstanding = 0, bytes = 0, replies = 0, merged = 0;
    std::string error;
    const auto t0 = Clock::now();
    const auto deadline = deadlineFrom(t0, seconds);
    auto lastReply = t0;
    auto received = [&] { return bytes / size; };
    while (Clock::now() < deadline) {
        if (sent < count && outstanding < window) {
            const auto want = static_cast<unsigned>(std::min<uint64_t>({window - outstanding, count - sent, kBatch}));
            const int s = ::sendmmsg(fd, out.data(), want, 0);
            if (s > 0) {
                sent += static_cast<uint64_t>(s);
                outstanding += static_cast<uint64_t>(s);
            } else if (s < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS) {
                error = std::string("sendmmsg: ") + std::strerror(errno);
                break;
            }
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, std::min(remainingMs(deadline), 100));
        if (ready == 0) {
            if (outstanding > 0) {  // the window went unanswered for 100 ms: lost
                lost += outstanding;
                outstanding = 0;
            }
            if (sent >= count) break;
            continue;
        }
        if (ready < 0) continue;
        for (unsigned i = 0; i < kBatch; ++i) {
            inIov[i] = {in.data() + std::size_t{i} * kMaxDatagram, kMaxDatagram};
            inMsgs[i] = {};
            inMsgs[i].msg_hdr.msg_iov = &inIov[i];
            inMsgs[i].msg_hdr.msg_iovlen = 1;
        }
        const int n = ::recvmmsg(fd, inMsgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n < 0) {
            if (errno == ECONNREFUSED) {
                error = "nothing listens on the port (ICMP port unreachable)";
                break;
            }
            continue;
        }
        const uint64_t before = received();
        for (int i = 0; i < n; ++i) {
            const unsigned got = inMsgs[static_cast<unsigned>(i)].msg_len;
            bytes += got;
            ++replies;
            if (got != size) ++merged;
        }
        const uint64_t got = received() - before;
        outstanding -= std::min(outstanding, got);
        lastReply = Clock::now();
        if (received() + lost >= count) break;
    }
    const double secs = std::max(1e-9, std::chrono::duration<double>(lastReply - t0).count());
    if (error.empty() && received() == 0) error = "no reply at all";
    Json j;
    j.integer("sent", sent).integer("received", received()).integer("lost", lost);
    j.integer("replies", replies).integer("odd_size_replies", merged).num("seconds", secs);
    j.num("per_s", static_cast<double>(received()) / secs);
    return j.finish(error);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc == 3 && std::string_view(argv[1]) == "echo") return runEcho(argv[2]);
    if (argc == 8 && std::string_view(argv[1]) == "client") {
        char* end = nullptr;
        const double secs = std::strtod(argv[7], &end);
        if (end == argv[7] || *end != '\0' || !(secs > 0)) usage("SECONDS must be a number greater than 0");
        return runClient(argv[2], static_cast<long>(parseCount(argv[3])), parseCount(argv[4]),
                         static_cast<std::size_t>(parseCount(argv[5])), parseCount(argv[6]), secs);
    }
    usage("expected echo or client");
}
