;; The newline finder of the scan kernel (see kernel.ts): writes where the `\n` bytes of memory[i, end) are to the
;; i32 array at `out`, at most `cap` of them, and returns how many it wrote. 16 bytes a step with WebAssembly SIMD
;; (compare, bitmask, count trailing zeros per newline), then byte by byte for the tail.
;; `pnpm --filter @dla/core build` compiles it into newlinesWasm.ts (scripts/build-kernel.ts).
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
    (local.get $n)))
