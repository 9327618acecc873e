//! Pseudo-random (Gold) sequence c(n) of TS 38.211 §5.2.1.
//!
//! c(n) = (x1(n + N_C) + x2(n + N_C)) mod 2 with N_C = 1600, where
//! x1(n + 31) = (x1(n + 3) + x1(n)) mod 2, x1(0) = 1, x1(1..=30) = 0 and
//! x2(n + 31) = (x2(n + 3) + x2(n + 2) + x2(n + 1) + x2(n)) mod 2 with
//! c_init = Σ x2(i)·2^i.
//!
//! The generator is word-parallel: each LFSR is held as a 128-bit window x(n..n+128) and
//! advanced 64 bits per step using the recurrences of the fourth power of its characteristic
//! polynomial (f(D)^4 = f(D^4) over GF(2)), so 64 output bits cost a handful of shifts and
//! XORs. A jump to any offset uses D^k mod f(D) (square-and-multiply), O(log k).
//!
//! Bit order: word bit `i` (LSB = 0) is c(n + i).

/// N_C, the initial discard of TS 38.211 §5.2.1.
pub const N_C: u64 = 1600;

/// x1 feedback polynomial D^31 + D^3 + 1 (bit i = coefficient of D^i).
const F1: u64 = (1 << 31) | (1 << 3) | 1;
/// x2 feedback polynomial D^31 + D^3 + D^2 + D + 1.
const F2: u64 = (1 << 31) | (1 << 3) | (1 << 2) | (1 << 1) | 1;
const MASK31: u64 = (1 << 31) - 1;

/// Streaming generator of the Gold sequence c(n), 64 bits per step.
#[derive(Debug, Clone)]
pub struct GoldSequence {
    /// Bit i = x1(pos + N_C + i), i in 0..128.
    x1: u128,
    /// Bit i = x2(pos + N_C + i), i in 0..128.
    x2: u128,
}

impl GoldSequence {
    /// Generator positioned at c(0) for `c_init` (only the low 31 bits are used, as in the
    /// spec, where c_init < 2^31).
    pub fn new(c_init: u32) -> Self {
        Self::with_offset(c_init, 0)
    }

    /// Generator positioned at c(offset), reached by a polynomial jump (O(log offset)).
    pub fn with_offset(c_init: u32, offset: u64) -> Self {
        let n = N_C + offset;
        GoldSequence {
            x1: window_at(1, F1, n),
            x2: window_at(u64::from(c_init) & MASK31, F2, n),
        }
    }

    /// The next 64 values c(n..n+64), c(n) in bit 0; advances by 64.
    #[inline]
    pub fn next_word(&mut self) -> u64 {
        let out = (self.x1 ^ self.x2) as u64;
        // f1^4 = D^124 + D^12 + 1: x(m) = x(m-112) ^ x(m-124); new bits m = n+128+k.
        let n1 = ((self.x1 >> 16) ^ (self.x1 >> 4)) as u64;
        // f2^4 = D^124 + D^12 + D^8 + D^4 + 1.
        let n2 = ((self.x2 >> 16) ^ (self.x2 >> 12) ^ (self.x2 >> 8) ^ (self.x2 >> 4)) as u64;
        self.x1 = (self.x1 >> 64) | (u128::from(n1) << 64);
        self.x2 = (self.x2 >> 64) | (u128::from(n2) << 64);
        out
    }

    /// Fills `out` with the next `out.len()` values as bytes 0/1.
    pub fn fill_bits(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(64) {
            let w = self.next_word();
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = ((w >> i) & 1) as u8;
            }
        }
        // A partial last chunk consumed a full word: callers that need to continue exactly
        // should use whole words or `with_offset`.
    }
}

/// Convenience: `len` values of c(n) starting at n = `offset`, as bytes 0/1.
pub fn gold_bits(c_init: u32, offset: u64, len: usize) -> Vec<u8> {
    let mut g = GoldSequence::with_offset(c_init, offset);
    let mut out = vec![0u8; len];
    g.fill_bits(&mut out);
    out
}

/// Carry-less product of two polynomials of degree < 31, reduced modulo `f` (degree 31).
fn mulmod(a: u64, b: u64, f: u64) -> u64 {
    let mut p = 0u64;
    let mut bb = b;
    let mut i = 0;
    while bb != 0 {
        if bb & 1 != 0 {
            p ^= a << i;
        }
        bb >>= 1;
        i += 1;
    }
    reduce(p, f)
}

fn reduce(mut p: u64, f: u64) -> u64 {
    for d in (31..64).rev() {
        if p >> d & 1 != 0 {
            p ^= f << (d - 31);
        }
    }
    p
}

/// D^k mod f.
fn pow_d(k: u64, f: u64) -> u64 {
    let mut result = 1u64;
    let mut base = 2u64; // D
    let mut e = k;
    while e != 0 {
        if e & 1 != 0 {
            result = mulmod(result, base, f);
        }
        base = mulmod(base, base, f);
        e >>= 1;
    }
    result
}

/// The 128-bit window x(n..n+128) of the LFSR with feedback `f` and initial state `init`
/// (x(0..31) = bits of `init`).
fn window_at(init: u64, f: u64, n: u64) -> u128 {
    // x(n + i) = parity(r_i & init) with r_i = D^(n+i) mod f.
    let mut r = pow_d(n, f);
    let mut w: u128 = 0;
    for i in 0..31 {
        let bit = u128::from((r & init).count_ones() & 1);
        w |= bit << i;
        r = reduce(r << 1, f);
    }
    // Extend with the plain recurrence x(m) = Σ taps x(m - 31 + t).
    let taps = f & MASK31;
    for m in 31..128 {
        let window = (w >> (m - 31)) as u64 & MASK31;
        let bit = u128::from((window & taps).count_ones() & 1);
        w |= bit << m;
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-serial reference, written straight from the spec text.
    fn reference(c_init: u32, len: usize) -> Vec<u8> {
        let total = len + N_C as usize + 31;
        let mut x1 = vec![0u8; total];
        let mut x2 = vec![0u8; total];
        x1[0] = 1;
        for (i, v) in x2.iter_mut().enumerate().take(31) {
            *v = ((c_init >> i) & 1) as u8;
        }
        for n in 0..total - 31 {
            x1[n + 31] = (x1[n + 3] + x1[n]) % 2;
            x2[n + 31] = (x2[n + 3] + x2[n + 2] + x2[n + 1] + x2[n]) % 2;
        }
        (0..len)
            .map(|n| (x1[n + N_C as usize] + x2[n + N_C as usize]) % 2)
            .collect()
    }

    #[test]
    fn matches_bit_serial_reference() {
        for &c_init in &[0u32, 1, 0x7fff_ffff, 12345, 0x5a5a_5a5a & 0x7fff_ffff] {
            let r = reference(c_init, 5000);
            assert_eq!(gold_bits(c_init, 0, 5000), r, "c_init={c_init}");
            for &off in &[1u64, 7, 63, 64, 65, 1000, 4000] {
                assert_eq!(
                    gold_bits(c_init, off, 500)[..],
                    r[off as usize..off as usize + 500],
                    "c_init={c_init} offset={off}"
                );
            }
        }
    }

    #[test]
    fn huge_jump_agrees_with_stepping() {
        let mut g = GoldSequence::new(777);
        for _ in 0..10_000 {
            g.next_word();
        }
        let mut j = GoldSequence::with_offset(777, 640_000);
        for _ in 0..4 {
            assert_eq!(g.next_word(), j.next_word());
        }
    }
}
