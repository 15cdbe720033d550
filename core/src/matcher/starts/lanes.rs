//! What kind of byte each of 64 text bytes is, as one bit per byte: the
//! input of the word-start test in [`super`].
//!
//! Four byte ranges (ASCII lower case, upper case, digits, UTF-8 lead bytes)
//! plus the bytes at or above `0x80` are all the pre-filter needs. Per range
//! a vector unit compares 16 (SSE2) or 32 (AVX2) bytes at once and packs the
//! outcome into a bit per byte with one `movemask`. Every x86-64 processor
//! has SSE2; AVX2 is used when the processor reports it at run time. The
//! portable kernel (any target) does the same eight bytes at a time in a
//! `u64` and is the fallback; the unit tests check that all kernels agree on
//! every byte value and alignment.

/// One bit per byte of a 64-byte block (bit `i` for byte `i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Classes {
    /// `a..=z`.
    pub lower: u64,
    /// `A..=Z`.
    pub upper: u64,
    /// `0..=9`.
    pub digit: u64,
    /// UTF-8 lead bytes (`0xC0..=0xFF`): where a non-ASCII character begins.
    pub lead: u64,
    /// Bytes `0x80..=0xFF` (any byte of a non-ASCII character).
    pub high: u64,
}

/// How the classes are computed. [`Kernel::best`] picks the fastest the
/// processor has; the others stay callable for the tests and the bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// 32 bytes per step; x86-64 with AVX2 only.
    Avx2,
    /// 16 bytes per step; every x86-64 processor.
    Sse2,
    /// Eight bytes per step in a `u64`; any target.
    Portable,
}

impl Kernel {
    /// The fastest kernel this processor runs (detected once and cached by
    /// `std`).
    pub fn best() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
            Kernel::Sse2
        }
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Portable
    }

    /// This kernel if the processor runs it, else the portable one: asking
    /// for AVX2 on a processor without it is never undefined behaviour.
    pub fn or_portable(self) -> Kernel {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 if std::is_x86_feature_detected!("avx2") => Kernel::Avx2,
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => Kernel::Sse2,
            _ => Kernel::Portable,
        }
    }

    /// The classes of `block`. The kernel must come from [`Kernel::best`] or
    /// [`Kernel::or_portable`] (so the processor runs it).
    #[cfg(test)]
    pub(super) fn classify(self, block: &[u8; 64]) -> Classes {
        let mut out = Classes::default();
        self.classify_into(block, &mut out);
        out
    }

    /// [`Kernel::classify`], written into `out`. The block scan keeps the
    /// next block's classes in place this way: a copy of the returned value
    /// was read back 16 bytes at a time right after the kernel wrote it 8
    /// bytes at a time, which the processor cannot forward from its store
    /// buffer (a stall of some ten cycles per block, 10 % of the scan on
    /// text with no terms).
    #[inline]
    pub(super) fn classify_into(self, block: &[u8; 64], out: &mut Classes) {
        match self {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: an `Avx2` kernel only comes out of `best` or
            // `or_portable`, which check that the processor has AVX2.
            Kernel::Avx2 => unsafe { x86::classify_avx2(block, out) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: SSE2 is part of x86-64, so every such processor has it.
            Kernel::Sse2 => unsafe { x86::classify_sse2(block, out) },
            _ => *out = classify_portable(block),
        }
    }
}

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Lanes of `w` whose byte is in `lo..=hi` (any byte values, at most 128
/// of them), as the lane's top bit: `(b - lo) mod 256 < hi - lo + 1`.
fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    let width = u64::from(hi - lo) + 1;
    let los = LOW * u64::from(lo);
    // Per lane d = b - lo (mod 256): the low seven bits are subtracted with
    // the top bit set so no lane borrows from the next; the top bit is then
    // put right (b7 ^ lo7 ^ borrow).
    let d = ((w | HIGH) - (los & !HIGH)) ^ ((w ^ !los) & HIGH);
    // d >= width, on d's low seven bits (width <= 0x80, so no carry out).
    let at_least = ((d & !HIGH) + LOW * (0x80 - width)) & HIGH;
    !at_least & !d & HIGH
}

/// The top bit of each lane of `w`, packed into eight bits (lane 0 lowest).
fn pack(w: u64) -> u64 {
    ((w & HIGH) >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// [`Kernel::Portable`]: eight bytes at a time in a `u64`.
fn classify_portable(block: &[u8; 64]) -> Classes {
    let mut out = Classes::default();
    for (i, chunk) in block.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let w = u64::from_le_bytes(bytes);
        let shift = 8 * i;
        out.lower |= pack(in_range(w, b'a', b'z')) << shift;
        out.upper |= pack(in_range(w, b'A', b'Z')) << shift;
        out.digit |= pack(in_range(w, b'0', b'9')) << shift;
        out.lead |= pack(in_range(w, 0xC0, 0xFF)) << shift;
        out.high |= pack(w) << shift;
    }
    out
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    //! The vector kernels. Each range test is the same two instructions:
    //! add an offset that moves `lo` to -128, then a signed compare with
    //! `-128 + width` (bytes wrap, so it holds for every byte value).
    use std::arch::x86_64::*;

    use super::Classes;

    /// The offset and bound that turn `lo..=hi` into `x + offset < bound`
    /// (signed bytes).
    const fn range(lo: u8, hi: u8) -> (i8, i8) {
        (0x80u8.wrapping_sub(lo) as i8, (hi - lo) as i8 - 127)
    }
    const LOWER: (i8, i8) = range(b'a', b'z');
    const UPPER: (i8, i8) = range(b'A', b'Z');
    const DIGIT: (i8, i8) = range(b'0', b'9');
    const LEAD: (i8, i8) = range(0xC0, 0xFF);

    /// SSE2 is part of x86-64, so this needs no run-time check (its callers
    /// still say so in an `unsafe` block).
    #[target_feature(enable = "sse2")]
    pub(super) fn classify_sse2(block: &[u8; 64], into: &mut Classes) {
        let mut out = Classes::default();
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            // SAFETY: the load reads the 16 bytes of `chunk`, unaligned
            // (SSE2 is in every x86-64 processor).
            let v = unsafe { _mm_loadu_si128(chunk.as_ptr().cast()) };
            let bits = [
                in_range_sse2(v, LOWER),
                in_range_sse2(v, UPPER),
                in_range_sse2(v, DIGIT),
                in_range_sse2(v, LEAD),
                _mm_movemask_epi8(v) as u16,
            ];
            let shift = 16 * i;
            out.lower |= u64::from(bits[0]) << shift;
            out.upper |= u64::from(bits[1]) << shift;
            out.digit |= u64::from(bits[2]) << shift;
            out.lead |= u64::from(bits[3]) << shift;
            out.high |= u64::from(bits[4]) << shift;
        }
        *into = out;
    }

    /// # Safety
    /// The processor must have AVX2.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn classify_avx2(block: &[u8; 64], into: &mut Classes) {
        let mut out = Classes::default();
        for (i, chunk) in block.chunks_exact(32).enumerate() {
            // SAFETY: the load reads the 32 bytes of `chunk`, unaligned;
            // AVX2 is enabled for this function and present (its contract).
            let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
            let shift = 32 * i;
            out.lower |= u64::from(in_range_avx2(v, LOWER)) << shift;
            out.upper |= u64::from(in_range_avx2(v, UPPER)) << shift;
            out.digit |= u64::from(in_range_avx2(v, DIGIT)) << shift;
            out.lead |= u64::from(in_range_avx2(v, LEAD)) << shift;
            out.high |= u64::from(_mm256_movemask_epi8(v) as u32) << shift;
        }
        *into = out;
    }

    /// The bytes of `v` in a range (see [`range`]), a bit per byte.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn in_range_avx2(v: __m256i, (offset, bound): (i8, i8)) -> u32 {
        let x = _mm256_add_epi8(v, _mm256_set1_epi8(offset));
        // x < bound, as bound > x.
        _mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_set1_epi8(bound), x)) as u32
    }

    /// [`in_range_avx2`] on 16 bytes.
    #[inline]
    #[target_feature(enable = "sse2")]
    fn in_range_sse2(v: __m128i, (offset, bound): (i8, i8)) -> u16 {
        let x = _mm_add_epi8(v, _mm_set1_epi8(offset));
        _mm_movemask_epi8(_mm_cmplt_epi8(x, _mm_set1_epi8(bound))) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte by byte, the plain way.
    fn reference(block: &[u8; 64]) -> Classes {
        let mut out = Classes::default();
        for (i, &b) in block.iter().enumerate() {
            let bit = 1u64 << i;
            let set = |mask: &mut u64, yes: bool| *mask |= if yes { bit } else { 0 };
            set(&mut out.lower, b.is_ascii_lowercase());
            set(&mut out.upper, b.is_ascii_uppercase());
            set(&mut out.digit, b.is_ascii_digit());
            set(&mut out.lead, b >= 0xC0);
            set(&mut out.high, b >= 0x80);
        }
        out
    }

    const KERNELS: [Kernel; 3] = [Kernel::Avx2, Kernel::Sse2, Kernel::Portable];

    #[test]
    fn every_kernel_classifies_every_byte_value_at_every_lane() {
        // Each byte value at each of the 64 lanes, among varied neighbours
        // (a carry or borrow across lanes would show as a wrong neighbour).
        for value in 0..=255u8 {
            for lane in 0..64 {
                let mut block = [0u8; 64];
                for (i, b) in block.iter_mut().enumerate() {
                    *b = (i as u8).wrapping_mul(37).wrapping_add(value);
                }
                block[lane] = value;
                let want = reference(&block);
                for kernel in KERNELS {
                    assert_eq!(
                        kernel.or_portable().classify(&block),
                        want,
                        "{kernel:?}, byte {value:#x} at {lane}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_best_kernel_runs_here() {
        let best = Kernel::best();
        assert_eq!(best.or_portable(), best);
    }
}
