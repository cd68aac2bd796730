import LinkwellBench

/// The benchmark executable: everything lives in `LinkwellBench`.
@main
struct Entry {
    static func main() async {
        BenchCommand.chooseExecutor()
        await BenchCommand.main()
    }
}
