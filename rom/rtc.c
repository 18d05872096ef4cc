// SPDX-License-Identifier: GPL-2.0
/*
 * VMI ROM: GetWallclockTime, from the CMOS real-time clock.
 *
 * Reads the RTC twice until two readings agree (never during an update),
 * in BCD or binary, 12- or 24-hour mode as status register B says, with
 * the century from register 0x32, and answers nanoseconds since the
 * epoch (0 for a date it cannot trust). Rules of every ROM C file:
 * romlib.h.
 */
#include "romlib.h"

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u32 bcd(u32 v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970). */
static u32 days_from_civil(u32 y, u32 m, u32 d)
{
	u32 era, yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

RP u64 vmi_c_get_wallclock(void)
{
	u32 s, mi, h, d, mo, y, c, st_b, f, tries;
	u8 v[7], w[7];
	int i;

	f = irq_save();
	for (tries = 0; tries < 1000000 && (cmos(0x0a) & 0x80); tries++)
		;				/* update in progress */
	for (tries = 0; tries < 10; tries++) {
		v[0] = cmos(0x00); v[1] = cmos(0x02); v[2] = cmos(0x04);
		v[3] = cmos(0x07); v[4] = cmos(0x08); v[5] = cmos(0x09);
		v[6] = cmos(0x32);
		w[0] = cmos(0x00); w[1] = cmos(0x02); w[2] = cmos(0x04);
		w[3] = cmos(0x07); w[4] = cmos(0x08); w[5] = cmos(0x09);
		w[6] = cmos(0x32);
		for (i = 0; i < 7 && v[i] == w[i]; i++)
			;
		if (i == 7)
			break;
	}
	st_b = cmos(0x0b);
	irq_restore(f);

	s = v[0]; mi = v[1]; h = v[2] & 0x7f; d = v[3]; mo = v[4]; y = v[5];
	c = v[6];
	if (!(st_b & 0x04)) {			/* BCD */
		s = bcd(s); mi = bcd(mi); h = bcd(h);
		d = bcd(d); mo = bcd(mo); y = bcd(y); c = bcd(c);
	}
	if (!(st_b & 0x02)) {			/* 12-hour clock */
		if (h == 12)
			h = 0;
		if (v[2] & 0x80)
			h += 12;
	}
	if (c < 19 || c > 30)
		c = y < 70 ? 20 : 19;
	y += c * 100;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return ((u64)days_from_civil(y, mo, d) * 86400 +
		h * 3600 + mi * 60 + s) * 1000000000ull;
}
