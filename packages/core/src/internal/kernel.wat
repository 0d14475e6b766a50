;; The scan kernel (see kernel.ts). `pnpm --filter @dla/core build` compiles it into kernelWasm.ts
;; (scripts/build-kernel.ts).
;;
;; `newlines` writes where the `\n` bytes of memory[i, end) are to the i32 array at `out`, at most `cap` of them, and
;; returns how many it wrote. 16 bytes a step with WebAssembly SIMD (compare, bitmask, count trailing zeros per
;; newline), then byte by byte for the tail.
;;
;; `levels` also tells the level of each line, for the formats whose lines it can read (`$format`): it adds the lines
;; it is sure of to the seven per-level i32 tallies at `out`, and writes the lines it is not sure of as (start, newline)
;; pairs from `out + 64` (their count at `out + 32`, at most `cap`) for the format's JS `levelOf` to read. So JS is
;; not called per line, and the counts are the JS ones by construction: a line is counted here only when `levelOf`'s
;; own fast path would give it the same level.
(module
  (memory (export "memory") 1)

  (func (export "newlines") (param $i i32) (param $end i32) (param $out i32) (param $cap i32) (result i32)
    (local $n i32) (local $mask i32) (local $newline v128)
    (local.set $newline (i8x16.splat (i32.const 10)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $end)))
        ;; Room for the up to 16 newlines of the next step.
        (br_if $vectorsDone (i32.gt_u (i32.add (local.get $n) (i32.const 16)) (local.get $cap)))
        (local.set $mask (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (local.get $newline))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i32.eqz (local.get $mask)))
            (i32.store
              (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
              (i32.add (local.get $i) (i32.ctz (local.get $mask))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (br $bits)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $end)))
        (br_if $tailDone (i32.ge_u (local.get $n) (local.get $cap)))
        (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))
          (then
            (i32.store (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))) (local.get $i))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))
    (local.get $n))

;; The generator's `[2025-01-01T00:00:00] [LEVEL] ...` (format 1, classic.ts `bracketed`): the level id of the line
  ;; memory[s, nl), or -1 when JS must say. The shape is the one `bracketed.levelOf` tests first (`[` at 0, `]` at 20,
  ;; `-` at 5 and 8, `:` at 14 and 17, then ` [`), followed by one of the six upper-case words and its `]`; every byte
  ;; read is inside the line (it is at least 29 bytes long). No branch but the length's: which level comes next is
  ;; random, and a mispredicted branch per line cost more than these selects.
  (func $bracketed (param $s i32) (param $nl i32) (result i32)
    (local $word i32) (local $after i32) (local $closed i32) (local $id i32)
    (if (i32.lt_u (i32.sub (local.get $nl) (local.get $s)) (i32.const 29)) (then (return (i32.const -1))))
    (local.set $word (i32.load offset=23 (local.get $s)))
    ;; The two bytes after the word's first four, little-endian.
    (local.set $after (i32.load16_u offset=27 (local.get $s)))
    ;; Four-letter words: `]` next.
    (local.set $closed (i32.eq (i32.and (local.get $after) (i32.const 0xff)) (i32.const 0x5d)))
    (local.set $id (i32.const -1))
    (local.set $id (select (i32.const 2) (local.get $id)
      (i32.and (local.get $closed) (i32.eq (local.get $word) (i32.const 0x4f464e49))))) ;; INFO]
    (local.set $id (select (i32.const 4) (local.get $id)
      (i32.and (local.get $closed) (i32.eq (local.get $word) (i32.const 0x4e524157))))) ;; WARN]
    ;; Five-letter words: their last letter, then `]`.
    (local.set $id (select (i32.const 5) (local.get $id)
      (i32.and (i32.eq (local.get $after) (i32.const 0x5d52)) (i32.eq (local.get $word) (i32.const 0x4f525245))))) ;; ERROR]
    (local.set $id (select (i32.const 1) (local.get $id)
      (i32.and (i32.eq (local.get $after) (i32.const 0x5d47)) (i32.eq (local.get $word) (i32.const 0x55424544))))) ;; DEBUG]
    (local.set $id (select (i32.const 0) (local.get $id)
      (i32.and (i32.eq (local.get $after) (i32.const 0x5d45)) (i32.eq (local.get $word) (i32.const 0x43415254))))) ;; TRACE]
    (local.set $id (select (i32.const 6) (local.get $id)
      (i32.and (i32.eq (local.get $after) (i32.const 0x5d4c)) (i32.eq (local.get $word) (i32.const 0x41544146))))) ;; FATAL]
    (select (local.get $id) (i32.const -1)
      (i32.and
        (i32.and
          (i32.and
            (i32.eq (i32.load8_u (local.get $s)) (i32.const 0x5b))
            (i32.eq (i32.load8_u offset=5 (local.get $s)) (i32.const 0x2d)))
          (i32.and
            (i32.eq (i32.load8_u offset=8 (local.get $s)) (i32.const 0x2d))
            (i32.eq (i32.load8_u offset=14 (local.get $s)) (i32.const 0x3a))))
        (i32.and
          (i32.eq (i32.load8_u offset=17 (local.get $s)) (i32.const 0x3a))
          ;; `] [` at 20
          (i32.eq (i32.and (i32.load offset=20 (local.get $s)) (i32.const 0xffffff)) (i32.const 0x5b205d))))))

  ;; Whether memory[at] is an ASCII digit.
  (func $digit (param $at i32) (result i32)
    (i32.lt_u (i32.sub (i32.load8_u (local.get $at)) (i32.const 0x30)) (i32.const 10)))

  ;; klog and glog's `I1130 12:00:00.123456 ...` (format 2, klog.ts `klog`): the level id of the line memory[s, nl),
  ;; or -1 when JS must say. The shape is the one `klog.levelOf` accepts first: one of `I W E F`, four digits, a
  ;; blank, two digits and `:`; every byte read is inside the line (it is at least 10 bytes long).
  (func $klog (param $s i32) (param $nl i32) (result i32)
    (local $letter i32) (local $id i32)
    (if (i32.lt_u (i32.sub (local.get $nl) (local.get $s)) (i32.const 10)) (then (return (i32.const -1))))
    (local.set $letter (i32.load8_u (local.get $s)))
    (local.set $id (i32.const -1))
    (local.set $id (select (i32.const 2) (local.get $id) (i32.eq (local.get $letter) (i32.const 0x49)))) ;; I
    (local.set $id (select (i32.const 4) (local.get $id) (i32.eq (local.get $letter) (i32.const 0x57)))) ;; W
    (local.set $id (select (i32.const 5) (local.get $id) (i32.eq (local.get $letter) (i32.const 0x45)))) ;; E
    (local.set $id (select (i32.const 6) (local.get $id) (i32.eq (local.get $letter) (i32.const 0x46)))) ;; F
    (select (local.get $id) (i32.const -1)
      (i32.and
        (i32.and
          (i32.and
            (call $digit (i32.add (local.get $s) (i32.const 1)))
            (call $digit (i32.add (local.get $s) (i32.const 2))))
          (i32.and
            (call $digit (i32.add (local.get $s) (i32.const 3)))
            (call $digit (i32.add (local.get $s) (i32.const 4)))))
        (i32.and
          (i32.and
            (i32.eq (i32.load8_u offset=5 (local.get $s)) (i32.const 0x20))
            (i32.eq (i32.load8_u offset=8 (local.get $s)) (i32.const 0x3a)))
          (i32.and
            (call $digit (i32.add (local.get $s) (i32.const 6)))
            (call $digit (i32.add (local.get $s) (i32.const 7))))))))

  ;; The level id of the line memory[s, nl) in `$format`, or -1 when JS must say.
  (func $levelOf (param $format i32) (param $s i32) (param $nl i32) (result i32)
    (if (i32.eq (local.get $format) (i32.const 1)) (then (return (call $bracketed (local.get $s) (local.get $nl)))))
    (if (i32.eq (local.get $format) (i32.const 2)) (then (return (call $klog (local.get $s) (local.get $nl)))))
    (i32.const -1))

  ;; Counts the lines that start in [i, stopAt) and end with a newline before `end` (see the top); returns where the
  ;; next line starts. It stops early when the unsure pairs fill `cap`: the caller reads them and calls again.
  ;; 64 bytes a step (one 64-bit mask of four SIMD compares: about one line of the generator's), then byte by byte.
  ;; A line's tally goes to slot 7 of `out` when unsure (a slot nobody reads) and its pair is written all the same,
  ;; kept only when unsure: no branch on the level.
  (func (export "levels")
    (param $format i32) (param $i i32) (param $end i32) (param $stopAt i32) (param $out i32) (param $cap i32)
    (result i32)
    (local $start i32) (local $nl i32) (local $id i32) (local $n i32) (local $mask i64) (local $newline v128)
    (local $slot i32) (local $pair i32)
    (local.set $newline (i8x16.splat (i32.const 10)))
    (local.set $start (local.get $i))
    (block $done
      (loop $steps
        (if (i32.le_u (i32.add (local.get $i) (i32.const 64)) (local.get $end))
          (then
            (local.set $mask
              (i64.or
                (i64.or
                  (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load (local.get $i)) (local.get $newline))))
                  (i64.shl
                    (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $i)) (local.get $newline))))
                    (i64.const 16)))
                (i64.or
                  (i64.shl
                    (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=32 (local.get $i)) (local.get $newline))))
                    (i64.const 32))
                  (i64.shl
                    (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=48 (local.get $i)) (local.get $newline))))
                    (i64.const 48))))))
          (else
            (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $mask (i64.extend_i32_u (i32.eq (i32.load8_u (local.get $i)) (i32.const 10))))))
        (block $bitsDone
          (loop $bits
            (br_if $bitsDone (i64.eqz (local.get $mask)))
            (br_if $done (i32.ge_u (local.get $start) (local.get $stopAt)))
            (local.set $nl (i32.add (local.get $i) (i32.wrap_i64 (i64.ctz (local.get $mask)))))
            (local.set $id (call $levelOf (local.get $format) (local.get $start) (local.get $nl)))
            (local.set $slot
              (i32.add (local.get $out) (i32.shl (select (local.get $id) (i32.const 7) (i32.ge_s (local.get $id) (i32.const 0))) (i32.const 2))))
            (i32.store (local.get $slot) (i32.add (i32.load (local.get $slot)) (i32.const 1)))
            (local.set $pair (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
            (i32.store offset=64 (local.get $pair) (local.get $start))
            (i32.store offset=68 (local.get $pair) (local.get $nl))
            (local.set $n (i32.add (local.get $n) (i32.lt_s (local.get $id) (i32.const 0))))
            (local.set $start (i32.add (local.get $nl) (i32.const 1)))
            (br_if $done (i32.ge_u (local.get $n) (local.get $cap)))
            (local.set $mask (i64.and (local.get $mask) (i64.sub (local.get $mask) (i64.const 1))))
            (br $bits)))
        (local.set $i
          (i32.add (local.get $i)
            (select (i32.const 64) (i32.const 1) (i32.le_u (i32.add (local.get $i) (i32.const 64)) (local.get $end)))))
        (br $steps)))
    (i32.store offset=32 (local.get $out) (local.get $n))
    (local.get $start))
)
