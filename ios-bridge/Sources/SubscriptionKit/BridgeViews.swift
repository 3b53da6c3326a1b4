import StoreKit
import SubscriptionCore
import SwiftUI

extension View {
  /// Refreshes the subscription whenever the app comes to the foreground, and starts the bridge.
  public func subscriptionBridgeLifecycle(_ bridge: SubscriptionBridge) -> some View {
    modifier(BridgeLifecycle(bridge: bridge))
  }
}

struct BridgeLifecycle: ViewModifier {
  @Environment(\.scenePhase) private var scenePhase
  let bridge: SubscriptionBridge

  func body(content: Content) -> some View {
    content
      .task { @MainActor in bridge.start() }
      .onOpenURL { url in
        Task { await bridge.auth.handleOpenURL(url) }
      }
      .onChange(of: scenePhase) { phase in
        guard phase == .active else { return }
        Task { await bridge.sceneDidBecomeActive() }
      }
  }
}

#if os(iOS)
/// "Manage subscription" done by the rules: Apple's sheet for App Store subscribers; for web
/// subscribers, a plain statement that billing is managed on the web (no link out of the app to a
/// payment page).
public struct ManageSubscriptionButton: View {
  private let summary: SubscribedSummary
  private let webAccountURL: URL?
  @State private var showsAppleSheet = false

  public init(summary: SubscribedSummary, webAccountURL: URL?) {
    self.summary = summary
    self.webAccountURL = webAccountURL
  }

  public var body: some View {
    switch summary.store {
    case .appStore:
      Button("Manage subscription") { showsAppleSheet = true }
        .manageSubscriptionsSheet(isPresented: $showsAppleSheet)
    case .stripe, .unrecognized:
      Text(webText)
        .font(.footnote)
        .foregroundStyle(.secondary)
    }
  }

  private var webText: String {
    guard let host = webAccountURL?.host else {
      return "You subscribed on our website. Billing is managed there, from your account page."
    }
    return "You subscribed on our website. Billing is managed on \(host), from your account page."
  }
}
#endif
