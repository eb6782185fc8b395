//! Terminal tables whose columns size to their content: every column starts
//! at the same offset on every line, numbers never run into each other, and
//! a cell too long for its column (a node name of a large fleet) is
//! shortened in the middle, where names of one fleet differ least.

use std::io::{self, Write};

/// Where a column's text sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column: its title, alignment and widest allowed cell.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub title: &'static str,
    pub align: Align,
    /// Cells longer than this are shortened in the middle (`None`: never).
    pub max: Option<usize>,
    /// The column is at least this wide, so tables printed one after
    /// another line up when their content allows.
    pub min: usize,
}

impl Column {
    pub const fn left(title: &'static str) -> Column {
        Column {
            title,
            align: Align::Left,
            max: None,
            min: 0,
        }
    }

    pub const fn right(title: &'static str) -> Column {
        Column {
            title,
            align: Align::Right,
            max: None,
            min: 0,
        }
    }

    pub const fn at_most(self, max: usize) -> Column {
        Column {
            max: Some(max),
            ..self
        }
    }

    pub const fn at_least(self, min: usize) -> Column {
        Column { min, ..self }
    }
}

/// Colours a padded cell.
pub type Painter = Box<dyn Fn(&str) -> String>;

/// One cell: its text and how to colour it once padded (escape codes have
/// no width, so colour comes last).
pub struct Cell {
    pub text: String,
    pub paint: Option<Painter>,
}

impl Cell {
    pub fn painted(text: String, paint: impl Fn(&str) -> String + 'static) -> Cell {
        Cell {
            text,
            paint: Some(Box::new(paint)),
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, paint: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// Space between columns.
const GUTTER: &str = "  ";

/// `text` cut to `max` characters by replacing its middle with `…`.
pub fn shorten_middle(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max || max < 3 {
        return text.to_string();
    }
    let keep = max - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// Writes the header and the rows; the last column is not padded.
pub fn write(out: &mut dyn Write, columns: &[Column], rows: Vec<Vec<Cell>>) -> io::Result<()> {
    let mut rows = rows;
    for row in &mut rows {
        for (cell, col) in row.iter_mut().zip(columns) {
            if let Some(max) = col.max {
                cell.text = shorten_middle(&cell.text, max);
            }
        }
    }
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|cell| cell.text.chars().count())
                .chain([c.title.chars().count(), c.min])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let header: Vec<Cell> = columns.iter().map(|c| Cell::from(c.title)).collect();
    line(out, columns, &widths, &header)?;
    for row in &rows {
        line(out, columns, &widths, row)?;
    }
    Ok(())
}

fn line(
    out: &mut dyn Write,
    columns: &[Column],
    widths: &[usize],
    cells: &[Cell],
) -> io::Result<()> {
    let mut text = String::new();
    let last = columns.len().saturating_sub(1);
    for (i, (col, w)) in columns.iter().zip(widths).enumerate() {
        let cell = cells.get(i);
        let raw = cell.map_or("", |c| c.text.as_str());
        let pad = w.saturating_sub(raw.chars().count());
        let padded = match col.align {
            Align::Left if i == last => raw.to_string(),
            Align::Left => format!("{raw}{}", " ".repeat(pad)),
            Align::Right => format!("{}{raw}", " ".repeat(pad)),
        };
        let shown = match cell.and_then(|c| c.paint.as_ref()) {
            Some(paint) => paint(&padded),
            None => padded,
        };
        if i > 0 {
            text.push_str(GUTTER);
        }
        text.push_str(&shown);
    }
    writeln!(out, "{}", text.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_size_to_their_content_and_never_touch() {
        let cols = [
            Column::left("NODE"),
            Column::right("PEAK"),
            Column::right("LIMIT"),
            Column::left("TOP"),
        ];
        let rows = vec![
            vec![
                "n1".into(),
                "1,000,000".into(),
                "4,194,304".into(),
                "web".into(),
            ],
            vec!["node-22".into(), "-".into(), "65,536".into(), "-".into()],
        ];
        let mut out = Vec::new();
        write(&mut out, &cols, rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "NODE          PEAK      LIMIT  TOP\n\
             n1       1,000,000  4,194,304  web\n\
             node-22          -     65,536  -\n"
        );
    }

    #[test]
    fn long_cells_are_shortened_in_the_middle() {
        assert_eq!(shorten_middle("abcdefghij", 7), "abc…hij");
        assert_eq!(shorten_middle("abcdefghij", 10), "abcdefghij");
        assert_eq!(shorten_middle("abcdefghij", 6), "abc…ij");
        let cols = [Column::left("NODE").at_most(12), Column::right("N")];
        let mut out = Vec::new();
        write(
            &mut out,
            &cols,
            vec![vec![
                "gke-shop-prod-default-pool-3f9a1c27-ofne".into(),
                "1".into(),
            ]],
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "NODE          N\ngke-sh…-ofne  1\n"
        );
    }
}
