#include "textflag.h"

// The rows are extract.LineRows (Line at 8, Bounds at 32, 56 bytes a
// row), the marks cellMarks (16 bytes), the set a shapeSet (its keys,
// then their states at 2048): shape_amd64.go checks the offsets.

// VALUE sets DI to the value of column ci in the row at SI and R11 to
// its length, R12 holding ci+1; a row without the column jumps to SHORT.
// Clobbers BX.
#define VALUE(SHORT) \
	MOVQ 40(SI), BX \
	CMPQ BX, R12 \
	JLE  SHORT \
	MOVQ 32(SI), BX \
	MOVLQSX -4(BX)(R12*4), DI \
	MOVLQSX (BX)(R12*4), R11 \
	INCQ DI \
	SUBQ DI, R11 \
	ADDQ 8(SI), DI

// LOAD8 sets AX to the 1 to 8 bytes at DI, R11 of them, as swar.Load
// reads them (the bytes past them zero), in loads that stay within
// them: two of 4 that overlap, or the first, middle and last byte.
// Clobbers CX and DX.
#define LOAD8(TINY, DONE) \
	CMPQ R11, $4 \
	JB   TINY \
	MOVL (DI), AX \
	MOVL -4(DI)(R11*1), DX \
	LEAQ -32(R11*8), CX \
	SHLQ CX, DX \
	ORQ  DX, AX \
	JMP  DONE \
TINY: \
	MOVBQZX (DI), AX \
	MOVQ R11, CX \
	SHRQ $1, CX \
	MOVBQZX (DI)(CX*1), DX \
	SHLQ $3, CX \
	SHLQ CX, DX \
	ORQ  DX, AX \
	MOVBQZX -1(DI)(R11*1), DX \
	LEAQ -8(R11*8), CX \
	SHLQ CX, DX \
	ORQ  DX, AX \
DONE:


// SHAPE shapes the word in AX as shapeWord does, its digits but those
// of the bytes in KEEP (0x80 for the first, or 0) becoming 0xFF, and ORs
// its digit marks (swar.Digits) into BX. Clobbers CX and DX. The low
// seven bits of each byte plus 0x50 reach 0x80 from '0', plus 0x46 from
// ':'; the second sum is the first less 0x0A a byte, which never
// borrows.
#define SHAPE(KEEP) \
	MOVQ $0x7F7F7F7F7F7F7F7F, CX \
	ANDQ AX, CX \
	MOVQ $0x5050505050505050, DX \
	ADDQ DX, CX \
	MOVQ $0x0A0A0A0A0A0A0A0A, DX \
	NEGQ DX \
	ADDQ CX, DX \
	NOTQ DX \
	ANDQ DX, CX \
	MOVQ AX, DX \
	NOTQ DX \
	ANDQ DX, CX \
	MOVQ $0x8080808080808080, DX \
	ANDQ DX, CX \
	ORQ CX, BX \
	ANDQ $~KEEP, CX \
	SHRQ $7, CX \
	MOVQ CX, DX \
	SHLQ $8, DX \
	SUBQ CX, DX \
	ORQ DX, AX

// func markShort(rows []extract.LineRow, ci int, marks []cellMarks, s *shapeSet, k *shapeSecret, bit uint64) int
TEXT ·markShort(SB), NOSPLIT, $0-88
	MOVQ rows_base+0(FP), SI
	MOVQ ci+24(FP), R12
	INCQ R12                  // ci+1
	MOVQ marks_base+32(FP), R8
	MOVQ s+56(FP), R9
	MOVQ k+64(FP), AX
	MOVQ 0(AX), R10           // k0
	MOVQ 8(AX), R14           // k1
	XORQ R13, R13             // r

loop:
	CMPQ R13, rows_len+8(FP)
	JGE  done
	VALUE(next)
	CMPQ R11, $24
	JA   done                 // longer: left to Go
	XORQ BX, BX               // digits
	CMPQ R11, $8
	JA   words
	TESTQ R11, R11
	JZ   empty
	LOAD8(tiny, one)
	SHAPE(0x80)
	XORQ R10, AX
	XORQ R11, AX
	MULQ R14
	XORQ DX, AX
	JMP  key

empty:
	MOVQ R10, AX
	JMP  key

words:
	// 9 to 24 bytes: the first word, the second if there are three, and
	// the last 8 bytes shifted down to the bytes past the others.
	MOVQ (DI), AX
	SHAPE(0x80)
	XORQ R10, AX
	XORQ R11, AX
	MULQ R14
	XORQ DX, AX
	CMPQ R11, $16
	JBE  last
	MOVQ AX, R15
	MOVQ 8(DI), AX
	SHAPE(0)
	XORQ R15, AX
	MULQ R14
	XORQ DX, AX
	MOVQ AX, R15
	MOVQ $192, CX
	JMP  tail

last:
	MOVQ AX, R15
	MOVQ $128, CX

tail:
	LEAQ (R11*8), DX
	SUBQ DX, CX
	MOVQ -8(DI)(R11*1), AX
	SHRQ CX, AX
	SHAPE(0)
	XORQ R15, AX
	MULQ R14
	XORQ DX, AX

key:
	// keyOf: the low bit set when there is no digit, the next always.
	ANDQ $-2, AX
	ORQ  $2, AX
	XORQ CX, CX
	TESTQ BX, BX
	SETEQ CX
	ORQ  CX, AX
	// shapeSet.trusted
	MOVQ AX, CX
	SHRQ $2, CX
	ANDQ $255, CX

probe:
	MOVQ (R9)(CX*8), DX
	CMPQ DX, AX
	JEQ  found
	TESTQ DX, DX
	JZ   next
	INCQ CX
	ANDQ $255, CX
	JMP  probe

found:
	CMPB 2048(R9)(CX*1), $32
	JNE  next
	MOVQ bit+72(FP), DX
	ORQ  DX, (R8)

next:
	ADDQ $56, SI
	ADDQ $16, R8
	INCQ R13
	JMP  loop

done:
	MOVQ R13, ret+80(FP)
	RET
