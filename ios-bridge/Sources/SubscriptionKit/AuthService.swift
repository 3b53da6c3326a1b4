import Foundation
import Supabase
import SubscriptionCore

/// Accounts: email + password, Sign in with Apple, Google, identity linking, session restore.
/// Same Supabase project as the web app, so one account signs in everywhere.
@MainActor
public final class AuthService: ObservableObject {
  /// Who is signed in (`SubscriptionCore.AuthState`, derived by the tested `AuthStateMachine`).
  public typealias State = AuthState

  public enum SignUpResult: Equatable, Sendable {
    case signedIn
    /// Email confirmation is on: the person must open the link we sent.
    case confirmationEmailSent
  }

  @Published public private(set) var state: State = .restoring
  @Published public private(set) var lastError: UserFacingMessage?

  /// Called with the user id after every change of signed-in user (nil when signed out).
  var onUserChange: ((UUID?) -> Void)?

  private let client: SupabaseClient
  private let configuration: BridgeConfiguration
  private let apple: AppleIDAuthorizing?
  private let google: GoogleIDTokenProviding?
  private var listener: Task<Void, Never>?
  private var currentUserID: UUID?

  public init(
    client: SupabaseClient, configuration: BridgeConfiguration, apple: AppleIDAuthorizing?,
    google: GoogleIDTokenProviding?
  ) {
    self.client = client
    self.configuration = configuration
    self.apple = apple
    self.google = google
  }

  public var userID: UUID? { state.userID }

  /// Starts listening to Supabase Auth. Call once at launch: the first event restores the session.
  public func start() {
    guard listener == nil else { return }
    let changes = client.auth.authStateChanges
    listener = Task { [weak self] in
      for await (event, session) in changes {
        self?.apply(event, session)
      }
    }
  }

  private func apply(_ event: AuthChangeEvent, _ session: Session?) {
    let snapshot = session.map { SessionSnapshot(userID: $0.user.id, email: $0.user.email, isExpired: $0.isExpired) }
    setState(AuthStateMachine.next(state, on: AuthEvent(event), session: snapshot))
  }

  private func setState(_ newState: State) {
    state = newState
    if userID != currentUserID {
      currentUserID = userID
      onUserChange?(userID)
    }
  }

  // MARK: Email and password

  @discardableResult
  public func signUp(email: String, password: String) async -> SignUpResult? {
    await run {
      let response = try await self.client.auth.signUp(
        email: email, password: password, redirectTo: self.configuration.authCallbackURL)
      return response.session == nil ? .confirmationEmailSent : .signedIn
    }
  }

  public func signIn(email: String, password: String) async {
    await run { try await self.client.auth.signIn(email: email, password: password) }
  }

  /// Emails a reset link that opens the app at `passwordResetURL`.
  public func sendPasswordReset(email: String) async {
    await run {
      try await self.client.auth.resetPasswordForEmail(email, redirectTo: self.configuration.passwordResetURL)
    }
  }

  public func updatePassword(_ newPassword: String) async {
    await run {
      try await self.client.auth.update(user: UserAttributes(password: newPassword))
      if case let .choosingNewPassword(userID) = self.state {
        self.setState(.signedIn(userID: userID, email: self.client.auth.currentUser?.email))
      }
    }
  }

  /// Email confirmation, password reset, OAuth and linking redirects (`certgamesapp://auth-callback…`).
  public func handleOpenURL(_ url: URL) async {
    guard url.scheme == configuration.urlScheme else { return }
    await run {
      let session = try await self.client.auth.session(from: url)
      // The reset link carries our own path; PKCE does not say "recovery" by itself.
      if url.absoluteString.hasPrefix(self.configuration.passwordResetURL.absoluteString) {
        self.setState(.choosingNewPassword(userID: session.user.id))
      }
    }
  }

  // MARK: Sign in with Apple

  public func signInWithApple() async {
    guard let apple else { return report(.unexpected("Sign in with Apple is not configured")) }
    let nonce = SignInNonce.random()
    await run {
      let credential = try await apple.authorize(hashedNonce: nonce.sha256Hex)
      try await self.completeAppleSignIn(credential, rawNonce: nonce.raw)
    }
  }

  /// For SwiftUI's `SignInWithAppleButton`: configure its request with `prepareAppleSignIn()`'s
  /// hashed nonce, then pass the credential and the same nonce here.
  public func prepareAppleSignIn() -> SignInNonce {
    SignInNonce.random()
  }

  public func completeAppleSignIn(_ credential: AppleIDCredential, nonce: SignInNonce) async {
    await run { try await self.completeAppleSignIn(credential, rawNonce: nonce.raw) }
  }

  private func completeAppleSignIn(_ credential: AppleIDCredential, rawNonce: String) async throws {
    try await client.auth.signInWithIdToken(
      credentials: OpenIDConnectCredentials(provider: .apple, idToken: credential.identityToken, nonce: rawNonce))
    await saveAppleName(credential)
  }

  /// Apple sends the name only once; save it or lose it. A failure here must not fail the sign-in.
  private func saveAppleName(_ credential: AppleIDCredential) async {
    let metadata = AppleSignInProfile.userMetadata(givenName: credential.givenName, familyName: credential.familyName)
    guard !metadata.isEmpty else { return }
    do {
      try await client.auth.update(user: UserAttributes(data: metadata.mapValues { AnyJSON.string($0) }))
    } catch {
      // Only the display name is lost; the profile keeps whatever it had.
    }
  }

  // MARK: Google

  public func signInWithGoogle() async {
    guard let google else { return report(.unexpected("Google sign-in is not configured")) }
    let nonce = SignInNonce.random()
    await run {
      let token = try await google.signIn(hashedNonce: nonce.sha256Hex)
      try await self.client.auth.signInWithIdToken(
        credentials: OpenIDConnectCredentials(
          provider: .google, idToken: token.idToken, accessToken: token.accessToken, nonce: nonce.raw))
    }
  }

  // MARK: Identity linking (config.toml: enable_manual_linking = true)

  /// The providers this account can sign in with (`email`, `apple`, `google`).
  public func linkedProviders() async -> [String] {
    await run { try await self.client.auth.userIdentities().map(\.provider) } ?? []
  }

  public func linkApple() async {
    guard let apple else { return report(.unexpected("Sign in with Apple is not configured")) }
    let nonce = SignInNonce.random()
    await run {
      let credential = try await apple.authorize(hashedNonce: nonce.sha256Hex)
      try await self.client.auth.linkIdentityWithIdToken(
        credentials: OpenIDConnectCredentials(provider: .apple, idToken: credential.identityToken, nonce: nonce.raw))
      await self.saveAppleName(credential)
    }
  }

  public func linkGoogle() async {
    guard let google else { return report(.unexpected("Google sign-in is not configured")) }
    let nonce = SignInNonce.random()
    await run {
      let token = try await google.signIn(hashedNonce: nonce.sha256Hex)
      try await self.client.auth.linkIdentityWithIdToken(
        credentials: OpenIDConnectCredentials(
          provider: .google, idToken: token.idToken, accessToken: token.accessToken, nonce: nonce.raw))
    }
  }

  /// Adds a password to an Apple- or Google-only account, so it can also sign in with email.
  public func setPassword(_ password: String) async {
    await run { try await self.client.auth.update(user: UserAttributes(password: password)) }
  }

  /// Supabase refuses to remove the last identity (`single_identity_not_deletable`).
  public func unlink(provider: String) async {
    await run {
      let identities = try await self.client.auth.userIdentities()
      guard let identity = identities.first(where: { $0.provider == provider }) else { return }
      try await self.client.auth.unlinkIdentity(identity)
    }
  }

  // MARK: Sign out

  // MARK: Account deletion

  /// Deletes the signed-in account on the backend (web subscription ended, data removed), then
  /// signs out locally. Accounts that use Sign in with Apple re-authorize first, so the backend
  /// can revoke their Apple tokens. Returns what the person must still do in the App Store.
  public func deleteAccount() async -> AccountDeletionResponse? {
    await run {
      var code: String?
      if try await self.client.auth.session.user.identities?.contains(where: { $0.provider == "apple" }) == true, let apple = self.apple {
        code = try await apple.authorize(hashedNonce: SignInNonce.random().sha256Hex).authorizationCode
      }
      let response = try await AuthService.requestDeletion(self.client, appleAuthorizationCode: code)
      try? await self.client.auth.signOut(scope: .local)
      return response
    }
  }

  /// `POST delete-account`. Nonisolated, so the decoding closure handed to supabase-swift is not
  /// main-actor isolated (Swift 6 refuses to send an isolated closure to a nonisolated callee).
  private nonisolated static func requestDeletion(
    _ client: SupabaseClient, appleAuthorizationCode code: String?
  ) async throws -> AccountDeletionResponse {
    try await client.functions.invoke(
      "delete-account",
      options: FunctionInvokeOptions(body: AccountDeletionRequest(appleAuthorizationCode: code))
    ) { data, _ in
      try JSONDecoder().decode(AccountDeletionResponse.self, from: data)
    }
  }

  /// Signs out of this device only. supabase-swift's default scope is `.global`, which would also
  /// end the person's sessions on the web and on every other device.
  public func signOut() async {
    await run {
      self.google?.signOut()
      do {
        // Removes the local session first, then tells Auth; offline, the local sign-out stands.
        try await self.client.auth.signOut(scope: .local)
      } catch {
        if BridgeErrorMapper.map(error) != .network { throw error }
      }
    }
  }

  // MARK: Errors

  public func clearError() {
    lastError = nil
  }

  @discardableResult
  private func run<T>(_ operation: @MainActor () async throws -> T) async -> T? {
    lastError = nil
    do {
      return try await operation()
    } catch {
      report(BridgeErrorMapper.map(error))
      return nil
    }
  }

  private func report(_ error: BridgeError) {
    lastError = UserFacingError.message(for: error)
  }
}

extension AuthEvent {
  init(_ event: AuthChangeEvent) {
    switch event {
    case .initialSession: self = .initialSession
    case .signedIn: self = .signedIn
    case .tokenRefreshed: self = .tokenRefreshed
    case .userUpdated: self = .userUpdated
    case .passwordRecovery: self = .passwordRecovery
    case .signedOut: self = .signedOut
    case .userDeleted: self = .userDeleted
    default: self = .other
    }
  }
}
