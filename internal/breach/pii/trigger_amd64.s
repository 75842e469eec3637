#include "textflag.h"

// func triggerBlocksAVX2(p *byte, n int, out *uint64)
// For each of n blocks of 64 bytes from p, a bit a byte: ASCII from '0'
// to 'Z', '+', '$', and every byte past ASCII (mayTrigger8's set).
TEXT ·triggerBlocksAVX2(SB), NOSPLIT, $0-24
	MOVQ	p+0(FP), SI
	MOVQ	n+8(FP), CX
	MOVQ	out+16(FP), DI
	MOVQ	$0x30, AX
	VMOVQ	AX, X8
	VPBROADCASTB	X8, Y8 // '0'
	MOVQ	$0x2a, AX
	VMOVQ	AX, X9
	VPBROADCASTB	X9, Y9 // 'Z' - '0'
	MOVQ	$0x2b, AX
	VMOVQ	AX, X10
	VPBROADCASTB	X10, Y10 // '+'
	MOVQ	$0x24, AX
	VMOVQ	AX, X11
	VPBROADCASTB	X11, Y11 // '$'
	XORQ	DX, DX

loop:
	CMPQ	DX, CX
	JGE	done
	VMOVDQU	0(SI), Y0
	VMOVDQU	32(SI), Y1

	VPSUBB	Y8, Y0, Y2
	VPMINUB	Y9, Y2, Y3
	VPCMPEQB	Y2, Y3, Y3
	VPCMPEQB	Y10, Y0, Y4
	VPCMPEQB	Y11, Y0, Y5
	VPOR	Y3, Y4, Y4
	VPOR	Y5, Y0, Y5
	VPOR	Y4, Y5, Y5
	VPMOVMSKB	Y5, R9

	VPSUBB	Y8, Y1, Y2
	VPMINUB	Y9, Y2, Y3
	VPCMPEQB	Y2, Y3, Y3
	VPCMPEQB	Y10, Y1, Y4
	VPCMPEQB	Y11, Y1, Y5
	VPOR	Y3, Y4, Y4
	VPOR	Y5, Y1, Y5
	VPOR	Y4, Y5, Y5
	VPMOVMSKB	Y5, R10

	SHLQ	$32, R10
	ORQ	R10, R9
	MOVQ	R9, (DI)(DX*8)
	ADDQ	$64, SI
	INCQ	DX
	JMP	loop

done:
	VZEROUPPER
	RET
