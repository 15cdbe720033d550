//! Where "amber" (any ASCII case) is written in a stretch of text: the one
//! search the traffic-light rule ([`super::rules::TrafficLights`]) makes per
//! scan.
//!
//! The search used to step through every `b` of the stretch with `memchr2`
//! and compare the five bytes around each; on prose (about one byte in 70 is
//! a `b`) that stopped the vector search every few dozen bytes and took some
//! 8 % of a scan. With AVX2 the five bytes are compared at 32 positions at
//! once instead: five loads, each folded to lower case and compared with
//! its letter, AND-ed together, so only the real hits leave the vector unit
//! (and 64 positions with no `b` where it would be are passed over after
//! two compares).
//! Elsewhere the `b` search stays; the unit test checks that both agree.

const AMBER: &[u8; 5] = b"amber";

/// The starts of "amber" (any ASCII case) lying wholly in `bytes[from..to]`,
/// in order.
pub(super) fn ambers_in(bytes: &[u8], from: usize, to: usize) -> Vec<usize> {
    let to = to.min(bytes.len());
    if from >= to {
        return Vec::new();
    }
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2 (checked just above).
        return unsafe { x86::ambers_avx2(bytes, from, to) };
    }
    by_b(bytes, from, to)
}

/// Whether "amber" (any case) starts at `at` and ends by `to`.
fn amber_at(bytes: &[u8], at: usize, to: usize) -> bool {
    at + AMBER.len() <= to && bytes[at..at + AMBER.len()].eq_ignore_ascii_case(AMBER)
}

/// [`ambers_in`] by its `b`, which is five times rarer in English than the
/// `a` (any processor).
fn by_b(bytes: &[u8], from: usize, to: usize) -> Vec<usize> {
    memchr::memchr2_iter(b'b', b'B', &bytes[from..to])
        .filter_map(|i| (from + i).checked_sub(2))
        .filter(|&at| at >= from && amber_at(bytes, at, to))
        .collect()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::{AMBER, amber_at};

    /// # Safety
    /// The processor must have AVX2; `from < to <= bytes.len()`.
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn ambers_avx2(bytes: &[u8], from: usize, to: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let push = |out: &mut Vec<usize>, at: usize, mut hits: u32| {
            while hits != 0 {
                out.push(at + hits.trailing_zeros() as usize);
                hits &= hits - 1;
            }
        };
        let fold = _mm256_set1_epi8(0x20);
        let b = _mm256_set1_epi8(b'b' as i8);
        let mut at = from;
        // 64 starts per step: first whether any of them has a `b` two bytes
        // on, and only then the five compares. Text without a `b` (a long
        // line of `TTFT TTFT ...`, which a keystroke re-spots whole) goes
        // nearly as fast as `memchr2` took it; prose pays a little more.
        // The step's last load reads up to `at + 68`.
        while at + 64 + AMBER.len() - 1 <= to {
            // SAFETY: reads `at + 2 .. at + 66`, inside `bytes[..to]` by
            // the loop's bound; unaligned loads.
            let (low, high) = unsafe {
                (
                    _mm256_loadu_si256(bytes.as_ptr().add(at + 2).cast()),
                    _mm256_loadu_si256(bytes.as_ptr().add(at + 34).cast()),
                )
            };
            let any_b = _mm256_or_si256(
                _mm256_cmpeq_epi8(_mm256_or_si256(low, fold), b),
                _mm256_cmpeq_epi8(_mm256_or_si256(high, fold), b),
            );
            if _mm256_movemask_epi8(any_b) != 0 {
                // SAFETY: as for the loads above, `at + 36 <= at + 68 <= to`.
                push(&mut out, at, unsafe { step(bytes, at) });
                push(&mut out, at + 32, unsafe { step(bytes, at + 32) });
            }
            at += 64;
        }
        while at + 32 + AMBER.len() - 1 <= to {
            // SAFETY: by the loop's bound.
            push(&mut out, at, unsafe { step(bytes, at) });
            at += 32;
        }
        // The last few starts, one by one.
        out.extend((at..to).filter(|&i| amber_at(bytes, i, to)));
        out
    }

    /// Which of the 32 starts from `at` begin "amber" (any case), a bit each.
    ///
    /// # Safety
    /// The processor must have AVX2; `at + 36 <= bytes.len()`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn step(bytes: &[u8], at: usize) -> u32 {
        let fold = _mm256_set1_epi8(0x20);
        let mut all = _mm256_set1_epi8(-1);
        for (k, &letter) in AMBER.iter().enumerate() {
            // SAFETY: reads bytes `at + k .. at + k + 32`, inside `bytes` by
            // the contract; unaligned loads.
            let v = unsafe { _mm256_loadu_si256(bytes.as_ptr().add(at + k).cast()) };
            let same = _mm256_cmpeq_epi8(_mm256_or_si256(v, fold), _mm256_set1_epi8(letter as i8));
            all = _mm256_and_si256(all, same);
        }
        _mm256_movemask_epi8(all) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every start by plain comparison.
    fn reference(bytes: &[u8], from: usize, to: usize) -> Vec<usize> {
        (from..to).filter(|&i| amber_at(bytes, i, to)).collect()
    }

    #[test]
    fn every_search_finds_amber_in_any_case_at_every_offset_and_range() {
        let words = [
            "amber",
            "AMBER",
            "aMbEr",
            "Amber",
            "ambe",
            "mber",
            "bamberamber",
        ];
        // After the word, more `b`s, or none (then only the word's own `b`
        // lets its 64-byte step be looked at).
        for (word, tail) in words.iter().flat_map(|w| [(w, " b"), (w, " x")]) {
            for pad in 0..140 {
                let text = format!("{}{word}{}", "x".repeat(pad), tail.repeat(40));
                let bytes = text.as_bytes();
                for (from, to) in [(0, bytes.len()), (pad, pad + 5), (pad + 1, bytes.len())] {
                    let to = to.min(bytes.len());
                    let want = reference(bytes, from, to);
                    assert_eq!(ambers_in(bytes, from, to), want, "{word}{tail} at {pad}");
                    assert_eq!(by_b(bytes, from, to), want, "{word}{tail} at {pad}, by b");
                }
            }
        }
    }

    #[test]
    fn folding_lets_no_other_byte_pass_as_a_letter() {
        // Setting `0x20` folds `A` to `a` and leaves `a` as it is; no other
        // byte becomes `a` (`!` is 0x21, 0xC1 becomes 0xE1).
        // Long enough for the vector steps, and each search is checked.
        let mut text = b"!mber \xC1mber \xE1mber ambe\x02r Amber".to_vec();
        let want = [text.len() - 5];
        text.extend_from_slice(&[b' '; 40]);
        assert_eq!(ambers_in(&text, 0, text.len()), want);
        assert_eq!(by_b(&text, 0, text.len()), want);
    }
}
