import Foundation

@testable import SubscriptionCore

/// Rows for the decision tests, starting from an active App Store subscription.
func makeRow(
  store: BillingStore = .appStore,
  status: SubscriptionStatus = .active,
  isActive: Bool = true,
  periodEndsIn: TimeInterval? = 20 * 86_400,
  graceEndsIn: TimeInterval? = nil,
  willRenew: Bool = true,
  bothStores: Bool = false,
  updatedAgo: TimeInterval = 60,
  now: Date = Fixture.now
) -> SubscriptionRow {
  SubscriptionRow(
    userId: UUID(uuidString: "00000000-0000-4000-8000-000000000001")!,
    isActive: isActive,
    status: status,
    store: store,
    productId: store == .stripe ? "prod_premium" : CertGamesApp.monthlyPremiumProductID,
    currentPeriodEndsAt: periodEndsIn.map { now.addingTimeInterval($0) },
    willRenew: willRenew,
    inGracePeriod: status == .inGracePeriod,
    gracePeriodEndsAt: graceEndsIn.map { now.addingTimeInterval($0) },
    hasBillingIssue: status == .inGracePeriod || status == .pastDue,
    isSandbox: false,
    isFamilyShared: false,
    manageWith: store == .stripe ? .stripeCustomerPortal : .appStore,
    manageUrl: store == .appStore ? URL(string: "https://apps.apple.com/account/subscriptions") : nil,
    activeInBothStores: bothStores,
    updatedAt: now.addingTimeInterval(-updatedAgo))
}
