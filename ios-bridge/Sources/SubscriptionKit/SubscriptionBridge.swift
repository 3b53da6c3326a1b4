import Combine
import Foundation
import Supabase
import SubscriptionCore

/// The one object the app creates: accounts, the subscription and the paywall decision, wired
/// together.
///
/// ```swift
/// @main struct CertGamesApp: App {
///   @StateObject private var bridge = SubscriptionBridge(
///     configuration: try! BridgeConfiguration(infoDictionary: Bundle.main.infoDictionary ?? [:]),
///     google: GoogleSignInProvider())
///   var body: some Scene {
///     WindowGroup { RootView().environmentObject(bridge).subscriptionBridgeLifecycle(bridge) }
///   }
/// }
/// ```
@MainActor
public final class SubscriptionBridge: ObservableObject {
  public let configuration: BridgeConfiguration
  public let client: SupabaseClient
  public let auth: AuthService
  public let entitlements: EntitlementService
  public let subscriptions: SubscriptionService

  private var forwarding: Set<AnyCancellable> = []
  private var started = false

  public init(
    configuration: BridgeConfiguration, google: GoogleIDTokenProviding? = nil, apple: AppleIDAuthorizing? = nil
  ) {
    let client = SupabaseClientFactory.makeClient(configuration)
    let backend = SupabaseSubscriptionBackend(client: client)
    self.configuration = configuration
    self.client = client
    #if canImport(AuthenticationServices) && canImport(UIKit)
      let appleAuthorizer: AppleIDAuthorizing? = apple ?? AppleIDAuthorizer()
    #else
      let appleAuthorizer: AppleIDAuthorizing? = apple
    #endif
    // Locals, not `self.…`: a class may not read its properties before all of them are set.
    let auth = AuthService(client: client, configuration: configuration, apple: appleAuthorizer, google: google)
    // The last row is kept in Application Support: a launch without network shows it.
    let entitlements = EntitlementService(
      backend: backend, changeFeed: RealtimeEntitlementChangeFeed(client: client),
      cache: FileEntitlementCacheStore.applicationSupport())
    self.auth = auth
    self.entitlements = entitlements
    subscriptions = SubscriptionService(
      configuration: configuration, backend: backend, entitlements: entitlements, userID: { auth.userID })

    // SwiftUI observes the bridge; republish its parts' changes.
    for publisher in [
      auth.objectWillChange.eraseToAnyPublisher(),
      entitlements.objectWillChange.eraseToAnyPublisher(),
      subscriptions.objectWillChange.eraseToAnyPublisher(),
    ] {
      publisher.sink { [weak self] _ in self?.objectWillChange.send() }.store(in: &forwarding)
    }
  }

  /// At launch: restore the session, listen to Transaction.updates, retry unfinished transactions.
  public func start() {
    guard !started else { return }
    started = true
    auth.onUserChange = { [weak self] userID in
      Task { await self?.userChanged(userID) }
    }
    subscriptions.start()
    auth.start()
    Task { await self.subscriptions.loadProducts() }
  }

  /// Foreground: the subscription may have changed on the web or in Settings meanwhile.
  public func sceneDidBecomeActive() async {
    await entitlements.refresh()
    await subscriptions.retryUnfinished()
  }

  public var paywall: PaywallDecision {
    Paywall.decide(
      PaywallInput(
        isSignedIn: auth.userID != nil,
        entitlement: entitlements.state,
        appleID: subscriptions.appleID,
        now: Date()))
  }

  private func userChanged(_ userID: UUID?) async {
    await entitlements.userDidChange(userID)
    guard userID != nil else { return }
    // Link what this Apple ID already bought, and send what was left unfinished while signed out.
    await subscriptions.retryUnfinished()
    await subscriptions.syncCurrentEntitlements()
  }
}
