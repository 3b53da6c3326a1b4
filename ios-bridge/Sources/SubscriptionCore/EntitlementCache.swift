import Foundation

/// The last `subscriptions` row read for one person, kept on the device between launches, so a
/// launch without network (or with an expired session that cannot refresh yet) shows what the
/// server said last instead of "checking" until the network returns.
public struct CachedEntitlement: Codable, Equatable, Sendable {
  /// Bump when the stored shape changes: a cache another version wrote is ignored, never misread.
  public static let currentVersion = 1

  public let version: Int
  /// Whose row it is: another account signing in on the device never sees it.
  public let userId: UUID
  /// nil: the person had no subscription at all.
  public let row: SubscriptionRow?
  /// When the server answered with `row`.
  public let readAt: Date

  public init(userId: UUID, row: SubscriptionRow?, readAt: Date) {
    self.version = Self.currentVersion
    self.userId = userId
    self.row = row
    self.readAt = readAt
  }

  enum CodingKeys: String, CodingKey {
    case version
    case userId = "user_id"
    case row
    case readAt = "read_at"
  }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    version = try c.decode(Int.self, forKey: .version)
    userId = try c.decode(UUID.self, forKey: .userId)
    row = try c.decodeIfPresent(SubscriptionRow.self, forKey: .row)
    readAt = try c.decodeTimestamp(forKey: .readAt)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(version, forKey: .version)
    try c.encode(userId, forKey: .userId)
    try c.encode(row, forKey: .row)
    try c.encode(BackendTimestamp.string(from: readAt), forKey: .readAt)
  }
}

/// The bytes on disk. Anything unreadable, or written by another version, reads as no cache.
public enum EntitlementCacheCodec {
  public static func encode(_ entry: CachedEntitlement) -> Data? {
    try? JSONEncoder().encode(entry)
  }

  public static func decode(_ data: Data) -> CachedEntitlement? {
    guard let entry = try? JSONDecoder().decode(CachedEntitlement.self, from: data),
      entry.version == CachedEntitlement.currentVersion
    else { return nil }
    return entry
  }
}

/// Where the last row is kept. One entry: the person signed in on the device.
public protocol EntitlementCacheStore: Sendable {
  func load() -> CachedEntitlement?
  func save(_ entry: CachedEntitlement)
  /// Sign-out: nothing of the previous person stays on the device.
  func clear()
}

/// One small JSON file (Application Support by default), written atomically, excluded from
/// backups (it is derived data) and, on iOS, readable after the first unlock (so a launch in the
/// background still finds it).
public struct FileEntitlementCacheStore: EntitlementCacheStore {
  public let url: URL

  public init(url: URL) {
    self.url = url
  }

  /// `Application Support/<fileName>`, or nil if the directory cannot be created.
  public static func applicationSupport(fileName: String = "subscription-row-cache.json") -> FileEntitlementCacheStore? {
    guard
      let directory = try? FileManager.default.url(
        for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
    else { return nil }
    return FileEntitlementCacheStore(url: directory.appendingPathComponent(fileName))
  }

  public func load() -> CachedEntitlement? {
    guard let data = try? Data(contentsOf: url) else { return nil }
    return EntitlementCacheCodec.decode(data)
  }

  public func save(_ entry: CachedEntitlement) {
    guard let data = EntitlementCacheCodec.encode(entry) else { return }
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    var options: Data.WritingOptions = [.atomic]
    #if os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
      options.insert(.completeFileProtectionUntilFirstUserAuthentication)
    #endif
    guard (try? data.write(to: url, options: options)) != nil else { return }
    var values = URLResourceValues()
    values.isExcludedFromBackup = true
    var written = url
    try? written.setResourceValues(values)
  }

  public func clear() {
    try? FileManager.default.removeItem(at: url)
  }
}

/// What a cached row may still do.
public enum OfflineEntitlement {
  /// A cached row never unlocks for longer than this after it was read, whatever period it
  /// reported (a row without an end date, a refund the device has not heard of yet).
  public static let maximumAge: TimeInterval = 7 * 86_400
  /// A read "in the future" beyond this means the device clock moved back since: not trusted.
  public static let clockTolerance: TimeInterval = 5 * 60

  /// The state to show for `userID` before the first read answers (and while it cannot): the
  /// cached row if it is this person's and recent enough, otherwise `.unknown` ("checking").
  public static func launchState(cached: CachedEntitlement?, userID: UUID, now: Date) -> EntitlementState {
    guard let cached, cached.userId == userID, isRecent(cached.readAt, now: now) else { return .unknown }
    return .cached(cached.row, readAt: cached.readAt)
  }

  /// A cached row grants what the server granted, until the end it reported (`EntitlementRule`),
  /// and never past `maximumAge`.
  public static func grantsAccess(_ row: SubscriptionRow, readAt: Date, at now: Date) -> Bool {
    isRecent(readAt, now: now) && EntitlementRule.hasAccess(row, at: now)
  }

  static func isRecent(_ readAt: Date, now: Date) -> Bool {
    let age = now.timeIntervalSince(readAt)
    return age >= -clockTolerance && age < maximumAge
  }
}
