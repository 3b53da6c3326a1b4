import Foundation
import Supabase
import SubscriptionCore

public enum SupabaseClientFactory {
  /// One client per app: the same project as the web app, so every account works on both.
  public static func makeClient(_ configuration: BridgeConfiguration) -> SupabaseClient {
    SupabaseClient(
      supabaseURL: configuration.supabaseURL,
      supabaseKey: configuration.supabasePublishableKey,
      options: SupabaseClientOptions(
        auth: SupabaseClientOptions.AuthOptions(
          // Email links, OAuth and identity linking come back through the app's URL scheme.
          redirectToURL: configuration.authCallbackURL,
          flowType: .pkce,
          // Emit the Keychain session at launch at once (even if expired; it refreshes in the
          // background) instead of waiting for a network round trip. supabase-swift v3 makes this
          // the only behaviour and removes the parameter.
          emitLocalSessionAsInitialSession: true
        )
      )
    )
  }
}
