// Reads an export file into plain records, whatever shape the old app's tooling produced:
//
// - a JSON array, or `{ "users": [ … ] }` (hand-made exports, `mongoexport --jsonArray`);
// - JSON Lines — one document per line, `mongoexport`'s default output — or any other stream of
//   concatenated documents (`mongoexport --pretty` prints them over several lines each);
// - MongoDB Extended JSON, canonical or relaxed (`{"$oid":…}`, `{"$date":…}`, `{"$numberLong":…}`,
//   `{"$numberInt":…}`, `{"$numberDouble":…}`, `{"$numberDecimal":…}`), decoded with the official
//   `bson` package's EJSON, so a `coins` of `{"$numberLong":"7"}` is the number 7, not an object.
//
// Pure (text in, records out) so the tests can feed it mongoexport's exact output.
import { Binary, EJSON } from 'bson';

/** Parses the export file's text into its records (each one a plain JSON-like value). */
export function parseExport(text: string): unknown[] {
  const documents = splitDocuments(text.replace(/^\uFEFF/, ''));
  if (documents.length === 0) throw new Error('The export is empty');
  const values = documents.map(({ text: doc, line }) => {
    try {
      // useBigInt64: every $numberLong arrives exact (as a bigint) instead of being rounded to a
      // double; plainValue turns it into a number when that is exact, else into its decimal string.
      return plainValue(EJSON.parse(doc, { relaxed: true, useBigInt64: true }));
    } catch (error) {
      throw new Error(`The export is not valid JSON / Extended JSON at line ${line}: ${error instanceof Error ? error.message : error}`);
    }
  });
  if (values.length === 1) {
    const [only] = values;
    if (Array.isArray(only)) return only;
    if (isObject(only) && Array.isArray(only.users)) return only.users;
  }
  // Several documents (or a JSON Lines file of one): each document is one record.
  const stray = values.findIndex((v) => !isObject(v));
  if (stray >= 0) {
    throw new Error(`The export must be a JSON array of users, { "users": [...] }, or one user document per line (line ${documents[stray].line} is not an object)`);
  }
  return values;
}

/**
 * Cuts the text into its top-level JSON documents (objects or arrays) by tracking nesting and
 * strings, so JSON Lines, pretty-printed streams and a single array are all handled the same way
 * and a syntax error is reported with the line of the document it is in.
 */
export function splitDocuments(text: string): { text: string; line: number }[] {
  const documents: { text: string; line: number }[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  let line = 1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 0) {
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') continue;
      if (c !== '{' && c !== '[') {
        throw new Error(`The export is not valid JSON at line ${line}: expected a document ("{" or "["), found ${JSON.stringify(c)}`);
      }
      start = i;
      startLine = line;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) documents.push({ text: text.slice(start, i + 1), line: startLine });
    }
  }
  // An unterminated document: let the JSON parser word the error.
  if (depth > 0) documents.push({ text: text.slice(start), line: startLine });
  return documents;
}

/**
 * EJSON's values → plain JSON-like values the field mapping understands: ObjectId → its hex string,
 * Date → ISO 8601, 64-bit integers → number when exact (else the decimal string), Decimal128 →
 * its decimal string, UUID binaries → the UUID, other binaries → base64.
 */
export function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(plainValue);
  if (!isObject(value)) return value;
  const bsonType = (value as { _bsontype?: unknown })._bsontype;
  if (typeof bsonType === 'string') {
    if (bsonType === 'ObjectId') return (value as unknown as { toHexString(): string }).toHexString();
    if (bsonType === 'Binary') {
      const binary = value as unknown as Binary;
      return binary.sub_type === Binary.SUBTYPE_UUID ? binary.toUUID().toHexString() : binary.toString('base64');
    }
    if (bsonType === 'Int32' || bsonType === 'Double') return (value as unknown as { valueOf(): number }).valueOf();
    return String(value); // Decimal128, Long, Timestamp, … — their decimal / textual form
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
