import Foundation

/// ISO 8601 timestamps as the backend writes them, parsed without a date formatter.
///
/// Two writers reach the app: PostgREST serializes `timestamptz` through Postgres
/// (`2026-11-25T12:27:40.123456+00:00`, 0–6 fraction digits, trailing zeros dropped) and the edge
/// functions through JavaScript (`2026-11-25T12:27:40.123Z`). `ISO8601DateFormatter` rejects the
/// six-digit form on some OS versions, so this small parser accepts every variant of
/// `YYYY-MM-DD(T| )HH:MM:SS[.fraction](Z|±HH[:MM]|±HHMM)` and nothing else.
public enum BackendTimestamp {
  public static func parse(_ text: String) -> Date? {
    var scanner = DigitScanner(Array(text.utf8))
    guard
      let year = scanner.number(digits: 4), scanner.skip("-"),
      let month = scanner.number(digits: 2), scanner.skip("-"),
      let day = scanner.number(digits: 2), scanner.skip("T") || scanner.skip(" "),
      let hour = scanner.number(digits: 2), scanner.skip(":"),
      let minute = scanner.number(digits: 2), scanner.skip(":"),
      let second = scanner.number(digits: 2)
    else { return nil }
    guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
      (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
    else { return nil }

    var fraction = 0.0
    if scanner.skip(".") {
      guard let digits = scanner.digitRun(), !digits.isEmpty, digits.count <= 9 else { return nil }
      fraction = Double("0." + digits) ?? 0
    }

    let offsetSeconds: Int
    if scanner.skip("Z") {
      offsetSeconds = 0
    } else if let sign = scanner.sign() {
      guard let hours = scanner.number(digits: 2), hours <= 23 else { return nil }
      var minutes = 0
      if scanner.skip(":") {
        guard let value = scanner.number(digits: 2) else { return nil }
        minutes = value
      } else if !scanner.atEnd {
        guard let value = scanner.number(digits: 2) else { return nil }
        minutes = value
      }
      guard minutes <= 59 else { return nil }
      offsetSeconds = sign * (hours * 3600 + minutes * 60)
    } else {
      // A timestamp without a zone is ambiguous: the backend never sends one, so refuse it.
      return nil
    }
    guard scanner.atEnd else { return nil }

    let days = daysFromCivil(year: year, month: month, day: day)
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    return Date(timeIntervalSince1970: Double(seconds) + fraction)
  }

  /// UTC with milliseconds (`2026-11-25T12:27:40.123Z`), the form JavaScript writes.
  public static func string(from date: Date) -> String {
    let totalMilliseconds = Int((date.timeIntervalSince1970 * 1000).rounded(.down))
    let milliseconds = ((totalMilliseconds % 1000) + 1000) % 1000
    let totalSeconds = (totalMilliseconds - milliseconds) / 1000
    let secondsOfDay = ((totalSeconds % 86_400) + 86_400) % 86_400
    let days = (totalSeconds - secondsOfDay) / 86_400
    let (year, month, day) = civilFromDays(days)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
      year, month, day, secondsOfDay / 3600, (secondsOfDay % 3600) / 60, secondsOfDay % 60, milliseconds)
  }

  static func daysIn(month: Int, year: Int) -> Int {
    switch month {
    case 2:
      let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
      return leap ? 29 : 28
    case 4, 6, 9, 11:
      return 30
    default:
      return 31
    }
  }

  // Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm), so the
  // result never depends on the device's calendar or time zone.
  static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let monthFromMarch = (month + 9) % 12
    let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthFromMarch = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
    let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
  }
}

/// A cursor over ASCII bytes for the parser above.
private struct DigitScanner {
  private let bytes: [UInt8]
  private var index = 0

  init(_ bytes: [UInt8]) {
    self.bytes = bytes
  }

  var atEnd: Bool { index == bytes.count }

  mutating func skip(_ character: Character) -> Bool {
    guard let ascii = character.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
    index += 1
    return true
  }

  mutating func sign() -> Int? {
    if skip("+") { return 1 }
    if skip("-") { return -1 }
    return nil
  }

  mutating func number(digits count: Int) -> Int? {
    guard index + count <= bytes.count else { return nil }
    var value = 0
    for offset in 0..<count {
      let byte = bytes[index + offset]
      guard byte >= 48, byte <= 57 else { return nil }
      value = value * 10 + Int(byte - 48)
    }
    index += count
    return value
  }

  mutating func digitRun() -> String? {
    let start = index
    while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }
}

extension KeyedDecodingContainer {
  /// A required timestamp column, in either of the backend's formats.
  func decodeTimestamp(forKey key: Key) throws -> Date {
    let text = try decode(String.self, forKey: key)
    guard let date = BackendTimestamp.parse(text) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "Not an ISO 8601 timestamp with a zone: \(text)")
    }
    return date
  }

  /// A nullable timestamp column: JSON null (or an absent key) is nil, anything else must parse.
  func decodeTimestampIfPresent(forKey key: Key) throws -> Date? {
    guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
    guard let date = BackendTimestamp.parse(text) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "Not an ISO 8601 timestamp with a zone: \(text)")
    }
    return date
  }
}
