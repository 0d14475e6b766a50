/** JSON for log records: the fast path is plain `JSON.stringify`; a cycle or a BigInt must not cost the record. */
export const safeStringify = (value: unknown): string => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    const seen = new WeakSet<object>()
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return v.toString()
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[Circular]"
        seen.add(v)
      }
      return v
    })
  }
}
