import Foundation
import XCTest

/// A JSON fixture written by supabase/tests/ios-contract/fixtures.test.ts: a real answer of the
/// backend (REST or edge function) with run-specific ids and times replaced.
struct Fixture {
  let name: String
  let status: Int
  /// The answer's body, exactly as the server sent it (re-serialized).
  let body: Data

  /// Generation time of every fixture: their timestamps are relative to it.
  static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

  static func load(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Fixture {
    let url = try XCTUnwrap(
      Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
      "missing fixture \(name).json", file: file, line: line)
    let object = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], file: file, line: line)
    let status = try XCTUnwrap(object["status"] as? Int, file: file, line: line)
    let body = try JSONSerialization.data(withJSONObject: try XCTUnwrap(object["body"], file: file, line: line), options: [.fragmentsAllowed])
    return Fixture(name: name, status: status, body: body)
  }

  static func allNames() throws -> [String] {
    let directory = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
    return try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0.hasSuffix(".json") }
      .map { String($0.dropLast(".json".count)) }
      .sorted()
  }

  func decode<T: Decodable>(_ type: T.Type) throws -> T {
    try JSONDecoder().decode(type, from: body)
  }
}
