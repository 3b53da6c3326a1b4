import Foundation
import StoreKit
import SubscriptionCore

/// In-app purchases with StoreKit 2, tied to the Supabase account.
///
/// - Purchases carry `.appAccountToken(<Supabase user id>)`, so Apple's server notifications name
///   the buyer even if the app never reports back.
/// - Every transaction (purchase, `Transaction.updates`, unfinished at launch, restore) is sent to
///   `app-store-sync` and finished only as `FinishPolicy` says: after the backend stored it.
/// - The app never unlocks from StoreKit alone; access comes from the backend's row.
@MainActor
public final class SubscriptionService: ObservableObject {
  @Published public private(set) var products: [Product] = []
  @Published public private(set) var purchaseState: PurchaseState = .idle
  /// What StoreKit says this Apple ID holds, for the paywall's Restore / switch-account cases.
  @Published public private(set) var appleID: AppleIDSubscription = .none

  private let configuration: BridgeConfiguration
  private let backend: SubscriptionBackend
  private let entitlements: EntitlementService
  private let userID: @MainActor () -> UUID?
  private var updatesTask: Task<Void, Never>?
  /// Original transaction ids the server said belong to another account.
  private var ownedElsewhere: Set<String> = []

  public init(
    configuration: BridgeConfiguration, backend: SubscriptionBackend, entitlements: EntitlementService,
    userID: @escaping @MainActor () -> UUID?
  ) {
    self.configuration = configuration
    self.backend = backend
    self.entitlements = entitlements
    self.userID = userID
  }

  // MARK: Launch

  /// Call at launch, before anything else can complete a transaction: listens to
  /// `Transaction.updates` (renewals, Ask to Buy approvals, purchases on other devices, refunds)
  /// for the life of the app, and retries what is still unfinished.
  public func start() {
    guard updatesTask == nil else { return }
    updatesTask = Task { [weak self] in
      for await update in Transaction.updates {
        await self?.handleUpdate(update)
      }
    }
    Task { await self.retryUnfinished() }
  }

  /// Sends every unfinished transaction again (launch, sign-in, foreground).
  public func retryUnfinished() async {
    for await result in Transaction.unfinished {
      await handleUpdate(result)
    }
    await refreshAppleID()
  }

  /// A transaction that arrived outside `purchase()`: sent to the backend, and the purchase the
  /// paywall may be waiting for moves on (an Ask to Buy approval arrives only this way).
  private func handleUpdate(_ verification: VerificationResult<Transaction>) async {
    let outcome = await process(verification)
    let isRevocation = verification.unsafePayloadValue.revocationDate != nil
    purchaseState = purchaseState.afterTransactionUpdate(outcome, isRevocation: isRevocation)
  }

  /// After sign-in: link what this Apple ID already holds to the account, without any prompt.
  /// The backend is idempotent, so sending an already linked transaction again changes nothing.
  public func syncCurrentEntitlements() async {
    guard userID() != nil else { return }
    for await result in Transaction.currentEntitlements {
      await process(result)
    }
    await refreshAppleID()
  }

  // MARK: Products and purchase

  public func loadProducts() async {
    do {
      let loaded = try await Product.products(for: configuration.subscriptionProductIDs)
      products = loaded.sorted { $0.price < $1.price }
    } catch {
      purchaseState = UserFacingError.message(for: .purchase(.storeUnavailable)).map(PurchaseState.failed) ?? .idle
    }
  }

  /// Buys `product` for the signed-in account. Callers should only offer it when the paywall
  /// decision allows a purchase; `decision` is checked again here so a web subscriber is never sold
  /// a second subscription, whatever the UI does.
  public func purchase(_ product: Product, decision: PaywallDecision) async {
    guard let userID = userID() else {
      purchaseState = UserFacingError.message(for: .notSignedIn).map(PurchaseState.failed) ?? .idle
      return
    }
    guard decision.allowsPurchase else { return }
    purchaseState = .purchasing
    do {
      let result = try await product.purchase(options: [.appAccountToken(userID)])
      switch result {
      case let .success(verification):
        purchaseState = await completePurchase(verification)
      case .pending:
        // Ask to Buy or a bank's approval: the transaction arrives through Transaction.updates.
        purchaseState = .awaitingApproval
      case .userCancelled:
        purchaseState = .idle
      @unknown default:
        purchaseState = .idle
      }
    } catch {
      let failure = StoreKitErrorMapper.map(error)
      purchaseState = UserFacingError.message(for: failure).map(PurchaseState.failed) ?? .idle
    }
  }

  /// "Restore Purchases": asks the App Store for this Apple ID's transactions (it may prompt for
  /// the Apple ID password), then links them to the account.
  public func restorePurchases() async {
    purchaseState = .purchasing
    do {
      try await AppStore.sync()
    } catch {
      purchaseState = UserFacingError.message(for: StoreKitErrorMapper.map(error)).map(PurchaseState.failed) ?? .idle
      return
    }
    await syncCurrentEntitlements()
    await entitlements.refresh()
    purchaseState = .idle
  }

  public func clearPurchaseState() {
    purchaseState = .idle
  }

  // MARK: Transactions

  private func completePurchase(_ verification: VerificationResult<Transaction>) async -> PurchaseState {
    switch await process(verification) {
    case .completedInLocalTesting:
      return .completedInLocalTesting
    case .notSent:
      return .awaitingConfirmation
    case let .synced(result):
      await entitlements.refresh()
      return PurchaseState.afterSync(result)
    }
  }

  /// Sends one transaction to the backend and finishes it only as `FinishPolicy` says.
  @discardableResult
  private func process(_ verification: VerificationResult<Transaction>) async -> TransactionOutcome {
    // An unverified transaction is still sent: the backend verifies Apple's signature chain itself
    // and is the only authority; StoreKit's on-device check can fail for reasons the server's
    // does not. Nothing is ever unlocked from the device's opinion alone.
    let transaction: Transaction
    switch verification {
    case let .verified(verified):
      transaction = verified
    case let .unverified(unverified, _):
      transaction = unverified
    }
    guard configuration.subscriptionProductIDs.contains(transaction.productID) else { return .notSent }

    if transaction.environment == .xcode {
      // Xcode's StoreKit testing signs with a local certificate the backend refuses by design:
      // finish it so Xcode does not redeliver it forever; the unlock needs the sandbox.
      await transaction.finish()
      return .completedInLocalTesting
    }
    // Signed out: leave it unfinished; sign-in runs retryUnfinished().
    guard userID() != nil else { return .notSent }

    let result = await backend.syncTransaction(jwsRepresentation: verification.jwsRepresentation)
    if FinishPolicy.disposition(for: result) == .finish {
      await transaction.finish()
    }
    let originalID = String(transaction.originalID)
    switch result {
    case let .accepted(response):
      ownedElsewhere.remove(originalID)
      entitlements.apply(response)
    case .rejected(.ownedByAnotherAccount):
      ownedElsewhere.insert(originalID)
    case .rejected, .unreachable:
      break
    }
    await refreshAppleID()
    return .synced(result)
  }

  /// What this Apple ID holds right now, from StoreKit's local copy (no network prompt).
  private func refreshAppleID() async {
    var state = AppleIDSubscription.none
    for await result in Transaction.currentEntitlements {
      guard case let .verified(transaction) = result,
        configuration.subscriptionProductIDs.contains(transaction.productID),
        transaction.revocationDate == nil
      else { continue }
      let originalID = String(transaction.originalID)
      state = ownedElsewhere.contains(originalID)
        ? .activeOnAnotherAccount(originalTransactionId: originalID)
        : .active(originalTransactionId: originalID)
    }
    appleID = state
  }
}

/// StoreKit's errors as `BridgeError`s.
enum StoreKitErrorMapper {
  static func map(_ error: Error) -> BridgeError {
    if let storeKit = error as? StoreKitError {
      switch storeKit {
      case .userCancelled:
        return .cancelled
      case .networkError:
        return .purchase(.storeUnavailable)
      case .notAvailableInStorefront:
        return .purchase(.productUnavailable)
      case .notEntitled:
        // The app lacks the In-App Purchase entitlement: ours to fix, not a Screen Time setting.
        return .purchase(.notEntitled)
      default:
        return .purchase(.unknown)
      }
    }
    if let purchase = error as? Product.PurchaseError {
      switch purchase {
      case .purchaseNotAllowed:
        return .purchase(.notAllowed)
      case .productUnavailable:
        return .purchase(.productUnavailable)
      default:
        return .purchase(.unknown)
      }
    }
    if error is VerificationResult<Transaction>.VerificationError {
      return .purchase(.failedVerification)
    }
    return BridgeErrorMapper.map(error)
  }
}
