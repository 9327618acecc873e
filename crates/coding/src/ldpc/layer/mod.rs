//! The layered min-sum layer update, one body compiled per ISA.
//!
//! [`update`] processes one block row of the base graph over all Z lifted checks: for each
//! edge (column, shift), T = APP(rotated) − R; per check the two smallest |T|, the index of
//! the smallest and the sign product; then R' = ±α·min (α = 5/8 when `low_rate`, else 3/4, both exact in i16 shifts) and
//! APP = T + R'. Every loop runs over
//! contiguous ranges of Z 16-bit values, so LLVM vectorizes the same source for AVX2 and
//! AVX-512BW; integer semantics make the results bit-identical on every ISA.
#![allow(unsafe_code)]

use nrkit_dsp::Isa;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;

/// Saturation bound of APP values and messages.
pub(crate) const SAT: i16 = 16_000;

/// Per-layer scratch (sized for the largest row degree).
#[derive(Debug)]
pub(crate) struct Work {
    t: Vec<i16>,
    m1: Vec<i16>,
    m2: Vec<i16>,
    i1: Vec<i16>,
    sign: Vec<i16>,
}

impl Work {
    pub(crate) fn new(max_deg: usize, z: usize) -> Self {
        Work {
            t: vec![0; max_deg * z],
            m1: vec![0; z],
            m2: vec![0; z],
            i1: vec![0; z],
            sign: vec![0; z],
        }
    }
}

/// Runs the layer update for `row` ((column, shift) pairs) on `app` with this row's
/// messages `msg` (degree × Z), on `isa`.
pub(crate) fn update(
    isa: Isa,
    row: &[(usize, usize)],
    z: usize,
    low_rate: bool,
    app: &mut [i16],
    msg: &mut [i16],
    w: &mut Work,
) {
    match isa {
        // SAFETY: the decoder's ISA was checked by `Isa::require` when it was built.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { avx512::update(row, z, low_rate, app, msg, w) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::update(row, z, low_rate, app, msg, w) },
        _ => body(row, z, low_rate, app, msg, w),
    }
}

/// The layer update (see the module docs); the scalar version and the source of the SIMD
/// ones.
#[inline(always)]
pub(crate) fn body(
    row: &[(usize, usize)],
    z: usize,
    low_rate: bool,
    app: &mut [i16],
    msg: &mut [i16],
    w: &mut Work,
) {
    let Work {
        t,
        m1,
        m2,
        i1,
        sign,
    } = w;
    let (m1, m2, i1, sign) = (&mut m1[..z], &mut m2[..z], &mut i1[..z], &mut sign[..z]);
    m1.fill(i16::MAX);
    m2.fill(i16::MAX);
    i1.fill(0);
    sign.fill(0);
    for (e, &(col, s)) in row.iter().enumerate() {
        let a = &app[col * z..(col + 1) * z];
        let te = &mut t[e * z..(e + 1) * z];
        let re = &msg[e * z..(e + 1) * z];
        let (t_lo, t_hi) = te.split_at_mut(z - s);
        for ((tv, &av), &rv) in t_lo.iter_mut().zip(&a[s..]).zip(re) {
            *tv = av.saturating_sub(rv).clamp(-SAT, SAT);
        }
        for ((tv, &av), &rv) in t_hi.iter_mut().zip(&a[..s]).zip(&re[z - s..]) {
            *tv = av.saturating_sub(rv).clamp(-SAT, SAT);
        }
        let ei = e as i16;
        for k in 0..z {
            let v = te[k];
            sign[k] ^= v >> 15;
            let mag = v.abs(); // |v| ≤ SAT, no overflow
            let lt1 = mag < m1[k];
            let lt2 = mag < m2[k];
            m2[k] = if lt1 {
                m1[k]
            } else if lt2 {
                mag
            } else {
                m2[k]
            };
            m1[k] = if lt1 { mag } else { m1[k] };
            i1[k] = if lt1 { ei } else { i1[k] };
        }
    }
    for (e, &(col, s)) in row.iter().enumerate() {
        let ei = e as i16;
        let te = &t[e * z..(e + 1) * z];
        let re = &mut msg[e * z..(e + 1) * z];
        for k in 0..z {
            let m = if i1[k] == ei { m2[k] } else { m1[k] };
            // α = 5/8 for low-rate codes, 3/4 otherwise (measured best of 9/16, 5/8, 3/4, 7/8).
            let mag = if low_rate {
                (m >> 1) + (m >> 3)
            } else {
                m - (m >> 2)
            };
            let neg = (sign[k] ^ (te[k] >> 15)) != 0;
            re[k] = if neg { -mag } else { mag };
        }
        let a = &mut app[col * z..(col + 1) * z];
        let (a_lo, a_hi) = a.split_at_mut(s);
        for ((av, &tv), &rv) in a_hi.iter_mut().zip(te).zip(re.iter()) {
            *av = tv.saturating_add(rv).clamp(-SAT, SAT);
        }
        for ((av, &tv), &rv) in a_lo.iter_mut().zip(&te[z - s..]).zip(&re[z - s..]) {
            *av = tv.saturating_add(rv).clamp(-SAT, SAT);
        }
    }
}
