// Static checks for the iOS bridge's bugs that a Swift compiler or a device would have shown (issue
// 13, items 1–9). No Swift toolchain exists on our machines, so each check reads the Swift sources
// with tree-sitter-swift and fails on the code as it was before the fix; the behaviour itself is
// tested by SubscriptionCore's XCTest suite on a Mac (`cd ios-bridge && swift test`).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type Parser from 'tree-sitter';
import { repoRoot } from '../../../scripts/lib/supabase-compat.ts';
import { readCommittedFixtures, type Fixture } from './contract-fixtures.ts';
import { parseSwift } from './swift-syntax.ts';

type Node = Parser.SyntaxNode;

const IOS = join(repoRoot, 'ios-bridge');

/**
 * The supabase-swift APIs the bridge calls, each with the first release that has it. Verified in
 * supabase-swift's git history (github.com/supabase/supabase-swift, every v2 tag from v2.6.0 to
 * v2.55.1, the last 2.x release when this was written): the declaration is present from `since` on, in
 * every later 2.x tag. `2.6.0` means "in every tag scanned". Package.swift's lower bound must be at
 * least the highest `since` of the APIs the sources use; a call to a supabase-swift member missing
 * from this table fails the coverage check, so a new call cannot slip in unversioned.
 *
 * `member` keys: `auth.X` (client.auth.X), `functions.X`, `client.X`, `rest.X` (a member of a
 * `client.from(…)` query chain), `channel.X` (a RealtimeChannelV2).
 */
const SUPABASE_API: { api: string; since: string; evidence: string; member?: string[]; pattern?: RegExp }[] = [
  { api: 'SupabaseClientOptions.AuthOptions(…, emitLocalSessionAsInitialSession:)', since: '2.37.0', evidence: 'Sources/Auth/AuthClientConfiguration.swift, Sources/Supabase/Types.swift @ v2.37.0 (absent @ v2.36.0)', pattern: /\bemitLocalSessionAsInitialSession\s*:/ },
  { api: 'client.auth.linkIdentityWithIdToken(credentials:)', since: '2.32.0', evidence: 'Sources/Auth/AuthClient.swift @ v2.32.0 (absent @ v2.31.2)', member: ['auth.linkIdentityWithIdToken'] },
  { api: 'RealtimeChannelV2.subscribeWithError()', since: '2.31.0', evidence: 'Sources/Realtime/RealtimeChannelV2.swift @ v2.31.0 (absent @ v2.30.2)', member: ['channel.subscribeWithError'] },
  { api: 'channel.postgresChange(AnyAction.self, schema:table:filter: RealtimePostgresFilter?)', since: '2.25.0', evidence: 'Sources/Realtime/RealtimeChannel+AsyncAwait.swift, RealtimePostgresFilter.swift @ v2.25.0 (filter was a String before)', member: ['channel.postgresChange'], pattern: /\bAnyAction\.self\b|\bfilter:\s*\.eq\(/ },
  { api: 'client.auth.authStateChanges (nonisolated)', since: '2.24.6', evidence: 'Sources/Auth/AuthClient.swift @ v2.24.6', member: ['auth.authStateChanges'] },
  { api: 'client.auth.currentUser (nonisolated)', since: '2.24.6', evidence: 'Sources/Auth/AuthClient.swift @ v2.24.6', member: ['auth.currentUser'] },
  { api: 'AuthError.errorCode / .message / .sessionMissing', since: '2.18.0', evidence: 'Sources/Auth/AuthError.swift @ v2.18.0', pattern: /\bAuthError\b/ },
  { api: 'client.channel(_:options:) -> RealtimeChannelV2', since: '2.15.0', evidence: 'Sources/Supabase/SupabaseClient.swift @ v2.15.0', member: ['client.channel'] },
  { api: 'Session.isExpired', since: '2.12.0', evidence: 'Sources/Auth/Types.swift @ v2.12.0', pattern: /\.isExpired\b/ },
  { api: 'HTTPError(data:response:)', since: '2.8.5', evidence: 'Sources/Helpers/SharedModels/HTTPError.swift @ v2.8.5', pattern: /\bHTTPError\b/ },
  { api: 'SupabaseClient(supabaseURL:supabaseKey:options:)', since: '2.6.0', evidence: 'Sources/Supabase/SupabaseClient.swift', pattern: /\bSupabaseClient\(/ },
  { api: 'client.auth / client.functions / client.removeChannel(_:)', since: '2.6.0', evidence: 'Sources/Supabase/SupabaseClient.swift', member: ['client.auth', 'client.functions', 'client.removeChannel'] },
  { api: 'auth.signUp(email:password:redirectTo:), signIn(email:password:), resetPasswordForEmail(_:redirectTo:), update(user:), session(from:), session, signInWithIdToken(credentials:), userIdentities(), unlinkIdentity(_:), signOut(scope:), refreshSession()', since: '2.6.0', evidence: 'Sources/Auth/AuthClient.swift', member: ['auth.signUp', 'auth.signIn', 'auth.resetPasswordForEmail', 'auth.update', 'auth.session', 'auth.signInWithIdToken', 'auth.userIdentities', 'auth.unlinkIdentity', 'auth.signOut', 'auth.refreshSession'] },
  { api: 'OpenIDConnectCredentials(provider:idToken:accessToken:nonce:), UserAttributes(password:data:), AnyJSON', since: '2.6.0', evidence: 'Sources/Auth/Types.swift, Sources/Helpers/AnyJSON', pattern: /\b(OpenIDConnectCredentials|UserAttributes|AnyJSON)\b/ },
  { api: 'functions.invoke(_:options:decode:), FunctionInvokeOptions(body:), FunctionsError.httpError(code:data:)', since: '2.6.0', evidence: 'Sources/Functions/FunctionsClient.swift, Types.swift', member: ['functions.invoke'], pattern: /\b(FunctionInvokeOptions|FunctionsError)\b/ },
  { api: 'client.from(_:) … select(), eq(_:value:), gt(_:value:), order(_:), limit(_:), execute().value', since: '2.6.0', evidence: 'Sources/PostgREST/*.swift', member: ['client.from', 'rest.select', 'rest.eq', 'rest.gt', 'rest.order', 'rest.limit', 'rest.execute', 'rest.value'] },
  { api: 'PostgrestError (code, message)', since: '2.6.0', evidence: 'Sources/Helpers/SharedModels/PostgrestError.swift', pattern: /\bPostgrestError\b/ },
];

/** swift-tools-version of supabase-swift's Package.swift from each release on (verified per tag). */
const SUPABASE_TOOLS: [since: string, tools: string][] = [['2.6.0', '5.9'], ['2.30.1', '5.10'], ['2.50.0', '6.1']];

const semver = (v: string) => v.split('.').map(Number);
function compareVersions(a: string, b: string): number {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

interface SwiftFile {
  path: string;
  source: string;
  root: Node;
  /** The source with every comment blanked (same offsets), for text patterns. */
  code: string;
}

function descendants(node: Node, predicate: (n: Node) => boolean): Node[] {
  const found: Node[] = [];
  const visit = (n: Node) => {
    if (predicate(n)) found.push(n);
    for (const child of n.namedChildren) visit(child);
  };
  visit(node);
  return found;
}

function ancestors(node: Node): Node[] {
  const list: Node[] = [];
  for (let n = node.parent; n; n = n.parent) list.push(n);
  return list;
}

/** `@MainActor`, `nonisolated`, `private`… of a declaration. */
function modifiers(declaration: Node): string[] {
  const mods = declaration.namedChildren.find((c) => c.type === 'modifiers');
  return (mods?.namedChildren ?? []).map((m) => m.text.replace(/\s+/g, ''));
}

/** The declared (or extended) type name of a class_declaration node (struct, class, enum, extension). */
function typeName(declaration: Node): string {
  const name = declaration.childForFieldName('name');
  return (name?.text ?? '').replace(/<.*$/, '');
}

/** Removes whitespace, `try`, `await`, `self.`, and the contents of argument lists and trailing closures. */
function chainText(node: Node): string {
  let text = node.text.replace(/\b(try[?!]?|await)\s+/g, '');
  let out = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '(' || ch === '{' || ch === '[') {
      if (depth === 0) out += ch === '{' ? '{' : ch === '(' ? '(' : '[';
      depth++;
    } else if (ch === ')' || ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) out += ch;
    } else if (depth === 0) {
      out += ch;
    }
  }
  text = out.replace(/\s+/g, '').replace(/\bself\??\./g, '').replace(/\{\}/g, '');
  return text;
}

function calleeText(call: Node): string {
  return chainText(call.namedChildren[0]);
}

/** The closure a call passes: its trailing closure, or a closure argument. */
function lambdaOfCall(call: Node): Node | undefined {
  const suffix = call.namedChildren.find((c) => c.type === 'call_suffix');
  const trailing = suffix?.namedChildren.find((c) => c.type === 'lambda_literal');
  if (trailing) return trailing;
  const args = suffix?.namedChildren.find((c) => c.type === 'value_arguments')?.namedChildren ?? [];
  return args.flatMap((a) => a.namedChildren).find((c) => c.type === 'lambda_literal');
}

describe('iOS bridge: regressions of issue 13 checked statically', () => {
  const files: SwiftFile[] = [];
  let fixtures: Map<string, Fixture>;
  let manifest: string;

  const file = (path: string) => {
    const found = files.find((f) => f.path === path);
    assert.ok(found, `${path} not found`);
    return found;
  };
  const sources = (prefix: string) => files.filter((f) => f.path.startsWith(prefix));
  const kitSources = () => [...sources('ios-bridge/Sources/SubscriptionKit/'), ...sources('ios-bridge/Sources/SubscriptionKitGoogle/')];
  /** Declarations (struct/class/enum/actor, not extensions) by name, across the package. */
  const declarations = (name: string) =>
    files.flatMap((f) => descendants(f.root, (n) => n.type === 'class_declaration' && typeName(n) === name && n.child(0)?.type !== 'extension' && !n.children.some((c) => c.type === 'extension')));
  const functionsNamed = (f: SwiftFile, name: string) =>
    descendants(f.root, (n) => n.type === 'function_declaration' && n.childForFieldName('name')?.text === name);
  const calls = (root: Node, callee: RegExp) => descendants(root, (n) => n.type === 'call_expression' && callee.test(calleeText(n)));

  before(async () => {
    const entries = await readdir(IOS, { withFileTypes: true, recursive: true });
    for (const e of entries) {
      const full = join(e.parentPath, e.name);
      if (!e.isFile() || !e.name.endsWith('.swift') || full.includes('/.build/')) continue;
      const source = await readFile(full, 'utf8');
      const root = parseSwift(source).rootNode;
      let code = source;
      for (const c of descendants(root, (n) => n.type === 'comment' || n.type === 'multiline_comment')) {
        code = code.slice(0, c.startIndex) + c.text.replace(/[^\n]/g, ' ') + code.slice(c.endIndex);
      }
      files.push({ path: relative(repoRoot, full), source, root, code });
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    manifest = await readFile(join(IOS, 'Package.swift'), 'utf8');
    fixtures = await readCommittedFixtures();
  });

  // 1. Package.swift allowed supabase-swift 2.36.0, which lacks emitLocalSessionAsInitialSession.
  test('1. the supabase-swift lower bound has every API the sources call (table of first versions)', () => {
    const dependency = /\.package\(\s*url:\s*"https:\/\/github\.com\/supabase\/supabase-swift(?:\.git)?"\s*,\s*(?:\.upToNextMajor\(\s*from:|\.upToNextMinor\(\s*from:|from:|exact:)\s*"(\d+\.\d+\.\d+)"/.exec(manifest);
    assert.ok(dependency, 'supabase-swift dependency with a version requirement not found in Package.swift');
    const floor = dependency[1];

    // Coverage: every member used on the client, its auth/functions clients, a query chain or a channel.
    const used = new Map<string, string>();
    for (const f of kitSources()) {
      for (const nav of descendants(f.root, (n) => n.type === 'navigation_expression')) {
        const member = nav.namedChildren.find((c) => c.type === 'navigation_suffix')?.namedChildren.at(-1)?.text;
        if (!member) continue;
        const target = chainText(nav.namedChildren[0]);
        let key: string | undefined;
        if (target === 'client.auth') key = `auth.${member}`;
        else if (target === 'client.functions') key = `functions.${member}`;
        else if (target === 'client') key = `client.${member}`;
        else if (target.startsWith('client.from(')) key = `rest.${member}`;
        else if (target === 'channel') key = `channel.${member}`;
        if (key && !used.has(key)) used.set(key, `${f.path}:${nav.startPosition.row + 1}`);
      }
    }
    const known = new Set(SUPABASE_API.flatMap((a) => a.member ?? []));
    const unknown = [...used].filter(([key]) => !known.has(key)).map(([key, at]) => `${key} (${at})`);
    assert.deepEqual(unknown, [], 'supabase-swift members with no entry in SUPABASE_API: find the first release that has each, add it');

    const required = SUPABASE_API.filter((a) =>
      (a.member ?? []).some((m) => used.has(m)) || (a.pattern !== undefined && kitSources().some((f) => a.pattern!.test(f.code))));
    const tooNew = required.filter((a) => compareVersions(a.since, floor) > 0).map((a) => `${a.api} needs ${a.since} (${a.evidence})`);
    assert.deepEqual(tooNew, [], `Package.swift allows supabase-swift from ${floor}, which lacks APIs the sources call`);

    // The manifest's own tools version must be able to read the floor's manifest.
    const tools = /^\/\/ swift-tools-version:\s*(\d+\.\d+(?:\.\d+)?)/.exec(manifest)?.[1];
    assert.ok(tools, 'no swift-tools-version line');
    const floorTools = SUPABASE_TOOLS.filter(([since]) => compareVersions(since, floor) <= 0).at(-1)![1];
    assert.ok(compareVersions(tools, floorTools) >= 0, `supabase-swift ${floor} declares swift-tools-version ${floorTools}, the package ${tools}`);
  });

  // 2. testEveryFixtureDecodes listed no decoder for the delete-account fixtures.
  test('2. ContractDecodingTests maps every 2xx fixture, by name prefix, to exactly one model that exists', () => {
    const tests = file('ios-bridge/Tests/SubscriptionCoreTests/ContractDecodingTests.swift');
    const binding = descendants(tests.root, (n) => n.type === 'property_declaration' && n.childrenForFieldName('name').some((p) => p.text === 'decoders'))[0];
    assert.ok(binding, 'ContractDecodingTests has no `decoders` table (fixture-name prefix → model)');
    const literal = descendants(binding, (n) => n.type === 'dictionary_literal')[0];
    assert.ok(literal, '`decoders` must be a dictionary literal ["prefix": { decode }]');
    const table: { prefix: string; model: string }[] = [];
    const children = literal.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'multiline_comment');
    for (let i = 0; i + 1 < children.length; i += 2) {
      const [key, value] = [children[i], children[i + 1]];
      assert.equal(key.type, 'line_string_literal', `decoders key ${key.text} is not a string literal`);
      const prefix = key.namedChildren.filter((c) => c.type === 'line_str_text').map((c) => c.text).join('');
      const model = /decode\(\s*\[?\s*([A-Za-z0-9_]+)\s*\]?\.self/.exec(value.text)?.[1];
      assert.ok(model, `decoders["${prefix}"] decodes no model`);
      table.push({ prefix, model });
    }
    const declared = (name: string) => declarations(name).length > 0;
    for (const { prefix, model } of table) assert.ok(declared(model), `decoders["${prefix}"]: ${model} is not declared in ios-bridge`);

    const undecoded: string[] = [];
    for (const [name, fixture] of fixtures) {
      if (fixture.status >= 300) continue; // errors decode as BackendErrorEnvelope
      const matches = table.filter((t) => name.startsWith(t.prefix));
      if (matches.length !== 1) undecoded.push(`${name}: ${matches.length} decoders`);
    }
    assert.deepEqual(undecoded, [], 'fixtures no model (or several) decodes: add their prefix to `decoders`');
  });

  // 3. signOut() used supabase-swift's default scope, .global: every device was signed out.
  test('3. every Supabase signOut names scope: .local', () => {
    const signOuts = kitSources().flatMap((f) =>
      calls(f.root, /(^|\.)auth\.signOut$/).map((c) => ({ at: `${f.path}:${c.startPosition.row + 1}`, args: c.namedChildren.find((x) => x.type === 'call_suffix')?.text ?? '' })));
    assert.ok(signOuts.length >= 2, 'expected the sign-out and the account deletion to sign out of Supabase');
    const wrong = signOuts.filter((s) => !/\bscope:\s*\.local\b/.test(s.args)).map((s) => `${s.at} ${s.args}`);
    assert.deepEqual(wrong, [], 'signOut without scope: .local signs the person out of the web and every other device');
  });

  // 4. Nothing kept the last row between launches; an expired session offline stayed `.restoring`.
  test('4. offline launch: the bridge persists the last row, and auth state comes from the tested state machine', () => {
    const bridge = file('ios-bridge/Sources/SubscriptionKit/SubscriptionBridge.swift');
    const made = calls(bridge.root, /^EntitlementService$/);
    assert.equal(made.length, 1, 'SubscriptionBridge creates one EntitlementService');
    assert.match(made[0].text, /\bcache:\s*(?!nil\b)\S/, 'SubscriptionBridge must give EntitlementService a persistent cache (cache: …)');

    const auth = file('ios-bridge/Sources/SubscriptionKit/AuthService.swift');
    assert.ok(calls(auth.root, /^AuthStateMachine\.next$/).length > 0, 'AuthService must derive its state with AuthStateMachine.next (SubscriptionCore, tested)');
    assert.doesNotMatch(auth.code, /\.isExpired\s*\?\s*\.restoring/, 'an expired stored session must not hold the app in .restoring');
    const setsRestoring = descendants(auth.root, (n) => n.type === 'call_expression' && /^setState$/.test(calleeText(n)) && /\.restoring\b/.test(n.text));
    assert.deepEqual(setsRestoring.map((n) => n.startPosition.row + 1), [], 'AuthService sets .restoring outside the state machine');
  });

  // 5. A user switch during the read installed a feed for the old user; a quick sign-out/in as the
  //    same user reused a Realtime channel that the pending removal then unsubscribed.
  test('5. no change feed is started for a user who is no longer current, and every stream gets its own channel', () => {
    const starts: string[] = [];
    for (const f of files.filter((x) => x.path.includes('/Sources/'))) {
      for (const fn of functionsNamed(f, 'userDidChange')) {
        const body = fn.childForFieldName('body') ?? fn.namedChildren.find((c) => c.type === 'function_body');
        assert.ok(body, `${f.path}: userDidChange without a body`);
        const text = body.text;
        const firstAwait = text.search(/\bawait\b/);
        const feedStart = text.search(/\bchanges\s*\(|\bstartFeed\s*\(|changeFeed\??\.changes\s*\(/);
        if (firstAwait < 0 || feedStart < 0) continue;
        starts.push(f.path);
        const between = text.slice(firstAwait, feedStart);
        assert.match(between, /\bguard\b[^{]*(==|!=)[^{]*else\s*\{\s*return/, `${f.path}: userDidChange starts a change feed after an await without checking that the user is still current`);
      }
    }
    assert.ok(starts.length > 0, 'no userDidChange that starts a change feed after reading the row');

    const feed = file('ios-bridge/Sources/SubscriptionKit/EntitlementChangeFeed.swift');
    const channels = calls(feed.root, /(^|\.)channel$/);
    assert.ok(channels.length > 0, 'RealtimeEntitlementChangeFeed opens no channel');
    for (const c of channels) {
      assert.match(c.text, /UUID\(\)/, `${feed.path}:${c.startPosition.row + 1}: the channel topic must be unique per stream (UUID()), or client.channel(_:) returns a channel another stream is removing`);
    }
  });

  // 6. Ask to Buy: the approved transaction from Transaction.updates never updated purchaseState.
  test('6. transactions from Transaction.updates advance purchaseState through afterTransactionUpdate', () => {
    const service = file('ios-bridge/Sources/SubscriptionKit/SubscriptionService.swift');
    const loops = descendants(service.root, (n) => n.type === 'for_statement' && /^Transaction\.(updates|unfinished)$/.test(chainText(n.namedChildren.find((c) => c.type !== 'pattern' && c.type !== 'type_annotation' && c.text !== 'await')!)));
    assert.ok(loops.some((l) => l.text.includes('Transaction.updates')), 'no for-await loop over Transaction.updates');
    const reaches = (node: Node, seen = new Set<string>()): boolean => {
      if (/\bafterTransactionUpdate\s*\(/.test(node.text)) return true;
      for (const call of calls(node, /^[A-Za-z_][A-Za-z0-9_]*$/)) {
        const name = calleeText(call);
        if (seen.has(name)) continue;
        seen.add(name);
        if (functionsNamed(service, name).some((fn) => reaches(fn, seen))) return true;
      }
      return false;
    };
    for (const loop of loops) {
      assert.ok(reaches(loop), `${service.path}:${loop.startPosition.row + 1}: a transaction from ${loop.text.includes('updates') ? 'Transaction.updates' : 'Transaction.unfinished'} never reaches PurchaseState.afterTransactionUpdate: an Ask to Buy approval leaves the UI waiting`);
    }
  });

  // 7. A second Sign in with Apple overwrote the pending continuation; the first caller hung.
  test('7. continuations are stored only by PendingRequest, which refuses a second request', () => {
    const ALLOWED = 'ios-bridge/Sources/SubscriptionCore/PendingRequest.swift';
    const stored: string[] = [];
    // The app's code (tests may hold continuations to script a fake).
    for (const f of files.filter((x) => x.path.includes('/Sources/') && x.path !== ALLOWED)) {
      for (const call of calls(f.root, /^with(Checked|Unsafe)(Throwing)?Continuation$/)) {
        const lambda = lambdaOfCall(call);
        const parameter = lambda && descendants(lambda, (n) => n.type === 'lambda_parameter')[0]?.text;
        if (!lambda || !parameter) continue;
        for (const assignment of descendants(lambda, (n) => n.type === 'assignment')) {
          const value = assignment.namedChildren.at(-1)!;
          if (new RegExp(`\\b${parameter}\\b`).test(value.text) && !/\.resume\(/.test(value.text)) stored.push(`${f.path}:${assignment.startPosition.row + 1} ${assignment.text}`);
        }
      }
      for (const p of descendants(f.root, (n) => n.type === 'property_declaration' && /\b(Checked|Unsafe)Continuation</.test(n.namedChildren.find((c) => c.type === 'type_annotation')?.text ?? ''))) {
        stored.push(`${f.path}:${p.startPosition.row + 1} ${p.text.split('\n')[0]}`);
      }
    }
    assert.deepEqual(stored, [], 'a stored continuation can be overwritten by a second request, leaving the first caller hanging: use PendingRequest');
    const gate = file(ALLOWED);
    assert.ok(declarations('PendingRequest').some((d) => modifiers(d).includes('@MainActor')), 'PendingRequest must be @MainActor');
    assert.match(gate.code, /guard\s+pending\s*==\s*nil\s+else\s*\{\s*throw/, 'PendingRequest must refuse a request while one is pending');
    const apple = file('ios-bridge/Sources/SubscriptionKit/AppleSignIn.swift');
    assert.match(apple.code, /\bPendingRequest</, 'AppleIDAuthorizer must go through PendingRequest');
  });

  // 8. ASPresentationAnchor() created off the main actor; GIDSignInResult crossing into @MainActor.
  test('8. UIKit objects are made on the main actor, Google results never cross actors, and the package is in Swift 6 mode', () => {
    const isMainActor = (node: Node): boolean => {
      for (const a of ancestors(node)) {
        if (a.type === 'lambda_literal') {
          const call = a.parent?.type === 'call_suffix' ? a.parent.parent : a.parent?.parent?.type === 'call_suffix' ? a.parent.parent.parent : undefined;
          if (call?.type === 'call_expression' && calleeText(call) === 'MainActor.assumeIsolated') return true;
          if (/^@MainActor\b/.test(a.text.replace(/^\{\s*/, ''))) return true;
        }
        if (a.type === 'function_declaration' || a.type === 'init_declaration' || a.type === 'property_declaration') {
          const mods = modifiers(a);
          if (mods.includes('@MainActor')) return true;
          if (mods.includes('nonisolated')) return false;
        }
        if (a.type === 'class_declaration') {
          if (modifiers(a).includes('@MainActor')) return true;
          return declarations(typeName(a)).some((d) => modifiers(d).includes('@MainActor'));
        }
      }
      return false;
    };
    const offMain: string[] = [];
    for (const f of files.filter((x) => x.path.includes('/Sources/'))) {
      const uiKit = [
        ...calls(f.root, /^(ASPresentationAnchor|UIWindow)$/),
        ...descendants(f.root, (n) => n.type === 'navigation_expression' && chainText(n) === 'UIApplication.shared'),
      ];
      for (const n of uiKit) if (!isMainActor(n)) offMain.push(`${f.path}:${n.startPosition.row + 1} ${n.text}`);
    }
    assert.deepEqual(offMain, [], 'UIKit objects created or read off the main actor (an error in Swift 6)');

    const google = file('ios-bridge/Sources/SubscriptionKitGoogle/GoogleSignInProvider.swift');
    const awaited = descendants(google.root, (n) => n.type === 'await_expression')
      .map((n) => n.namedChildren.find((c) => c.type === 'call_expression'))
      .filter((call): call is Node => call !== undefined && /^GIDSignIn\b/.test(calleeText(call)))
      .map((call) => `${call.startPosition.row + 1}: ${call.text.split('\n')[0]}`);
    assert.deepEqual(awaited, [], "GIDSignIn's async API returns a non-Sendable GIDSignInResult into @MainActor code: use the completion handler (main queue) and pass on Strings");

    const tools = /^\/\/ swift-tools-version:\s*(\d+\.\d+)/.exec(manifest)?.[1] ?? '0';
    assert.ok(compareVersions(tools, '6.0') >= 0, `swift-tools-version ${tools}: Swift 6 language mode needs 6.0`);
    assert.match(manifest, /swiftLanguageModes:\s*\[\s*\.v6\s*\]/, 'Package.swift must declare swiftLanguageModes: [.v6]');
    assert.doesNotMatch(manifest, /swiftLanguageMode\(\s*\.v5\s*\)|swiftLanguageVersions/, 'a target is kept in Swift 5 mode');
  });

  // 9. PostgrestError/HTTPError fell through to a generic message; notEntitled was worded as Screen Time.
  test('9. REST and HTTP errors get their own mapping, and StoreKitError.notEntitled is not a Screen Time restriction', () => {
    const mapper = file('ios-bridge/Sources/SubscriptionKit/BridgeErrorMapper.swift');
    for (const type of ['PostgrestError', 'HTTPError']) {
      assert.match(mapper.code, new RegExp(`as\\?\\s*${type}\\b`), `BridgeErrorMapper does not handle ${type}`);
    }
    assert.match(mapper.code, /PostgrestErrorMapping\.error\(/, 'PostgrestError must go through PostgrestErrorMapping (SubscriptionCore, tested)');
    assert.match(mapper.code, /BackendErrorMapping\.error\(\s*status:\s*\w+\.response\.statusCode/, 'HTTPError must keep its status (BackendErrorMapping)');

    const service = file('ios-bridge/Sources/SubscriptionKit/SubscriptionService.swift');
    const mapping = new Map<string, string>();
    for (const entry of descendants(service.root, (n) => n.type === 'switch_entry')) {
      const pattern = entry.namedChildren.find((c) => c.type === 'switch_pattern')?.text;
      const result = descendants(entry, (n) => n.type === 'control_transfer_statement')[0]?.text.replace(/^return\s+/, '');
      if (pattern && result) mapping.set(pattern.replace(/\s+/g, ''), result.replace(/\s+/g, ''));
    }
    assert.equal(mapping.get('.notEntitled'), '.purchase(.notEntitled)', 'StoreKitError.notEntitled (the app lacks the In-App Purchase entitlement) must map to .notEntitled');
    assert.equal(mapping.get('.purchaseNotAllowed'), '.purchase(.notAllowed)', 'Product.PurchaseError.purchaseNotAllowed is the Screen Time / device restriction');
  });
});
