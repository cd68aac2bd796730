import LinkwellBench

/// The benchmark executable: everything lives in `LinkwellBench`.
@main
struct Entry {
    static func main() async {
        await BenchCommand.main()
    }
}
