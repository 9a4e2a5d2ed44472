//! Splitting a command line into words the way vsh does: blanks separate words, `;` and
//! newlines separate commands, `#` at a word's start comments out the rest of the line,
//! single quotes keep everything literal, double quotes keep blanks, and a backslash escapes
//! the next character (outside single quotes).

/// One token of a command string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(String),
    /// End of one command (`;`, newline or a comment).
    CommandEnd,
}

/// Why a command string cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizeError {
    DanglingBackslash,
    MissingDoubleQuote,
}

impl std::fmt::Display for TokenizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DanglingBackslash => f.write_str("dangling \\"),
            Self::MissingDoubleQuote => f.write_str("missing \""),
        }
    }
}

/// Splits `line` into words and command ends.
pub fn tokenize(line: &str) -> Result<Vec<Token>, TokenizeError> {
    let chars: Vec<char> = line.chars().collect();
    let mut tokens = Vec::new();
    let mut pos = 0;
    loop {
        // Skip blanks and escaped newlines between words.
        while pos < chars.len() {
            match chars[pos] {
                ' ' | '\t' => pos += 1,
                '\\' if chars.get(pos + 1) == Some(&'\n') => pos += 2,
                _ => break,
            }
        }
        let Some(&c) = chars.get(pos) else {
            return Ok(tokens);
        };
        if c == ';' || c == '\n' {
            tokens.push(Token::CommandEnd);
            pos += 1;
            continue;
        }
        if c == '#' {
            while pos < chars.len() && chars[pos] != '\n' {
                pos += 1;
            }
            pos += 1;
            tokens.push(Token::CommandEnd);
            continue;
        }
        let (word, next) = read_word(&chars, pos)?;
        tokens.push(Token::Word(word));
        pos = next;
    }
}

/// Reads one word starting at `start`; returns it and the position after it.
fn read_word(chars: &[char], start: usize) -> Result<(String, usize), TokenizeError> {
    let mut word = String::new();
    let mut single = false;
    let mut double = false;
    let mut pos = start;
    while let Some(&c) = chars.get(pos) {
        if !single && !double && matches!(c, ' ' | '\t' | ';' | '\n') {
            break;
        }
        if !double && c == '\'' {
            single = !single;
            pos += 1;
            continue;
        }
        if !single && c == '\\' {
            pos += 1;
            match chars.get(pos) {
                None => return Err(TokenizeError::DanglingBackslash),
                Some('\n') => {
                    pos += 1;
                    continue;
                }
                Some(&escaped) => {
                    word.push(escaped);
                    pos += 1;
                    continue;
                }
            }
        }
        if !single && c == '"' {
            double = !double;
            pos += 1;
            continue;
        }
        word.push(c);
        pos += 1;
    }
    if double {
        return Err(TokenizeError::MissingDoubleQuote);
    }
    Ok((word, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<Token> {
        tokenize(line).unwrap()
    }

    fn w(s: &str) -> Token {
        Token::Word(s.to_string())
    }

    #[test]
    fn blanks_and_semicolons() {
        assert_eq!(
            words("  list --all ;start  test"),
            vec![
                w("list"),
                w("--all"),
                Token::CommandEnd,
                w("start"),
                w("test")
            ]
        );
        assert_eq!(words("a;b"), vec![w("a"), Token::CommandEnd, w("b")]);
        assert_eq!(words(""), vec![]);
    }

    #[test]
    fn quotes() {
        assert_eq!(
            words("echo 'a b;c' \"d e\""),
            vec![w("echo"), w("a b;c"), w("d e")]
        );
        assert_eq!(words("x'y'\"z\""), vec![w("xyz")]);
        assert_eq!(words("'a\\b'"), vec![w("a\\b")]);
        assert_eq!(words("\"a\\\"b\""), vec![w("a\"b")]);
        assert_eq!(words("\"it's\""), vec![w("it's")]);
    }

    #[test]
    fn backslashes() {
        assert_eq!(words("a\\ b"), vec![w("a b")]);
        assert_eq!(words("a\\;b"), vec![w("a;b")]);
        assert_eq!(tokenize("a\\"), Err(TokenizeError::DanglingBackslash));
        assert_eq!(words("a \\\n b"), vec![w("a"), w("b")]);
    }

    #[test]
    fn comments_and_errors() {
        assert_eq!(
            words("list # all\nuri"),
            vec![w("list"), Token::CommandEnd, w("uri")]
        );
        assert_eq!(words("a#b"), vec![w("a#b")]);
        assert_eq!(
            tokenize("echo \"open"),
            Err(TokenizeError::MissingDoubleQuote)
        );
    }
}
