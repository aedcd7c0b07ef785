;; The merge of two sorted files, for `A - B`, `A & B`, `A | B` and `A ^ B`
;; (src/sets/merge2.ts drives it). The same loop in JavaScript starts in V8's
;; interpreter and spends most of a short query warming up; this module is
;; compiled straight to machine code, so a query over a few hundred thousand
;; hosts runs at full speed from its first line.
;;
;; It holds no buffers of its own and does no I/O: the caller reads each input
;; into a window of this memory, and the merge runs until it needs more of one
;; input, has filled the output, is finished, or finds an input out of order.
;; Every decision is the JavaScript engine's (src/sets/lines.ts, evaluate.ts):
;; byte order as LC_ALL=C sort, each line checked against the one before it,
;; a byte-order mark on a first line refused, consecutive lines of one input
;; passed on as one span.
;;
;; src/sets/merge2-wasm.ts holds the compiled bytes (`npm run wasm` writes it;
;; `npm run build` and test/sets/merge2.test.ts check that it is this file's).
;;
;; The state block, i32 words at byte 0:
;;   input A at word 0, input B at word 10, each:
;;     +0 base   first byte of its window
;;     +1 len    end of the bytes read; memory[len] is a newline (a sentinel)
;;     +2 eof    1 once its source is exhausted (its last line then ends in a newline)
;;     +3 cur    start of the current line, -1 before the first
;;     +4 curEnd its newline
;;     +5 lineNo lines taken so far
;;     +6 done   1 when it has no more lines
;;     +7 adv    1 when it must move to its next line before the next comparison
;;     +8 scan   no newline before here for the line being read (0: none known), so
;;               a line that arrives a few bytes at a time is scanned once
;;   20 outBase  21 outPos  22 outEnd   the output buffer
;;   23 s  24 se  the pending span [s, se) of input bytes to copy to the output
;;   25 flags     1 = lines only in A, 2 = only in B, 4 = in both
;;   26 lines     lines written to the output
;;   27 which     the input (0 = A, 1 = B) a NEED, UNSORTED or BOM result is about
;;   28 dup       for UNSORTED: 1 when the line repeats the one before it
;;
;; run() -> 0 DONE, 1 NEED (read more of input `which`), 2 OUT_FULL (write
;; [outBase, outPos) out, or the span itself when the buffer is empty),
;; 3 UNSORTED (line lineNo + 1 of `which` is not after its current line),
;; 4 BOM (the first line of `which` starts with EF BB BF).
(module
  (memory (export "memory") 4)

  ;; The first newline at or after p; the sentinel at len guarantees one.
  (func $lineEnd (param $p i32) (result i32)
    (local $v i64)
    (local $z i64)
    (block $found
      (loop $words
        ;; v has a zero byte where the word has a newline.
        (local.set $v (i64.xor (i64.load (local.get $p)) (i64.const 0x0a0a0a0a0a0a0a0a)))
        (local.set $z
          (i64.and
            (i64.and (i64.sub (local.get $v) (i64.const 0x0101010101010101))
                     (i64.xor (local.get $v) (i64.const -1)))
            (i64.const 0x8080808080808080)))
        (br_if $found (i64.ne (local.get $z) (i64.const 0)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $words)))
    ;; Little-endian: the lowest flagged byte is the first newline (a borrow
    ;; can only flag bytes above a real zero byte).
    (i32.add (local.get $p)
             (i32.wrap_i64 (i64.shr_u (i64.ctz (local.get $z)) (i64.const 3)))))

  ;; Byte order of [p, pe) against [q, qe): < 0, 0 or > 0, as LC_ALL=C sort.
  (func $cmp (param $p i32) (param $pe i32) (param $q i32) (param $qe i32) (result i32)
    (local $n i32)
    (local $i i32)
    (local $x i32)
    (local $y i32)
    (local.set $n (i32.sub (local.get $pe) (local.get $p)))
    (if (i32.lt_u (i32.sub (local.get $qe) (local.get $q)) (local.get $n))
      (then (local.set $n (i32.sub (local.get $qe) (local.get $q)))))
    ;; Equal words first, eight bytes at a time.
    (block $diff
      (loop $words
        (br_if $diff (i32.gt_u (i32.add (local.get $i) (i32.const 8)) (local.get $n)))
        (br_if $diff (i64.ne (i64.load (i32.add (local.get $p) (local.get $i)))
                             (i64.load (i32.add (local.get $q) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $words)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.load8_u (i32.add (local.get $p) (local.get $i))))
        (local.set $y (i32.load8_u (i32.add (local.get $q) (local.get $i))))
        (if (i32.ne (local.get $x) (local.get $y))
          (then (return (i32.sub (local.get $x) (local.get $y)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (i32.sub (i32.sub (local.get $pe) (local.get $p)) (i32.sub (local.get $qe) (local.get $q))))

  ;; Copies the pending span to the output: 0, or 2 (OUT_FULL) when it does not fit.
  (func $flush (result i32)
    (local $n i32)
    (local.set $n (i32.sub (i32.load (i32.const 96)) (i32.load (i32.const 92))))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (if (i32.gt_u (i32.add (i32.load (i32.const 84)) (local.get $n)) (i32.load (i32.const 88)))
      (then (return (i32.const 2))))
    (memory.copy (i32.load (i32.const 84)) (i32.load (i32.const 92)) (local.get $n))
    (i32.store (i32.const 84) (i32.add (i32.load (i32.const 84)) (local.get $n)))
    (i32.store (i32.const 92) (i32.const 0))
    (i32.store (i32.const 96) (i32.const 0))
    (i32.const 0))

  ;; Moves input `x` (its state at byte x) to its next line: 0 when it has one
  ;; or is done, else NEED, OUT_FULL, UNSORTED or BOM.
  (func $advance (param $x i32) (result i32)
    (local $ns i32) (local $nl i32) (local $c i32) (local $r i32)
    (local.set $ns
      (if (result i32) (i32.lt_s (i32.load offset=12 (local.get $x)) (i32.const 0))
        (then (i32.load (local.get $x)))
        (else (i32.add (i32.load offset=16 (local.get $x)) (i32.const 1)))))
    (if (i32.ge_u (local.get $ns) (i32.load offset=4 (local.get $x)))
      (then
        (if (i32.load offset=8 (local.get $x))
          (then
            (i32.store offset=24 (local.get $x) (i32.const 1))
            (i32.store offset=28 (local.get $x) (i32.const 0))
            (return (i32.const 0))))
        (br 0)))
    (local.set $nl
      (call $lineEnd
        (select (i32.load offset=32 (local.get $x)) (local.get $ns)
                (i32.gt_u (i32.load offset=32 (local.get $x)) (local.get $ns)))))
    (if (i32.ge_u (local.get $nl) (i32.load offset=4 (local.get $x)))
      (then
        ;; The next line is not all here: the window will move, so the span goes out first.
        (local.set $r (call $flush))
        (if (local.get $r) (then (return (local.get $r))))
        (i32.store offset=32 (local.get $x) (i32.load offset=4 (local.get $x)))
        (i32.store (i32.const 108) (i32.div_u (local.get $x) (i32.const 40)))
        (return (i32.const 1))))
    (if (i32.ge_s (i32.load offset=12 (local.get $x)) (i32.const 0))
      (then
        (local.set $c (call $cmp (i32.load offset=12 (local.get $x)) (i32.load offset=16 (local.get $x))
                                 (local.get $ns) (local.get $nl)))
        (if (i32.ge_s (local.get $c) (i32.const 0))
          (then
            (i32.store (i32.const 108) (i32.div_u (local.get $x) (i32.const 40)))
            (i32.store (i32.const 112) (i32.eqz (local.get $c)))
            (return (i32.const 3))))))
    (if (i32.eqz (i32.load offset=20 (local.get $x)))
      (then
        (if (i32.and
              (i32.ge_u (i32.sub (local.get $nl) (local.get $ns)) (i32.const 3))
              (i32.eq (i32.and (i32.load (local.get $ns)) (i32.const 0xffffff)) (i32.const 0xbfbbef)))
          (then
            (i32.store (i32.const 108) (i32.div_u (local.get $x) (i32.const 40)))
            (return (i32.const 4))))))
    (i32.store offset=12 (local.get $x) (local.get $ns))
    (i32.store offset=16 (local.get $x) (local.get $nl))
    (i32.store offset=32 (local.get $x) (i32.const 0))
    (i32.store offset=20 (local.get $x) (i32.add (i32.load offset=20 (local.get $x)) (i32.const 1)))
    (i32.store offset=28 (local.get $x) (i32.const 0))
    (i32.const 0))

  ;; Adds line [p, pe] (pe is its newline) to the pending span: 0, or OUT_FULL.
  (func $take (param $p i32) (param $pe i32) (result i32)
    (local $r i32)
    (if (i32.ne (i32.load (i32.const 96)) (local.get $p))
      (then
        (local.set $r (call $flush))
        (if (local.get $r) (then (return (local.get $r))))
        (i32.store (i32.const 92) (local.get $p))))
    (i32.store (i32.const 96) (i32.add (local.get $pe) (i32.const 1)))
    (i32.store (i32.const 104) (i32.add (i32.load (i32.const 104)) (i32.const 1)))
    (i32.const 0))

  (func (export "run") (result i32)
    (local $r i32) (local $c i32) (local $flags i32)
    (local.set $flags (i32.load (i32.const 100)))
    (loop $step
      (if (i32.load (i32.const 28))
        (then
          (local.set $r (call $advance (i32.const 0)))
          (if (local.get $r) (then (return (local.get $r))))))
      (if (i32.load (i32.const 68))
        (then
          (local.set $r (call $advance (i32.const 40)))
          (if (local.get $r) (then (return (local.get $r))))))
      (if (i32.and (i32.load (i32.const 24)) (i32.load (i32.const 64)))
        (then (return (call $flush))))
      ;; c < 0: A's line comes first; c > 0: B's; 0: the same line in both.
      (local.set $c
        (if (result i32) (i32.load (i32.const 24))
          (then (i32.const 1))
          (else
            (if (result i32) (i32.load (i32.const 64))
              (then (i32.const -1))
              (else (call $cmp (i32.load (i32.const 12)) (i32.load (i32.const 16))
                               (i32.load (i32.const 52)) (i32.load (i32.const 56))))))))
      (if (i32.lt_s (local.get $c) (i32.const 0))
        (then
          (if (i32.and (local.get $flags) (i32.const 1))
            (then
              (local.set $r (call $take (i32.load (i32.const 12)) (i32.load (i32.const 16))))
              (if (local.get $r) (then (return (local.get $r))))))
          (i32.store (i32.const 28) (i32.const 1))
          (br $step)))
      (if (i32.gt_s (local.get $c) (i32.const 0))
        (then
          (if (i32.and (local.get $flags) (i32.const 2))
            (then
              (local.set $r (call $take (i32.load (i32.const 52)) (i32.load (i32.const 56))))
              (if (local.get $r) (then (return (local.get $r))))))
          (i32.store (i32.const 68) (i32.const 1))
          (br $step)))
      (if (i32.and (local.get $flags) (i32.const 4))
        (then
          (local.set $r (call $take (i32.load (i32.const 12)) (i32.load (i32.const 16))))
          (if (local.get $r) (then (return (local.get $r))))))
      (i32.store (i32.const 28) (i32.const 1))
      (i32.store (i32.const 68) (i32.const 1))
      (br $step))
    (i32.const 0))
)
