//! LEB128 varints: seven bits a byte, low bits first, the high bit set on
//! every byte but the last. The stored sketches and round groups use them.

/// Appends `v`.
pub fn put(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Reads a varint at `*at` and moves past it; `None` when the bytes end
/// first or it is longer than 64 bits.
pub fn get(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_truncation() {
        let mut out = Vec::new();
        for v in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            out.clear();
            put(&mut out, v);
            let mut at = 0;
            assert_eq!(get(&out, &mut at), Some(v));
            assert_eq!(at, out.len());
            if out.len() > 1 {
                assert_eq!(get(&out[..out.len() - 1], &mut 0), None, "{v} cut short");
            }
        }
    }
}
