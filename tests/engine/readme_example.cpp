// readme_example.cpp — the README's AsyncChat example: a channel that frames
// its input by "\r\n" and answers each line with its length.
#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Loop.h"
#include "engine/net/SocketOps.h"

#include <cstdio>
#include <string>
#include <string_view>

class LineLength : public engine::AsyncChat {
public:
    using AsyncChat::AsyncChat;

    // Called with each run of payload bytes; a line may come in pieces.
    void collectIncomingData(std::string_view data) override { m_line.append(data); }

    // Called at each "\r\n": the line is complete.
    void foundTerminator() override {
        std::printf("got line \"%s\"\n", m_line.c_str());
        push(std::to_string(m_line.size()) + "\r\n");
        m_line.clear();
    }

private:
    std::string m_line;
};

int main() {
    engine::NativeSocket fds[2];
    std::error_code ec;
    if (!engine::sockops::socketPair(fds, ec)) return 1;
    engine::Socket peer(fds[1]);

    engine::Loop loop;
    LineLength chat{engine::Socket(fds[0]), &loop};
    chat.setTerminator("\r\n");
    chat.acInBufferSize = 4;  // tiny reads: lines and terminators arrive split

    const std::string_view input = "hello\r\nasynchat world\r\n";
    engine::sockops::send(peer.get(), input.data(), input.size(), ec);
    engine::sockops::shutdownWrite(peer.get(), ec);  // EOF: the channel closes

    engine::loop(30.0, engine::Backend::Select, &loop);  // until the map is empty

    char reply[64];
    std::size_t n = 0;
    std::string replies;
    while ((n = engine::sockops::recv(peer.get(), reply, sizeof reply, ec)) > 0) replies.append(reply, n);
    std::printf("replies: %s", replies.c_str());  // "5\r\n14\r\n"
    return replies == "5\r\n14\r\n" ? 0 : 1;
}
