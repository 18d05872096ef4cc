// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: what the IRET call does before its iret when it is a call
 * target (XFER=call, the default): report a return frame the CPU would
 * refuse as a fault at the guest's call site.
 *
 * Why: a guest reaches the ROM's IRET from the one place in its exit path
 * that its exception table covers (Linux: the iret after RESTORE_REGS,
 * whose fixup sends SIGSEGV/SIGBUS to the task). A fault taken inside the
 * ROM has an EIP no guest table knows, and the guest oopses. With
 * CALL_REL the return address names the call site, so the ROM checks the
 * frame the way iret would (CS and SS selectors, types, privilege,
 * presence, EIP against the CS limit) and, if iret would fault, delivers
 * that fault itself through the guest's IDT as the CPU would have done at
 * the call site: same vector, error code, EFLAGS and CS, EIP = the call
 * instruction, on the current stack (a fault of a CPL-0 iret never
 * switches stacks). VMware's spec asked for CALL for this very reason.
 *
 * Entered from calls.S with flat DS/ES and the linear address of the
 * frame; reads its own locals through SS only (an ESPFIX stack has a
 * base), and touches the guest's memory through DS.
 */
#include "romlib.h"

#define X86_EFLAGS_TF	0x00000100u
#define X86_EFLAGS_IF	0x00000200u
#define X86_EFLAGS_NT	0x00004000u
#define X86_EFLAGS_RF	0x00010000u
#define X86_EFLAGS_VM	0x00020000u

#define AR_TYPE_WRITE	0x00000200u	/* data: writable */
#define AR_CONFORMING	0x00000400u	/* code: conforming */
#define AR_CODE		0x00000800u
#define AR_S		0x00001000u
#define AR_PRESENT	0x00008000u
#define AR_DPL(ar)	(((ar) >> 13) & 3)

#define FAULT(vec, err)	((u32)(vec) << 16 | ((err) & 0xfffc) | 0x80000000u)
#define VEC_NP		11
#define VEC_SS		12
#define VEC_GP		13

static inline int lar(u32 sel, u32 *ar)
{
	u32 a = 0;
	u8 ok;

	asm volatile("lar %2, %0; setz %1" : "+r"(a), "=q"(ok) : "r"(sel) : "cc");
	*ar = a;
	return ok;
}

static inline u32 lsl(u32 sel)
{
	u32 l = 0;

	asm volatile("lsl %1, %0" : "+r"(l) : "r"(sel) : "cc");
	return l;
}

/*
 * 0 if iret would accept the frame, else FAULT(vector, error code). Also
 * the ring-0 monitor's check of an IRET to ring 3 (monitor.c).
 */
u32 vmi_iret_fault(const u32 *f);
u32 vmi_iret_fault(const u32 *f)
{
	u32 cs = f[1] & 0xffff, rpl = cs & 3, ss, ar;

	/*
	 * A same-ring frame has three words, and may end the stack page
	 * (the entry trampoline's): ESP and SS are read only for an outer
	 * ring.
	 */
	if (!rpl || (f[2] & X86_EFLAGS_VM))
		return 0;			/* same ring, or vm86: no check */
	ss = f[4] & 0xffff;
	if (!lar(cs, &ar) || !(ar & AR_S) || !(ar & AR_CODE))
		return FAULT(VEC_GP, cs);
	if ((ar & AR_CONFORMING) ? AR_DPL(ar) > rpl : AR_DPL(ar) != rpl)
		return FAULT(VEC_GP, cs);
	if (!(ar & AR_PRESENT))
		return FAULT(VEC_NP, cs);
	if ((ss & 3) != rpl)
		return FAULT(VEC_GP, ss);
	if (!lar(ss, &ar) || !(ar & AR_S) || (ar & AR_CODE) ||
	    !(ar & AR_TYPE_WRITE) || AR_DPL(ar) != rpl)
		return FAULT(VEC_GP, ss);
	if (!(ar & AR_PRESENT))
		return FAULT(VEC_SS, ss);
	if (f[0] > lsl(cs))
		return FAULT(VEC_GP, 0);
	return 0;
}

/*
 * f: linear address of the iret frame (EIP, CS, EFLAGS, ESP, SS); f[-1]
 * is the return address of the guest's call, f[-2..-6] scratch that
 * calls.S reserved. Returns 0 to go on with the iret, else the EFLAGS to
 * load before "lret" enters the guest's handler through f[-6]/f[-5],
 * with the exception frame (error code, EIP, CS, EFLAGS) at f[-4].
 */
RP u32 vmi_c_iret_check(u32 *f)
{
	struct {
		u16 limit;
		u32 base;
	} __packed idtr;
	u32 code = vmi_iret_fault(f), vec, lo, hi, fl, cs;
	const volatile u32 *gate;

	if (!code)
		return 0;
	vec = (code >> 16) & 0xff;
	asm volatile("sidt %0" : "=m"(idtr));
	if (vec * 8 + 7 > idtr.limit)
		return 0;
	gate = (const volatile u32 *)(idtr.base + vec * 8);
	lo = gate[0];
	hi = gate[1];
	if (!(hi & 0x8000))
		return 0;			/* no handler: let iret fault */
	asm volatile("pushf; pop %0; mov %%cs, %1" : "=r"(fl), "=r"(cs));
	f[-3] = f[-1] - 5;			/* EIP: the call instruction */
	f[-1] = fl;
	f[-2] = cs & 0xffff;
	f[-4] = code & 0xfffc;
	f[-5] = lo >> 16;			/* handler selector */
	f[-6] = (lo & 0xffff) | (hi & 0xffff0000u);
	fl &= ~(X86_EFLAGS_TF | X86_EFLAGS_NT | X86_EFLAGS_RF | X86_EFLAGS_VM);
	if (((hi >> 8) & 0xf) == 0xe)
		fl &= ~X86_EFLAGS_IF;		/* interrupt gate */
	atomic_inc(priv()->iret_faults);
	return fl | 2;
}
