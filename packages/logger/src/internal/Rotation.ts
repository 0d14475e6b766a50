/** Size-based rotation of the per-node file: `<file>`, `<file>.1`, ... `<file>.<maxFiles - 1>`. */
import * as fs from "node:fs"

/** `<file>` becomes `<file>.1`, `<file>.1` becomes `<file>.2`, ...; at most `maxFiles` files remain. */
export const rotate = (file: string, maxFiles: number) => {
  if (maxFiles <= 1) return fs.rmSync(file, { force: true })
  for (let i = maxFiles - 2; i >= 1; i--) {
    if (fs.existsSync(`${file}.${i}`)) fs.renameSync(`${file}.${i}`, `${file}.${i + 1}`)
  }
  fs.renameSync(file, `${file}.1`)
}

/** Rotates `file` when appending `bytes` would take a non-empty file past `maxFileBytes`. */
export const rotateBefore = (file: string, bytes: number, maxFileBytes: number, maxFiles: number) => {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0
  if (size > 0 && size + bytes > maxFileBytes) rotate(file, maxFiles)
}
