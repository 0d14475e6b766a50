/**
 * Every public export has JSDoc with `@since` and `@category`: walks each package's public entry points (its
 * `exports` map, wildcards expanded, `null` entries closed) and the modules they re-export (`export *`,
 * `export * as X`), and lists each export without both tags as `file:line name`.
 *
 * `node scripts/check-jsdoc.ts` checks the packages in ENFORCED and fails on a gap (part of `pnpm lint`);
 * `--all` lists every package's gaps (and fails on any); `--package <name>` lists one package's.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import ts from "typescript"

/** The packages whose exports are all documented; add a package here once its gaps are filled. */
const ENFORCED: ReadonlyArray<string> = [
  "@dla/analyser",
  "@dla/cli",
  "@dla/core",
  "@dla/dashboard",
  "@dla/election",
  "@dla/hdfs",
  "@dla/logger",
  "@dla/store",
  "@dla/testing"
]

const root = resolve(dirname(new URL(import.meta.url).pathname), "..")

interface Package {
  readonly name: string
  readonly dir: string
  readonly entries: ReadonlyArray<string>
}

/** A package's public entry files: each `exports` target's `source` (or plain path), `./*` expanded to its files. */
const packageAt = (dir: string): Package => {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    name: string
    exports?: Record<string, unknown>
  }
  const entries = new Set<string>()
  for (const [key, target] of Object.entries(json.exports ?? {})) {
    const source =
      typeof target === "string"
        ? target
        : target !== null && typeof target === "object" && "source" in target
          ? String(target.source)
          : undefined
    if (source === undefined || !source.endsWith(".ts") || key === "./package.json") continue
    if (!source.includes("*")) {
      entries.add(resolve(dir, source))
      continue
    }
    const [before, after] = source.split("*") as [string, string]
    const folder = resolve(dir, before)
    for (const file of readdirSync(folder)) {
      if (file.endsWith(after) && !file.endsWith(".d.ts")) entries.add(join(folder, file))
    }
  }
  return { name: json.name, dir, entries: [...entries].sort() }
}

const packages = (): ReadonlyArray<Package> =>
  ["packages", "apps"].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(root, group, name))
      .filter((dir) => existsSync(join(dir, "package.json")))
      .map(packageAt)
  )

interface Gap {
  readonly file: string
  readonly line: number
  readonly name: string
  readonly missing: ReadonlyArray<string>
}

/** The tags of the JSDoc right before `node` (the last block, as TypeScript attaches it). */
const tagsOf = (node: ts.Node): ReadonlySet<string> | undefined => {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc)
  const doc = docs.at(-1)
  if (doc === undefined) return undefined
  return new Set((doc.tags ?? []).map((tag) => tag.tagName.text))
}

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

/** The name an exported statement gives (the first one of a `const a = ..., b = ...`). */
const nameOf = (statement: ts.Statement): string => {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((d) => d.name.getText()).join(", ")
  }
  if (ts.isExportDeclaration(statement)) {
    const clause = statement.exportClause
    if (clause === undefined) return "*"
    return ts.isNamespaceExport(clause)
      ? `* as ${clause.name.text}`
      : clause.elements.map((e) => e.name.text).join(", ")
  }
  const named = statement as ts.Statement & { name?: ts.Node }
  return named.name?.getText() ?? "default"
}

/** The names this file declares at its top level (not the ones it imports). */
const declared = (source: ts.SourceFile): ReadonlySet<string> =>
  new Set(
    source.statements.flatMap((statement) => {
      if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.map((d) => d.name.getText())
      const named = statement as ts.Statement & { name?: ts.Node }
      return !ts.isImportDeclaration(statement) && named.name !== undefined ? [named.name.getText()] : []
    })
  )

/** The module a relative `from "./X.ts"` names, when it is one of this repository's TypeScript files. */
const target = (file: string, specifier: ts.Expression | undefined) => {
  if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith(".")) return undefined
  const path = resolve(dirname(file), specifier.text)
  return existsSync(path) ? path : undefined
}

/** The gaps of `file` and of every module it re-exports, each file once. */
const check = (file: string, seen: Set<string>, gaps: Array<Gap>) => {
  if (seen.has(file)) return
  seen.add(file)
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true)
  const documented = new Set<string>()
  for (const statement of source.statements) {
    const reexport = ts.isExportDeclaration(statement)
    if (reexport) {
      const next = target(file, statement.moduleSpecifier)
      // `export * from` adds the other module's exports, each documented there; `export * as X` and `export { a }`
      // name something here, so they carry their own JSDoc too.
      if (next !== undefined && (statement.exportClause === undefined || ts.isNamespaceExport(statement.exportClause)))
        check(next, seen, gaps)
      if (statement.exportClause === undefined) continue
      // `export { a, b }` of local declarations: those declarations carry the docs; of imported names, this does.
      if (statement.moduleSpecifier === undefined && ts.isNamedExports(statement.exportClause)) {
        const local = declared(source)
        if (statement.exportClause.elements.every((e) => local.has((e.propertyName ?? e.name).getText()))) continue
      }
    } else if (!isExported(statement) && !ts.isExportAssignment(statement)) continue
    const name = nameOf(statement)
    // Overloads: the first signature carries the docs.
    if (ts.isFunctionDeclaration(statement) && documented.has(name)) continue
    documented.add(name)
    const tags = tagsOf(statement)
    const missing = ["since", "category"].filter((tag) => tags === undefined || !tags.has(tag))
    if (missing.length > 0) {
      const line = source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1
      gaps.push({ file: relative(root, file), line, name, missing })
    }
  }
}

const gapsOf = (pkg: Package): ReadonlyArray<Gap> => {
  const gaps: Array<Gap> = []
  const seen = new Set<string>()
  for (const entry of pkg.entries) check(entry, seen, gaps)
  return gaps
}

const args = process.argv.slice(2)
const only = args.includes("--package") ? args[args.indexOf("--package") + 1] : undefined
const all = packages()
const chosen =
  only !== undefined
    ? all.filter((pkg) => pkg.name === only)
    : args.includes("--all")
      ? all
      : all.filter((pkg) => ENFORCED.includes(pkg.name))
if (chosen.length === 0) {
  console.error(`check-jsdoc: no package ${only ?? "to check"} (packages: ${all.map((p) => p.name).join(", ")})`)
  process.exit(2)
}
let total = 0
for (const pkg of chosen) {
  const gaps = gapsOf(pkg)
  total += gaps.length
  for (const gap of gaps) console.log(`${gap.file}:${gap.line} ${gap.name}: no @${gap.missing.join(", no @")}`)
}
if (total > 0) {
  console.error(
    `check-jsdoc: ${total} export(s) without @since and @category in ${chosen.map((p) => p.name).join(", ")}`
  )
  process.exit(1)
}
