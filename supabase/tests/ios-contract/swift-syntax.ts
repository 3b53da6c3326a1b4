// Reads Swift with tree-sitter-swift (no Swift compiler exists on our machines): syntax errors,
// and the declarations the contract tests compare with the backend — types, their stored
// properties, enum cases with raw values (CodingKeys are enums), and string constants.
import Parser from 'tree-sitter';
import Swift from 'tree-sitter-swift';

export interface SwiftProperty {
  name: string;
  /** The declared type as written, e.g. `Date?`. Empty when inferred. */
  type: string;
  /** The type without `?`/`Optional<…>`. */
  baseType: string;
  optional: boolean;
  isStatic: boolean;
  isComputed: boolean;
  /** The value of a string-literal initializer, if any. */
  stringValue?: string;
}

export interface SwiftCase {
  name: string;
  /** The explicit raw value, or the case name (Swift's implicit String raw value). */
  raw: string;
}

export interface SwiftType {
  /** Qualified name: `SubscriptionRow.CodingKeys`. */
  name: string;
  kind: string;
  inherits: string[];
  properties: SwiftProperty[];
  cases: SwiftCase[];
  file: string;
}

const parser = new Parser();
parser.setLanguage(Swift as unknown as Parser.Language);

export function parseSwift(source: string): Parser.Tree {
  // The default 32 KiB buffer is too small for some files; give it the whole source.
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 2) });
}

/** Every ERROR and MISSING node, as `line:column message`. */
export function syntaxProblems(tree: Parser.Tree, source: string): string[] {
  const problems: string[] = [];
  const visit = (node: Parser.SyntaxNode) => {
    if (node.type === 'ERROR' || node.isMissing) {
      const at = `${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      const snippet = JSON.stringify(source.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 60)));
      problems.push(node.isMissing ? `${at} missing ${node.type}` : `${at} cannot parse ${snippet}`);
    }
    if (node.hasError || node.isMissing) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

/** struct/enum/class/actor declarations, nested ones included under their qualified name. */
export function typeDeclarations(tree: Parser.Tree, file: string): SwiftType[] {
  const found: SwiftType[] = [];
  const visitDeclaration = (node: Parser.SyntaxNode, prefix: string) => {
    const kind = node.children.find((c) => !c.isNamed && ['struct', 'enum', 'class', 'actor', 'extension'].includes(c.type))?.type ?? 'unknown';
    const nameNode = node.childForFieldName('name');
    if (!nameNode) return;
    const name = prefix + nameNode.text;
    const type: SwiftType = {
      name, kind, file,
      inherits: node.namedChildren.filter((c) => c.type === 'inheritance_specifier').map((c) => (c.childForFieldName('inherits_from') ?? c).text),
      properties: [],
      cases: [],
    };
    const body = node.childForFieldName('body');
    for (const member of body?.namedChildren ?? []) {
      if (member.type === 'property_declaration') type.properties.push(...properties(member));
      else if (member.type === 'enum_entry') type.cases.push(...cases(member));
      else if (member.type === 'class_declaration') visitDeclaration(member, `${name}.`);
    }
    if (kind !== 'extension') found.push(type);
  };
  const walk = (node: Parser.SyntaxNode) => {
    for (const child of node.namedChildren) {
      if (child.type === 'class_declaration') visitDeclaration(child, '');
      else if (!child.type.endsWith('_declaration')) walk(child); // e.g. inside #if blocks
    }
  };
  walk(tree.rootNode);
  return found;
}

function properties(node: Parser.SyntaxNode): SwiftProperty[] {
  const modifiers = node.namedChildren.find((c) => c.type === 'modifiers')?.text ?? '';
  const names = node.childrenForFieldName('name').map((p) => (p.childForFieldName('bound_identifier') ?? p).text);
  const typeNode = node.namedChildren.find((c) => c.type === 'type_annotation')?.childForFieldName('name') ?? null;
  const type = typeNode?.text ?? '';
  const optionalWrapper = /^Optional<(.+)>$/.exec(type);
  const optional = typeNode?.type === 'optional_type' || optionalWrapper !== null;
  const baseType = typeNode?.type === 'optional_type' ? (typeNode.childForFieldName('wrapped')?.text ?? type.replace(/\?$/, '')) : optionalWrapper?.[1] ?? type;
  const value = node.childForFieldName('value');
  const stringValue = value?.type === 'line_string_literal' ? value.namedChildren.map((c) => c.text).join('') : undefined;
  return names.map((name) => ({
    name, type, baseType, optional,
    isStatic: /\bstatic\b/.test(modifiers),
    isComputed: node.namedChildren.some((c) => c.type === 'computed_property'),
    stringValue,
  }));
}

function cases(node: Parser.SyntaxNode): SwiftCase[] {
  const result: SwiftCase[] = [];
  node.children.forEach((child, i) => {
    const field = node.fieldNameForChild(i);
    if (field === 'name') result.push({ name: child.text, raw: child.text });
    else if (field === 'raw_value' && result.length) {
      const text = child.namedChildren.filter((c) => c.type === 'line_str_text').map((c) => c.text).join('');
      result[result.length - 1].raw = child.type === 'line_string_literal' ? text : child.text;
    }
  });
  return result;
}
