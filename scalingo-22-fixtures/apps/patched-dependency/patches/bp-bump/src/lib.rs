/// The version of this crate that the app was built with.
pub fn version() -> &'static str {
    "0.1.5-patched"
}

/// Enough generic code that each version leaves real artifacts behind.
pub fn checksum<T: AsRef<[u8]>>(items: &[T]) -> u64 {
    items.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, item| {
        item.as_ref().iter().fold(hash, |h, byte| (h ^ u64::from(*byte)).wrapping_mul(0x100_0000_01b3))
    })
}
