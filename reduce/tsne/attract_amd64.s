//go:build amd64 && !purego

#include "textflag.h"

DATA one<>+0(SB)/8, $1.0
GLOBL one<>(SB), RODATA|NOPTR, $8

// func attract2AVX(y *float64, cols *int32, vals *float32, n int, yi *float64, out *float64)
//
// out[0:2] = Σ_e vals[e]/(1 + |yi − y_j|²)·(yi − y_j), j = cols[e], over
// n entries (a multiple of 4), four at a time: two neighbours per YMM
// register, the four squared distances in one register for one division.
TEXT ·attract2AVX(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), SI
	MOVQ cols+8(FP), DI
	MOVQ vals+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ yi+32(FP), AX
	MOVQ out+40(FP), DX
	VBROADCASTF128 (AX), Y15
	VBROADCASTSD one<>(SB), Y14
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	SHRQ $2, CX
	JZ done

loop:
	MOVLQSX 0(DI), R9
	MOVLQSX 4(DI), R10
	MOVLQSX 8(DI), R11
	MOVLQSX 12(DI), R12
	SHLQ $4, R9
	SHLQ $4, R10
	SHLQ $4, R11
	SHLQ $4, R12
	VMOVUPD (SI)(R9*1), X0
	VINSERTF128 $1, (SI)(R10*1), Y0, Y0
	VMOVUPD (SI)(R11*1), X1
	VINSERTF128 $1, (SI)(R12*1), Y1, Y1
	VSUBPD Y0, Y15, Y0
	VSUBPD Y1, Y15, Y1
	VMULPD Y0, Y0, Y2
	VMULPD Y1, Y1, Y3
	VHADDPD Y3, Y2, Y2
	VADDPD Y14, Y2, Y2
	VCVTPS2PD (R8), Y4
	VPERMPD $0xD8, Y4, Y4
	VDIVPD Y2, Y4, Y4
	VPERMPD $0xA0, Y4, Y5
	VPERMPD $0xF5, Y4, Y6
	VFMADD231PD Y5, Y0, Y12
	VFMADD231PD Y6, Y1, Y13
	ADDQ $16, DI
	ADDQ $16, R8
	DECQ CX
	JNZ loop

done:
	VADDPD Y13, Y12, Y12
	VEXTRACTF128 $1, Y12, X13
	VADDPD X13, X12, X12
	VMOVUPD X12, (DX)
	VZEROUPPER
	RET
