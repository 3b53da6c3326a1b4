import Foundation

/// At most one request in flight, for system sheets that answer through a delegate or a callback
/// (Sign in with Apple, Google Sign-In).
///
/// The caller awaits the answer. A second request while one is pending is refused at once with
/// `RequestAlreadyInProgress` instead of replacing the first one's continuation (whose caller would
/// then wait forever); an answer carrying the token of an earlier request is ignored. This is the
/// only place in the package that stores a continuation (the contract test checks it).
@MainActor
public final class PendingRequest<Value: Sendable> {
  /// Identifies one request.
  public struct Token: Hashable, Sendable {
    fileprivate let value: UInt64
  }

  private var pending: (token: Token, continuation: CheckedContinuation<Value, Error>)?
  private var issued: UInt64 = 0

  public nonisolated init() {}

  public var isPending: Bool { pending != nil }

  /// Starts a request: `start` receives its token and begins the work (presents the sheet); the
  /// result is what `complete(_:with:)` later receives for that token.
  /// - Throws: `RequestAlreadyInProgress` at once while another request is pending.
  public func run(_ start: (Token) -> Void) async throws -> Value {
    guard pending == nil else { throw RequestAlreadyInProgress() }
    issued &+= 1
    let token = Token(value: issued)
    // Runs on this actor without suspending first (Swift 6's isolated continuation), so no other
    // request can start between the check above and the assignment below.
    return try await withCheckedThrowingContinuation { continuation in
      pending = (token, continuation)
      start(token)
    }
  }

  /// Answers the request `token` started. Returns false, and does nothing, when that request is
  /// not the pending one (already answered, or an earlier request's late callback).
  @discardableResult
  public func complete(_ token: Token, with result: Result<Value, Error>) -> Bool {
    guard let current = pending, current.token == token else { return false }
    pending = nil
    current.continuation.resume(with: result)
    return true
  }
}

/// A second interactive request was started while the first one's sheet is still on screen.
/// `BridgeError.known` maps it to `.cancelled`: nothing to tell the person, the sheet is the answer.
public struct RequestAlreadyInProgress: Error, Equatable, Sendable {
  public init() {}
}
