import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinkwellCore

/// Delivers e-mails into a Maildir (`tmp/`, `new/`, `cur/`), from where a local mail system picks them up.
/// Each e-mail's file is named after its stable message id and is moved into `new/` with `link(2)`, which
/// fails if the file exists: delivering the same e-mail twice (a retry after a crash) stores it once.
public struct MaildirTransport: MailTransport {
    let directory: URL

    public init(directory: String) throws {
        self.directory = URL(fileURLWithPath: directory)
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(at: self.directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
    }

    public func deliver(_ email: EmailMessage) async throws -> DeliveryResult {
        let name = email.messageID.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@" }
        let final = directory.appendingPathComponent("new/\(name).eml")
        if FileManager.default.fileExists(atPath: final.path) { return .alreadyDelivered }
        let temporary = directory.appendingPathComponent("tmp/\(name).\(UUID().uuidString)")
        try Data(RFC5322.render(email).utf8).write(to: temporary, options: .atomic)
        defer { unlink(temporary.path) }
        guard link(temporary.path, final.path) == 0 else {
            if errno == EEXIST { return .alreadyDelivered }
            throw MailError.io("could not move the e-mail into the Maildir (errno \(errno))")
        }
        return .delivered
    }
}

enum MailError: Error, CustomStringConvertible {
    case io(String)
    case smtp(code: Int, stage: String)
    case protocolError(String)

    var description: String {
        switch self {
        case .io(let text), .protocolError(let text): text
        case .smtp(let code, let stage): "The SMTP server refused \(stage) with code \(code)."
        }
    }
}

/// Renders an e-mail as an RFC 5322 message (plain text, UTF-8, CRLF line ends).
enum RFC5322 {
    static func render(_ email: EmailMessage, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let headers = [
            "From: \(email.from)",
            "To: \(email.to)",
            "Subject: \(email.subject)",
            "Message-ID: \(email.messageID)",
            "Date: \(formatter.string(from: date))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        let body = email.body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        return (headers + [""] + body.map(String.init)).joined(separator: "\r\n") + "\r\n"
    }
}
