import Foundation
import LinkwellCore
import NIOCore
import NIOPosix

/// Sends each e-mail to an SMTP relay (plain SMTP, as to a local relay such as Postfix, which then handles
/// TLS and onward delivery). One connection per e-mail: notifications are few.
struct SMTPTransport: MailTransport {
    let host: String
    let port: Int
    let heloName: String

    init(host: String, port: Int, heloName: String = "linkwell.localhost") {
        self.host = host
        self.port = port
        self.heloName = heloName
    }

    /// Reads `smtp://host[:port]`.
    init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "smtp", let host = components.host, !host.isEmpty else {
            throw LinkwellError.invalid([.apiOnly("smtp", "The SMTP address must look like smtp://host:port.")])
        }
        self.init(host: host, port: components.port ?? 25)
    }

    func deliver(_ email: EmailMessage) async throws -> DeliveryResult {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    return try NIOAsyncChannel<String, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func expect(_ codes: Set<Int>, _ stage: String) async throws {
                // A reply may span several lines ("250-…"); its last line has a space after the code.
                while true {
                    guard let line = try await lines.next() else { throw MailError.protocolError("The SMTP server closed the connection at \(stage).") }
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw MailError.protocolError("The SMTP server sent a malformed reply at \(stage).") }
                    if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }
                    guard codes.contains(code) else { throw MailError.smtp(code: code, stage: stage) }
                    return
                }
            }
            func send(_ text: String) async throws { try await outbound.write(ByteBuffer(string: text)) }

            try await expect([220], "the greeting")
            try await send("EHLO \(heloName)\r\n")
            try await expect([250], "EHLO")
            try await send("MAIL FROM:<\(Self.address(email.from))>\r\n")
            try await expect([250], "the sender")
            try await send("RCPT TO:<\(Self.address(email.to))>\r\n")
            try await expect([250, 251], "the recipient")
            try await send("DATA\r\n")
            try await expect([354], "DATA")
            // Dot-stuffing: a line starting with "." gets another.
            let message = RFC5322.render(email).replacingOccurrences(of: "\r\n.", with: "\r\n..")
            try await send((message.hasPrefix(".") ? "." : "") + message + ".\r\n")
            try await expect([250], "the message")
            try await send("QUIT\r\n")
            return .delivered
        }
    }

    /// The bare address, without CR/LF or angle brackets that could inject SMTP commands.
    static func address(_ raw: String) -> String {
        raw.filter { !$0.isNewline && $0 != "<" && $0 != ">" && $0 != " " }
    }
}

/// Splits the byte stream into lines (without their line ends).
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > 8192 { throw MailError.protocolError("The SMTP server sent an over-long line.") }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex + 1
        let line = buffer.readString(length: length) ?? ""
        context.fireChannelRead(wrapInboundOut(String(line.dropLast(line.hasSuffix("\r\n") ? 2 : 1))))
        return .continue
    }
}
