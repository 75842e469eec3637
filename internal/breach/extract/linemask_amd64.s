#include "textflag.h"

// func maskBlocksSSE2(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int
// Its u8 is sp: every byte past ASCII, and the quote, is left to special.
TEXT ·maskBlocksSSE2(SB), NOSPLIT, $0-56
	MOVQ	p+0(FP), SI
	MOVQ	n+8(FP), CX
	MOVQ	cm+24(FP), DI
	MOVQ	sp+32(FP), R8
	MOVQ	u8+40(FP), R12
	MOVQ	$0x0101010101010101, R9
	MOVQ	$0x0a0a0a0a0a0a0a0a, AX
	MOVQ	AX, X13
	PUNPCKLQDQ	X13, X13
	MOVBQZX	comma+16(FP), AX
	IMULQ	R9, AX
	MOVQ	AX, X14
	PUNPCKLQDQ	X14, X14
	MOVBQZX	quote+17(FP), AX
	IMULQ	R9, AX
	MOVQ	AX, X12
	PUNPCKLQDQ	X12, X12
	XORQ	DX, DX

loop:
	CMPQ	DX, CX
	JGE	none
	MOVOU	0(SI), X0
	MOVOU	16(SI), X1
	MOVOU	32(SI), X2
	MOVOU	48(SI), X3

	// Newlines, in R10.
	MOVO	X0, X4
	PCMPEQB	X13, X4
	PMOVMSKB	X4, R10
	MOVO	X1, X4
	PCMPEQB	X13, X4
	PMOVMSKB	X4, R11
	SHLQ	$16, R11
	ORQ	R11, R10
	MOVO	X2, X4
	PCMPEQB	X13, X4
	PMOVMSKB	X4, R11
	SHLQ	$32, R11
	ORQ	R11, R10
	MOVO	X3, X4
	PCMPEQB	X13, X4
	PMOVMSKB	X4, R11
	SHLQ	$48, R11
	ORQ	R11, R10

	// Delimiters, to cm.
	MOVO	X0, X4
	PCMPEQB	X14, X4
	PMOVMSKB	X4, R9
	MOVO	X1, X4
	PCMPEQB	X14, X4
	PMOVMSKB	X4, R11
	SHLQ	$16, R11
	ORQ	R11, R9
	MOVO	X2, X4
	PCMPEQB	X14, X4
	PMOVMSKB	X4, R11
	SHLQ	$32, R11
	ORQ	R11, R9
	MOVO	X3, X4
	PCMPEQB	X14, X4
	PMOVMSKB	X4, R11
	SHLQ	$48, R11
	ORQ	R11, R9
	MOVQ	R9, (DI)(DX*8)

	// The quote, or a byte past ASCII (its top bit), to sp.
	MOVO	X0, X4
	PCMPEQB	X12, X4
	POR	X0, X4
	PMOVMSKB	X4, R9
	MOVO	X1, X4
	PCMPEQB	X12, X4
	POR	X1, X4
	PMOVMSKB	X4, R11
	SHLQ	$16, R11
	ORQ	R11, R9
	MOVO	X2, X4
	PCMPEQB	X12, X4
	POR	X2, X4
	PMOVMSKB	X4, R11
	SHLQ	$32, R11
	ORQ	R11, R9
	MOVO	X3, X4
	PCMPEQB	X12, X4
	POR	X3, X4
	PMOVMSKB	X4, R11
	SHLQ	$48, R11
	ORQ	R11, R9
	MOVQ	R9, (R8)(DX*8)
	MOVQ	R9, (R12)(DX*8)

	TESTQ	R10, R10
	JNZ	found
	ADDQ	$64, SI
	INCQ	DX
	JMP	loop

found:
	BSFQ	R10, R10
	SHLQ	$6, DX
	ADDQ	R10, DX
	MOVQ	DX, ret+48(FP)
	RET

none:
	MOVQ	$-1, ret+48(FP)
	RET

// The u8 mask of maskBlocksAVX2, 32 bytes at a time in B, whose quote
// bytes are in Q: a byte is marked when it is the quote, past ASCII but
// neither a lead byte of two (0xC2 to 0xDF, L) nor a continuation byte
// (0x80 to 0xBF, C), or a continuation byte after no lead byte, or no
// continuation byte after one. The lead bytes of the previous 32 bytes
// are in Y11, which it updates; Y8, Y9, Y10 hold 0xC0, 0xC1, 0xE0, and
// Y15 zero. The result is in Q.
#define UTF8PAIRS(B, Q) \
	VPCMPGTB	B, Y8, Y2 \
	VPCMPGTB	Y9, B, Y3 \
	VPCMPGTB	B, Y10, Y6 \
	VPAND	Y3, Y6, Y3 \
	VPERM2I128	$0x21, Y3, Y11, Y6 \
	VPALIGNR	$15, Y6, Y3, Y6 \
	VMOVDQU	Y3, Y11 \
	VPXOR	Y2, Y6, Y6 \
	VPOR	Y2, Y3, Y3 \
	VPCMPGTB	B, Y15, Y7 \
	VPANDN	Y7, Y3, Y3 \
	VPOR	Y3, Y6, Y6 \
	VPOR	Y6, Q, Q

// func maskBlocksAVX2(p *byte, n int, comma, quote byte, cm, sp, u8 *uint64) int
TEXT ·maskBlocksAVX2(SB), NOSPLIT, $0-56
	MOVQ	p+0(FP), SI
	MOVQ	n+8(FP), CX
	MOVQ	cm+24(FP), DI
	MOVQ	sp+32(FP), R8
	MOVQ	u8+40(FP), R12
	MOVQ	$0x0a, AX
	VMOVQ	AX, X13
	VPBROADCASTB	X13, Y13
	VPBROADCASTB	comma+16(FP), Y14
	VPBROADCASTB	quote+17(FP), Y12
	MOVQ	$0xc0, AX
	VMOVQ	AX, X8
	VPBROADCASTB	X8, Y8
	MOVQ	$0xc1, AX
	VMOVQ	AX, X9
	VPBROADCASTB	X9, Y9
	MOVQ	$0xe0, AX
	VMOVQ	AX, X10
	VPBROADCASTB	X10, Y10
	VPXOR	Y11, Y11, Y11
	VPXOR	Y15, Y15, Y15
	XORQ	DX, DX

avxloop:
	CMPQ	DX, CX
	JGE	avxnone
	VMOVDQU	0(SI), Y0
	VMOVDQU	32(SI), Y1

	// Newlines, in R10.
	VPCMPEQB	Y13, Y0, Y4
	VPMOVMSKB	Y4, R10
	VPCMPEQB	Y13, Y1, Y5
	VPMOVMSKB	Y5, R11
	SHLQ	$32, R11
	ORQ	R11, R10

	// Delimiters, to cm.
	VPCMPEQB	Y14, Y0, Y4
	VPMOVMSKB	Y4, R9
	VPCMPEQB	Y14, Y1, Y5
	VPMOVMSKB	Y5, R11
	SHLQ	$32, R11
	ORQ	R11, R9
	MOVQ	R9, (DI)(DX*8)

	// The quote, or a byte past ASCII (its top bit), to sp; the quote
	// bytes stay in Y4 and Y5.
	VPCMPEQB	Y12, Y0, Y4
	VPOR	Y0, Y4, Y2
	VPMOVMSKB	Y2, R9
	VPCMPEQB	Y12, Y1, Y5
	VPOR	Y1, Y5, Y3
	VPMOVMSKB	Y3, R11
	SHLQ	$32, R11
	ORQ	R11, R9
	MOVQ	R9, (R8)(DX*8)

	// What special cannot take from the masks alone, to u8.
	UTF8PAIRS(Y0, Y4)
	VPMOVMSKB	Y4, R9
	UTF8PAIRS(Y1, Y5)
	VPMOVMSKB	Y5, R11
	SHLQ	$32, R11
	ORQ	R11, R9
	MOVQ	R9, (R12)(DX*8)

	TESTQ	R10, R10
	JNZ	avxfound
	ADDQ	$64, SI
	INCQ	DX
	JMP	avxloop

avxfound:
	VZEROUPPER
	BSFQ	R10, R10
	SHLQ	$6, DX
	ADDQ	R10, DX
	MOVQ	DX, ret+48(FP)
	RET

avxnone:
	// A lead byte last, whose continuation is read by another call (a
	// block copied by scan), is marked: this call cannot vouch for it.
	VPMOVMSKB	Y11, AX
	VZEROUPPER
	TESTQ	CX, CX
	JLE	avxdone
	BTL	$31, AX
	JCC	avxdone
	MOVQ	$0x8000000000000000, AX
	ORQ	AX, -8(R12)(CX*8)

avxdone:
	MOVQ	$-1, ret+48(FP)
	RET
