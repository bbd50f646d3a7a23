//! A line's Tags column (a JSON object) read as (key, value) pairs, and the tags texts
//! read lately kept with their pairs: a resource's lines repeat its tags hour after
//! hour, and parsing the JSON again was a third of a Parquet row's reading (ten
//! allocations a line).

// `entry_ref`: a text already read costs one lookup, and only a new one is copied.
type HashMap<K, V> = hashbrown::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// How many different tags texts are kept: about 2 MB; once full they are forgotten
/// and the next ones kept instead.
const KEPT: usize = 16_384;

/// (tag key, tag value) as numbered by the caller's names.
pub type TagPair = (u32, u32);

#[derive(Debug, Default)]
pub struct TagSets {
    /// None: the text is not a JSON object.
    read: HashMap<String, Option<Box<[TagPair]>>>,
}

impl TagSets {
    /// `text`'s pairs, numbered by `intern`; None when it is not a JSON object.
    pub fn pairs(&mut self, text: &str, intern: impl FnMut(&str) -> u32) -> Option<&[TagPair]> {
        if self.read.len() >= KEPT {
            self.read.clear();
        }
        self.read
            .entry_ref(text)
            .or_insert_with(|| numbered(text, intern))
            .as_deref()
    }
}

fn numbered(text: &str, mut intern: impl FnMut(&str) -> u32) -> Option<Box<[TagPair]>> {
    let pairs = parse_tags(text)?;
    Some(
        pairs
            .iter()
            .map(|(key, value)| (intern(key), intern(value)))
            .collect(),
    )
}

/// A JSON object of tags (`{"team":"payments","env":"prod"}`) as (key, value) pairs;
/// a value that is not text is kept as its JSON. None when it is not an object.
pub fn parse_tags(text: &str) -> Option<Vec<(String, String)>> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let object = value.as_object()?;
    Some(
        object
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), v)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_read_again_gives_the_same_pairs_without_numbering_them_again() {
        let mut names: Vec<String> = Vec::new();
        let mut calls = 0;
        let mut intern = |name: &str| {
            calls += 1;
            match names.iter().position(|n| n == name) {
                Some(i) => i as u32,
                None => {
                    names.push(name.to_string());
                    (names.len() - 1) as u32
                }
            }
        };
        let mut sets = TagSets::default();
        let text = r#"{"team":"payments","env":"prod","owner":null,"cost":3}"#;
        let first = sets.pairs(text, &mut intern).map(<[_]>::to_vec);
        let again = sets.pairs(text, &mut intern).map(<[_]>::to_vec);
        assert_eq!(first, Some(vec![(0, 1), (2, 3), (4, 5)]));
        assert_eq!(again, first);
        assert_eq!(sets.pairs("[1,2]", &mut intern), None);
        assert_eq!(sets.pairs("not json", &mut intern), None);
        assert_eq!(calls, 6, "numbered once");
        assert_eq!(names, ["team", "payments", "env", "prod", "cost", "3"]);
    }

    #[test]
    fn past_the_kept_texts_the_old_are_forgotten_and_still_read_right() {
        let mut sets = TagSets::default();
        let mut next = 0;
        let mut intern = |_: &str| {
            next += 1;
            next
        };
        for i in 0..KEPT + 10 {
            let text = format!(r#"{{"n":"{i}"}}"#);
            assert!(sets.pairs(&text, &mut intern).is_some());
        }
        assert!(sets.read.len() <= KEPT);
        assert!(sets.pairs(r#"{"n":"0"}"#, &mut intern).is_some());
    }
}
