import XCTest

@testable import SubscriptionCore

final class BackendTimestampTests: XCTestCase {
  private let base = 1_795_609_660.0  // 2026-11-25T12:27:40Z

  func testEveryFormatTheBackendWrites() throws {
    let cases: [(String, Double)] = [
      ("2026-11-25T12:27:40.123456+00:00", base + 0.123456),  // PostgREST, microseconds
      ("2026-11-25T12:27:40.1+00:00", base + 0.1),  // trailing zeros dropped
      ("2026-11-25T12:27:40+00:00", base),  // no fraction
      ("2026-11-25T12:27:40.123Z", base + 0.123),  // JavaScript
      ("2026-11-25 12:27:40+00", base),  // Postgres text output
      ("2026-11-25T17:57:40+05:30", base),  // another zone
      ("2026-11-25T07:27:40-0500", base),
    ]
    for (text, expected) in cases {
      let date = try XCTUnwrap(BackendTimestamp.parse(text), text)
      XCTAssertEqual(date.timeIntervalSince1970, expected, accuracy: 0.000_001, text)
    }
  }

  func testCalendarEdges() throws {
    XCTAssertEqual(BackendTimestamp.parse("1970-01-01T00:00:00Z")?.timeIntervalSince1970, 0)
    XCTAssertEqual(BackendTimestamp.parse("1969-12-31T23:59:59Z")?.timeIntervalSince1970, -1)
    XCTAssertEqual(BackendTimestamp.parse("2024-02-29T00:00:00Z")?.timeIntervalSince1970, 1_709_164_800)
    XCTAssertEqual(BackendTimestamp.parse("2026-01-30T23:00:00.000Z")?.timeIntervalSince1970, 1_769_814_000)
  }

  func testRefusesWhatIsNotATimestampWithAZone() {
    for text in [
      "", "2026-11-25", "2026-11-25T12:27:40", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
      "2026-13-01T00:00:00Z", "2026-11-25T24:00:00Z", "2026-11-25T12:27:40.Z", "2026-11-25T12:27:40Zjunk",
      "2026-11-25T12:27:40+5", "26-11-25T12:27:40Z", "now",
    ] {
      XCTAssertNil(BackendTimestamp.parse(text), text)
    }
  }

  func testFormatsInUTCWithMillisecondsAndRoundTrips() throws {
    let date = Date(timeIntervalSince1970: base + 0.123)
    XCTAssertEqual(BackendTimestamp.string(from: date), "2026-11-25T12:27:40.123Z")
    XCTAssertEqual(BackendTimestamp.string(from: Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59.000Z")
    for seconds in stride(from: -86_400.0 * 800, through: 86_400.0 * 40_000, by: 86_400.0 * 97.3) {
      let text = BackendTimestamp.string(from: Date(timeIntervalSince1970: seconds))
      let parsed = try XCTUnwrap(BackendTimestamp.parse(text), text)
      XCTAssertEqual(parsed.timeIntervalSince1970, seconds, accuracy: 0.001, text)
    }
  }
}
