import XCTest

@testable import SubscriptionCore

/// Sign in with Apple and Google go through PendingRequest: a second request while the first
/// sheet is up must not replace the first caller's continuation (that caller would wait forever).
final class PendingRequestTests: XCTestCase {
  @MainActor
  func testASecondRequestWhileOneIsPendingIsRefusedAndTheFirstStillGetsItsAnswer() async throws {
    let requests = PendingRequest<String>()
    let tokens = Recorder<PendingRequest<String>.Token>()
    let first = Task { try await requests.run { tokens.values.append($0) } }
    await waitUntil { requests.isPending }

    do {
      _ = try await requests.run { _ in XCTFail("a second sheet must not be presented") }
      XCTFail("the second request must be refused")
    } catch {
      XCTAssertTrue(error is RequestAlreadyInProgress, "\(error)")
      // Refused quietly: the first sheet is on screen.
      XCTAssertEqual(BridgeError.known(error), .cancelled)
      XCTAssertNil(UserFacingError.message(for: .cancelled))
    }

    XCTAssertEqual(tokens.values.count, 1)
    XCTAssertTrue(requests.complete(try XCTUnwrap(tokens.values.first), with: .success("first")))
    let answer = try await first.value
    XCTAssertEqual(answer, "first")
    XCTAssertFalse(requests.isPending)
  }

  @MainActor
  func testALateAnswerForAnEarlierRequestDoesNotAnswerTheCurrentOne() async throws {
    let requests = PendingRequest<String>()
    let tokens = Recorder<PendingRequest<String>.Token>()
    let first = Task { try await requests.run { tokens.values.append($0) } }
    await waitUntil { requests.isPending }
    requests.complete(tokens.values[0], with: .success("one"))
    _ = try await first.value

    let second = Task { try await requests.run { tokens.values.append($0) } }
    await waitUntil { requests.isPending }
    XCTAssertNotEqual(tokens.values[0], tokens.values[1])
    XCTAssertFalse(requests.complete(tokens.values[0], with: .success("stale")), "the earlier request's callback")
    XCTAssertTrue(requests.isPending)
    XCTAssertTrue(requests.complete(tokens.values[1], with: .success("two")))
    XCTAssertFalse(requests.complete(tokens.values[1], with: .success("twice")), "answered once only")
    let answer = try await second.value
    XCTAssertEqual(answer, "two")
  }

  @MainActor
  func testAFailureReachesTheCallerAndFreesTheSlot() async throws {
    let requests = PendingRequest<String>()
    let tokens = Recorder<PendingRequest<String>.Token>()
    let failing = Task { try await requests.run { tokens.values.append($0) } }
    await waitUntil { requests.isPending }
    requests.complete(tokens.values[0], with: .failure(BridgeError.network))
    do {
      _ = try await failing.value
      XCTFail("the failure must be thrown")
    } catch {
      XCTAssertEqual(error as? BridgeError, .network)
    }
    XCTAssertFalse(requests.isPending)
  }
}

@MainActor
final class Recorder<Value> {
  var values: [Value] = []
}

/// Lets other main-actor tasks run until `condition` holds (or gives up after many turns).
@MainActor
func waitUntil(_ condition: () -> Bool) async {
  for _ in 0..<10_000 where !condition() {
    await Task.yield()
  }
}
