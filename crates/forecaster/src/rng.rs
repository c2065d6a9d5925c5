//! numpy's `np.random.default_rng(seed)` (SeedSequence → PCG64) and `integers(0, m)`,
//! reproduced bit for bit (skforecast notes §B.6), so that bootstrap paths drawn with the same
//! seed equal skforecast's.

/// `SeedSequence(seed).generate_state(4, uint64)`.
pub fn seed_sequence(seed: u64) -> [u64; 4] {
    const INIT_A: u32 = 0x43b0_d7e5;
    const MULT_A: u32 = 0x931e_8875;
    const INIT_B: u32 = 0x8b51_f9dd;
    const MULT_B: u32 = 0x58f3_8ded;
    const MIX_MULT_L: u32 = 0xca01_f9dd;
    const MIX_MULT_R: u32 = 0x4973_f715;
    // Entropy: the seed as little-endian u32 words (at least one word).
    let mut entropy = vec![seed as u32];
    if seed >> 32 != 0 {
        entropy.push((seed >> 32) as u32);
    }
    let mut hc = INIT_A;
    let mut hashmix = |mut v: u32| {
        v ^= hc;
        hc = hc.wrapping_mul(MULT_A);
        v = v.wrapping_mul(hc);
        v ^ (v >> 16)
    };
    let mix = |x: u32, y: u32| {
        let r = MIX_MULT_L
            .wrapping_mul(x)
            .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
        r ^ (r >> 16)
    };
    let mut pool = [0u32; 4];
    for (i, p) in pool.iter_mut().enumerate() {
        *p = hashmix(entropy.get(i).copied().unwrap_or(0));
    }
    for src in 0..4 {
        for dst in 0..4 {
            if src != dst {
                let h = hashmix(pool[src]);
                pool[dst] = mix(pool[dst], h);
            }
        }
    }
    for e in entropy.iter().skip(4) {
        for p in pool.iter_mut() {
            let h = hashmix(*e);
            *p = mix(*p, h);
        }
    }
    let mut hb = INIT_B;
    let mut words = [0u32; 8];
    for (i, w) in words.iter_mut().enumerate() {
        let mut v = pool[i % 4] ^ hb;
        hb = hb.wrapping_mul(MULT_B);
        v = v.wrapping_mul(hb);
        *w = v ^ (v >> 16);
    }
    let mut out = [0u64; 4];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u64::from(words[2 * i]) | (u64::from(words[2 * i + 1]) << 32);
    }
    out
}

/// numpy's `Generator(PCG64(SeedSequence(seed)))`, with the buffered 32-bit draws that
/// `integers` uses.
#[derive(Debug, Clone)]
pub struct NumpyRng {
    state: u128,
    inc: u128,
    buffered: Option<u32>,
}

const PCG_MULT: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;

impl NumpyRng {
    /// `np.random.default_rng(seed)`.
    pub fn new(seed: u64) -> Self {
        let w = seed_sequence(seed);
        let initstate = (u128::from(w[0]) << 64) | u128::from(w[1]);
        let initseq = (u128::from(w[2]) << 64) | u128::from(w[3]);
        let mut rng = Self {
            state: 0,
            inc: (initseq << 1) | 1,
            buffered: None,
        };
        rng.step();
        rng.state = rng.state.wrapping_add(initstate);
        rng.step();
        rng
    }

    fn step(&mut self) {
        self.state = self.state.wrapping_mul(PCG_MULT).wrapping_add(self.inc);
    }

    /// The next 64-bit output (XSL-RR).
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let x = ((self.state >> 64) as u64) ^ (self.state as u64);
        let rot = (self.state >> 122) as u32;
        x.rotate_right(rot)
    }

    /// The next 32-bit output: the low half of a 64-bit draw, then its high half.
    pub fn next_u32(&mut self) -> u32 {
        if let Some(v) = self.buffered.take() {
            return v;
        }
        let v = self.next_u64();
        self.buffered = Some((v >> 32) as u32);
        v as u32
    }

    /// `integers(0, m)` for `1 <= m < 2³²` (Lemire's bounded draw, as numpy).
    pub fn integer(&mut self, m: u32) -> u32 {
        if m <= 1 {
            return 0;
        }
        let m64 = u64::from(m);
        let mut p = u64::from(self.next_u32()) * m64;
        let mut lo = p as u32;
        if lo < m {
            let t = (u32::MAX - m + 1) % m;
            while lo < t {
                p = u64::from(self.next_u32()) * m64;
                lo = p as u32;
            }
        }
        (p >> 32) as u32
    }

    /// `integers(0, m, size=n)`.
    pub fn integers(&mut self, m: u32, n: usize) -> Vec<u32> {
        (0..n).map(|_| self.integer(m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_sequence_matches_numpy() {
        assert_eq!(
            seed_sequence(123),
            [
                0xb138_3ed0_2958_44f6,
                0xa250_632e_171d_58af,
                0x86a7_247f_7443_199d,
                0x136d_e7e3_c11f_ce1d
            ]
        );
    }

    #[test]
    fn pcg64_outputs_match_numpy() {
        let mut r = NumpyRng::new(123);
        assert_eq!(r.next_u64(), 0xaeae_9c99_03f3_e9cd);
        assert_eq!(r.next_u64(), 0x0dc7_36db_97cb_6d23);
        assert_eq!(r.next_u64(), 0x3869_812e_e8b9_ea96);
    }

    #[test]
    fn integers_match_numpy() {
        assert_eq!(
            NumpyRng::new(123).integers(15, 10),
            [0, 10, 8, 0, 13, 3, 3, 2, 5, 2]
        );
        assert_eq!(
            NumpyRng::new(42).integers(365, 10),
            [32, 282, 238, 160, 158, 313, 31, 254, 73, 34]
        );
    }
}
