import { parseArgs } from "node:util"

/**
 * A bench's numeric `--name N` flags, each with its default: `numericFlags({ runs: 3 })` reads `--runs 5` as 5.
 * A value that is not a number stops the bench rather than timing NaN files.
 */
export const numericFlags = <const Name extends string>(defaults: Record<Name, number>): Record<Name, number> => {
  const names = Object.keys(defaults) as Array<Name>
  const { values } = parseArgs({
    options: Object.fromEntries(
      names.map((name) => [name, { type: "string" as const, default: String(defaults[name]) }])
    )
  })
  return Object.fromEntries(
    names.map((name) => {
      const value = Number(values[name])
      if (!Number.isFinite(value)) throw new Error(`--${name} wants a number, not ${String(values[name])}`)
      return [name, value]
    })
  ) as Record<Name, number>
}
