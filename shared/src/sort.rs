//! A sort for the short lists the browser sorts.
//!
//! Each use of the standard library's sorts (and of collecting into a
//! `BTreeMap`, which sorts) is its own few kilobytes of wasm; one small
//! generic function is less. The lists sorted with it are short (regions,
//! days, a graph's chunks), so its quadratic worst case does not matter.

/// Sorts `v` stably by `less` (insertion sort).
pub fn small<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_stably() {
        let mut v = [(3, 'a'), (1, 'b'), (3, 'c'), (0, 'd'), (1, 'e')];
        super::small(&mut v, |a, b| a.0 < b.0);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (3, 'a'), (3, 'c')]);
        let mut e: [u8; 0] = [];
        super::small(&mut e, |a, b| a < b);
    }
}
