import Foundation

/// A postcode → deprivation decile lookup (English Indices of Deprivation: 1 = most deprived 10%), read from
/// CSV with a header naming the postcode column (`pcds` as in the ONS Postcode Directory, or `postcode`) and
/// the decile column (`imd_decile` or `decile`).
public enum DeprivationLookup {
    public static func parse(_ csv: String) throws(LinkwellError) -> [(postcode: String, decile: Int)] {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let header = lines.first else { throw .invalid([.apiOnly("csv", "The file is empty.")]) }
        let names = header.lowercased().split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
        guard let postcodeColumn = names.firstIndex(where: { $0 == "pcds" || $0 == "postcode" }),
              let decileColumn = names.firstIndex(where: { $0 == "imd_decile" || $0 == "decile" }) else {
            throw .invalid([.apiOnly("csv", "The header must name a postcode column (pcds or postcode) and a decile column (imd_decile or decile).")])
        }
        var rows: [(String, Int)] = []
        var errors: [FieldError] = []
        for (number, line) in lines.enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            guard fields.count > max(postcodeColumn, decileColumn) else { errors.append(FieldError.apiOnly("csv", "Line \(number + 1): too few columns.")); continue }
            let postcode = fields[postcodeColumn].uppercased().filter { !$0.isWhitespace }
            guard postcode.count >= 5, postcode.count <= 7, postcode.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
                  postcode.first!.isLetter, postcode.dropLast(3).last!.isNumber, postcode.suffix(2).allSatisfy(\.isLetter) else {
                errors.append(FieldError.apiOnly("csv", "Line \(number + 1): '\(fields[postcodeColumn])' is not a UK postcode.")); continue
            }
            guard let decile = Int(fields[decileColumn]), (1...10).contains(decile) else {
                errors.append(FieldError.apiOnly("csv", "Line \(number + 1): the decile must be a whole number from 1 to 10.")); continue
            }
            rows.append((postcode, decile))
        }
        if !errors.isEmpty { throw .invalid(Array(errors.prefix(20))) }
        return rows
    }
}
