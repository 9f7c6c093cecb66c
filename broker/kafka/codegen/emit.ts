/**
 * Emits the TypeScript codec of one Kafka message definition: an interface per struct and, per struct, one reader and
 * one writer that take the version as an argument. Each field's presence, nullability, compactness and taggedness
 * become version comparisons in straight-line code, which V8 compiles to monomorphic reads and writes; that is why
 * this is a generator rather than an interpreter walking the definitions per message (the Produce and Fetch paths
 * decode and encode every request through it).
 */
import { type FieldSpec, type MessageSpec, type Versions, intersect, isEmpty } from './spec.js';
import { PRIMITIVES, camel, defaultExpr, isDefaultExpr, kindOf, nullableAnywhere, type FieldKind } from './types.js';

/** A struct to emit: its fields and the versions in which it can occur (conditions are emitted relative to them). */
interface StructDef {
  readonly tsName: string;
  readonly fields: readonly FieldSpec[];
  readonly context: Versions;
}

/** The generated source of one message, and the names a caller imports from it. */
export interface EmittedMessage {
  readonly source: string;
  /** The message's TypeScript type, reader and writer. */
  readonly typeName: string;
  readonly readName: string;
  readonly writeName: string;
}

/** A condition on `v` as TypeScript: the literals `true`/`false` when it holds for every or no version of `context`. */
export function versionCondition(range: Versions, context: Versions): string {
  const r = intersect(range, context);
  if (isEmpty(r)) return 'false';
  const parts: string[] = [];
  if (r.lowest > context.lowest) parts.push(`v >= ${String(r.lowest)}`);
  if (r.highest < context.highest) parts.push(`v <= ${String(r.highest)}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** Emits the codec of `spec`; `header` names the generator and source file for the banner. */
export function emitMessage(spec: MessageSpec, banner: string): EmittedMessage {
  return new MessageEmitter(spec).emit(banner);
}

class MessageEmitter {
  private readonly structs = new Map<string, StructDef>();
  private readonly runtime = new Set<string>();
  private readonly needDefault = new Set<string>();
  private readonly needIsDefault = new Set<string>();

  constructor(private readonly spec: MessageSpec) {
    this.structs.set(spec.name, { tsName: spec.name, fields: spec.fields, context: spec.validVersions });
    for (const common of spec.commonStructs) {
      this.structs.set(common.name, {
        tsName: spec.name + common.name,
        fields: common.fields,
        context: intersect(common.versions, spec.validVersions),
      });
    }
    this.collect(spec.fields);
  }

  /** Registers the inline structs declared by `fields`, recursively. */
  private collect(fields: readonly FieldSpec[]): void {
    for (const f of fields) {
      if (f.fields === undefined) continue;
      const kind = kindOf(f.type);
      const name = kind.kind === 'array' && kind.element.kind === 'struct' ? kind.element.struct : structName(kind);
      if (this.structs.has(name)) throw new Error(`${this.spec.name}: struct ${name} declared twice`);
      this.structs.set(name, { tsName: this.spec.name + name, fields: f.fields, context: f.versions });
      this.collect(f.fields);
    }
  }

  private readonly tsName = (struct: string): string => {
    const def = this.structs.get(struct);
    if (def === undefined) throw new Error(`${this.spec.name}: unknown struct ${struct}`);
    return def.tsName;
  };

  emit(banner: string): EmittedMessage {
    const body: string[] = [];
    for (const def of this.structs.values()) body.push(this.emitInterface(def));
    for (const def of this.structs.values()) body.push(this.emitReader(def), this.emitWriter(def));
    // Defaults and default tests are emitted for the structs that need them, found while emitting the code above.
    const done = new Set<string>();
    for (let pending = this.pendingHelpers(done); pending.length > 0; pending = this.pendingHelpers(done)) {
      for (const key of pending) {
        done.add(key);
        const [what, struct] = key.split(':') as [string, string];
        const def = this.structs.get(struct);
        if (def === undefined) throw new Error(`unknown struct ${struct}`);
        body.push(what === 'default' ? this.emitDefault(def) : this.emitIsDefault(def));
      }
    }
    const runtimeImports = [...this.runtime].sort();
    const imports = [`import type { KafkaReader } from '../../../protocol/kafka-reader.js';`];
    imports.push(`import type { KafkaWriter } from '../../../protocol/kafka-writer.js';`);
    const arrays = runtimeImports.filter((n) => n !== 'ZERO_UUID');
    if (arrays.length > 0) imports.push(`import { ${arrays.join(', ')} } from '../../../protocol/kafka-arrays.js';`);
    if (this.runtime.has('ZERO_UUID')) imports.push(`import { ZERO_UUID } from '../../../protocol/kafka-uuid.js';`);
    const top = this.spec.name;
    return {
      source: [banner, ...imports, '', ...body].join('\n'),
      typeName: top,
      readName: `read${top}`,
      writeName: `write${top}`,
    };
  }

  private pendingHelpers(done: Set<string>): string[] {
    const keys = [
      ...[...this.needDefault].map((s) => `default:${s}`),
      ...[...this.needIsDefault].map((s) => `is:${s}`),
    ];
    return keys.filter((k) => !done.has(k));
  }

  // ---- types --------------------------------------------------------------------------------------------------

  private fieldType(f: FieldSpec): string {
    const base = this.kindType(kindOf(f.type));
    return nullableAnywhere(f) ? `${base} | null` : base;
  }

  private kindType(kind: FieldKind): string {
    if (kind.kind === 'primitive') return PRIMITIVES[kind.type].ts;
    if (kind.kind === 'struct') return this.tsName(kind.struct);
    const element = this.kindType(kind.element);
    return `${element}[]`;
  }

  private emitInterface(def: StructDef): string {
    const lines = [
      `/** ${def.tsName === this.spec.name ? this.describeMessage() : `A struct of ${this.spec.name}.`} */`,
    ];
    lines.push(`export interface ${def.tsName} {`);
    for (const f of def.fields) {
      lines.push(`  /** ${`${tsdoc(f.about)}${tsdoc(describeVersions(f))}`.trim()} */`);
      lines.push(`  ${camel(f.name)}: ${this.fieldType(f)};`);
    }
    lines.push('}', '');
    return lines.join('\n');
  }

  private describeMessage(): string {
    const s = this.spec;
    const api = s.apiKey === undefined ? '' : ` (API key ${String(s.apiKey)})`;
    return `Kafka's ${s.name}${api}, versions ${rangeText(s.validVersions)}; flexible ${rangeText(s.flexibleVersions)}.`;
  }

  // ---- reading ------------------------------------------------------------------------------------------------

  /** The compactness of strings, bytes and arrays in `def`: `flex`, or a literal when the versions decide it. */
  private flexCondition(def: StructDef): string {
    return versionCondition(this.spec.flexibleVersions, def.context);
  }

  private compactOf(f: FieldSpec, flex: string): string {
    return f.flexibleVersions === undefined ? flex : versionCondition(f.flexibleVersions, f.versions);
  }

  private taggedRange(f: FieldSpec, def: StructDef): Versions | undefined {
    if (f.tag === undefined) return undefined;
    const tagged = intersect(f.taggedVersions, def.context);
    const present = intersect(f.versions, def.context);
    if (tagged.lowest !== present.lowest || tagged.highest !== present.highest) {
      throw new Error(`${this.spec.name}.${f.name}: tagged versions must equal versions`);
    }
    return tagged;
  }

  private emitReader(def: StructDef): string {
    const flexCond = this.flexCondition(def);
    const flex = flexCond === 'true' || flexCond === 'false' ? flexCond : 'flex';
    const lines = [`function read${def.tsName}(r: KafkaReader, v: number): ${def.tsName} {`];
    if (flex === 'flex') lines.push(`  const flex = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    const props: string[] = [];
    for (const f of def.fields) {
      const present = versionCondition(f.versions, def.context);
      if (this.taggedRange(f, def) !== undefined) {
        tagged.push(f);
        props.push(`${camel(f.name)}: ${this.defaultOf(f)}`);
        continue;
      }
      if (present === 'false') {
        props.push(`${camel(f.name)}: ${this.defaultOf(f)}`);
        continue;
      }
      const read = this.readExpr(f, this.compactOf(f, flex), intersect(f.versions, def.context));
      props.push(`${camel(f.name)}: ${present === 'true' ? read : `${present} ? ${read} : ${this.defaultOf(f)}`}`);
    }
    // Tagged fields are read after the struct's other fields: the object is built first, then completed.
    const mutable = flex !== 'false';
    lines.push(mutable ? `  const m: ${def.tsName} = {` : '  return {');
    for (const p of props) lines.push(`    ${p},`);
    lines.push('  };');
    if (flex !== 'false') {
      const indent = flex === 'true' ? '  ' : '    ';
      if (flex === 'flex') lines.push('  if (flex) {');
      if (tagged.length === 0) {
        lines.push(`${indent}r.skipTaggedFields();`);
      } else {
        lines.push(`${indent}for (let n = r.uvarint(); n > 0; n--) {`);
        lines.push(`${indent}  const tag = r.uvarint();`, `${indent}  const size = r.uvarint();`);
        lines.push(`${indent}  const start = r.pos;`, `${indent}  switch (tag) {`);
        for (const f of tagged) {
          const range = this.taggedRange(f, def) ?? def.context;
          const guard = versionCondition(range, intersect(this.spec.flexibleVersions, def.context));
          const read = this.readExpr(f, this.compactOf(f, 'true'), range);
          lines.push(`${indent}    case ${String(f.tag)}:`);
          if (guard === 'true') lines.push(`${indent}      m.${camel(f.name)} = ${read};`);
          else
            lines.push(
              `${indent}      if (${guard}) m.${camel(f.name)} = ${read};`,
              `${indent}      else r.skip(size);`,
            );
          lines.push(`${indent}      break;`);
        }
        lines.push(`${indent}    default:`, `${indent}      r.skip(size);`, `${indent}  }`);
        lines.push(`${indent}  r.endTaggedField(start, size);`, `${indent}}`);
      }
      if (flex === 'flex') lines.push('  }');
    }
    if (mutable) lines.push('  return m;');
    lines.push('}', '');
    markUnusedVersion(lines);
    if (def.tsName === this.spec.name) lines[0] = `/** Reads ${def.tsName} version \`v\`. */\nexport ${lines[0] ?? ''}`;
    return lines.join('\n');
  }

  /** How nullable `f` is where it is present: 'true', 'false' or a condition on `v`. */
  private nullCondition(f: FieldSpec, present: Versions): string {
    return versionCondition(f.nullableVersions, present);
  }

  private readExpr(f: FieldSpec, compact: string, present: Versions): string {
    const kind = kindOf(f.type);
    const nullable = this.nullCondition(f, present);
    const pick = (nullableRead: () => string, read: () => string): string =>
      nullable === 'true'
        ? nullableRead()
        : nullable === 'false'
          ? read()
          : `(${nullable} ? ${nullableRead()} : ${read()})`;
    if (kind.kind === 'struct') {
      const read = `read${this.tsName(kind.struct)}(r, v)`;
      if (nullable === 'false') return read;
      if (nullable !== 'true') throw new Error(`${f.name}: a struct nullable in some versions only`);
      return `(r.int8() < 0 ? null : ${read})`;
    }
    if (kind.kind === 'array') {
      const item = this.itemCodec(kind.element, 'read');
      return pick(
        () => this.use('readNullableArray', `(r, ${compact}, v, ${item})`),
        () => this.use('readArray', `(r, ${compact}, v, ${item})`),
      );
    }
    switch (kind.type) {
      case 'string':
        return pick(
          () => `r.nullableString(${compact})`,
          () => `r.string(${compact})`,
        );
      case 'bytes':
      case 'records':
        return pick(
          () => `r.nullableBytes(${compact})`,
          () => `r.bytes(${compact})`,
        );
      default:
        return `r.${kind.type}()`;
    }
  }

  private itemCodec(element: FieldKind, side: 'read' | 'write'): string {
    if (element.kind === 'struct') return `${side}${this.tsName(element.struct)}`;
    if (element.kind === 'array') throw new Error('arrays of arrays do not occur in Kafka messages');
    const items = PRIMITIVES[element.type].items;
    this.runtime.add(items);
    return `${items}.${side}`;
  }

  private use(name: string, args: string): string {
    this.runtime.add(name);
    return `${name}${args}`;
  }

  private defaultOf(f: FieldSpec): string {
    const expr = defaultExpr(f, this.tsName);
    const kind = kindOf(f.type);
    if (kind.kind === 'struct' && expr !== 'null') this.needDefault.add(kind.struct);
    if (expr === 'ZERO_UUID') this.runtime.add('ZERO_UUID');
    return expr;
  }

  private isDefaultOf(f: FieldSpec, expr: string): string {
    const kind = kindOf(f.type);
    const test = isDefaultExpr(f, expr, this.tsName, nullableAnywhere(f));
    if (kind.kind === 'struct' && defaultExpr(f, this.tsName) !== 'null') this.needIsDefault.add(kind.struct);
    if (test.includes('ZERO_UUID')) this.runtime.add('ZERO_UUID');
    return test;
  }

  // ---- writing ------------------------------------------------------------------------------------------------

  private emitWriter(def: StructDef): string {
    const flexCond = this.flexCondition(def);
    const flex = flexCond === 'true' || flexCond === 'false' ? flexCond : 'flex';
    const lines = [`function write${def.tsName}(w: KafkaWriter, v: number, m: ${def.tsName}): void {`];
    if (flex === 'flex') lines.push(`  const flex = ${flexCond};`);
    const tagged: FieldSpec[] = [];
    for (const f of def.fields) {
      const present = versionCondition(f.versions, def.context);
      const value = `m.${camel(f.name)}`;
      if (present !== 'true' && !f.ignorable) {
        const absent = present === 'false' ? '' : `${negate(present)} && `;
        lines.push(
          `  if (${absent}${negate(this.isDefaultOf(f, value))}) throw ${this.use('notInVersion', `('${f.name}', v)`)};`,
        );
      }
      if (this.taggedRange(f, def) !== undefined) {
        tagged.push(f);
        continue;
      }
      if (present === 'false') continue;
      const write = this.writeStatements(f, value, this.compactOf(f, flex), intersect(f.versions, def.context));
      if (present === 'true') lines.push(...write.map((s) => `  ${s}`));
      else lines.push(`  if (${present}) {`, ...write.map((s) => `    ${s}`), '  }');
    }
    if (flex !== 'false') {
      const indent = flex === 'true' ? '  ' : '    ';
      if (flex === 'flex') lines.push('  if (flex) {');
      if (tagged.length === 0) {
        lines.push(`${indent}w.uvarint(0);`);
      } else {
        const sorted = [...tagged].sort((a, b) => (a.tag ?? 0) - (b.tag ?? 0));
        const names: string[] = [];
        for (const f of sorted) {
          const range = this.taggedRange(f, def) ?? def.context;
          const guard = versionCondition(range, intersect(this.spec.flexibleVersions, def.context));
          const value = `m.${camel(f.name)}`;
          const send = negate(this.isDefaultOf(f, value));
          const name = `tag${String(f.tag)}`;
          names.push(name);
          lines.push(`${indent}const ${name} = ${guard === 'true' ? send : `${guard} && ${send}`};`);
        }
        lines.push(`${indent}w.uvarint(${names.map((n) => `(${n} ? 1 : 0)`).join(' + ')});`);
        sorted.forEach((f, i) => {
          const range = this.taggedRange(f, def) ?? def.context;
          const write = this.writeStatements(f, `m.${camel(f.name)}`, this.compactOf(f, 'true'), range);
          lines.push(
            `${indent}if (${names[i] ?? ''}) {`,
            `${indent}  const at = w.beginTaggedField(${String(f.tag)});`,
          );
          lines.push(...write.map((s) => `${indent}  ${s}`), `${indent}  w.endTaggedField(at);`, `${indent}}`);
        });
      }
      if (flex === 'flex') lines.push('  }');
    }
    lines.push('}', '');
    markUnusedVersion(lines);
    if (def.tsName === this.spec.name) {
      lines[0] = `/** Writes ${def.tsName} version \`v\`. */\nexport ${lines[0] ?? ''}`;
    }
    return lines.join('\n');
  }

  /** Statements writing `value` (of field `f`, present in versions `present`). */
  private writeStatements(f: FieldSpec, value: string, compact: string, present: Versions): string[] {
    const kind = kindOf(f.type);
    const nullable = this.nullCondition(f, present);
    const typeNullable = nullableAnywhere(f);
    const nonNull = (): string => (typeNullable ? this.use('required', `(${value}, '${f.name}', v)`) : value);
    const pick = (nullableWrite: () => string, write: () => string): string[] =>
      nullable === 'true'
        ? [`${nullableWrite()};`]
        : nullable === 'false'
          ? [`${write()};`]
          : [`if (${nullable}) ${nullableWrite()};`, `else ${write()};`];
    if (kind.kind === 'struct') {
      const writer = `write${this.tsName(kind.struct)}`;
      if (nullable === 'false') return [`${writer}(w, v, ${nonNull()});`];
      return [`if (${value} === null) w.int8(-1);`, 'else {', '  w.int8(1);', `  ${writer}(w, v, ${value});`, '}'];
    }
    if (kind.kind === 'array') {
      const item = this.itemCodec(kind.element, 'write');
      return pick(
        () => this.use('writeNullableArray', `(w, ${compact}, v, ${value}, ${item})`),
        () => this.use('writeArray', `(w, ${compact}, v, ${nonNull()}, ${item})`),
      );
    }
    switch (kind.type) {
      case 'string':
        return pick(
          () => `w.nullableString(${value}, ${compact})`,
          () => `w.string(${nonNull()}, ${compact})`,
        );
      case 'bytes':
        return pick(
          () => `w.nullableBytes(${value}, ${compact})`,
          () => `w.bytes(${nonNull()}, ${compact})`,
        );
      case 'records':
        // Record batches are referenced, not copied: a Fetch response hands the stored bytes to the socket.
        return pick(
          () => `w.nullableBytesRef(${value}, ${compact})`,
          () => `w.nullableBytesRef(${nonNull()}, ${compact})`,
        );
      default:
        return [`w.${kind.type}(${value});`];
    }
  }

  // ---- defaults -----------------------------------------------------------------------------------------------

  private emitDefault(def: StructDef): string {
    const props = def.fields.map((f) => `    ${camel(f.name)}: ${this.defaultOf(f)},`);
    return [`function default${def.tsName}(): ${def.tsName} {`, '  return {', ...props, '  };', '}', ''].join('\n');
  }

  private emitIsDefault(def: StructDef): string {
    const tests = def.fields.map((f) => this.isDefaultOf(f, `m.${camel(f.name)}`));
    const body = tests.length === 0 ? 'true' : tests.map((t) => `(${t})`).join(' &&\n    ');
    return [`function isDefault${def.tsName}(m: ${def.tsName}): boolean {`, `  return ${body};`, '}', ''].join('\n');
  }
}

function structName(kind: FieldKind): string {
  if (kind.kind !== 'struct') throw new Error('fields given for a field that is not a struct');
  return kind.struct;
}

function rangeText(r: Versions): string {
  if (isEmpty(r)) return 'none';
  if (r.highest === Infinity) return `${String(r.lowest)}+`;
  return r.lowest === r.highest ? String(r.lowest) : `${String(r.lowest)}-${String(r.highest)}`;
}

function describeVersions(f: FieldSpec): string {
  const parts = [` Versions ${rangeText(f.versions)}`];
  if (nullableAnywhere(f)) parts.push(`nullable ${rangeText(f.nullableVersions)}`);
  if (f.tag !== undefined) parts.push(`tag ${String(f.tag)} in ${rangeText(f.taggedVersions)}`);
  return `${parts.join('; ')}.`;
}

/** Renames the version parameter `_v` in a function (`lines`, signature first) whose body never reads it. */
function markUnusedVersion(lines: string[]): void {
  if (lines.slice(1).some((l) => /\bv\b/.test(l))) return;
  lines[0] = (lines[0] ?? '').replace(', v: number', ', _v: number');
}

/** The negation of a condition emitted above, kept readable for the simple shapes. */
function negate(cond: string): string {
  const simple = /^([\w.]+) (===|>=|<=) ([\w.'"-]+)$/.exec(cond);
  if (simple === null) return cond.startsWith('!') && !cond.includes(' ') ? cond.slice(1) : `!(${cond})`;
  const [, a, op, b] = simple;
  const opposite = op === '===' ? '!==' : op === '>=' ? '<' : '>';
  return `${a ?? ''} ${opposite} ${b ?? ''}`;
}

function tsdoc(text: string): string {
  return text.replaceAll('*/', '*\\/').replaceAll('\n', ' ');
}
