//! Kubernetes resource quantities (`4`, `3920m`, `16393216Ki`, `16Gi`,
//! `129e6`), as node capacities print them.

use nom::branch::alt;
use nom::character::complete::{char, digit0, i32 as exponent, one_of};
use nom::combinator::{eof, opt, success, value};
use nom::error::{Error, ErrorKind};
use nom::sequence::{preceded, terminated};
use nom::{IResult, Parser};

/// The factor of a quantity suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Multiplier {
    /// Times 1024 to this power (`Ki` .. `Ei`).
    Binary(u32),
    /// Times 10 to this power (`n` .. `E`, and exponents `e3`).
    Decimal(i32),
}

/// The digits of a decimal number without its point, and how many of them
/// follow the point: `3.25` → (325, 2).
fn mantissa(i: &str) -> IResult<&str, (u128, u32)> {
    let (rest, (whole, fraction)) = (digit0, opt(preceded(char('.'), digit0))).parse(i)?;
    let fraction = fraction.unwrap_or_default();
    let too_large = || nom::Err::Error(Error::new(i, ErrorKind::TooLarge));
    if whole.is_empty() && fraction.is_empty() {
        return Err(nom::Err::Error(Error::new(i, ErrorKind::Digit)));
    }
    let mut n: u128 = 0;
    for d in whole.bytes().chain(fraction.bytes()) {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u128::from(d - b'0')))
            .ok_or_else(too_large)?;
    }
    let scale = u32::try_from(fraction.len()).map_err(|_| too_large())?;
    Ok((rest, (n, scale)))
}

/// A quantity suffix: binary `Ki`..`Ei`, decimal `n`, `u`, `m`, `k`, `M`..`E`,
/// an exponent `e3`/`E-2`, or none.
fn multiplier(i: &str) -> IResult<&str, Multiplier> {
    use Multiplier::{Binary, Decimal};
    alt((
        preceded(one_of("eE"), exponent).map(Decimal),
        alt((
            value(Binary(1), char('K').and(char('i'))),
            value(Binary(2), char('M').and(char('i'))),
            value(Binary(3), char('G').and(char('i'))),
            value(Binary(4), char('T').and(char('i'))),
            value(Binary(5), char('P').and(char('i'))),
            value(Binary(6), char('E').and(char('i'))),
        )),
        alt((
            value(Decimal(-9), char('n')),
            value(Decimal(-6), char('u')),
            value(Decimal(-3), char('m')),
            value(Decimal(3), char('k')),
            value(Decimal(6), char('M')),
            value(Decimal(9), char('G')),
            value(Decimal(12), char('T')),
            value(Decimal(15), char('P')),
            value(Decimal(18), char('E')),
        )),
        success(Decimal(0)),
    ))
    .parse(i)
}

/// A whole Kubernetes quantity: `4`, `3920m`, `16393216Ki`, `1.5Gi`, `129e6`.
fn quantity(i: &str) -> IResult<&str, ((u128, u32), Multiplier)> {
    terminated(preceded(opt(char('+')), (mantissa, multiplier)), eof).parse(i)
}

/// A quantity in `unit`s per whole, rounded up as Kubernetes does:
/// `scaled_quantity("3920m", 1000)` is 3920 millicores.
pub(super) fn scaled_quantity(text: &str, unit: u128) -> Option<u64> {
    let (_, ((digits, scale), mult)) = quantity(text.trim()).ok()?;
    let mut num = digits.checked_mul(unit)?;
    let mut den = 10u128.checked_pow(scale)?;
    match mult {
        Multiplier::Binary(k) => num = num.checked_mul(1024u128.checked_pow(k)?)?,
        Multiplier::Decimal(p) if p >= 0 => {
            num = num.checked_mul(10u128.checked_pow(p.unsigned_abs())?)?;
        }
        Multiplier::Decimal(p) => den = den.checked_mul(10u128.checked_pow(p.unsigned_abs())?)?,
    }
    u64::try_from(num.checked_add(den - 1)? / den).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mantissa_keeps_the_digits_and_the_scale() {
        assert_eq!(mantissa("3920m"), Ok(("m", (3920, 0))));
        assert_eq!(mantissa("3.25Gi"), Ok(("Gi", (325, 2))));
        assert_eq!(mantissa(".5"), Ok(("", (5, 1))));
        assert!(mantissa("Ki").is_err());
        assert!(mantissa(".").is_err());
        assert!(mantissa(&"9".repeat(50)).is_err());
    }

    #[test]
    fn multiplier_reads_binary_decimal_and_exponent_suffixes() {
        assert_eq!(multiplier("Ki"), Ok(("", Multiplier::Binary(1))));
        assert_eq!(multiplier("Ei"), Ok(("", Multiplier::Binary(6))));
        assert_eq!(multiplier("E"), Ok(("", Multiplier::Decimal(18))));
        assert_eq!(multiplier("e3"), Ok(("", Multiplier::Decimal(3))));
        assert_eq!(multiplier("E-2"), Ok(("", Multiplier::Decimal(-2))));
        assert_eq!(multiplier("m"), Ok(("", Multiplier::Decimal(-3))));
        assert_eq!(multiplier(""), Ok(("", Multiplier::Decimal(0))));
        assert_eq!(multiplier("x"), Ok(("x", Multiplier::Decimal(0))));
    }

    #[test]
    fn quantities_scale_to_millicores_and_bytes() {
        assert_eq!(scaled_quantity("4", 1000), Some(4000));
        assert_eq!(scaled_quantity("3920m", 1000), Some(3920));
        assert_eq!(scaled_quantity("0.5", 1000), Some(500));
        assert_eq!(scaled_quantity("100n", 1000), Some(1));
        assert_eq!(scaled_quantity("16393216Ki", 1), Some(16_786_653_184));
        assert_eq!(scaled_quantity("16Gi", 1), Some(17_179_869_184));
        assert_eq!(scaled_quantity("17179869184", 1), Some(17_179_869_184));
        assert_eq!(scaled_quantity("129e6", 1), Some(129_000_000));
        assert_eq!(scaled_quantity("1.5Gi", 1), Some(1_610_612_736));
        assert_eq!(scaled_quantity("2k", 1), Some(2000));
        for bad in [
            "",
            "Gi",
            "4 cores",
            "-1",
            "1Zi",
            "1e99999999999",
            "99999Ei",
            "1.2.3",
        ] {
            assert_eq!(scaled_quantity(bad, 1000), None, "{bad}");
        }
    }
}
