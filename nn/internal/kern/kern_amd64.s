//go:build amd64 && !purego

#include "textflag.h"

// func Adam(p, g, m, v []float32, c *AdamConst)
TEXT ·Adam(SB), NOSPLIT, $0-104
	MOVQ p_base+0(FP), DI
	MOVQ p_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y8   // β1
	VBROADCASTSS 4(AX), Y9   // β2
	VBROADCASTSS 8(AX), Y10  // 1−β1
	VBROADCASTSS 12(AX), Y11 // 1−β2
	VBROADCASTSS 16(AX), Y12 // step
	VBROADCASTSS 20(AX), Y13 // 1/√(bias correction 2)
	VBROADCASTSS 24(AX), Y14 // eps
	VBROADCASTSS 28(AX), Y15 // coupled weight decay
	VBROADCASTSS 32(AX), Y7  // decoupled shrink
	SHRQ $3, CX
	JZ   adamdone

adamloop:
	VMOVUPS     (DI), Y0
	VMOVUPS     (SI), Y1
	VFMADD231PS Y15, Y0, Y1     // g += wd·p
	VMULPS      Y7, Y0, Y0      // p *= shrink
	VMULPS      (R8), Y8, Y2    // β1·m
	VFMADD231PS Y10, Y1, Y2     // m = β1·m + (1−β1)·g
	VMULPS      Y1, Y1, Y3      // g²
	VMULPS      (R9), Y9, Y4    // β2·v
	VFMADD231PS Y11, Y3, Y4     // v = β2·v + (1−β2)·g²
	VMOVUPS     Y2, (R8)
	VMOVUPS     Y4, (R9)
	VSQRTPS     Y4, Y5
	VFMADD213PS Y14, Y13, Y5    // √v·c + eps
	VMULPS      Y12, Y2, Y6     // step·m
	VDIVPS      Y5, Y6, Y6
	VSUBPS      Y6, Y0, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         adamloop

adamdone:
	VZEROUPPER
	RET

// func ReLU(y, x []float32)
TEXT ·ReLU(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	VXORPS Y15, Y15, Y15
	SHRQ $3, CX
	JZ   reludone

reluloop:
	VMAXPS  (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     reluloop

reludone:
	VZEROUPPER
	RET

// func ReLUBackward(dz, dy, y, acc []float32)
TEXT ·ReLUBackward(SB), NOSPLIT, $0-96
	MOVQ dz_base+0(FP), DI
	MOVQ dy_base+24(FP), SI
	MOVQ dy_len+32(FP), CX
	MOVQ y_base+48(FP), DX
	MOVQ acc_base+72(FP), R8
	VXORPS Y15, Y15, Y15
	SHRQ $3, CX
	JZ   relubdone

relubloop:
	VCMPPS  $1, (DX), Y15, Y0 // 0 < y
	VANDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	VADDPS  (R8), Y0, Y1
	VMOVUPS Y1, (R8)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, R8
	DECQ    CX
	JNZ     relubloop

relubdone:
	VZEROUPPER
	RET

// Constants for BCELogits, each repeated in 8 lanes.
#define ABS 0
#define EXPMIN 32
#define LOG2E 64
#define LN2HI 96
#define LN2LO 128
#define E0 160
#define E1 192
#define E2 224
#define E3 256
#define E4 288
#define E5 320
#define ONE 352
#define BIAS 384
#define SQRT2M1 416
#define HALF 448
#define L0 480
#define L1 512
#define L2 544
#define L3 576
#define L4 608
#define L5 640
#define L6 672
#define L7 704
#define L8 736

// func BCELogits(grad, x, t []float32, scale float32) float64
//
// Per lane: e = exp(−|x|) by n = round(−|x|·log2e), r = −|x| − n·ln2 and a
// degree-6 polynomial times 2ⁿ; log(1+e) by the float32 log polynomial on
// e (when e < √2−1) or (e−1)/2 plus ln 2; sigmoid(x) = (x ≥ 0 ? 1 : e)/(1+e).
TEXT ·BCELogits(SB), NOSPLIT, $0-88
	MOVQ grad_base+0(FP), DI
	MOVQ x_base+24(FP), SI
	MOVQ x_len+32(FP), CX
	MOVQ t_base+48(FP), DX
	VBROADCASTSS scale+72(FP), Y15
	VXORPS Y12, Y12, Y12          // 0
	VXORPD Y13, Y13, Y13          // loss sum, lanes 0-3
	VXORPD Y14, Y14, Y14          // loss sum, lanes 4-7
	SHRQ $3, CX
	JZ   bcedone

bceloop:
	VMOVUPS (SI), Y0              // x
	VMOVUPS (DX), Y1              // t
	VANDPS  bce<>+ABS(SB), Y0, Y2 // |x|
	VSUBPS  Y2, Y12, Y3           // a = −|x|
	VMAXPS  bce<>+EXPMIN(SB), Y3, Y3
	VMULPS  bce<>+LOG2E(SB), Y3, Y4
	VROUNDPS $0, Y4, Y4           // n
	VFNMADD231PS bce<>+LN2HI(SB), Y4, Y3
	VFNMADD231PS bce<>+LN2LO(SB), Y4, Y3 // r
	VMOVUPS bce<>+E0(SB), Y5
	VFMADD213PS bce<>+E1(SB), Y3, Y5
	VFMADD213PS bce<>+E2(SB), Y3, Y5
	VFMADD213PS bce<>+E3(SB), Y3, Y5
	VFMADD213PS bce<>+E4(SB), Y3, Y5
	VFMADD213PS bce<>+E5(SB), Y3, Y5
	VMULPS  Y3, Y3, Y6            // r²
	VFMADD213PS Y3, Y6, Y5        // p·r² + r
	VADDPS  bce<>+ONE(SB), Y5, Y5
	VCVTPS2DQ Y4, Y4
	VPADDD  bce<>+BIAS(SB), Y4, Y4
	VPSLLD  $23, Y4, Y4           // 2ⁿ
	VMULPS  Y4, Y5, Y5            // e = exp(−|x|)

	VCMPPS  $1, bce<>+SQRT2M1(SB), Y5, Y6 // e < √2−1
	VSUBPS  bce<>+ONE(SB), Y5, Y7
	VMULPS  bce<>+HALF(SB), Y7, Y7        // (e−1)/2
	VBLENDVPS Y6, Y5, Y7, Y8              // u
	VANDNPS bce<>+ONE(SB), Y6, Y9         // k
	VMULPS  Y8, Y8, Y10                   // u²
	VMOVUPS bce<>+L0(SB), Y11
	VFMADD213PS bce<>+L1(SB), Y8, Y11
	VFMADD213PS bce<>+L2(SB), Y8, Y11
	VFMADD213PS bce<>+L3(SB), Y8, Y11
	VFMADD213PS bce<>+L4(SB), Y8, Y11
	VFMADD213PS bce<>+L5(SB), Y8, Y11
	VFMADD213PS bce<>+L6(SB), Y8, Y11
	VFMADD213PS bce<>+L7(SB), Y8, Y11
	VFMADD213PS bce<>+L8(SB), Y8, Y11
	VMULPS  Y8, Y11, Y11
	VMULPS  Y10, Y11, Y11
	VFMADD231PS bce<>+LN2LO(SB), Y9, Y11
	VFNMADD231PS bce<>+HALF(SB), Y10, Y11
	VADDPS  Y8, Y11, Y11
	VFMADD231PS bce<>+LN2HI(SB), Y9, Y11  // log(1+e)

	VMAXPS  Y12, Y0, Y10          // max(x, 0)
	VFNMADD231PS Y1, Y0, Y10      // − x·t
	VADDPS  Y11, Y10, Y10         // loss
	VCVTPS2PD X10, Y2
	VADDPD  Y2, Y13, Y13
	VEXTRACTF128 $1, Y10, X3
	VCVTPS2PD X3, Y3
	VADDPD  Y3, Y14, Y14

	VCMPPS  $13, Y12, Y0, Y6      // x ≥ 0
	VMOVUPS bce<>+ONE(SB), Y7
	VBLENDVPS Y6, Y7, Y5, Y8      // x ≥ 0 ? 1 : e
	VADDPS  Y7, Y5, Y9            // 1 + e
	VDIVPS  Y9, Y8, Y8            // sigmoid(x)
	VSUBPS  Y1, Y8, Y8
	VMULPS  Y15, Y8, Y8
	TESTQ   DI, DI
	JZ      bcenograd
	VMOVUPS Y8, (DI)
	ADDQ    $32, DI

bcenograd:
	ADDQ $32, SI
	ADDQ $32, DX
	DECQ CX
	JNZ  bceloop

bcedone:
	VADDPD Y14, Y13, Y13
	VEXTRACTF128 $1, Y13, X14
	VADDPD X14, X13, X13
	VHADDPD X13, X13, X13
	VZEROUPPER
	MOVSD X13, ret+80(FP)
	RET

// abs = 0 at 0
DATA bce<>+0(SB)/4, $0x7fffffff
DATA bce<>+4(SB)/4, $0x7fffffff
DATA bce<>+8(SB)/4, $0x7fffffff
DATA bce<>+12(SB)/4, $0x7fffffff
DATA bce<>+16(SB)/4, $0x7fffffff
DATA bce<>+20(SB)/4, $0x7fffffff
DATA bce<>+24(SB)/4, $0x7fffffff
DATA bce<>+28(SB)/4, $0x7fffffff
// expmin = -87.33654 at 32
DATA bce<>+32(SB)/4, $0xc2aeac4f
DATA bce<>+36(SB)/4, $0xc2aeac4f
DATA bce<>+40(SB)/4, $0xc2aeac4f
DATA bce<>+44(SB)/4, $0xc2aeac4f
DATA bce<>+48(SB)/4, $0xc2aeac4f
DATA bce<>+52(SB)/4, $0xc2aeac4f
DATA bce<>+56(SB)/4, $0xc2aeac4f
DATA bce<>+60(SB)/4, $0xc2aeac4f
// log2e = 1.442695 at 64
DATA bce<>+64(SB)/4, $0x3fb8aa3b
DATA bce<>+68(SB)/4, $0x3fb8aa3b
DATA bce<>+72(SB)/4, $0x3fb8aa3b
DATA bce<>+76(SB)/4, $0x3fb8aa3b
DATA bce<>+80(SB)/4, $0x3fb8aa3b
DATA bce<>+84(SB)/4, $0x3fb8aa3b
DATA bce<>+88(SB)/4, $0x3fb8aa3b
DATA bce<>+92(SB)/4, $0x3fb8aa3b
// ln2hi = 0.6933594 at 96
DATA bce<>+96(SB)/4, $0x3f318000
DATA bce<>+100(SB)/4, $0x3f318000
DATA bce<>+104(SB)/4, $0x3f318000
DATA bce<>+108(SB)/4, $0x3f318000
DATA bce<>+112(SB)/4, $0x3f318000
DATA bce<>+116(SB)/4, $0x3f318000
DATA bce<>+120(SB)/4, $0x3f318000
DATA bce<>+124(SB)/4, $0x3f318000
// ln2lo = -0.00021219444 at 128
DATA bce<>+128(SB)/4, $0xb95e8083
DATA bce<>+132(SB)/4, $0xb95e8083
DATA bce<>+136(SB)/4, $0xb95e8083
DATA bce<>+140(SB)/4, $0xb95e8083
DATA bce<>+144(SB)/4, $0xb95e8083
DATA bce<>+148(SB)/4, $0xb95e8083
DATA bce<>+152(SB)/4, $0xb95e8083
DATA bce<>+156(SB)/4, $0xb95e8083
// e0 = 0.00019875691 at 160
DATA bce<>+160(SB)/4, $0x39506967
DATA bce<>+164(SB)/4, $0x39506967
DATA bce<>+168(SB)/4, $0x39506967
DATA bce<>+172(SB)/4, $0x39506967
DATA bce<>+176(SB)/4, $0x39506967
DATA bce<>+180(SB)/4, $0x39506967
DATA bce<>+184(SB)/4, $0x39506967
DATA bce<>+188(SB)/4, $0x39506967
// e1 = 0.0013981999 at 192
DATA bce<>+192(SB)/4, $0x3ab743ce
DATA bce<>+196(SB)/4, $0x3ab743ce
DATA bce<>+200(SB)/4, $0x3ab743ce
DATA bce<>+204(SB)/4, $0x3ab743ce
DATA bce<>+208(SB)/4, $0x3ab743ce
DATA bce<>+212(SB)/4, $0x3ab743ce
DATA bce<>+216(SB)/4, $0x3ab743ce
DATA bce<>+220(SB)/4, $0x3ab743ce
// e2 = 0.008333452 at 224
DATA bce<>+224(SB)/4, $0x3c088908
DATA bce<>+228(SB)/4, $0x3c088908
DATA bce<>+232(SB)/4, $0x3c088908
DATA bce<>+236(SB)/4, $0x3c088908
DATA bce<>+240(SB)/4, $0x3c088908
DATA bce<>+244(SB)/4, $0x3c088908
DATA bce<>+248(SB)/4, $0x3c088908
DATA bce<>+252(SB)/4, $0x3c088908
// e3 = 0.041665796 at 256
DATA bce<>+256(SB)/4, $0x3d2aa9c1
DATA bce<>+260(SB)/4, $0x3d2aa9c1
DATA bce<>+264(SB)/4, $0x3d2aa9c1
DATA bce<>+268(SB)/4, $0x3d2aa9c1
DATA bce<>+272(SB)/4, $0x3d2aa9c1
DATA bce<>+276(SB)/4, $0x3d2aa9c1
DATA bce<>+280(SB)/4, $0x3d2aa9c1
DATA bce<>+284(SB)/4, $0x3d2aa9c1
// e4 = 0.16666666 at 288
DATA bce<>+288(SB)/4, $0x3e2aaaaa
DATA bce<>+292(SB)/4, $0x3e2aaaaa
DATA bce<>+296(SB)/4, $0x3e2aaaaa
DATA bce<>+300(SB)/4, $0x3e2aaaaa
DATA bce<>+304(SB)/4, $0x3e2aaaaa
DATA bce<>+308(SB)/4, $0x3e2aaaaa
DATA bce<>+312(SB)/4, $0x3e2aaaaa
DATA bce<>+316(SB)/4, $0x3e2aaaaa
// e5 = 0.5 at 320
DATA bce<>+320(SB)/4, $0x3f000000
DATA bce<>+324(SB)/4, $0x3f000000
DATA bce<>+328(SB)/4, $0x3f000000
DATA bce<>+332(SB)/4, $0x3f000000
DATA bce<>+336(SB)/4, $0x3f000000
DATA bce<>+340(SB)/4, $0x3f000000
DATA bce<>+344(SB)/4, $0x3f000000
DATA bce<>+348(SB)/4, $0x3f000000
// one = 1 at 352
DATA bce<>+352(SB)/4, $0x3f800000
DATA bce<>+356(SB)/4, $0x3f800000
DATA bce<>+360(SB)/4, $0x3f800000
DATA bce<>+364(SB)/4, $0x3f800000
DATA bce<>+368(SB)/4, $0x3f800000
DATA bce<>+372(SB)/4, $0x3f800000
DATA bce<>+376(SB)/4, $0x3f800000
DATA bce<>+380(SB)/4, $0x3f800000
// bias = 0 at 384
DATA bce<>+384(SB)/4, $0x0000007f
DATA bce<>+388(SB)/4, $0x0000007f
DATA bce<>+392(SB)/4, $0x0000007f
DATA bce<>+396(SB)/4, $0x0000007f
DATA bce<>+400(SB)/4, $0x0000007f
DATA bce<>+404(SB)/4, $0x0000007f
DATA bce<>+408(SB)/4, $0x0000007f
DATA bce<>+412(SB)/4, $0x0000007f
// sqrt2m1 = 0.41421357 at 416
DATA bce<>+416(SB)/4, $0x3ed413cd
DATA bce<>+420(SB)/4, $0x3ed413cd
DATA bce<>+424(SB)/4, $0x3ed413cd
DATA bce<>+428(SB)/4, $0x3ed413cd
DATA bce<>+432(SB)/4, $0x3ed413cd
DATA bce<>+436(SB)/4, $0x3ed413cd
DATA bce<>+440(SB)/4, $0x3ed413cd
DATA bce<>+444(SB)/4, $0x3ed413cd
// half = 0.5 at 448
DATA bce<>+448(SB)/4, $0x3f000000
DATA bce<>+452(SB)/4, $0x3f000000
DATA bce<>+456(SB)/4, $0x3f000000
DATA bce<>+460(SB)/4, $0x3f000000
DATA bce<>+464(SB)/4, $0x3f000000
DATA bce<>+468(SB)/4, $0x3f000000
DATA bce<>+472(SB)/4, $0x3f000000
DATA bce<>+476(SB)/4, $0x3f000000
// l0 = 0.070376836 at 480
DATA bce<>+480(SB)/4, $0x3d9021bb
DATA bce<>+484(SB)/4, $0x3d9021bb
DATA bce<>+488(SB)/4, $0x3d9021bb
DATA bce<>+492(SB)/4, $0x3d9021bb
DATA bce<>+496(SB)/4, $0x3d9021bb
DATA bce<>+500(SB)/4, $0x3d9021bb
DATA bce<>+504(SB)/4, $0x3d9021bb
DATA bce<>+508(SB)/4, $0x3d9021bb
// l1 = -0.1151461 at 512
DATA bce<>+512(SB)/4, $0xbdebd1b8
DATA bce<>+516(SB)/4, $0xbdebd1b8
DATA bce<>+520(SB)/4, $0xbdebd1b8
DATA bce<>+524(SB)/4, $0xbdebd1b8
DATA bce<>+528(SB)/4, $0xbdebd1b8
DATA bce<>+532(SB)/4, $0xbdebd1b8
DATA bce<>+536(SB)/4, $0xbdebd1b8
DATA bce<>+540(SB)/4, $0xbdebd1b8
// l2 = 0.116769984 at 544
DATA bce<>+544(SB)/4, $0x3def251a
DATA bce<>+548(SB)/4, $0x3def251a
DATA bce<>+552(SB)/4, $0x3def251a
DATA bce<>+556(SB)/4, $0x3def251a
DATA bce<>+560(SB)/4, $0x3def251a
DATA bce<>+564(SB)/4, $0x3def251a
DATA bce<>+568(SB)/4, $0x3def251a
DATA bce<>+572(SB)/4, $0x3def251a
// l3 = -0.12420141 at 576
DATA bce<>+576(SB)/4, $0xbdfe5d4f
DATA bce<>+580(SB)/4, $0xbdfe5d4f
DATA bce<>+584(SB)/4, $0xbdfe5d4f
DATA bce<>+588(SB)/4, $0xbdfe5d4f
DATA bce<>+592(SB)/4, $0xbdfe5d4f
DATA bce<>+596(SB)/4, $0xbdfe5d4f
DATA bce<>+600(SB)/4, $0xbdfe5d4f
DATA bce<>+604(SB)/4, $0xbdfe5d4f
// l4 = 0.14249323 at 608
DATA bce<>+608(SB)/4, $0x3e11e9bf
DATA bce<>+612(SB)/4, $0x3e11e9bf
DATA bce<>+616(SB)/4, $0x3e11e9bf
DATA bce<>+620(SB)/4, $0x3e11e9bf
DATA bce<>+624(SB)/4, $0x3e11e9bf
DATA bce<>+628(SB)/4, $0x3e11e9bf
DATA bce<>+632(SB)/4, $0x3e11e9bf
DATA bce<>+636(SB)/4, $0x3e11e9bf
// l5 = -0.16668057 at 640
DATA bce<>+640(SB)/4, $0xbe2aae50
DATA bce<>+644(SB)/4, $0xbe2aae50
DATA bce<>+648(SB)/4, $0xbe2aae50
DATA bce<>+652(SB)/4, $0xbe2aae50
DATA bce<>+656(SB)/4, $0xbe2aae50
DATA bce<>+660(SB)/4, $0xbe2aae50
DATA bce<>+664(SB)/4, $0xbe2aae50
DATA bce<>+668(SB)/4, $0xbe2aae50
// l6 = 0.20000714 at 672
DATA bce<>+672(SB)/4, $0x3e4cceac
DATA bce<>+676(SB)/4, $0x3e4cceac
DATA bce<>+680(SB)/4, $0x3e4cceac
DATA bce<>+684(SB)/4, $0x3e4cceac
DATA bce<>+688(SB)/4, $0x3e4cceac
DATA bce<>+692(SB)/4, $0x3e4cceac
DATA bce<>+696(SB)/4, $0x3e4cceac
DATA bce<>+700(SB)/4, $0x3e4cceac
// l7 = -0.24999994 at 704
DATA bce<>+704(SB)/4, $0xbe7ffffc
DATA bce<>+708(SB)/4, $0xbe7ffffc
DATA bce<>+712(SB)/4, $0xbe7ffffc
DATA bce<>+716(SB)/4, $0xbe7ffffc
DATA bce<>+720(SB)/4, $0xbe7ffffc
DATA bce<>+724(SB)/4, $0xbe7ffffc
DATA bce<>+728(SB)/4, $0xbe7ffffc
DATA bce<>+732(SB)/4, $0xbe7ffffc
// l8 = 0.3333333 at 736
DATA bce<>+736(SB)/4, $0x3eaaaaaa
DATA bce<>+740(SB)/4, $0x3eaaaaaa
DATA bce<>+744(SB)/4, $0x3eaaaaaa
DATA bce<>+748(SB)/4, $0x3eaaaaaa
DATA bce<>+752(SB)/4, $0x3eaaaaaa
DATA bce<>+756(SB)/4, $0x3eaaaaaa
DATA bce<>+760(SB)/4, $0x3eaaaaaa
DATA bce<>+764(SB)/4, $0x3eaaaaaa
GLOBL bce<>(SB), RODATA|NOPTR, $768
