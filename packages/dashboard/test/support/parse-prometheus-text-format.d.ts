// The parser ships no types: what the tests read of it.
declare module "parse-prometheus-text-format" {
  const parse: (text: string) => Array<{
    readonly name: string
    readonly help: string
    readonly type: string
    readonly metrics: Array<{ readonly value: string; readonly labels?: Record<string, string> }>
  }>
  export default parse
}
