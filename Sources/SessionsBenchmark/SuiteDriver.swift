enum SuiteDriver {
    static func main(_ arguments: [String]) async -> Int32 { 2 }
}
