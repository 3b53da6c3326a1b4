import Foundation

/// Who is signed in, as the app shows it (`AuthService.state`).
public enum AuthState: Equatable, Sendable {
  /// Launch: the Keychain session has not been read yet.
  case restoring
  case signedOut
  case signedIn(userID: UUID, email: String?)
  /// Opened from the password-reset email: ask for a new password (`updatePassword`).
  case choosingNewPassword(userID: UUID)

  public var userID: UUID? {
    switch self {
    case let .signedIn(userID, _), let .choosingNewPassword(userID):
      return userID
    case .restoring, .signedOut:
      return nil
    }
  }
}

/// Supabase Auth's events (supabase-swift's `AuthChangeEvent`), as far as they change `AuthState`.
public enum AuthEvent: Equatable, Sendable {
  case initialSession
  case signedIn
  case tokenRefreshed
  case userUpdated
  case passwordRecovery
  case signedOut
  case userDeleted
  /// Anything else (an MFA challenge verified…): no change.
  case other
}

/// The session an event carries.
public struct SessionSnapshot: Equatable, Sendable {
  public let userID: UUID
  public let email: String?
  /// Its access token has expired (supabase-swift refreshes it in the background).
  public let isExpired: Bool

  public init(userID: UUID, email: String?, isExpired: Bool) {
    self.userID = userID
    self.email = email
    self.isExpired = isExpired
  }
}

public enum AuthStateMachine {
  /// The state after `event`.
  ///
  /// The session stored in the Keychain is emitted at launch at once, even when its access token
  /// has expired (supabase-swift's `emitLocalSessionAsInitialSession`). It names the person, so the
  /// app is signed in as them at once: offline, the refresh waits for the network while the app
  /// shows their cached row; online, it succeeds (`tokenRefreshed`), or, if the refresh token was
  /// revoked, supabase-swift removes the session and emits `signedOut`. Waiting for the refresh
  /// instead would hold an offline launch on "restoring" until the network returns.
  public static func next(_ state: AuthState, on event: AuthEvent, session: SessionSnapshot?) -> AuthState {
    switch event {
    case .initialSession:
      guard let session else { return .signedOut }
      return .signedIn(userID: session.userID, email: session.email)
    case .signedIn, .tokenRefreshed, .userUpdated:
      guard let session else { return state }
      // A refreshed token or updated user does not end the "choose a new password" step.
      if case .choosingNewPassword = state, event != .signedIn { return state }
      return .signedIn(userID: session.userID, email: session.email)
    case .passwordRecovery:
      guard let session else { return state }
      return .choosingNewPassword(userID: session.userID)
    case .signedOut, .userDeleted:
      return .signedOut
    case .other:
      return state
    }
  }
}
