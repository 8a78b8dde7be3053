//! Text to vectors for the domain classifier and MMD: a hashed bag of words, so no vocabulary
//! has to be fitted or stored.

use ndarray::Array2;

/// Dimensions of a hashed text vector.
pub const TEXT_DIMENSIONS: usize = 256;

/// One L2-normalised row of hashed lower-case word counts per text.
pub fn hashed_bag_of_words<S: AsRef<str>>(texts: &[S]) -> Array2<f64> {
    let mut rows = Array2::<f64>::zeros((texts.len(), TEXT_DIMENSIONS));
    for (i, text) in texts.iter().enumerate() {
        let mut row = rows.row_mut(i);
        for word in text
            .as_ref()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            row[fnv1a(&word.to_lowercase()) as usize % TEXT_DIMENSIONS] += 1.0;
        }
        let norm = row.dot(&row).sqrt();
        if norm > 0.0 {
            row /= norm;
        }
    }
    rows
}

fn fnv1a(word: &str) -> u64 {
    word.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
