import Foundation

/// How a person is found by name in a caseload search (the link worker's and supervisor's caseload, the GP's
/// home): word by word, from the start of each word, so that every store can answer it from an index of the
/// words of people's names (`person_name_terms` in SQL) instead of reading every name.
///
/// The rule, which every store applies exactly:
/// - A name and a search are both *folded*: lower case, accents and other marks removed ("Zoë" → "zoe"), and
///   letters with no accent-free decomposition spelt out (ß → ss, æ → ae, œ → oe, ø → o, ł → l, đ/ð → d, þ → th,
///   ı → i, ħ → h, ŧ → t, final ς → σ); compatibility forms unfolded ("ﬁ" → "fi").
/// - A name's words are its runs of letters and digits joined by apostrophes or hyphens; each counts written
///   without its marks, and so does each hyphen-separated part of it (without its apostrophes) and each part
///   between any two marks. "O'Brien" is found by "obrien", "o'brien" and "brien"; "Smith-Jones" by "smith",
///   "jones", "smithjones" and "smith-jones". Anything else (spaces, `%`, `_`, `.`, …) separates words.
/// - A search's words are its runs of letters, digits and apostrophes, the apostrophes dropped ("o'brien" is the
///   one word "obrien"); anything else, hyphens included, separates them.
/// - Words are compared on their first `significantLength` characters (Unicode scalars).
/// - A person is found when **every** word of the search begins some word of their name (the same name word may
///   serve two search words: "ann an" finds Anne). A search with no words finds no one.
public enum NameSearch {
    /// How many characters of a word count: keeps every index entry small whatever is typed.
    public static let significantLength = 64

    /// The words a person with this name is found by (`NameSearch`'s rule), each once, in order.
    public static func terms(_ name: String) -> [String] {
        var terms = Set<String>()
        for chunk in split(fold(name), joiners: ["'", "-"]) {
            // "smith-o'neill": the whole without marks, each hyphen part without apostrophes, each part between marks.
            let forms = [chunk] + split(chunk, joiners: ["'"]) + split(chunk, joiners: [])
            for form in forms {
                let word = significant(form.filter(isWordScalar))
                if !word.isEmpty { terms.insert(word) }
            }
        }
        return terms.sorted()
    }

    /// The words of a search (`NameSearch`'s rule), each once, leaving out any that begins another (the longer one
    /// finds no one the shorter would not).
    public static func words(_ search: String) -> [String] {
        let all = Set(split(fold(search), joiners: ["'"]).map { significant($0.filter(isWordScalar)) }).filter { !$0.isEmpty }
        return all.filter { word in !all.contains { $0 != word && $0.unicodeScalars.starts(with: word.unicodeScalars) } }.sorted()
    }

    /// Whether a person with these name words (`terms`) is found by a search with these words (`words`).
    public static func matches(terms: [String], words: [String]) -> Bool {
        !words.isEmpty && words.allSatisfy { word in terms.contains { $0.unicodeScalars.starts(with: word.unicodeScalars) } }
    }

    /// Whether a person of this name is found by this search.
    public static func matches(name: String, search: String) -> Bool {
        matches(terms: terms(name), words: words(search))
    }

    /// The least text greater than every word that begins with `word` (in the order of Unicode scalars, which is
    /// UTF-8's byte order, SQLite's `BINARY` and PostgreSQL's `"C"`): words never hold U+10FFFF, which is no letter.
    public static func upperBound(_ word: String) -> String { word + "\u{10FFFF}" }

    // MARK: Folding

    /// Marks that join the parts of a word: apostrophes become "'", hyphens and dashes "-". Done before the
    /// compatibility decomposition, which would turn an acute accent used as an apostrophe into a space.
    private static let apostrophes: Set<UInt32> = [0x27, 0x60, 0xB4, 0x2BC, 0x2018, 0x2019, 0x2032, 0xFF07]
    private static let hyphens: Set<UInt32> = [0x2D, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212, 0xFE63, 0xFF0D]
    private static let spelt: [Unicode.Scalar: String] = [
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ς": "σ",
    ]

    /// Folded text: only word scalars, "'", "-" and " " (for anything else).
    static func fold(_ text: String) -> [Unicode.Scalar] {
        var marked = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if apostrophes.contains(s.value) { marked.append("'") }
            else if hyphens.contains(s.value) { marked.append("-") }
            else if s == "\u{AD}" { continue }  // a soft hyphen is invisible: it joins nothing and separates nothing
            else { marked.append(s) }
        }
        // Lower case before and after the decomposition: "É" → "é" → "e" + ◌́, and "ℌ" → "H" → "h".
        let decomposed = String(marked).lowercased().decomposedStringWithCompatibilityMapping.lowercased()
        var out: [Unicode.Scalar] = []
        for s in decomposed.unicodeScalars {
            switch s.properties.generalCategory {
            case .nonspacingMark, .enclosingMark: continue
            default: break
            }
            if let spelling = spelt[s] { out += spelling.unicodeScalars; continue }
            out.append(s == "'" || s == "-" || isWordScalar(s) ? s : " ")
        }
        return out
    }

    /// Letters and digits (and the letter-like signs of scripts that write vowels as marks).
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        s.properties.isAlphabetic || s.properties.generalCategory == .decimalNumber
    }

    /// The runs of word scalars and `joiners` in `scalars` (anything else separates them).
    private static func split(_ scalars: [Unicode.Scalar], joiners: Set<Unicode.Scalar>) -> [[Unicode.Scalar]] {
        var runs: [[Unicode.Scalar]] = [], run: [Unicode.Scalar] = []
        for s in scalars {
            if isWordScalar(s) || joiners.contains(s) { run.append(s) }
            else if !run.isEmpty { runs.append(run); run = [] }
        }
        if !run.isEmpty { runs.append(run) }
        return runs
    }

    /// The word's first `significantLength` scalars, as text.
    private static func significant(_ scalars: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.prefix(significantLength))
        return String(view)
    }
}
