#include "textflag.h"

// The bytes emailMasksAVX2 broadcasts: '@', '.', '-', 0x20, 'a', 25, '0',
// 9, 0x0F, 'A'; then the tables of the local part's specials by low and by
// high nibble (a bit a high nibble: 2, 3, 5, 6, 7).
DATA emailConst<>+0(SB)/8, $0x09301961202d2e40
DATA emailConst<>+8(SB)/8, $0x000000000000410f
DATA emailConst<>+16(SB)/8, $0x0101010101000108
DATA emailConst<>+24(SB)/8, $0x0715131011010000
DATA emailConst<>+32(SB)/8, $0x1008040002010000
DATA emailConst<>+40(SB)/8, $0x0000000000000000
GLOBL emailConst<>(SB), RODATA|NOPTR, $48

// func emailMasksAVX2(p *byte, n int, m *emailMaskSet, lower *byte)
TEXT ·emailMasksAVX2(SB), NOSPLIT, $0-32
	MOVQ	p+0(FP), SI
	MOVQ	n+8(FP), R11
	MOVQ	m+16(FP), DI
	MOVQ	lower+24(FP), R12
	VPBROADCASTB	emailConst<>+9(SB), Y3  // 'A'
	VPBROADCASTB	emailConst<>+0(SB), Y4  // '@'
	VPBROADCASTB	emailConst<>+1(SB), Y5  // '.'
	VPBROADCASTB	emailConst<>+2(SB), Y6  // '-'
	VPBROADCASTB	emailConst<>+3(SB), Y7  // 0x20
	VPBROADCASTB	emailConst<>+4(SB), Y8  // 'a'
	VPBROADCASTB	emailConst<>+5(SB), Y9  // 25
	VPBROADCASTB	emailConst<>+6(SB), Y10 // '0'
	VPBROADCASTB	emailConst<>+7(SB), Y11 // 9
	VPBROADCASTB	emailConst<>+8(SB), Y12 // 0x0F
	VBROADCASTI128	emailConst<>+16(SB), Y13
	VBROADCASTI128	emailConst<>+32(SB), Y14
	VPXOR	Y15, Y15, Y15
	XORQ	CX, CX

half:
	VMOVDQU	(SI)(CX*1), Y0

	VPCMPEQB	Y4, Y0, Y1
	VPMOVMSKB	Y1, AX
	VPCMPEQB	Y5, Y0, Y1
	VPMOVMSKB	Y1, BX
	VPCMPEQB	Y6, Y0, Y1
	VPMOVMSKB	Y1, DX

	// Letters: the byte with 0x20 set, less 'a', at most 25.
	VPOR	Y7, Y0, Y1
	VPSUBB	Y8, Y1, Y1
	VPMINUB	Y9, Y1, Y2
	VPCMPEQB	Y1, Y2, Y2
	VPMOVMSKB	Y2, R8

	// Lower-cased: capitals (the byte less 'A', at most 25) get 0x20.
	VPSUBB	Y3, Y0, Y1
	VPMINUB	Y9, Y1, Y2
	VPCMPEQB	Y1, Y2, Y2
	VPAND	Y7, Y2, Y2
	VPOR	Y0, Y2, Y2
	VMOVDQU	Y2, (R12)(CX*1)

	// Digits: the byte less '0', at most 9.
	VPSUBB	Y10, Y0, Y1
	VPMINUB	Y11, Y1, Y2
	VPCMPEQB	Y1, Y2, Y2
	VPMOVMSKB	Y2, R9

	// Not a special of the local part: no bit in common between the
	// tables' entries for its low and its high nibble.
	VPAND	Y12, Y0, Y1
	VPSHUFB	Y1, Y13, Y1
	VPSRLW	$4, Y0, Y2
	VPAND	Y12, Y2, Y2
	VPSHUFB	Y2, Y14, Y2
	VPAND	Y1, Y2, Y1
	VPCMPEQB	Y15, Y1, Y1
	VPMOVMSKB	Y1, R10

	// The half's masks, in the low or the high half of each word.
	SHLQ	CX, AX
	ORQ	AX, 0(DI)
	SHLQ	CX, BX
	ORQ	BX, 8(DI)
	SHLQ	CX, DX
	ORQ	DX, 16(DI)
	SHLQ	CX, R8
	ORQ	R8, 24(DI)
	SHLQ	CX, R9
	ORQ	R9, 32(DI)
	SHLQ	CX, R10
	ORQ	R10, 40(DI)
	ADDQ	$32, CX
	CMPQ	CX, R11
	JLT	half

	VZEROUPPER
	RET
