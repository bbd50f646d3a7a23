//! Counted nouns in messages and titles: "1 month", "2 months", never "month(s)".

/// "1 finding", "3 findings", "2 entries".
pub fn plural<N: TryInto<u64>>(count: N, noun: &str) -> String {
    let count: u64 = count.try_into().unwrap_or(u64::MAX);
    if count == 1 {
        return format!("1 {noun}");
    }
    let consonant_y = noun.ends_with('y')
        && !noun
            .chars()
            .rev()
            .nth(1)
            .is_some_and(|c| "aeiou".contains(c));
    match noun.strip_suffix('y') {
        Some(stem) if consonant_y => format!("{count} {stem}ies"),
        _ => format!("{count} {noun}s"),
    }
}

/// `text` in at most `width` characters, ending in "…" when cut, so a cut never reads
/// as the whole text. (Every character costscope writes is one column wide.)
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    match width {
        0 => String::new(),
        _ => text.chars().take(width - 1).chain(['…']).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::{fit, plural};

    #[test]
    fn a_cut_text_ends_in_an_ellipsis() {
        assert_eq!(fit("identity-prod", 12), "identity-pr…");
        assert_eq!(fit("identity-prod", 13), "identity-prod");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn one_is_singular_and_the_rest_plural() {
        assert_eq!(plural(1u64, "month"), "1 month");
        assert_eq!(plural(0u64, "month"), "0 months");
        assert_eq!(plural(2u64, "entry"), "2 entries");
        assert_eq!(plural(3u64, "day"), "3 days");
    }
}
