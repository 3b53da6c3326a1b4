import Foundation

/// One row of the `public.subscriptions` view: the signed-in person's effective subscription across
/// Stripe and the App Store, read through Supabase's REST API (RLS returns only their own row) and
/// returned by the `app-store-sync` function.
///
/// The CodingKeys are the view's columns, one for one; `supabase/tests/ios-contract` fails CI when
/// they and the migration disagree.
public struct SubscriptionRow: Codable, Equatable, Sendable {
  public let userId: UUID
  /// Entitled right now, computed by the database at read time.
  public let isActive: Bool
  public let status: SubscriptionStatus
  public let store: BillingStore
  public let productId: String
  /// Renews on (`willRenew`) or ends on; nil while a first payment is still processing.
  public let currentPeriodEndsAt: Date?
  public let willRenew: Bool
  public let inGracePeriod: Bool
  public let gracePeriodEndsAt: Date?
  public let hasBillingIssue: Bool
  public let isSandbox: Bool
  public let isFamilyShared: Bool
  public let manageWith: ManageWith
  /// Apple's manage-subscriptions URL for App Store subscriptions; nil for Stripe.
  public let manageUrl: URL?
  /// Paying twice: entitled through Stripe and the App Store at once.
  public let activeInBothStores: Bool
  public let updatedAt: Date

  enum CodingKeys: String, CodingKey {
    case userId = "user_id"
    case isActive = "is_active"
    case status
    case store
    case productId = "product_id"
    case currentPeriodEndsAt = "current_period_ends_at"
    case willRenew = "will_renew"
    case inGracePeriod = "in_grace_period"
    case gracePeriodEndsAt = "grace_period_ends_at"
    case hasBillingIssue = "has_billing_issue"
    case isSandbox = "is_sandbox"
    case isFamilyShared = "is_family_shared"
    case manageWith = "manage_with"
    case manageUrl = "manage_url"
    case activeInBothStores = "active_in_both_stores"
    case updatedAt = "updated_at"
  }

  public init(
    userId: UUID, isActive: Bool, status: SubscriptionStatus, store: BillingStore, productId: String,
    currentPeriodEndsAt: Date?, willRenew: Bool, inGracePeriod: Bool, gracePeriodEndsAt: Date?,
    hasBillingIssue: Bool, isSandbox: Bool, isFamilyShared: Bool, manageWith: ManageWith,
    manageUrl: URL?, activeInBothStores: Bool, updatedAt: Date
  ) {
    self.userId = userId
    self.isActive = isActive
    self.status = status
    self.store = store
    self.productId = productId
    self.currentPeriodEndsAt = currentPeriodEndsAt
    self.willRenew = willRenew
    self.inGracePeriod = inGracePeriod
    self.gracePeriodEndsAt = gracePeriodEndsAt
    self.hasBillingIssue = hasBillingIssue
    self.isSandbox = isSandbox
    self.isFamilyShared = isFamilyShared
    self.manageWith = manageWith
    self.manageUrl = manageUrl
    self.activeInBothStores = activeInBothStores
    self.updatedAt = updatedAt
  }

  // Timestamps are decoded from their text so the row reads the same whichever JSONDecoder date
  // strategy the caller uses (supabase-swift's PostgREST decoder, or a plain one for functions).
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    userId = try c.decode(UUID.self, forKey: .userId)
    isActive = try c.decode(Bool.self, forKey: .isActive)
    status = try c.decode(SubscriptionStatus.self, forKey: .status)
    store = try c.decode(BillingStore.self, forKey: .store)
    productId = try c.decode(String.self, forKey: .productId)
    currentPeriodEndsAt = try c.decodeTimestampIfPresent(forKey: .currentPeriodEndsAt)
    willRenew = try c.decode(Bool.self, forKey: .willRenew)
    inGracePeriod = try c.decode(Bool.self, forKey: .inGracePeriod)
    gracePeriodEndsAt = try c.decodeTimestampIfPresent(forKey: .gracePeriodEndsAt)
    hasBillingIssue = try c.decode(Bool.self, forKey: .hasBillingIssue)
    isSandbox = try c.decode(Bool.self, forKey: .isSandbox)
    isFamilyShared = try c.decode(Bool.self, forKey: .isFamilyShared)
    manageWith = try c.decode(ManageWith.self, forKey: .manageWith)
    manageUrl = try c.decodeIfPresent(URL.self, forKey: .manageUrl)
    activeInBothStores = try c.decode(Bool.self, forKey: .activeInBothStores)
    updatedAt = try c.decodeTimestamp(forKey: .updatedAt)
  }

  // Encoded in the same shape, so the app can cache the last row it read and show it at launch.
  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(userId, forKey: .userId)
    try c.encode(isActive, forKey: .isActive)
    try c.encode(status, forKey: .status)
    try c.encode(store, forKey: .store)
    try c.encode(productId, forKey: .productId)
    try c.encode(currentPeriodEndsAt.map(BackendTimestamp.string(from:)), forKey: .currentPeriodEndsAt)
    try c.encode(willRenew, forKey: .willRenew)
    try c.encode(inGracePeriod, forKey: .inGracePeriod)
    try c.encode(gracePeriodEndsAt.map(BackendTimestamp.string(from:)), forKey: .gracePeriodEndsAt)
    try c.encode(hasBillingIssue, forKey: .hasBillingIssue)
    try c.encode(isSandbox, forKey: .isSandbox)
    try c.encode(isFamilyShared, forKey: .isFamilyShared)
    try c.encode(manageWith, forKey: .manageWith)
    try c.encode(manageUrl, forKey: .manageUrl)
    try c.encode(activeInBothStores, forKey: .activeInBothStores)
    try c.encode(BackendTimestamp.string(from: updatedAt), forKey: .updatedAt)
  }
}
