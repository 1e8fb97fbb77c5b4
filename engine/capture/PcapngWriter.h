// PcapngWriter.h — exports recorded conversations as a pcapng capture that
// Wireshark and tshark open like any other.
//
// What it does: for each Conversation (Conversation.h) it synthesizes the
// packets of a TCP connection on Ethernet, over IPv4 or IPv6 as recorded:
// the three-way handshake (the SYN when the client started connecting, the
// SYN-ACK and ACK when it was up), one segment per recorded write and per
// read (the events of one read — collects and the terminators found
// between them, emitted microseconds apart — are joined; large segments are
// split at maxSegment bytes), each acknowledging everything the other side sent so
// far, and the end as recorded — FINs for an orderly close (a half-close
// sends ours early), an RST for a reset by the peer, nothing for a
// connection still open when the session ended. Sequence and
// acknowledgement numbers are consistent, IPv4 and TCP checksums are right,
// and timestamps are the events' own (session start + t_us, microseconds).
// So Wireshark's Follow TCP Stream gives back exactly the recorded bytes in
// each direction. The segment holding the last byte of each message a
// channel framed with found_terminator carries a packet comment
// ("found_terminator 3 on channel 2: 5-byte message, terminator '\r\n'").
// A TLS channel's streams are its plaintext, exported the same way (a
// Follow TCP Stream shows what the application saw); its TLS events are
// noted in a comment on the first packet after each ("channel 2: TLS 1.3
// TLS_AES_256_GCM_SHA384, verified (CN=localhost) [the TCP payload here is
// the decrypted plaintext; …]", "channel 2: TLS closed (close_notify)").
// Conversations whose bytes the session lacks (recorded below level full)
// are left out, with a note. Addresses come from the recorded
// `connected`/`accepted` events; one that cannot be read is replaced by
// 192.0.2.1 (client) or 192.0.2.2 (server), with a note. Text taken from
// the session (the header's start/tool/version in the section comment, an
// address in a note) goes through terminalSafe(): no control bytes in
// comments or notes.
// UDP channels (`datagram` / `datagram_sent` events) are exported too, when
// their datagrams are passed in (extractDatagrams()): each datagram one UDP
// packet between the channel's address (its `listening` or `connected`
// local address) and the recorded peer, with a right UDP checksum, so
// Wireshark decodes what runs on top (syslog, DNS, …). A datagram a
// terminator cut into several messages cannot be rebuilt from them (the
// terminators are not in the events): such channels are left out, with a
// note.
// What it owns: nothing beyond a call.
// Threads: any.
#pragma once

#include "engine/capture/OutputFile.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/EventJson.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace engine {

struct PcapngExportOptions {
    std::optional<ChannelId> channel;  ///< Only this conversation (default: all).
    bool comments = true;              ///< Mark found_terminator boundaries.
    std::string application = "linewright";  ///< shb_userappl.
    std::size_t maxSegment = 65000;    ///< Largest TCP payload per packet (≥ 1).
    OutputFileOptions file;            ///< How write() opens its file (OutputFile.h: no links, no overwrite).
};

struct PcapngExportStats {
    std::size_t conversations = 0;
    std::size_t packets = 0;
    std::size_t comments = 0;
    std::size_t datagrams = 0;  ///< UDP packets written.
    std::vector<std::string> notes;

    /// "2 connections, 9 packets, 3 found_terminator comments, 2 UDP
    /// datagrams" (the datagrams only when there are some): what an export
    /// says it wrote.
    std::string summary() const;
};

/// One recorded UDP datagram, as extractDatagrams() finds it.
struct RecordedDatagram {
    ChannelId channel = 0;
    std::int64_t tUs = 0;
    bool sent = false;    ///< datagram_sent (else datagram: received)
    std::string local;    ///< The channel's address ("127.0.0.1:5140").
    std::string peer;     ///< The other end.
    std::string data;
};

/// The datagrams of a session's UDP channels, in order. Channels whose
/// datagrams a terminator cut into messages are left out with a note in `notes`.
std::vector<RecordedDatagram> extractDatagrams(const std::vector<Event>& events, std::vector<std::string>* notes = nullptr);

class PcapngWriter {
public:
    /// The capture's bytes.
    static std::string render(const SessionHeader& header, const std::vector<Conversation>& conversations,
                              const PcapngExportOptions& options, PcapngExportStats* stats = nullptr,
                              const std::vector<RecordedDatagram>& datagrams = {});
    /// Writes render()'s bytes to `path`. False with `error` when there is
    /// nothing to export or the file cannot be written.
    static bool write(const std::string& path, const SessionHeader& header,
                      const std::vector<Conversation>& conversations, const PcapngExportOptions& options,
                      PcapngExportStats* stats, std::string* error,
                      const std::vector<RecordedDatagram>& datagrams = {});
    /// A session's capture, as `linewright-cli export --pcapng` and the
    /// window's Export write it: the TCP `conversations` (extractConversations()
    /// of `events`) and the UDP datagrams of `events` (extractDatagrams()).
    /// stats->notes gets extractDatagrams()'s notes first, then write()'s.
    static bool writeSession(const std::string& path, const SessionHeader& header, const std::vector<Event>& events,
                             const std::vector<Conversation>& conversations, const PcapngExportOptions& options,
                             PcapngExportStats* stats, std::string* error);
};

}  // namespace engine
