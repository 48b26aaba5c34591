//go:build amd64 && !purego

#include "textflag.h"

// Offsets of the Batch fields.
#define X_   0
#define Y_   32
#define ATT  64
#define ACT  96
#define OUTX 128
#define OUTY 160
#define CX   192
#define CY   196
#define A_   200
#define B_   204
#define BM1  208
#define AB2  212
#define G2B  216

// EXP2 replaces the eight values of R by 2^R (R clamped to [−126, 127]),
// as Exp2 does, with T1…T4 as scratch: R = k + f, k an integer and f in
// [−½, ½]; 2^f by a degree-5 polynomial in Estrin's scheme; 2^k by
// building the exponent bits.
#define EXP2(R, T1, T2, T3, T4) \
	VMAXPS      m126<>(SB), R, R; \
	VMINPS      p127<>(SB), R, R; \
	VADDPS      c1285<>(SB), R, T1; \
	VCVTTPS2DQ  T1, T1; \
	VPSUBD      i128<>(SB), T1, T1; \
	VCVTDQ2PS   T1, T2; \
	VSUBPS      T2, R, R; \
	VPADDD      i127<>(SB), T1, T1; \
	VPSLLD      $23, T1, T1; \
	VMULPS      R, R, T4; \
	VMOVUPS     ec1<>(SB), T2; \
	VFMADD213PS ec0<>(SB), R, T2; \
	VMOVUPS     ec3<>(SB), T3; \
	VFMADD213PS ec2<>(SB), R, T3; \
	VFMADD231PS T3, T4, T2; \
	VMOVUPS     ec5<>(SB), T3; \
	VFMADD213PS ec4<>(SB), R, T3; \
	VMULPS      T4, T4, T4; \
	VFMADD231PS T3, T4, T2; \
	VMULPS      T1, T2, R

// func stepAVX2(l *Batch)
TEXT ·stepAVX2(SB), NOSPLIT, $0-8
	MOVQ l+0(FP), DI
	VBROADCASTSS CX(DI), Y2
	VBROADCASTSS CY(DI), Y3
	VSUBPS       X_(DI), Y2, Y2         // dx = cx − x
	VSUBPS       Y_(DI), Y3, Y3         // dy = cy − y
	VMULPS       Y2, Y2, Y4
	VFMADD231PS  Y3, Y3, Y4             // d² = dy·dy + dx·dx

	// lg = log2(max(d², 2^-126)) = e + u·p(u)
	VMAXPS       minnormal<>(SB), Y4, Y8
	VPSUBD       sqrthalf<>(SB), Y8, Y8 // ix = bits − bits(√½)
	VPSRAD       $23, Y8, Y10
	VCVTDQ2PS    Y10, Y10               // e
	VPAND        mantmask<>(SB), Y8, Y8
	VPADDD       sqrthalf<>(SB), Y8, Y8 // m in [√½, √2)
	VSUBPS       one<>(SB), Y8, Y8      // u = m − 1
	VMULPS       Y8, Y8, Y9             // u²
	VMOVUPS      lc1<>(SB), Y11
	VFMADD213PS  lc0<>(SB), Y8, Y11     // c0 + c1·u
	VMOVUPS      lc3<>(SB), Y12
	VFMADD213PS  lc2<>(SB), Y8, Y12     // c2 + c3·u
	VMOVUPS      lc5<>(SB), Y13
	VFMADD213PS  lc4<>(SB), Y8, Y13     // c4 + c5·u
	VMULPS       Y9, Y9, Y14            // u⁴
	VFMADD231PS  Y12, Y9, Y11           // + (c2 + c3·u)·u²
	VFMADD231PS  Y13, Y14, Y11          // + (c4 + c5·u)·u⁴
	VFMADD213PS  Y10, Y8, Y11           // lg = e + u·p
	VMOVAPS      Y11, Y5

	// pb = 2^(b·lg), pb1 = 2^((b−1)·lg)
	VBROADCASTSS B_(DI), Y6
	VMULPS       Y5, Y6, Y6
	EXP2(Y6, Y8, Y9, Y10, Y11)
	VBROADCASTSS BM1(DI), Y7
	VMULPS       Y5, Y7, Y7
	EXP2(Y7, Y8, Y9, Y10, Y11)

	// den = (a·pb + 1)·(att ? 1 : eps + d²); num = att ? −2ab·pb1 : 2γb
	VBROADCASTSS A_(DI), Y8
	VMOVUPS      one<>(SB), Y9
	VFMADD213PS  Y9, Y8, Y6             // a·pb + 1
	VADDPS       eps<>(SB), Y4, Y10     // eps + d²
	VMOVUPS      ATT(DI), Y11
	VBLENDVPS    Y11, Y9, Y10, Y10
	VMULPS       Y10, Y6, Y6
	VBROADCASTSS AB2(DI), Y12
	VMULPS       Y12, Y7, Y7
	VBROADCASTSS G2B(DI), Y12
	VBLENDVPS    Y11, Y7, Y12, Y12
	VDIVPS       Y6, Y12, Y12           // coef

	// steps, clipped to ±4
	VMULPS       Y12, Y2, Y2
	VMULPS       Y12, Y3, Y3
	VMOVUPS      four<>(SB), Y13
	VMOVUPS      mfour<>(SB), Y14
	VMINPS       Y13, Y2, Y2
	VMAXPS       Y14, Y2, Y2
	VMINPS       Y13, Y3, Y3
	VMAXPS       Y14, Y3, Y3

	// repulsion at distance 0: +4; unused lanes: 0
	VXORPS       Y15, Y15, Y15
	VCMPPS       $0, Y15, Y4, Y15       // d² == 0
	VANDNPS      Y15, Y11, Y15          // and not attraction
	VBLENDVPS    Y15, Y13, Y2, Y2
	VBLENDVPS    Y15, Y13, Y3, Y3
	VMOVUPS      ACT(DI), Y15
	VANDPS       Y15, Y2, Y2
	VANDPS       Y15, Y3, Y3
	VMOVUPS      Y2, OUTX(DI)
	VMOVUPS      Y3, OUTY(DI)
	VZEROUPPER
	RET

// Constants, eight copies each.
DATA lc0<>+0(SB)/4, $0x3fb8aa54
DATA lc0<>+4(SB)/4, $0x3fb8aa54
DATA lc0<>+8(SB)/4, $0x3fb8aa54
DATA lc0<>+12(SB)/4, $0x3fb8aa54
DATA lc0<>+16(SB)/4, $0x3fb8aa54
DATA lc0<>+20(SB)/4, $0x3fb8aa54
DATA lc0<>+24(SB)/4, $0x3fb8aa54
DATA lc0<>+28(SB)/4, $0x3fb8aa54
GLOBL lc0<>(SB), RODATA|NOPTR, $32
DATA lc1<>+0(SB)/4, $0xbf38a255
DATA lc1<>+4(SB)/4, $0xbf38a255
DATA lc1<>+8(SB)/4, $0xbf38a255
DATA lc1<>+12(SB)/4, $0xbf38a255
DATA lc1<>+16(SB)/4, $0xbf38a255
DATA lc1<>+20(SB)/4, $0xbf38a255
DATA lc1<>+24(SB)/4, $0xbf38a255
DATA lc1<>+28(SB)/4, $0xbf38a255
GLOBL lc1<>(SB), RODATA|NOPTR, $32
DATA lc2<>+0(SB)/4, $0x3ef5dd57
DATA lc2<>+4(SB)/4, $0x3ef5dd57
DATA lc2<>+8(SB)/4, $0x3ef5dd57
DATA lc2<>+12(SB)/4, $0x3ef5dd57
DATA lc2<>+16(SB)/4, $0x3ef5dd57
DATA lc2<>+20(SB)/4, $0x3ef5dd57
DATA lc2<>+24(SB)/4, $0x3ef5dd57
DATA lc2<>+28(SB)/4, $0x3ef5dd57
GLOBL lc2<>(SB), RODATA|NOPTR, $32
DATA lc3<>+0(SB)/4, $0xbebb9b43
DATA lc3<>+4(SB)/4, $0xbebb9b43
DATA lc3<>+8(SB)/4, $0xbebb9b43
DATA lc3<>+12(SB)/4, $0xbebb9b43
DATA lc3<>+16(SB)/4, $0xbebb9b43
DATA lc3<>+20(SB)/4, $0xbebb9b43
DATA lc3<>+24(SB)/4, $0xbebb9b43
DATA lc3<>+28(SB)/4, $0xbebb9b43
GLOBL lc3<>(SB), RODATA|NOPTR, $32
DATA lc4<>+0(SB)/4, $0x3ea040a8
DATA lc4<>+4(SB)/4, $0x3ea040a8
DATA lc4<>+8(SB)/4, $0x3ea040a8
DATA lc4<>+12(SB)/4, $0x3ea040a8
DATA lc4<>+16(SB)/4, $0x3ea040a8
DATA lc4<>+20(SB)/4, $0x3ea040a8
DATA lc4<>+24(SB)/4, $0x3ea040a8
DATA lc4<>+28(SB)/4, $0x3ea040a8
GLOBL lc4<>(SB), RODATA|NOPTR, $32
DATA lc5<>+0(SB)/4, $0xbe4bfd09
DATA lc5<>+4(SB)/4, $0xbe4bfd09
DATA lc5<>+8(SB)/4, $0xbe4bfd09
DATA lc5<>+12(SB)/4, $0xbe4bfd09
DATA lc5<>+16(SB)/4, $0xbe4bfd09
DATA lc5<>+20(SB)/4, $0xbe4bfd09
DATA lc5<>+24(SB)/4, $0xbe4bfd09
DATA lc5<>+28(SB)/4, $0xbe4bfd09
GLOBL lc5<>(SB), RODATA|NOPTR, $32
DATA ec0<>+0(SB)/4, $0x3f800000
DATA ec0<>+4(SB)/4, $0x3f800000
DATA ec0<>+8(SB)/4, $0x3f800000
DATA ec0<>+12(SB)/4, $0x3f800000
DATA ec0<>+16(SB)/4, $0x3f800000
DATA ec0<>+20(SB)/4, $0x3f800000
DATA ec0<>+24(SB)/4, $0x3f800000
DATA ec0<>+28(SB)/4, $0x3f800000
GLOBL ec0<>(SB), RODATA|NOPTR, $32
DATA ec1<>+0(SB)/4, $0x3f317215
DATA ec1<>+4(SB)/4, $0x3f317215
DATA ec1<>+8(SB)/4, $0x3f317215
DATA ec1<>+12(SB)/4, $0x3f317215
DATA ec1<>+16(SB)/4, $0x3f317215
DATA ec1<>+20(SB)/4, $0x3f317215
DATA ec1<>+24(SB)/4, $0x3f317215
DATA ec1<>+28(SB)/4, $0x3f317215
GLOBL ec1<>(SB), RODATA|NOPTR, $32
DATA ec2<>+0(SB)/4, $0x3e75fcd2
DATA ec2<>+4(SB)/4, $0x3e75fcd2
DATA ec2<>+8(SB)/4, $0x3e75fcd2
DATA ec2<>+12(SB)/4, $0x3e75fcd2
DATA ec2<>+16(SB)/4, $0x3e75fcd2
DATA ec2<>+20(SB)/4, $0x3e75fcd2
DATA ec2<>+24(SB)/4, $0x3e75fcd2
DATA ec2<>+28(SB)/4, $0x3e75fcd2
GLOBL ec2<>(SB), RODATA|NOPTR, $32
DATA ec3<>+0(SB)/4, $0x3d635b70
DATA ec3<>+4(SB)/4, $0x3d635b70
DATA ec3<>+8(SB)/4, $0x3d635b70
DATA ec3<>+12(SB)/4, $0x3d635b70
DATA ec3<>+16(SB)/4, $0x3d635b70
DATA ec3<>+20(SB)/4, $0x3d635b70
DATA ec3<>+24(SB)/4, $0x3d635b70
DATA ec3<>+28(SB)/4, $0x3d635b70
GLOBL ec3<>(SB), RODATA|NOPTR, $32
DATA ec4<>+0(SB)/4, $0x3c1e6fab
DATA ec4<>+4(SB)/4, $0x3c1e6fab
DATA ec4<>+8(SB)/4, $0x3c1e6fab
DATA ec4<>+12(SB)/4, $0x3c1e6fab
DATA ec4<>+16(SB)/4, $0x3c1e6fab
DATA ec4<>+20(SB)/4, $0x3c1e6fab
DATA ec4<>+24(SB)/4, $0x3c1e6fab
DATA ec4<>+28(SB)/4, $0x3c1e6fab
GLOBL ec4<>(SB), RODATA|NOPTR, $32
DATA ec5<>+0(SB)/4, $0x3aadd042
DATA ec5<>+4(SB)/4, $0x3aadd042
DATA ec5<>+8(SB)/4, $0x3aadd042
DATA ec5<>+12(SB)/4, $0x3aadd042
DATA ec5<>+16(SB)/4, $0x3aadd042
DATA ec5<>+20(SB)/4, $0x3aadd042
DATA ec5<>+24(SB)/4, $0x3aadd042
DATA ec5<>+28(SB)/4, $0x3aadd042
GLOBL ec5<>(SB), RODATA|NOPTR, $32
DATA one<>+0(SB)/4, $0x3f800000
DATA one<>+4(SB)/4, $0x3f800000
DATA one<>+8(SB)/4, $0x3f800000
DATA one<>+12(SB)/4, $0x3f800000
DATA one<>+16(SB)/4, $0x3f800000
DATA one<>+20(SB)/4, $0x3f800000
DATA one<>+24(SB)/4, $0x3f800000
DATA one<>+28(SB)/4, $0x3f800000
GLOBL one<>(SB), RODATA|NOPTR, $32
DATA minnormal<>+0(SB)/4, $0x00800000
DATA minnormal<>+4(SB)/4, $0x00800000
DATA minnormal<>+8(SB)/4, $0x00800000
DATA minnormal<>+12(SB)/4, $0x00800000
DATA minnormal<>+16(SB)/4, $0x00800000
DATA minnormal<>+20(SB)/4, $0x00800000
DATA minnormal<>+24(SB)/4, $0x00800000
DATA minnormal<>+28(SB)/4, $0x00800000
GLOBL minnormal<>(SB), RODATA|NOPTR, $32
DATA m126<>+0(SB)/4, $0xc2fc0000
DATA m126<>+4(SB)/4, $0xc2fc0000
DATA m126<>+8(SB)/4, $0xc2fc0000
DATA m126<>+12(SB)/4, $0xc2fc0000
DATA m126<>+16(SB)/4, $0xc2fc0000
DATA m126<>+20(SB)/4, $0xc2fc0000
DATA m126<>+24(SB)/4, $0xc2fc0000
DATA m126<>+28(SB)/4, $0xc2fc0000
GLOBL m126<>(SB), RODATA|NOPTR, $32
DATA p127<>+0(SB)/4, $0x42fe0000
DATA p127<>+4(SB)/4, $0x42fe0000
DATA p127<>+8(SB)/4, $0x42fe0000
DATA p127<>+12(SB)/4, $0x42fe0000
DATA p127<>+16(SB)/4, $0x42fe0000
DATA p127<>+20(SB)/4, $0x42fe0000
DATA p127<>+24(SB)/4, $0x42fe0000
DATA p127<>+28(SB)/4, $0x42fe0000
GLOBL p127<>(SB), RODATA|NOPTR, $32
DATA c1285<>+0(SB)/4, $0x43008000
DATA c1285<>+4(SB)/4, $0x43008000
DATA c1285<>+8(SB)/4, $0x43008000
DATA c1285<>+12(SB)/4, $0x43008000
DATA c1285<>+16(SB)/4, $0x43008000
DATA c1285<>+20(SB)/4, $0x43008000
DATA c1285<>+24(SB)/4, $0x43008000
DATA c1285<>+28(SB)/4, $0x43008000
GLOBL c1285<>(SB), RODATA|NOPTR, $32
DATA four<>+0(SB)/4, $0x40800000
DATA four<>+4(SB)/4, $0x40800000
DATA four<>+8(SB)/4, $0x40800000
DATA four<>+12(SB)/4, $0x40800000
DATA four<>+16(SB)/4, $0x40800000
DATA four<>+20(SB)/4, $0x40800000
DATA four<>+24(SB)/4, $0x40800000
DATA four<>+28(SB)/4, $0x40800000
GLOBL four<>(SB), RODATA|NOPTR, $32
DATA mfour<>+0(SB)/4, $0xc0800000
DATA mfour<>+4(SB)/4, $0xc0800000
DATA mfour<>+8(SB)/4, $0xc0800000
DATA mfour<>+12(SB)/4, $0xc0800000
DATA mfour<>+16(SB)/4, $0xc0800000
DATA mfour<>+20(SB)/4, $0xc0800000
DATA mfour<>+24(SB)/4, $0xc0800000
DATA mfour<>+28(SB)/4, $0xc0800000
GLOBL mfour<>(SB), RODATA|NOPTR, $32
DATA eps<>+0(SB)/4, $0x3a83126f
DATA eps<>+4(SB)/4, $0x3a83126f
DATA eps<>+8(SB)/4, $0x3a83126f
DATA eps<>+12(SB)/4, $0x3a83126f
DATA eps<>+16(SB)/4, $0x3a83126f
DATA eps<>+20(SB)/4, $0x3a83126f
DATA eps<>+24(SB)/4, $0x3a83126f
DATA eps<>+28(SB)/4, $0x3a83126f
GLOBL eps<>(SB), RODATA|NOPTR, $32
DATA sqrthalf<>+0(SB)/4, $0x3f3504f3
DATA sqrthalf<>+4(SB)/4, $0x3f3504f3
DATA sqrthalf<>+8(SB)/4, $0x3f3504f3
DATA sqrthalf<>+12(SB)/4, $0x3f3504f3
DATA sqrthalf<>+16(SB)/4, $0x3f3504f3
DATA sqrthalf<>+20(SB)/4, $0x3f3504f3
DATA sqrthalf<>+24(SB)/4, $0x3f3504f3
DATA sqrthalf<>+28(SB)/4, $0x3f3504f3
GLOBL sqrthalf<>(SB), RODATA|NOPTR, $32
DATA mantmask<>+0(SB)/4, $0x007fffff
DATA mantmask<>+4(SB)/4, $0x007fffff
DATA mantmask<>+8(SB)/4, $0x007fffff
DATA mantmask<>+12(SB)/4, $0x007fffff
DATA mantmask<>+16(SB)/4, $0x007fffff
DATA mantmask<>+20(SB)/4, $0x007fffff
DATA mantmask<>+24(SB)/4, $0x007fffff
DATA mantmask<>+28(SB)/4, $0x007fffff
GLOBL mantmask<>(SB), RODATA|NOPTR, $32
DATA i128<>+0(SB)/4, $0x00000080
DATA i128<>+4(SB)/4, $0x00000080
DATA i128<>+8(SB)/4, $0x00000080
DATA i128<>+12(SB)/4, $0x00000080
DATA i128<>+16(SB)/4, $0x00000080
DATA i128<>+20(SB)/4, $0x00000080
DATA i128<>+24(SB)/4, $0x00000080
DATA i128<>+28(SB)/4, $0x00000080
GLOBL i128<>(SB), RODATA|NOPTR, $32
DATA i127<>+0(SB)/4, $0x0000007f
DATA i127<>+4(SB)/4, $0x0000007f
DATA i127<>+8(SB)/4, $0x0000007f
DATA i127<>+12(SB)/4, $0x0000007f
DATA i127<>+16(SB)/4, $0x0000007f
DATA i127<>+20(SB)/4, $0x0000007f
DATA i127<>+24(SB)/4, $0x0000007f
DATA i127<>+28(SB)/4, $0x0000007f
GLOBL i127<>(SB), RODATA|NOPTR, $32
